"""A good file of loans — CSV (with or without a byte-order mark, English headers) or XLSX (Chinese headers,
number and date cells) — is imported: every loan is filed through the one dispatcher, as a single filing is;
repayments and arrears likewise; the same file imported twice is imported once."""

from __future__ import annotations

import datetime as dt

import pytest

from imports.conftest import D, LOAN_HEADER, loan_row, row_counts, write_csv, write_xlsx
from riskpool.audit.models import AuditEvent
from riskpool.imports import import_file
from riskpool.loans.models import Loan, Repayment

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_good_csv_of_loans_is_imported(world, tmp_path, encoding):
    path = write_csv(tmp_path / "loans.csv", LOAN_HEADER, [
        loan_row("KZ-IMP-1", 0, "1500000"), loan_row("KZ-IMP-2", 1, "1,000,000.50", "2025-07-01", "60"),
        ["KZ-IMP-3", "kezhou-industry", "kz-bank", world.borrowers[2].code, "800000", "2025-08-15", "12",
         "kz-guarantee", ""],  # a blank optional cell: the command's default (fee 0)
    ], encoding=encoding)
    result = import_file("loans", path, actor="批量导入员")
    assert result.ok and result.imported == 3 and result.rows == 3, result.errors
    assert result.summary() == f"imported 3 loans from {path}"
    loans = {loan.code: loan for loan in Loan.objects.all()}
    assert set(loans) == {"KZ-IMP-1", "KZ-IMP-2", "KZ-IMP-3"}
    assert loans["KZ-IMP-2"].amount == D("1000000.50") and loans["KZ-IMP-2"].term_months == 60
    assert loans["KZ-IMP-3"].guarantee_fee_rate == 0 and loans["KZ-IMP-3"].filed_on == dt.date(2025, 8, 15)
    assert loans["KZ-IMP-1"].filing_decision["outcome"] == "approved"
    # one command (riskpool.loans.batch) for the rows: one audit row keyed by the first row, one history event
    # and one audited change per loan
    audit = AuditEvent.objects.get(action="loans.file_loans")
    assert audit.actor == "批量导入员" and audit.idempotency_key == f"import:{result.sha256[:16]}:2"
    assert audit.subject == "loans:3:KZ-IMP-1..KZ-IMP-3"
    assert [c["row"] for c in audit.changes] == ["loan:KZ-IMP-1", "loan:KZ-IMP-2", "loan:KZ-IMP-3"]
    assert list(audit.history.filter(kind="loan.filed").values_list("loan", flat=True).order_by("id")) == [
        "KZ-IMP-1", "KZ-IMP-2", "KZ-IMP-3"]
    assert loans["KZ-IMP-1"].notices.exists()  # the filing's notices, as a single filing makes them


def test_good_xlsx_with_chinese_headers_numbers_and_dates(world, tmp_path):
    header = ["贷款编号", "项目代码", "贷款机构代码", "借款人代码", "贷款金额", "发放日期", "贷款期限（月）", "担保机构代码",
              "担保费率", "备案日期"]
    rows = [["KZ-X-1", "kezhou-industry", "kz-bank", world.borrowers[0].code, 1500000, dt.date(2025, 6, 2), 36,
             "kz-guarantee", 0.008, dt.datetime(2025, 6, 3)],
            ["KZ-X-2", "kezhou-industry", "kz-bank", world.borrowers[1].code, 2500000.5, dt.date(2025, 6, 9), 24,
             "kz-guarantee", 0.01, None]]
    path = write_xlsx(tmp_path / "loans.xlsx", header, rows)
    result = import_file("loans", path)
    assert result.ok and result.imported == 2, result.errors
    one, two = Loan.objects.get(code="KZ-X-1"), Loan.objects.get(code="KZ-X-2")
    assert (one.amount, one.guarantee_fee_rate, one.term_months) == (D("1500000"), D("0.008"), 36)
    assert (one.issue_date, one.filed_on) == (dt.date(2025, 6, 2), dt.date(2025, 6, 3))
    assert two.amount == D("2500000.50") and two.filed_on == dt.date(2025, 6, 9)


def test_repayments_and_arrears_are_imported(world, tmp_path):
    loans = write_csv(tmp_path / "loans.csv", LOAN_HEADER, [loan_row("KZ-R-1", 0, "2000000"),
                                                            loan_row("KZ-R-2", 1, "1000000")])
    assert import_file("loans", loans).ok
    repayments = write_csv(tmp_path / "repayments.csv", ["贷款编号", "还款日期", "归还本金", "归还利息"], [
        ["KZ-R-1", "2025-12-01", "500000", "40000"], ["KZ-R-2", "2025-12-01", "1000000", "20000"]])
    result = import_file("repayments", repayments)
    assert result.ok and result.summary().startswith("imported 2 repayments"), result.errors
    assert Loan.objects.get(code="KZ-R-1").outstanding_principal == D("1500000")
    assert Loan.objects.get(code="KZ-R-2").status == Loan.REPAID
    arrears = write_csv(tmp_path / "arrears.csv", ["loan", "on", "overdue_since", "unpaid_interest"],
                        [["KZ-R-1", "2026-03-10", "2026-03-01", "45000"]])
    result = import_file("arrears", arrears)
    assert result.ok and result.summary().startswith("imported 1 arrears report "), result.errors
    loan = Loan.objects.get(code="KZ-R-1")
    assert loan.overdue_since == dt.date(2026, 3, 1) and loan.unpaid_interest == D("45000")


def test_the_same_file_twice_is_imported_once(world, tmp_path):
    path = write_csv(tmp_path / "loans.csv", LOAN_HEADER, [loan_row("KZ-T-1"), loan_row("KZ-T-2", 1)])
    assert import_file("loans", path).imported == 2
    before = row_counts()
    again = import_file("loans", path)
    assert again.ok and again.already and again.imported == 0 and "already imported" in again.summary()
    assert row_counts() == before
    repayments = write_csv(tmp_path / "rep.csv", ["loan", "on", "principal"], [["KZ-T-1", "2025-09-01", "1000"]])
    assert import_file("repayments", repayments).imported == 1
    assert import_file("repayments", repayments).already  # not a second repayment
    assert Repayment.objects.count() == 1


def test_blank_rows_are_skipped_and_rows_keep_their_sheet_numbers(world, tmp_path):
    path = write_xlsx(tmp_path / "gaps.xlsx", LOAN_HEADER,
                      [loan_row("KZ-G-1"), [None] * 9, loan_row("KZ-G-2", 1, "1e6")])
    result = import_file("loans", path)
    assert [(e.row, e.column, e.value) for e in result.errors] == [(4, "amount", "1e6")]
    assert Loan.objects.count() == 0
