"""Bad scenario input: a message naming the file, the event number, the field and the rule; exit 2;
nothing written."""

from pathlib import Path

import pytest
import yaml

from riskpool.cli import main

BASE = {
    "story": "bad input",
    "fund": {"code": "kz-fund", "name": "克州", "programs": ["kezhou-industry"]},
    "parties": [{"code": "kz-bank", "name": "银行", "kind": "lender",
                 "agreements": [{"program": "kezhou-industry", "start": "2025-04-01", "end": "2030-03-31"}]},
                {"code": "kz-g", "name": "担保", "kind": "guarantor",
                 "agreements": [{"program": "kezhou-industry", "start": "2025-04-01", "end": "2030-03-31"}]}],
    "borrowers": [{"code": "91653001MA7K00010L", "name": "棉纺", "facts": {
        "registered_region": "克孜勒苏柯尔克孜自治州", "registered_on": "2022-04-01", "good_credit": True,
        "stable_cash_flow": True, "tax_compliant": True, "genuine_trade_background": True,
        "no_major_risk_event": True, "repayment_capacity": True, "industries": ["grain_oil"],
        "stable_employees_6m": 9}}],
    "events": [
        {"on": "2025-04-01", "do": "inject_capital", "fund": "kz-fund", "amount": 1000000},
        {"on": "2025-05-12", "do": "whitelist", "program": "kezhou-industry", "borrower": "91653001MA7K00010L"},
        {"on": "2025-06-02", "do": "file_loan", "loan": "L1", "program": "kezhou-industry", "lender": "kz-bank",
         "guarantor": "kz-g", "borrower": "91653001MA7K00010L", "amount": 100000, "term_months": 12},
    ],
}


def story(tmp_path: Path, *extra_events, **changes) -> Path:
    data = {**BASE, **changes}
    data["events"] = BASE["events"] + list(extra_events)
    path = tmp_path / "story.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def rejected(capsys, path: Path) -> str:
    rc = main(["scenario", "run", str(path)])
    out, err = capsys.readouterr()
    assert rc == 2 and out == "" and "Traceback" not in err
    return err


@pytest.fixture
def db_empty_after(django_db_blocker):
    yield
    from riskpool.loans.models import Loan
    from riskpool.registry.models import Fund

    with django_db_blocker.unblock():
        assert not Fund.objects.exists() and not Loan.objects.exists()  # nothing written


pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("db_empty_after")]


def test_a_good_story_runs(tmp_path, capsys):
    assert main(["scenario", "run", str(story(tmp_path))]) == 0
    assert '"L1"' in capsys.readouterr().out


def test_unknown_borrower(tmp_path, capsys):
    err = rejected(capsys, story(tmp_path, {"on": "2025-07-01", "do": "file_loan", "loan": "L2",
                                            "program": "kezhou-industry", "lender": "kz-bank", "guarantor": "kz-g",
                                            "borrower": "91653001MA7K00020M", "amount": 1, "term_months": 12}))
    assert "story.yaml: event 4: borrower: unknown borrower '91653001MA7K00020M'" in err


def test_unknown_program(tmp_path, capsys):
    err = rejected(capsys, story(tmp_path, fund={"code": "f", "name": "f", "programs": ["atlantis"]}))
    assert "story.yaml: fund:" in err and "unknown program" in err


def test_malformed_date_and_amount(tmp_path, capsys):
    err = rejected(capsys, story(tmp_path, {"on": "2025-02-30", "do": "repay", "loan": "L1", "principal": "abc"}))
    assert "event 4: on:" in err and "2025-02-30" in err
    assert "event 4: principal: expected a decimal number, got 'abc'" in err


def test_event_before_the_previous_one(tmp_path, capsys):
    err = rejected(capsys, story(tmp_path, {"on": "2025-05-01", "do": "repay", "loan": "L1", "principal": 1}))
    assert "event 4 (repay): on: 2025-05-01 is before the previous event's date 2025-06-02" in err


def test_payment_without_an_approved_claim(tmp_path, capsys):
    err = rejected(capsys, story(tmp_path, {"on": "2025-07-01", "do": "pay", "loan": "L1"}))
    assert "event 4: loan: L1 has no claim" in err


def test_unexpected_refusal_names_event_rule_and_article(tmp_path, capsys):
    err = rejected(capsys, story(tmp_path, {"on": "2025-07-01", "do": "file_loan", "loan": "L2",
                                            "program": "kezhou-industry", "lender": "kz-bank", "guarantor": "kz-g",
                                            "borrower": "91653001MA7K00010L", "amount": 200000, "term_months": 12}))
    # 1,000,000 × 10 % = 100,000 per borrower (第九条); 100,000 already filed
    assert "event 4 (file_loan on 2025-07-01): refused: loan L2 refused: PER_BORROWER_CAP [第九条]" in err


def test_expected_refusal_that_does_not_happen(tmp_path, capsys):
    err = rejected(capsys, story(tmp_path, {"on": "2025-07-01", "do": "repay", "loan": "L1", "principal": 1,
                                            "expect_refusal": "anything"}))
    assert "event 4 (repay on 2025-07-01): expected a refusal containing 'anything', but it went through" in err
