"""All or nothing: a file with bad rows among good ones writes nothing, and the report names, for every bad
row, its row number, the column, the value, the rule and its article — on the command line too (exit 2, the
report on stderr and, with --report, as CSV)."""

from __future__ import annotations

import csv

import pytest

from imports.conftest import LOAN_HEADER, loan_row, row_counts, write_csv, write_xlsx
from riskpool.imports import import_file
from riskpool.imports.cli import main
from riskpool.loans.models import Loan, Repayment

pytestmark = pytest.mark.django_db


def _bad_book(tmp_path):
    return write_csv(tmp_path / "loans.csv", LOAN_HEADER, [
        loan_row("KZ-B-1", 0, "3000000"),  # row 2: good
        loan_row("KZ-B-2", 1, "12000000"),  # row 3: over the per-borrower cap of 10,000,000 (第九条)
        loan_row("KZ-B-3", 2, "1000000", term="72"),  # row 4: over five years (第九条)
        loan_row("KZ-B-4", "91653001MA7K0009XX"),  # row 5: no such borrower
        loan_row("KZ-B-5", 3, "1,00,000"),  # row 6: a malformed amount
        loan_row("KZ-B-6", 0, "7000001"),  # row 7: with row 2, 10,000,001 for borrower 0 (第九条)
        loan_row("KZ-B-7", 1, "2000000"),  # row 8: good
    ])


def test_one_bad_row_among_good_ones_writes_nothing(world, tmp_path):
    before = row_counts()
    path = write_csv(tmp_path / "one.csv", LOAN_HEADER,
                     [loan_row("KZ-O-1"), loan_row("KZ-O-2", 1, "10000000.01"), loan_row("KZ-O-3", 2)])
    result = import_file("loans", path)
    assert not result.ok and result.imported == 0 and result.bad_rows == 1 and result.checked == 3
    [bad] = result.errors
    assert (bad.row, bad.column, bad.value, bad.rule, bad.article) == (3, "amount", "10000000.01",
                                                                        "PER_BORROWER_CAP", "第九条")
    assert "cap 10000000.00" in bad.message
    assert row_counts() == before  # nothing written: no loan, notice, audit row, history, chain link, total
    assert not Loan.objects.exists()


def test_every_bad_row_is_reported(world, tmp_path):
    before = row_counts()
    result = import_file("loans", _bad_book(tmp_path))
    found = {(e.row, e.column, e.value, e.rule, e.article) for e in result.errors}
    assert found == {(3, "amount", "12000000", "PER_BORROWER_CAP", "第九条"),
                     (4, "term_months", "72", "TERM", "第九条"),
                     (5, "borrower", "91653001MA7K0009XX", "REFUSED", ""),
                     (6, "amount", "1,00,000", "INPUT", ""),
                     (7, "amount", "7000001", "PER_BORROWER_CAP", "第九条")}
    assert result.bad_rows == 5 and result.checked == 7 and row_counts() == before
    by_row = {e.row: e for e in result.errors}
    assert "no borrower" in by_row[5].message and "1,000,000" in by_row[6].message
    assert by_row[6].message.startswith("expected a decimal number, got '1,00,000'")


def test_the_command_line_reports_and_writes_nothing(world, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("riskpool.cli.setup_django", lambda *a, **k: None)  # the test database is set up
    before = row_counts()
    report = tmp_path / "bad.csv"
    path = _bad_book(tmp_path)
    assert main(["loans", str(path), "--report", str(report), "--no-progress"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    assert err.startswith(f"riskpool: {path}: 5 of 7 rows refused")
    assert "nothing was imported" in err
    assert "row 3, amount = '12000000': PER_BORROWER_CAP [第九条]" in err
    assert "row 4, term_months = '72': TERM [第九条]" in err
    assert "row 6, amount = '1,00,000': INPUT expected" in err
    assert row_counts() == before
    with report.open(encoding="utf-8-sig", newline="") as f:
        lines = list(csv.DictReader(f))
    assert [line["row"] for line in lines] == ["3", "4", "5", "6", "7"]
    assert lines[0] | {"message": ""} == {"row": "3", "column": "amount", "value": "12000000",
                                          "rule": "PER_BORROWER_CAP", "article": "第九条", "message": ""}


def test_the_command_line_imports_a_good_file(world, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("riskpool.cli.setup_django", lambda *a, **k: None)
    path = write_csv(tmp_path / "loans.csv", LOAN_HEADER, [loan_row(f"KZ-C-{i}", i % 4, "10000") for i in range(30)])
    assert main(["loans", str(path), "--progress"]) == 0
    out, err = capsys.readouterr()
    assert out == f"imported 30 loans from {path}\n"
    assert "30/30" in err  # the progress bar
    assert Loan.objects.count() == 30


def test_a_bad_repayment_writes_no_repayment(world, tmp_path):
    assert import_file("loans", write_csv(tmp_path / "l.csv", LOAN_HEADER, [loan_row("KZ-P-1")])).ok
    path = write_xlsx(tmp_path / "rep.xlsx", ["loan", "on", "principal", "interest"], [
        ["KZ-P-1", "2025-09-01", 100000, 5000],
        ["KZ-P-1", "2025-10-01", 950000, 0],  # more than the 900,000 outstanding
        ["KZ-NONE", "2025-10-01", 1, 0],
        ["KZ-P-1", "2025-13-01", 1, 0]])
    result = import_file("repayments", path)
    assert [(e.row, e.column, e.rule) for e in result.errors] == [(3, "", "REFUSED"), (4, "loan", "REFUSED"),
                                                                  (5, "on", "INPUT")]
    assert "exceeds outstanding" in result.errors[0].message
    assert not Repayment.objects.exists()
    assert Loan.objects.get(code="KZ-P-1").outstanding_principal == 1000000


def test_checking_stops_after_the_error_limit(world, tmp_path):
    path = write_csv(tmp_path / "many.csv", LOAN_HEADER, [loan_row(f"KZ-M-{i}", 0, "x") for i in range(20)])
    result = import_file("loans", path, max_errors=5)
    assert len(result.errors) == 5 and result.stopped_at == 6 and result.checked == 5
    assert "stopped after 5 errors at row 6" in result.summary()
    assert not Loan.objects.exists()


def test_the_command_line_shows_50_lines_and_writes_all(world, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("riskpool.cli.setup_django", lambda *a, **k: None)
    path = write_csv(tmp_path / "bad.csv", LOAN_HEADER, [loan_row(f"KZ-F-{i}", i % 4, "-5") for i in range(60)])
    report = tmp_path / "report.csv"
    assert main(["loans", str(path), "--report", str(report)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n  row ") == 50 and "  … and 10 more\n" in err
    with report.open(encoding="utf-8-sig", newline="") as f:
        assert len(list(csv.DictReader(f))) == 60
