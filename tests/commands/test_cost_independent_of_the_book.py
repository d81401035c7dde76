"""A filing, a repayment and a claim payment read a bounded number of rows whatever the book's size: the
number of queries each makes is the same at 5 loans and at 60 (running totals, not re-summed history)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from riskpool.loans import services as loans
from riskpool.loans.models import Loan

from claims.conftest import KEZHOU_USCC, add_borrower, add_loan, kezhou_world

pytestmark = pytest.mark.django_db


def _queries(run) -> int:
    with CaptureQueriesContext(connection) as q:
        run()
    return len(q.captured_queries)


def test_filing_and_repayment_cost_does_not_grow_with_the_book():
    world = kezhou_world(capital="1000000000")
    firms = [add_borrower(world, code, f"firm {i}") for i, code in enumerate(KEZHOU_USCC[:3])]
    n = 0

    def file_one() -> Loan:
        nonlocal n
        n += 1
        return add_loan(world, f"KZ-C-{n}", firms[n % 3], "100000", issue_date=dt.date(2025, 6, 2), term_months=24)

    def repay(loan: Loan):
        return lambda: loans.repay(loan, on=dt.date(2025, 9, 1), principal=Decimal("1000"), actor="bank")

    for _ in range(5):
        file_one()
    small = _queries(file_one), _queries(repay(Loan.objects.get(code="KZ-C-1")))
    for _ in range(55):
        file_one()
    large = _queries(file_one), _queries(repay(Loan.objects.get(code="KZ-C-2")))
    assert small == large, (small, large)
