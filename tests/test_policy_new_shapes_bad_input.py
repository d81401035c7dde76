"""Bad policy files of the new shapes are refused with the file, the key path, the value and what was expected;
exit 2; `programs install` stores nothing (tier basis, contributors, reference-rate limits, cap windows,
deadline events)."""

from __future__ import annotations

from pathlib import Path

import pytest

from riskpool.cli import main

COUNTIES = Path(__file__).parents[1] / "examples" / "counties"
TENOR = (COUNTIES / "demo-tenor-guarantee.yaml").read_text(encoding="utf-8")
TWO = (COUNTIES / "demo-two-contributors.yaml").read_text(encoding="utf-8")


def changed(text: str, old: str, new: str) -> str:
    assert old in text, f"the example no longer holds {old!r}"
    return text.replace(old, new, 1)


CASES = [
    ("a tier basis naming an undeclared fact", TENOR, "    value: term_months\n", "    value: tenor_class\n",
     ["sharing.tier_basis", "'tenor_class'", "a fact declared under `facts`"]),
    ("a categorical tier on a numeric basis", TENOR, "- {above: 36,            fund: 0.40",
     "- {values: [long], fund: 0.40", ["sharing.ratios", "mix"]),
    ("contributor shares not summing to 100 %", TWO, "share: 0.30}", "share: 0.20}",
     ["contributors.shares", "90", "expected 100%"]),
    ("a spread without a reference rate", TWO, "{reference: lpr_1y, spread_bp: 50}", "{spread_bp: 50}",
     ["filing.loan_rate_max", "needs `reference`"]),
    ("a reference rate the package does not know", TWO, "{reference: lpr_1y, spread_bp: 50}",
     "{reference: shibor_3m, spread_bp: 50}", ["filing.loan_rate_max.value.reference", "shibor_3m", "lpr_1y"]),
    ("a window the schema does not know", TENOR, "window: calendar_year", "window: fiscal_year",
     ["sharing.compensation_rate_cap.value.window", "fiscal_year", "rolling_12_months"]),
    ("excess shares not summing to 100 %", TENOR, "excess_borne_by: guarantor",
     "excess_borne_by: {lender: 0.5, guarantor: 0.4}", ["sharing.compensation_rate_cap", "90", "expected 100%"]),
    ("a deadline event that does nothing", TENOR, "event: previous_step", "event: claim_received",
     ["deadlines.payment.value.event", "claim_received", "previous_step"]),
    ("leverage without its base", TWO, "  leverage_base:\n    article: 第八条\n    value: fund_size\n", "",
     ["leverage", "leverage_base", "together"]),
]


@pytest.mark.parametrize("label,text,old,new,expected", CASES, ids=[c[0] for c in CASES])
def test_refused_with_file_key_value_and_expectation(tmp_path, capsys, label, text, old, new, expected):
    path = tmp_path / "county.yaml"
    path.write_text(changed(text, old, new), encoding="utf-8")
    assert main(["programs", "validate", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    assert err.startswith(f"INVALID {path}:"), err
    for part in expected:
        assert part in err, f"{part!r} not in {err}"


@pytest.mark.django_db
def test_install_of_a_bad_file_stores_nothing(tmp_path, capsys):
    from riskpool.programs.models import Program

    path = tmp_path / "county.yaml"
    path.write_text(changed(TWO, "share: 0.30}", "share: 0.20}"), encoding="utf-8")
    assert main(["programs", "install", str(path)]) == 2
    assert "contributor shares sum to 90" in capsys.readouterr().err
    assert not Program.objects.filter(code="demo-two-contributors").exists()


def test_a_program_without_admission_or_whitelist_answers_admit_and_file_questions(tmp_path, capsys):
    """Only what the text says: no admission section → nothing to check but identity; no whitelist → the
    filing question needs no `borrower_whitelisted`."""
    import json

    for question, facts in (("admit", {"uscc": "91320583MA1K00020D"}),
                            ("file", {"loan": {"amount": 1000000, "issue_date": "2026-03-01", "term_months": 12},
                                      "fund_balance": 1000000})):
        q = tmp_path / f"{question}.json"
        q.write_text(json.dumps({"program": str(COUNTIES / "demo-tenor-guarantee.yaml"), "question": question,
                                 "on": "2026-03-01", "facts": facts}), encoding="utf-8")
        assert main(["evaluate", str(q)]) == 0
        assert json.loads(capsys.readouterr().out)["outcome"] == "approved"
