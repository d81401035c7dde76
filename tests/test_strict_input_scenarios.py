"""Strict input in scenario files: every bad number, code, text or YAML key is refused by
`riskpool scenario run` before the story touches the database — one line naming the file, the event and
field, the value and what was expected; exit 2; the database unchanged (the same on SQLite and PostgreSQL:
lengths are checked here, not by the column)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from riskpool.cli import main

BASE = {
    "story": "strict input",
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
    ],
}
FILE_LOAN = ("  - {on: 2025-06-02, do: file_loan, loan: L1, program: kezhou-industry, lender: kz-bank, guarantor: kz-g,\n"
             "     borrower: 91653001MA7K00010L, amount: 100000, term_months: 12}\n")


def story(tmp_path: Path, *event_lines: str, **changes) -> Path:
    """The base story as YAML, with events appended as written (so numbers keep the form they are given)."""
    data = {**BASE, **changes}
    events = data.pop("events")
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False) + "events:\n" + "".join(
        f"  - {json.dumps(e, ensure_ascii=False)}\n" for e in events)
    path = tmp_path / "story.yaml"
    path.write_text(text + "".join(event_lines), encoding="utf-8")
    return path


def _row_counts() -> dict[str, int]:
    from django.apps import apps

    return {m._meta.label: m._default_manager.count() for m in apps.get_models() if m._meta.app_label != "contenttypes"
            and not m._meta.label.startswith(("auth.", "admin.", "sessions."))}


@pytest.fixture
def database(django_db_blocker):
    from riskpool.cli import setup_django

    with django_db_blocker.unblock():
        setup_django()
        yield _row_counts


pytestmark = [pytest.mark.django_db(transaction=True)]


def refused(capsys, database, path: Path, *extra: str) -> str:
    before = database()
    rc = main(["scenario", "run", *extra, str(path)])
    out, err = capsys.readouterr()
    assert rc == 2, out
    assert out == ""
    assert "Traceback" not in err
    assert err.startswith(f"riskpool: {path}: "), err
    assert err.count("\n") == 1, "one line"
    assert database() == before, "nothing written"
    return err


def test_the_base_story_runs(tmp_path, capsys, database) -> None:
    assert main(["scenario", "run", str(story(tmp_path, FILE_LOAN))]) == 0, capsys.readouterr().err


def test_scenario_amount_with_three_decimals_is_refused(tmp_path, capsys, database) -> None:
    path = story(tmp_path, '  - {on: 2025-06-01, do: inject_capital, fund: kz-fund, amount: "1,000,000.505"}\n')
    err = refused(capsys, database, path, "--keep")
    assert ("event 3: amount: expected an amount exact to the fen (at most 2 decimal places), "
            "got '1,000,000.505'") in err


def test_scenario_huge_capital_is_refused_before_arithmetic(tmp_path, capsys, database) -> None:
    path = story(tmp_path, "  - {on: 2025-06-01, do: inject_capital, fund: kz-fund, amount: 10000000000000000}\n")
    err = refused(capsys, database, path, "--keep")
    assert "event 3: amount: expected an amount below 10,000,000,000,000 yuan, got 10000000000000000" in err
    path = story(tmp_path, "  - {on: 2025-06-01, do: repay, loan: L1, principal: 1" + "0" * 30 + "}\n")
    err = refused(capsys, database, path)
    assert "event 3: principal: expected an amount below 10,000,000,000,000 yuan" in err


def test_scenario_tiny_exponent_is_refused_not_read_as_zero(tmp_path, capsys, database) -> None:
    path = story(tmp_path, "  - {on: 2025-06-01, do: record_income, fund: kz-fund, amount: 1e-30}\n")
    err = refused(capsys, database, path)
    assert "event 3: amount: expected a decimal number, got '1e-30'" in err


def test_scenario_misplaced_commas_are_refused(tmp_path, capsys, database) -> None:
    path = story(tmp_path, '  - {on: 2025-06-01, do: inject_capital, fund: kz-fund, amount: "8,0,0,0,0,0,0"}\n')
    err = refused(capsys, database, path, "--keep")
    assert "event 3: amount: expected a decimal number, got '8,0,0,0,0,0,0'" in err


def test_scenario_full_width_digits_are_refused(tmp_path, capsys, database) -> None:
    path = story(tmp_path, "  - {on: 2025-06-01, do: inject_capital, fund: kz-fund, amount: １０００}\n")
    err = refused(capsys, database, path)
    assert "event 3: amount: expected a decimal number, got '１０００'" in err


def test_scenario_boolean_amount_is_refused(tmp_path, capsys, database) -> None:
    path = story(tmp_path, "  - {on: 2025-06-01, do: inject_capital, fund: kz-fund, amount: true}\n")
    err = refused(capsys, database, path)
    assert "event 3: amount: expected a decimal number, got True" in err


def test_scenario_rate_with_seven_decimals_is_refused(tmp_path, capsys, database) -> None:
    path = story(tmp_path, FILE_LOAN.replace("term_months: 12}", "term_months: 12, guarantee_fee_rate: 0.0012345}"))
    err = refused(capsys, database, path)
    assert "event 3: guarantee_fee_rate: expected a number with at most 6 decimal places, got 0.0012345" in err


def test_scenario_year_out_of_range_is_refused(tmp_path, capsys, database) -> None:
    path = story(tmp_path, "  - {on: 2025-06-01, do: management_fee, fund: kz-fund, year: 20250}\n")
    err = refused(capsys, database, path)
    assert "event 3: year: expected a whole number from 1900 to 2200, got 20250" in err


def test_scenario_date_out_of_range_is_refused(tmp_path, capsys, database) -> None:
    path = story(tmp_path, "  - {on: 9999-12-31, do: inject_capital, fund: kz-fund, amount: 1}\n")
    err = refused(capsys, database, path)
    assert "event 3: on: expected a valid date YYYY-MM-DD in the years 1900–2200 (got '9999-12-31')" in err


def test_scenario_huge_term_is_refused(tmp_path, capsys, database) -> None:
    path = story(tmp_path, FILE_LOAN.replace("term_months: 12", "term_months: 99999999999"))
    err = refused(capsys, database, path)
    assert "event 3: term_months: expected a whole number from 1 to 1200, got 99999999999" in err


def test_loan_code_longer_than_60_is_refused(tmp_path, capsys, database) -> None:
    path = story(tmp_path, FILE_LOAN.replace("loan: L1", "loan: " + "L" * 61))
    err = refused(capsys, database, path)
    assert "event 3: loan: expected a code of 1 to 60 characters (no spaces), got 'LLLL" in err
    assert "(61 characters)" in err


def test_borrower_code_longer_than_40_is_refused(tmp_path, capsys, database) -> None:
    borrowers = [dict(BASE["borrowers"][0], code="9" * 41)]
    err = refused(capsys, database, story(tmp_path, borrowers=borrowers))
    assert "borrowers[0].code: expected a code of 1 to 40 characters (no spaces), got '99999" in err


def test_fund_code_must_be_a_slug_of_at_most_60(tmp_path, capsys, database) -> None:
    err = refused(capsys, database, story(tmp_path, fund=dict(BASE["fund"], code="克州 fund")))
    assert "fund.code: expected a code of 1 to 60 characters (letters, digits, - and _), got '克州 fund'" in err
    err = refused(capsys, database, story(tmp_path, fund=dict(BASE["fund"], code="f" * 61)))
    assert "fund.code: expected a code of 1 to 60 characters (letters, digits, - and _)" in err


def test_institution_code_must_be_a_slug(tmp_path, capsys, database) -> None:
    parties = [dict(BASE["parties"][0], code="kz/bank")] + BASE["parties"][1:]
    err = refused(capsys, database, story(tmp_path, parties=parties))
    assert "parties[0].code: expected a code of 1 to 60 characters (letters, digits, - and _), got 'kz/bank'" in err


def test_name_longer_than_200_is_refused(tmp_path, capsys, database) -> None:
    err = refused(capsys, database, story(tmp_path, fund=dict(BASE["fund"], name="克" * 201)))
    assert "fund.name: expected text of at most 200 characters, got '克克克" in err
    assert "(201 characters)" in err


def test_scenario_duplicate_yaml_key_is_refused(tmp_path, capsys, database) -> None:
    path = story(tmp_path, "  - on: 2025-06-01\n    do: inject_capital\n    fund: kz-fund\n    amount: 10\n"
                           "    amount: 1000\n")
    err = refused(capsys, database, path, "--keep")
    assert "events[2].amount: duplicate key 'amount' (given '10' at line" in err
    assert "then '1000'); expected each key once" in err


def test_scenario_billion_laughs_is_bounded(tmp_path, capsys, database) -> None:
    laughs = "x-lol: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"x-{n}: &{n} [" + ", ".join([f"*{p}"] * 9) + "]\n" for p, n in zip("abcdefgh", "bcdefghi"))
    path = story(tmp_path)
    path.write_text(laughs + path.read_text(encoding="utf-8"), encoding="utf-8")
    err = refused(capsys, database, path)
    assert "values once aliases are expanded" in err


def test_scenario_deep_nesting_is_refused(tmp_path, capsys, database) -> None:
    path = story(tmp_path)
    path.write_text(path.read_text(encoding="utf-8") + "expect: " + "[" * 100_000 + "]" * 100_000 + "\n",
                    encoding="utf-8")
    err = refused(capsys, database, path)
    assert "nested 51 levels deep; expected at most 50 levels" in err
