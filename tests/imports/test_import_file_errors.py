"""A file that cannot be imported as a whole — a wrong header, a missing or repeated column, not a
spreadsheet at all, more rows than the limit — is one clear error naming the file (and the column), raised
before any row is read or written; a formula cell and a repeated loan code are bad rows. Nothing is written."""

from __future__ import annotations

import io
import os
import zipfile

import pytest

from imports.conftest import LOAN_HEADER, loan_row, row_counts, write_csv, write_xlsx
from riskpool.imports import ImportFileError, import_file
from riskpool.imports.cli import main
from riskpool.loans.models import Loan

pytestmark = pytest.mark.django_db

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def refused(path, kind="loans", **kw) -> ImportFileError:
    before = row_counts()
    with pytest.raises(ImportFileError) as caught:
        import_file(kind, path, **kw)
    assert row_counts() == before
    assert str(caught.value).startswith(f"{path}: ")
    return caught.value


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_unknown_column(world, tmp_path, suffix):
    header = [*LOAN_HEADER[:4], "amout", *LOAN_HEADER[5:]]
    write = write_csv if suffix == "csv" else write_xlsx
    e = refused(write(tmp_path / f"f.{suffix}", header, [loan_row("KZ-1")]))
    assert e.column == "amout" and "unknown column 'amout' (header cell E1)" in str(e)
    assert "amount (贷款金额)" in str(e)  # the columns there are


def test_missing_required_column(world, tmp_path):
    header = [c for c in LOAN_HEADER if c != "term_months"]
    e = refused(write_csv(tmp_path / "f.csv", header, [["KZ-1", "kezhou-industry", "kz-bank", "x", "1", "2025-06-02",
                                                        "kz-guarantee", "0"]]))
    assert e.column == "term_months" and "missing required column 'term_months' (贷款期限（月）)" in str(e)


def test_a_column_named_twice_english_and_chinese(world, tmp_path):
    e = refused(write_csv(tmp_path / "f.csv", [*LOAN_HEADER, "贷款金额"], [loan_row("KZ-1") + ["1"]]))
    assert e.column == "amount" and "appears twice" in str(e) and "E1 and J1" in str(e)


def test_a_blank_header_cell_between_columns(world, tmp_path):
    e = refused(write_csv(tmp_path / "f.csv", [*LOAN_HEADER[:3], "", *LOAN_HEADER[3:]], [loan_row("KZ-1")]))
    assert "header cell D1 is blank" in str(e)


@pytest.mark.parametrize("name,content,says", [
    ("picture.xlsx", PNG, "is not a spreadsheet"),
    ("random.xlsx", os.urandom(2000), "is not a spreadsheet"),
    ("random.csv", b"\xff\xfe\x00\x81" + bytes(range(128, 256)) * 8, "is not a spreadsheet: not UTF-8 text"),
    ("picture.csv", PNG, "is not a spreadsheet: not UTF-8 text"),
    ("nul.csv", b"code,program\x00\n", "is not a spreadsheet: row 1 holds a NUL character"),
    ("quote.csv", b"code,\"program\n", "is not readable CSV"),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "old binary Excel workbook"),
    ("book.txt", b"code\n", "expected a .csv or .xlsx file"),
    ("empty.csv", b"", "the file is empty"),
])
def test_not_a_spreadsheet(world, tmp_path, name, content, says):
    path = tmp_path / name
    path.write_bytes(content)
    assert says in str(refused(path))


def test_a_zip_that_is_no_workbook_and_a_workbook_named_csv(world, tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    (tmp_path / "archive.xlsx").write_bytes(buffer.getvalue())
    assert "is not a spreadsheet" in str(refused(tmp_path / "archive.xlsx"))
    write_xlsx(tmp_path / "book.xlsx", LOAN_HEADER, [loan_row("KZ-1")])
    (tmp_path / "book.csv").write_bytes((tmp_path / "book.xlsx").read_bytes())
    assert "is a zip archive (an Excel workbook?), not CSV text" in str(refused(tmp_path / "book.csv"))
    assert "no such file" in str(refused(tmp_path / "missing.csv"))


def test_over_the_row_limit(world, tmp_path):
    path = write_csv(tmp_path / "f.csv", LOAN_HEADER, [loan_row(f"KZ-{i}", i % 4, "10000") for i in range(6)])
    e = refused(path, max_rows=5)
    assert "more than 5 data rows: row 7 is data row 6" in str(e)
    assert import_file("loans", path, max_rows=6).imported == 6  # within the limit


def test_over_the_row_limit_on_the_command_line(world, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("riskpool.cli.setup_django", lambda *a, **k: None)
    path = write_xlsx(tmp_path / "f.xlsx", LOAN_HEADER, [loan_row(f"KZ-{i}", i % 4, "10000") for i in range(4)])
    assert main(["loans", str(path), "--max-rows", "3"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == f"riskpool: {path}: more than 3 data rows: row 5 is data row 4; split the file " \
                                 "(or set a higher --max-rows)\n"
    assert not Loan.objects.exists()


def test_a_formula_cell_is_a_bad_row(world, tmp_path):
    path = write_xlsx(tmp_path / "f.xlsx", LOAN_HEADER, [loan_row("KZ-1"), loan_row("KZ-2", 1, "=1000000*2"),
                                                         loan_row("KZ-3", 2, 1000000, term="=12*3")])
    before = row_counts()
    result = import_file("loans", path)
    assert [(e.row, e.column, e.value, e.rule) for e in result.errors] == [
        (3, "amount", "=1000000*2", "FORMULA"), (4, "term_months", "=12*3", "FORMULA")]
    assert row_counts() == before


def test_a_duplicate_loan_code(world, tmp_path):
    path = write_csv(tmp_path / "f.csv", LOAN_HEADER, [
        loan_row("KZ-D-1", 0), loan_row("KZ-D-2", 1), loan_row("KZ-D-1", 2),  # the same code again
        loan_row("KZ-D-3", 0, "20000000"), loan_row("KZ-D-3", 3)])  # again after a refused row
    before = row_counts()
    result = import_file("loans", path)
    assert [(e.row, e.column, e.value, e.rule) for e in result.errors] == [
        (4, "code", "KZ-D-1", "DUPLICATE_CODE"), (5, "amount", "20000000", "PER_BORROWER_CAP"),
        (6, "code", "KZ-D-3", "DUPLICATE_CODE")]
    assert result.errors[0].message == "code KZ-D-1 appears twice in the file: first at row 2"
    assert result.errors[2].message == "code KZ-D-3 appears twice in the file: first at row 5"
    assert row_counts() == before


def test_a_cell_under_no_column_and_a_missing_value(world, tmp_path):
    path = write_xlsx(tmp_path / "f.xlsx", LOAN_HEADER, [loan_row("KZ-1") + [None, "stray"],
                                                         [None, *loan_row("KZ-2")[1:]]])
    result = import_file("loans", path)
    assert [(e.row, e.column, e.value, e.rule) for e in result.errors] == [(2, "K", "stray", "NO_COLUMN"),
                                                                            (3, "code", "", "REQUIRED")]
    assert not Loan.objects.exists()


def test_an_id_number_typed_as_a_number(world, tmp_path):
    path = write_xlsx(tmp_path / "f.xlsx", LOAN_HEADER, [loan_row("KZ-1", 640221197005201236.0)])
    [e] = import_file("loans", path).errors
    assert (e.column, e.rule) == ("borrower", "NUMBER_TOO_LONG")
