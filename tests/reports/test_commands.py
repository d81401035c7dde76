"""`riskpool report ...`: commands.register adds them to an argparse subparsers object; bad input raises
ReportError (the CLI prints it and exits 2). Story: conftest.build_kezhou_*."""

import argparse
import csv
import subprocess
import sys

import openpyxl
import pytest

from riskpool.registry import services as registry
from riskpool.registry.models import Institution
from riskpool.reports import ReportError
from riskpool.reports.commands import parse_month, parse_quarter, register


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="riskpool")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["report", *argv])
    return args.func(args)


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_position_prints_a_table(kezhou_story, capsys):
    assert run("position", "--fund", "kz-fund", "--on", "2026-03-31") == 0
    out = capsys.readouterr().out
    assert "== position ==" in out and "== capacity ==" in out
    assert "6,785,679.02" in out and "96,256,790.20" in out and "资金余额合计" in out


def test_lender_return_by_quarter_and_by_month(kezhou_story, capsys, tmp_path):
    assert run("lender-return", "--program", "kezhou-industry", "--lender", "kz-bank-a", "--quarter", "2026-Q1") == 0
    assert "255,000.00" in capsys.readouterr().out
    target = tmp_path / "june.csv"
    assert run("lender-return", "--program", "kezhou-industry", "--lender", "kz-bank-a", "--month", "2025-06",
               "--format", "csv", "--output", str(target)) == 0
    assert f"wrote {target}" in capsys.readouterr().out
    summary = {r["item"]: r["value"] for r in read_csv(target)}
    assert (summary["start"], summary["end"], summary["filed_amount"]) == ("2025-06-01", "2025-06-30", "500000.00")
    assert read_csv(tmp_path / "june-filed.csv")[0]["loan"] == "L2"


def test_quarterly_to_xlsx(kezhou_story, tmp_path):
    target = tmp_path / "q1.xlsx"
    assert run("quarterly", "--fund", "kz-fund", "--quarter", "2026-Q1", "--format", "xlsx", "--output",
               str(target)) == 0
    wb = openpyxl.load_workbook(target)
    assert "quarter" in wb.sheetnames and "lenders" in wb.sheetnames


def test_performance_bad_loans_and_usage(kezhou_story, capsys, tmp_path):
    assert run("performance", "--program", "kezhou-industry", "--on", "2026-03-31") == 0
    assert "LENDER_NPL_RATIO" in capsys.readouterr().out
    assert run("bad-loans", "--program", "kezhou-industry", "--on", "2026-03-31", "--format", "csv", "--output",
               str(tmp_path / "bad.csv")) == 0
    assert read_csv(tmp_path / "bad.csv")[0]["fund_net_loss"] == "220000.00"
    assert run("usage", "--fund", "kz-fund", "--from", "2026-01-01", "--to", "2026-03-31") == 0
    out = capsys.readouterr().out
    assert "期初余额" in out and "6,785,679.02" in out


@pytest.mark.parametrize("argv, message", [
    (["position", "--fund", "kz-fund", "--on", "2026-02-30"], "--on: expected a date YYYY-MM-DD"),
    (["position", "--fund", "nowhere", "--on", "2026-03-31"], "unknown fund 'nowhere'; known funds: kz-fund"),
    (["performance", "--program", "atlantis", "--on", "2026-03-31"], "unknown program 'atlantis'"),
    (["lender-return", "--program", "kezhou-industry", "--lender", "nobank", "--month", "2026-01"],
     "unknown lender 'nobank'"),
    (["lender-return", "--program", "kezhou-industry", "--lender", "kz-caixin", "--month", "2026-01"],
     "not a lender"),
    (["lender-return", "--program", "kezhou-industry", "--lender", "kz-bank-a", "--month", "2026-13"],
     "--month: expected YYYY-MM"),
    (["quarterly", "--fund", "kz-fund", "--quarter", "2026-Q5"], "--quarter: expected YYYY-Qn"),
    (["usage", "--fund", "kz-fund", "--from", "2026-03-31", "--to", "2026-01-01"], "is before --from"),
    (["bad-loans", "--program", "kezhou-industry", "--on", "2026-03-31", "--format", "csv"], "needs --output FILE"),
    (["bad-loans", "--program", "kezhou-industry", "--on", "2026-03-31", "--output", "x.csv"], "--output goes with"),
])
def test_bad_input_raises_report_error(kezhou_story, argv, message):
    with pytest.raises(ReportError) as e:
        run(*argv)
    assert message in str(e.value)
    assert isinstance(e.value, ValueError)


def test_lender_outside_the_program(kezhou_story):
    registry.register_institution("other-bank", "别处银行", Institution.LENDER)
    with pytest.raises(ReportError, match="no agreement and no loans in program kezhou-industry"):
        run("lender-return", "--program", "kezhou-industry", "--lender", "other-bank", "--quarter", "2026-Q1")


def test_period_options_are_exclusive():
    with pytest.raises(SystemExit) as e:  # argparse: exit status 2
        run("lender-return", "--program", "p", "--lender", "l", "--month", "2026-01", "--quarter", "2026-Q1")
    assert e.value.code == 2


def test_parse_month_and_quarter():
    assert parse_month("2026-03") == (2026, 3)
    assert parse_quarter("2026-Q4") == parse_quarter("2026q4") == (2026, 4)
    with pytest.raises(ReportError):
        parse_quarter("2026-4")


def test_commands_import_without_setting_up_django():
    code = ("import sys, riskpool.reports.commands, riskpool.reports.export; "
            "assert 'riskpool.registry.models' not in sys.modules and 'django.db.models' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
