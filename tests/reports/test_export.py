"""export: CSV (exact Decimal text), XLSX (openpyxl: numbers with #,##0.00, dates as dates), text tables,
and flatten() for every report."""

import csv
import datetime as dt
import io
from decimal import Decimal as D

import openpyxl
import pytest

from riskpool.reports import export
from riskpool.reports.services import (
    bad_loan_register,
    fund_position,
    lender_performance,
    lender_return,
    quarter_bounds,
    quarterly_report,
    usage_register,
)

from .conftest import d

ROWS = [
    {"loan": "L1", "borrower": "企业001", "amount": D("1234567.80"), "npl_ratio": D("0.050526"),
     "issue_date": dt.date(2025, 5, 10), "non_performing": False, "note": None},
    {"loan": "L2", "borrower": "企业002", "amount": D("0.01"), "npl_ratio": None,
     "issue_date": dt.date(2025, 6, 15), "non_performing": True, "note": "x"},
]


def test_csv_round_trip_keeps_decimal_strings(tmp_path):
    path = tmp_path / "rows.csv"
    export.to_csv(ROWS, path)
    assert path.read_bytes().startswith("\ufeff".encode())  # UTF-8 with BOM: Excel shows the Chinese text
    with open(path, encoding="utf-8-sig", newline="") as f:
        back = list(csv.DictReader(f))
    assert list(back[0]) == ["loan", "borrower", "amount", "npl_ratio", "issue_date", "non_performing", "note"]
    assert back[0]["amount"] == "1234567.80" and D(back[0]["amount"]) == ROWS[0]["amount"]
    assert back[1]["amount"] == "0.01"
    assert back[0]["npl_ratio"] == "0.050526" and back[1]["npl_ratio"] == ""
    assert (back[0]["issue_date"], back[0]["non_performing"], back[0]["note"]) == ("2025-05-10", "false", "")
    assert back[1]["borrower"] == "企业002"


def test_csv_never_writes_an_exponent_or_a_float():
    text = export.csv_text([{"a": D("1E+2"), "b": D("0.00"), "c": D("12345678901234567.89")}])
    assert text.splitlines() == ["a,b,c", "100,0.00,12345678901234567.89"]


def test_csv_of_a_report_reads_back_to_the_same_amounts(kezhou_story, tmp_path):
    position = fund_position(kezhou_story.fund, d("2026-03-31"))
    sheets = export.flatten(position)
    export.to_csv(sheets["position"], tmp_path / "position.csv")
    with open(tmp_path / "position.csv", encoding="utf-8-sig", newline="") as f:
        values = {r["item"]: r["value"] for r in csv.DictReader(f)}
    assert D(values["cash"]) == position.cash == D("6785679.02")
    assert D(values["net_loss"]) == D("220000.00")
    assert values["on"] == "2026-03-31" and values["covered_loans"] == "2"


def test_xlsx_opens_with_openpyxl_with_header_and_amounts(tmp_path):
    path = tmp_path / "rows.xlsx"
    big = D("12345678901234567.89")  # beyond a double's 15 digits: kept exact as text
    export.to_xlsx({"loans": ROWS, "big": [{"amount": big}]}, path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["loans", "big"]
    ws = wb["loans"]
    assert [c.value for c in ws[1]] == list(ROWS[0])
    assert ws[1][0].font.bold
    amount = ws["C2"]
    assert amount.value == pytest.approx(1234567.80) and amount.number_format == "#,##0.00"
    assert D(str(amount.value)) == D("1234567.8")  # the stored text is the exact decimal
    assert ws["C3"].value == pytest.approx(0.01)
    assert ws["D2"].number_format == "0.0000%" and ws["D3"].value is None
    assert ws["E2"].value == dt.datetime(2025, 5, 10) and ws["E2"].is_date
    assert ws["F2"].value is False and ws["G3"].value == "x"
    assert wb["big"]["A2"].value == "12345678901234567.89"


def test_xlsx_of_a_quarterly_report(kezhou_story, tmp_path):
    report = quarterly_report(kezhou_story.fund, 2026, 1)
    export.to_xlsx(export.flatten(report), tmp_path / "q.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "q.xlsx")
    assert wb.sheetnames == ["quarter", "position", "capacity", "programs", "lenders", "arrears"]
    position = {row[0].value: row for row in wb["position"].iter_rows(min_row=2)}
    assert [c.value for c in wb["position"][1]] == ["item", "label", "opening", "closing"]
    assert position["money_held"][2].value == pytest.approx(10012345.67)
    assert position["money_held"][3].value == pytest.approx(9785679.02)
    assert position["money_held"][3].number_format == "#,##0.00"


def test_flatten_every_report(kezhou_story):
    s = kezhou_story
    on = d("2026-03-31")
    assert set(export.flatten(lender_return(s.program, s.bank_a, *quarter_bounds(2026, 1)))) == {
        "summary", "filed", "arrears", "recoveries"}
    perf = export.flatten(lender_performance(s.program, on))
    assert [r["lender"] for r in perf["lenders"]] == ["kz-bank-a", "kz-bank-b"]
    assert perf["lenders"][0]["outcome"] == "approved" and "LENDER_NPL_RATIO" in perf["lenders"][0]["reasons"]
    assert {r["code"] for r in perf["reasons"]} == {"LENDER_NPL_RATIO"}
    assert list(export.flatten(bad_loan_register(s.program, on))) == ["claims", "recoveries", "totals"]
    usage = export.flatten(usage_register(s.fund, d("2026-01-01"), on))["usage"]
    assert (usage[0]["kind"], usage[0]["cash_balance"]) == ("opening", D("7012345.67"))
    assert (usage[-1]["kind"], usage[-1]["cash_in"], usage[-1]["cash_out"], usage[-1]["cash_balance"]) == (
        "total", D("29321.00"), D("255987.65"), D("6785679.02"))
    with pytest.raises(TypeError):
        export.flatten(object())


def test_text_table_aligns_wide_characters_and_formats_numbers():
    text = export.table(ROWS, "== loans ==")
    lines = text.splitlines()
    assert lines[0] == "== loans =="
    assert "1,234,567.80" in lines[3] and "5.0526%" in lines[3]
    # columns line up on display width (a CJK character takes two columns); numbers are right-aligned

    def end(line, token):
        return export._width(line[:line.index(token) + len(token)])

    def start(line, token):
        return export._width(line[:line.index(token)])

    assert start(lines[1], "borrower") == start(lines[3], "企业001") == start(lines[4], "企业002")
    assert end(lines[1], "amount") == end(lines[3], "1,234,567.80") == end(lines[4], "0.01")
    assert export.table([], "== none ==").endswith("(none)")


def test_write_csv_one_file_per_sheet(tmp_path):
    written = export.write({"main": ROWS, "other sheet": ROWS[:1]}, "csv", tmp_path / "out.csv")
    assert written == [str(tmp_path / "out.csv"), str(tmp_path / "out-other_sheet.csv")]
    assert (tmp_path / "out-other_sheet.csv").exists()
    with pytest.raises(ValueError):
        export.write(ROWS, "pdf", tmp_path / "x.pdf")
    buffer = io.StringIO()
    export.to_csv(ROWS, buffer)  # an open file is written without a byte-order mark
    assert buffer.getvalue().startswith("loan,")
