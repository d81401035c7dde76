"""Property: importing a book as one file decides every row as filing the loans one by one does — the same
rows accepted, the refusals with the same rule codes — for random small books in which some loans break
kezhou's per-borrower cap (10,000,000, 第九条) or its five-year term (第九条). Both run on the same fresh
world, each inside a savepoint rolled back after it."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imports.conftest import D, LOAN_HEADER, loan_row, row_counts, write_csv
from riskpool.imports import import_file
from riskpool.loans import services as loans
from riskpool.loans.models import Loan
from riskpool.programs.models import Program
from riskpool.registry.models import Borrower, Institution

pytestmark = pytest.mark.django_db


class _Undo(Exception):
    pass


loan = st.tuples(
    st.integers(0, 1),  # borrower
    st.sampled_from(["1000000", "2500000.50", "4000000", "6000000", "9999999.99", "10000000", "10000000.01"]),
    st.dates(dt.date(2025, 6, 1), dt.date(2026, 6, 30)),
    st.sampled_from([6, 12, 36, 60, 61, 72]),
)


def _one_by_one(book) -> dict[int, frozenset[str]]:
    program, lender, guarantor = (Program.objects.get(code="kezhou-industry"), Institution.objects.get(code="kz-bank"),
                                  Institution.objects.get(code="kz-guarantee"))
    refusals = {}
    for row, (code, borrower, amount, issue, term) in enumerate(book, start=2):
        try:
            loans.file_loan(code=code, program=program, lender=lender, borrower=Borrower.objects.get(code=borrower),
                            amount=D(amount), issue_date=issue, term_months=term, guarantor=guarantor,
                            guarantee_fee_rate=D("0.008"), actor="one-by-one")
        except loans.LoanError as e:
            refusals[row] = frozenset(r.code for r in e.decision.reasons if r.blocking)
    return refusals


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(loan, min_size=1, max_size=6))
def test_import_decides_as_filing_one_by_one(world, tmp_path, rows):
    firms = [b.code for b in world.borrowers]
    book = [(f"KZ-H-{i}", firms[b], amount, issue, term) for i, (b, amount, issue, term) in enumerate(rows)]
    path = write_csv(tmp_path / f"{uuid.uuid4().hex}.csv", LOAN_HEADER,
                     [loan_row(code, who, amount, issue.isoformat(), str(term))
                      for code, who, amount, issue, term in book])
    before = row_counts()
    try:
        with transaction.atomic():
            result = import_file("loans", path)
            imported = {row: frozenset() for row in range(2, len(book) + 2)}
            for e in result.errors:
                imported[e.row] = imported[e.row] | {e.rule}
            if result.ok:
                assert Loan.objects.count() == len(book)
            else:
                assert row_counts() == before  # all or nothing
            raise _Undo
    except _Undo:
        pass
    try:
        with transaction.atomic():
            refusals = _one_by_one(book)
            raise _Undo
    except _Undo:
        pass
    assert row_counts() == before
    assert {row for row, codes in imported.items() if not codes} == \
        {row for row in range(2, len(book) + 2) if row not in refusals}
    assert {row: codes for row, codes in imported.items() if codes} == refusals
