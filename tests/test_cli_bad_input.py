"""`riskpool evaluate` / `demo` / `calendar` with bad input: exit 2, one message on stderr naming the
file, the key path, the value and what was expected; no traceback and nothing on stdout."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from riskpool.cli import main

EXAMPLE_2027 = Path(__file__).resolve().parents[1] / "examples" / "holidays" / "2027-example.yaml"

# A good filing question for kezhou-industry; each case below breaks one thing in it.
GOOD: dict[str, Any] = {
    "program": "kezhou-industry",
    "question": "file",
    "on": "2026-03-02",
    "facts": {
        "loan": {"amount": 1000000, "issue_date": "2026-03-02", "term_months": 12},
        "borrower_whitelisted": True,
        "fund_balance": 50000000,
    },
}


@pytest.fixture(autouse=True)
def _no_user_holiday_notices(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Never read the notices of whoever runs the tests."""
    folder = tmp_path / "holidays"
    folder.mkdir()
    monkeypatch.setenv("RISKPOOL_HOLIDAY_DIR", str(folder))
    return folder


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def write(tmp_path: Path, question: Any, name: str = "question.yaml") -> Path:
    # JSON is a subset of YAML; `riskpool evaluate` reads both.
    path = tmp_path / name
    path.write_text(json.dumps(question, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def changed(**changes: Any) -> dict[str, Any]:
    """GOOD with top-level keys replaced (None deletes) or facts replaced via `facts__key`."""
    q = json.loads(json.dumps(GOOD))
    for key, value in changes.items():
        target, name = (q["facts"], key.removeprefix("facts__")) if key.startswith("facts__") else (q, key)
        if value is None:
            del target[name]
        else:
            target[name] = value
    return q


def rejected(capsys: pytest.CaptureFixture[str], path: Path) -> str:
    """Evaluate a bad question: exit 2, nothing on stdout, no traceback; the stderr message is returned."""
    rc, out, err = run(capsys, "evaluate", str(path))
    assert rc == 2, out
    assert out == ""
    assert "Traceback" not in err
    assert err.startswith(f"riskpool: {path}: "), err
    assert err.count("\n") == 1, "one message, one line"
    return err


def test_the_good_question_is_answered(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = run(capsys, "evaluate", str(write(tmp_path, GOOD)))
    assert rc == 0, err
    assert json.loads(out)["outcome"] == "approved"


# ---------------------------------------------------------------- the question itself


def test_unknown_program_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = rejected(capsys, write(tmp_path, changed(program="nowhere-county")))
    assert "program: nowhere-county: unknown program" in err
    assert "known programs: kezhou-industry, kunshan-kunyurong, pingluo-puhui-yidai" in err


def test_unknown_question_kind(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = rejected(capsys, write(tmp_path, changed(question="fly")))
    assert "question: " in err
    assert "(got 'fly')" in err
    assert "'admit', 'file', 'claim'" in err  # what was expected


def test_missing_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = rejected(capsys, write(tmp_path, changed(on=None)))
    assert "on: required key is missing" in err


def test_impossible_date(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = rejected(capsys, write(tmp_path, changed(on="2026-02-30")))
    assert "on: " in err
    assert "valid date" in err
    assert "(got '2026-02-30')" in err


def test_text_for_a_date(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = rejected(capsys, write(tmp_path, changed(on="tomorrow")))
    assert "on: " in err and "valid date" in err and "'tomorrow'" in err


def test_unknown_top_level_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = rejected(capsys, write(tmp_path, changed(colour="red")))
    assert "colour: unknown key" in err
    assert "'red'" in err


def test_plain_yaml_on_key_is_the_decision_date(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`on:` written plainly in YAML is the key "on", not YAML 1.1's boolean true."""
    path = tmp_path / "question.yaml"
    path.write_text("program: kezhou-industry\n"
                    "question: file\n"
                    "on: 2026-03-02\n"
                    "facts:\n"
                    "  loan: {amount: 1000000, issue_date: 2026-03-02, term_months: 12}\n"
                    "  borrower_whitelisted: true\n"
                    "  fund_balance: 50000000\n", encoding="utf-8")
    rc, out, err = run(capsys, "evaluate", str(path))
    assert rc == 0, err
    assert json.loads(out)["on"] == "2026-03-02"


# ---------------------------------------------------------------- the facts


def test_non_numeric_amount(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = rejected(capsys, write(tmp_path, changed(facts__fund_balance="abc")))
    assert "facts.fund_balance: " in err
    assert "expected a decimal number" in err
    assert "'abc'" in err


def test_negative_amount(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    loan = dict(GOOD["facts"]["loan"], amount=-5)
    err = rejected(capsys, write(tmp_path, changed(facts__loan=loan)))
    assert "facts.loan.amount: " in err
    assert "greater than 0" in err
    assert "-5" in err


def test_unknown_fact_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    loan = dict(GOOD["facts"]["loan"], colour="red")
    err = rejected(capsys, write(tmp_path, changed(facts__loan=loan)))
    assert "facts.loan.colour: unknown key" in err
    assert "'red'" in err


def test_missing_fact(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = rejected(capsys, write(tmp_path, changed(facts__fund_balance=None)))
    assert "facts.fund_balance: required key is missing" in err


def test_question_dated_before_the_program_start(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    q = {"program": "kezhou-industry", "question": "management-fee", "on": "2020-01-01",
         "facts": {"annual_income": "1000000"}}
    err = rejected(capsys, write(tmp_path, q))
    assert "on: kezhou-industry 第二十一条: no value in force on 2020-01-01" in err
    assert "2025-03-15" in err  # kezhou-industry's start: when the first value applies


def test_filing_before_the_program_start_is_a_refusal_not_an_error(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = run(capsys, "evaluate", str(write(tmp_path, changed(on="2020-01-01"))))
    assert rc == 0, err
    result = json.loads(out)
    assert result["outcome"] == "refused"
    assert [(r["code"], r["article"]) for r in result["reasons"] if r["blocking"]] == [
        ("PROGRAM_NOT_IN_FORCE", "第二十七条")]


def test_deadline_in_a_year_without_holiday_notice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    q = {"program": "kezhou-industry", "question": "deadline", "on": "2027-03-01",
         "facts": {"name": "manager_first_review", "event_date": "2027-03-01"}}
    err = rejected(capsys, write(tmp_path, q))
    assert "No working-day data for 2027" in err
    assert "`riskpool calendar load FILE`" in err


def test_deadline_in_2027_once_the_notice_is_loaded(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    _no_user_holiday_notices: Path) -> None:
    rc, out, err = run(capsys, "calendar", "load", str(EXAMPLE_2027))
    assert rc == 0, err
    assert (_no_user_holiday_notices / "2027.yaml").is_file()
    q = {"program": "kezhou-industry", "question": "deadline", "on": "2027-03-01",
         "facts": {"name": "manager_first_review", "event_date": "2027-03-01"}}
    rc, out, err = run(capsys, "evaluate", str(write(tmp_path, q)))
    assert rc == 0, err
    assert json.loads(out)["details"]["actor"] == "fund_manager"


def test_unknown_deadline_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    q = {"program": "kezhou-industry", "question": "deadline", "on": "2026-03-02",
         "facts": {"name": "lunch", "event_date": "2026-03-02"}}
    err = rejected(capsys, write(tmp_path, q))
    assert "'lunch'" in err
    assert "manager_first_review" in err  # the deadlines it has


# ---------------------------------------------------------------- the file


def test_question_file_that_is_not_yaml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "question.yaml"
    path.write_text('{"program": "kezhou-industry", "question": [file\n', encoding="utf-8")
    err = rejected(capsys, path)
    assert "not valid YAML" in err
    assert "line " in err


def test_question_file_that_is_a_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = rejected(capsys, write(tmp_path, [GOOD]))
    assert "(top level): expected a mapping" in err


def test_missing_question_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = rejected(capsys, tmp_path / "nowhere.yaml")
    assert "cannot read the file" in err


def test_broken_policy_file_named_by_the_question(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "kezhou-industry.yaml"
    policy.write_text("- not a program\n", encoding="utf-8")
    err = rejected(capsys, write(tmp_path, changed(program="kezhou-industry.yaml")))
    assert f"program: {policy}: (top level): expected a mapping of keys, got list" in err


def test_one_bad_question_among_good_ones_prints_nothing(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    good = write(tmp_path, GOOD, "good.yaml")
    bad = write(tmp_path, changed(facts__fund_balance="abc"), "bad.yaml")
    rc, out, err = run(capsys, "evaluate", str(good), str(bad))
    assert rc == 2
    assert out == ""
    assert err.startswith(f"riskpool: {bad}: facts.fund_balance: ")


# ---------------------------------------------------------------- demo and calendar


def test_demo_on_an_empty_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "questions"
    folder.mkdir()
    rc, out, err = run(capsys, "demo", "--stories", str(folder), "--questions", str(folder))
    assert rc == 2
    assert out == ""
    assert "Traceback" not in err
    assert f"{folder} and {folder}: no scenario or question files found" in err


def test_demo_with_a_bad_question(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "questions"
    folder.mkdir()
    bad = write(folder, changed(question="fly"))
    rc, _, err = run(capsys, "demo", "--stories", str(tmp_path / "none"), "--questions", str(folder))
    assert rc == 2
    assert "Traceback" not in err
    assert err.startswith(f"riskpool: {bad}: question: ")


def test_calendar_check_make_up_saturday(capsys: pytest.CaptureFixture[str]) -> None:
    # 2026-10-10 is a Saturday worked in exchange for the National Day holiday (调休上班).
    rc, out, err = run(capsys, "calendar", "check", "2026-10-10")
    assert rc == 0, err
    assert out.strip() == "2026-10-10 is a working day"


def test_calendar_check_holiday_and_add(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "calendar", "check", "2026-10-05")
    assert rc == 0
    assert out.strip() == "2026-10-05 is not a working day"
    rc, out, _ = run(capsys, "calendar", "check", "2026-09-30", "--add", "1")
    assert rc == 0
    assert out.strip() == "2026-09-30 is a working day; +1 working days → 2026-10-08"


def test_calendar_check_impossible_date(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["calendar", "check", "2026-02-30"])
    assert exc.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "expected a date YYYY-MM-DD, got '2026-02-30'" in err
    assert "Traceback" not in err


def test_calendar_check_2027_without_notice(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = run(capsys, "calendar", "check", "2027-03-01")
    assert rc == 2
    assert out == ""
    assert "No working-day data for 2027" in err and "riskpool calendar load" in err
