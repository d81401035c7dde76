"""The command line's exit codes and pipes: `riskpool evaluate` exits 1 when a question's `expect` is not
met (as `scenario run` does), and output piped into a reader that closes early ends quietly — no
BrokenPipeError traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from riskpool.cli import main

ROOT = Path(__file__).resolve().parents[1]
RISKPOOL = Path(sys.executable).parent / "riskpool"
FEE = ROOT / "examples" / "questions" / "kezhou-management-fee.yaml"
STORY = ROOT / "examples" / "scenarios" / "pingluo-rate-cap.yaml"


@pytest.fixture(autouse=True)
def _no_user_holiday_notices(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "holidays"
    folder.mkdir()
    monkeypatch.setenv("RISKPOOL_HOLIDAY_DIR", str(folder))


def test_evaluate_exits_0_when_expect_met(capsys) -> None:
    assert main(["evaluate", str(FEE)]) == 0
    assert json.loads(capsys.readouterr().out)["expectation_mismatches"] == []


def test_evaluate_exits_1_when_expect_unmet(tmp_path, capsys) -> None:
    path = tmp_path / "fee.yaml"
    path.write_text(FEE.read_text(encoding="utf-8").replace('fee: "256000.00"', 'fee: "256000.01"'), encoding="utf-8")
    rc = main(["evaluate", str(path)])
    out, err = capsys.readouterr()
    assert rc == 1, err
    assert json.loads(out)["expectation_mismatches"] == ["amounts.fee 256000.00, expected 256000.01"]


def test_evaluate_exits_1_when_one_of_several_expectations_is_unmet(tmp_path, capsys) -> None:
    path = tmp_path / "fee.yaml"
    path.write_text(FEE.read_text(encoding="utf-8").replace("outcome: approved", "outcome: refused"),
                    encoding="utf-8")
    assert main(["evaluate", str(FEE), str(path)]) == 1
    results = json.loads(capsys.readouterr().out)
    assert [bool(r["expectation_mismatches"]) for r in results] == [False, True]


def test_expected_amount_that_is_not_a_number_is_refused(tmp_path, capsys) -> None:
    path = tmp_path / "fee.yaml"
    path.write_text(FEE.read_text(encoding="utf-8").replace('fee: "256000.00"', 'fee: "256,000.00.0"'),
                    encoding="utf-8")
    assert main(["evaluate", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert "expect.amounts.fee: expected a decimal number, got '256,000.00.0'" in err


def _closed_reader(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    """Run riskpool with its stdout a pipe whose reading end is already closed (`riskpool … | head -0`)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run([str(RISKPOOL), *argv], stdout=write_end, stderr=subprocess.PIPE, env=env,
                              cwd=ROOT, timeout=300, check=False)
    finally:
        os.close(write_end)


def test_broken_pipe_is_quiet(tmp_path) -> None:
    env = dict(os.environ, RISKPOOL_HOLIDAY_DIR=str(tmp_path))
    done = _closed_reader(["evaluate", str(FEE)], env)
    assert done.stderr == b"", done.stderr.decode()
    assert done.returncode == 141  # 128 + SIGPIPE, as a shell reports for `cat big | head`


def test_broken_pipe_is_quiet_for_scenario_run(tmp_path) -> None:
    env = dict(os.environ, RISKPOOL_HOME=str(tmp_path), RISKPOOL_HOLIDAY_DIR=str(tmp_path))
    env.pop("DATABASE_URL", None)
    done = _closed_reader(["scenario", "run", str(STORY)], env)
    assert b"Traceback" not in done.stderr and b"BrokenPipe" not in done.stderr, done.stderr.decode()
    assert done.stderr == b""
    assert done.returncode == 141


def test_broken_pipe_into_head_is_quiet(tmp_path) -> None:
    """The shell form of the above: `riskpool scenario run FILE | head -1`."""
    env = dict(os.environ, RISKPOOL_HOME=str(tmp_path), RISKPOOL_HOLIDAY_DIR=str(tmp_path))
    env.pop("DATABASE_URL", None)
    done = subprocess.run(["bash", "-c", f'"{RISKPOOL}" scenario run "{STORY}" "{STORY}" "{STORY}" | head -c 1'],
                          capture_output=True, env=env, cwd=ROOT, timeout=300, check=False)
    assert done.returncode == 0
    assert done.stdout == b"["
    assert done.stderr == b"", done.stderr.decode()
