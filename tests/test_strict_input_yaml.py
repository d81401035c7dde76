"""Strict input, YAML (riskpool.yamlio.load, shared by policy, question and scenario files): duplicate keys
are refused instead of the last one winning; alias expansion, nesting depth and file size are bounded, so a
"billion laughs" file or 100,000-deep nesting ends at once in one line, exit 2, not in a hang or a
RecursionError."""

from __future__ import annotations

import time
from importlib import resources
from pathlib import Path

import pytest

from riskpool import yamlio
from riskpool.cli import main
from riskpool.policy import PolicyError, load_file

GOOD_QUESTION = """\
program: kezhou-industry
question: file
on: 2026-03-02
facts:
  loan: {amount: 1000000, issue_date: 2026-03-02, term_months: 12}
  borrower_whitelisted: true
  fund_balance: 50000000
"""

BILLION_LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{n}: &{n} [" + ", ".join([f"*{p}"] * 9) + "]\n" for p, n in zip("abcdefgh", "bcdefghi"))


def bundled_text(program_id: str) -> str:
    return (resources.files("riskpool.policy") / "programs" / f"{program_id}.yaml").read_text(encoding="utf-8")


def refused(capsys: pytest.CaptureFixture[str], *argv: str, path: Path) -> str:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    assert rc == 2, out
    assert "Traceback" not in err
    assert f"{path}: " in err
    assert err.count("\n") == 1, "one line"
    return err


def write(tmp_path: Path, text: str, name: str = "question.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_duplicate_yaml_key_is_refused(tmp_path, capsys) -> None:
    path = write(tmp_path, GOOD_QUESTION.replace("  fund_balance: 50000000\n",
                                                 "  fund_balance: 50000000\n  fund_balance: 1\n"))
    err = refused(capsys, "evaluate", str(path), path=path)
    assert err.startswith(f"riskpool: {path}: line 8, column 3: facts.fund_balance: duplicate key 'fund_balance' "
                          "(given '50000000' at line 7, then '1'); expected each key once"), err


def test_duplicate_key_in_a_json_question_is_refused(tmp_path, capsys) -> None:
    path = write(tmp_path, '{"program": "kezhou-industry", "program": "kunshan-kunyurong"}', "q.json")
    err = refused(capsys, "evaluate", str(path), path=path)
    assert "program: duplicate key 'program'" in err


def test_duplicate_leverage_in_a_policy_file_is_refused(tmp_path, capsys) -> None:
    """Today's YAML lets the last key win: a leverage of 10 would be read as 1000."""
    text = bundled_text("kezhou-industry")
    assert "    value: 10\n" in text
    path = write(tmp_path, text.replace("    value: 10\n", "    value: 10\n    value: 1000\n", 1),
                 "kezhou-industry.yaml")
    err = refused(capsys, "programs", "validate", str(path), path=path)
    assert "filing.leverage.value: duplicate key 'value' (given '10' at line" in err
    assert "then '1000'); expected each key once" in err
    with pytest.raises(PolicyError):
        load_file(path)


def test_merge_keys_may_be_overridden() -> None:
    """`<<: *base` then an explicit key is YAML's way to override, not a duplicate."""
    assert yamlio.load("base: &b {x: 1, y: 2}\nthis:\n  <<: *b\n  y: 3\n")["this"] == {"x": 1, "y": 3}


def test_billion_laughs_is_bounded(tmp_path, capsys) -> None:
    path = write(tmp_path, GOOD_QUESTION + BILLION_LAUGHS)
    started = time.monotonic()
    err = refused(capsys, "evaluate", str(path), path=path)
    assert time.monotonic() - started < 5
    assert "more than 200,000 values once aliases are expanded; expected at most 200,000" in err


def test_billion_laughs_policy_file_is_bounded(tmp_path, capsys) -> None:
    path = write(tmp_path, bundled_text("kezhou-industry") + BILLION_LAUGHS, "kezhou-industry.yaml")
    err = refused(capsys, "programs", "validate", str(path), path=path)
    assert "once aliases are expanded" in err


def test_alias_inside_its_own_anchor_is_refused(tmp_path, capsys) -> None:
    assert yamlio.load("a: &x [1]\nb: *x\n") == {"a": [1], "b": [1]}  # an alias to a closed anchor is fine …
    path = write(tmp_path, GOOD_QUESTION + "extra: &loop [1, *loop]\n")
    err = refused(capsys, "evaluate", str(path), path=path)
    assert "alias *loop is inside its own anchor; expected no recursive structure" in err  # … a loop is not


def test_deep_nesting_is_refused(tmp_path, capsys) -> None:
    path = write(tmp_path, "[" * 100_000 + "]" * 100_000)
    err = refused(capsys, "evaluate", str(path), path=path)
    assert "line 1, column 51: nested 51 levels deep; expected at most 50 levels" in err


def test_deep_block_nesting_is_refused(tmp_path, capsys) -> None:
    text = "".join("  " * i + f"k{i}:\n" for i in range(60)) + "  " * 60 + "v: 1\n"
    path = write(tmp_path, text, "kezhou-industry.yaml")
    err = refused(capsys, "programs", "validate", str(path), path=path)
    assert "nested 51 levels deep; expected at most 50 levels" in err


def test_oversized_file_is_refused(tmp_path, capsys) -> None:
    path = write(tmp_path, GOOD_QUESTION + "note: |\n" + ("  " + "x" * 98 + "\n") * 50_000)
    err = refused(capsys, "evaluate", str(path), path=path)
    assert "expected at most 1,000,000 characters" in err
    with pytest.raises(yamlio.YamlError, match="the file has 5,000,001 characters; expected at most 1,000,000"):
        yamlio.load("x" * 5_000_001)


def test_yaml_number_forms_stay_text() -> None:
    data = yamlio.load("a: [0x1F, 0o17, 017, 1_000, 1:30, 1.0e+5, 1e5, .inf, .nan, 12, -3, 0.625, yes, on, true]")
    assert data["a"] == ["0x1F", "0o17", "017", "1_000", "1:30", "1.0e+5", "1e5", ".inf", ".nan", 12, -3, 0.625,
                         "yes", "on", True]


def test_a_decimal_a_float_cannot_hold_stays_exact_text() -> None:
    assert yamlio.load("x: 0.1000000000000000055511151231257827")["x"] == "0.1000000000000000055511151231257827"
    assert yamlio.load("x: 1000000.505")["x"] == 1000000.505
