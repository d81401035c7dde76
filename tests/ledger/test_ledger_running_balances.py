"""Running balances: posting costs the same whatever the size of the book, and ``check_books`` proves the
running balances equal history."""

import importlib
import itertools
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskpool.ledger import core, services
from riskpool.ledger.core import InsufficientFunds
from riskpool.ledger.models import AccountBalance, Book, LedgerTransaction

from .conftest import day


def history_balances(book, as_of=None):
    """Balances summed from the stored transactions in Python: what the running balances must equal."""
    txns = LedgerTransaction.objects.filter(book=book).prefetch_related("postings")
    if as_of is not None:
        txns = txns.filter(date__lte=as_of)
    return dict(core.balances_of(t.to_core() for t in txns))


def queries_of_one_post(book, n, date):
    with CaptureQueriesContext(connection) as ctx:
        services.post(book, core.compensation_paid(date, Decimal("1"), f"C-{n}"), idempotency_key=f"pay-{n}",
                      actor="a")
    return [q["sql"] for q in ctx.captured_queries]


def test_the_queries_of_a_post_do_not_grow_with_the_book(book):
    def grow_to(n, start):
        for i in range(start, n):
            services.post(book, core.capital_injection(day(1 + i), Decimal("100")), idempotency_key=f"inj-{i}",
                          actor="a")
            services.post(book, core.compensation_approved(day(1 + i), Decimal("1"), f"C-{i}"),
                          idempotency_key=f"ap-{i}", actor="a")

    grow_to(5, 0)  # 10 transactions
    small = queries_of_one_post(book, 0, day(6))  # a day after the latest
    grow_to(100, 5)  # 200 transactions (and the one measured)
    large = queries_of_one_post(book, 1, day(101))
    assert LedgerTransaction.objects.filter(book=book).count() == 202
    assert len(large) == len(small)
    # no query sums the postings: the bounds check reads the running balance
    assert not [q for q in large if "SUM(" in q.upper() and "ledger_ledgerposting" in q]


def test_balances_read_the_running_balances_when_as_of_is_not_before_the_latest_date(book):
    services.post(book, core.capital_injection(day(1), Decimal("1000")), idempotency_key="inj", actor="a")
    services.post(book, core.capital_injection(day(5), Decimal("10")), idempotency_key="inj2", actor="a")
    for as_of in (None, day(5), day(9)):
        with CaptureQueriesContext(connection) as ctx:
            assert services.balances(book, as_of)["assets:cash"] == Decimal("1010.00")
            assert services.balance(book, "assets:cash", as_of) == Decimal("1010.00")
        assert not [q for q in ctx.captured_queries if "ledger_ledgerposting" in q["sql"]]
    assert services.balance(book, "assets:cash", day(4)) == Decimal("1000.00")  # history before the latest date
    assert services.balances(book, day(4))["equity:capital"] == Decimal("-1000.00")
    assert services.balances(Book.objects.create(code="empty", name="empty")) == {a: 0 for a in core.CHART}


def test_a_backdated_posting_that_would_take_cash_below_zero_on_a_later_day_is_refused(book):
    services.post(book, core.capital_injection(day(1), Decimal("1000")), idempotency_key="inj", actor="a")
    services.post(book, core.compensation_approved(day(2), Decimal("900"), "C-1"), idempotency_key="ap1", actor="a")
    services.post(book, core.compensation_approved(day(2), Decimal("300"), "C-2"), idempotency_key="ap2", actor="a")
    services.post(book, core.compensation_paid(day(20), Decimal("900"), "C-1"), idempotency_key="pay1", actor="a")
    # on day 10 the cash (1000) would cover 300, but on day 20 it would end at -200
    with CaptureQueriesContext(connection) as ctx, pytest.raises(
            InsufficientFunds, match=r"holds 100\.00 on 2025-01-20, cannot post -300\.00"):
        services.post(book, core.compensation_paid(day(10), Decimal("300"), "C-2"), idempotency_key="pay2", actor="a")
    # the fallback reads only the postings from the transaction's date on
    history = [q["sql"] for q in ctx.captured_queries if "ledger_ledgerposting" in q["sql"] and "SUM(" in q["sql"]]
    assert len(history) == 1 and ">=" in history[0]
    assert services.balance(book, "assets:cash") == Decimal("100.00")
    services.post(book, core.compensation_paid(day(10), Decimal("100"), "C-2"), idempotency_key="pay3", actor="a")
    assert services.balance(book, "assets:cash") == Decimal("0.00")
    assert services.check_books(book) == []


operations = st.lists(
    st.tuples(st.sampled_from(["inject", "approve", "pay", "deposit", "withdraw", "interest"]),
              st.integers(min_value=1, max_value=30),
              st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500"), places=2)),
    min_size=1, max_size=25)


_books = itertools.count()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_running_balances_equal_history_after_random_postings(db, ops):
    book = services.open_book(f"h-{next(_books)}", "h")  # a fresh book per example (the db is not reset between)
    for i, (kind, d, amount) in enumerate(ops):
        date = day(d)
        txn = {
            "inject": lambda: core.capital_injection(date, amount),
            "approve": lambda: core.compensation_approved(date, amount, f"C-{i}"),
            "pay": lambda: core.compensation_paid(date, amount, f"C-{i}"),
            "deposit": lambda: core.transfer_to_deposit(date, amount),
            "withdraw": lambda: core.transfer(date, amount, from_account="assets:deposits", to_account="assets:cash"),
            "interest": lambda: core.income(date, amount, "interest"),
        }[kind]()
        try:
            services.post(book, txn, idempotency_key=f"k-{i}", actor="a")
        except InsufficientFunds:
            pass
        assert services.balances(book) == history_balances(book)
    for d in (0, 1, 7, 15, 30, 31):
        assert services.balances(book, day(d)) == history_balances(book, day(d)), d
    latest = LedgerTransaction.objects.filter(book=book).order_by("-date").values_list("date", flat=True).first()
    assert Book.objects.get(pk=book.pk).latest_date == latest
    assert services.check_books(book) == []


def test_check_books_finds_a_running_balance_that_differs_from_history(book):
    services.post(book, core.capital_injection(day(1), Decimal("1000")), idempotency_key="inj", actor="a")
    AccountBalance.objects.filter(book=book, account="assets:cash").update(balance_fen=999_00)
    assert services.check_books(book) == ["running balance of assets:cash is 999.00, its postings sum to 1000.00"]
    AccountBalance.objects.filter(book=book, account="assets:cash").delete()
    assert services.check_books(book) == ["running balance of assets:cash is missing, its postings sum to 1000.00"]


def test_check_books_finds_a_latest_date_that_differs_from_history(book):
    services.post(book, core.capital_injection(day(3), Decimal("1000")), idempotency_key="inj", actor="a")
    Book.objects.filter(pk=book.pk).update(latest_date=day(1))
    assert services.check_books(book) == [
        "the book's latest posted date is 2025-01-01, its latest transaction is dated 2025-01-03"]


def test_the_migration_builds_running_balances_for_existing_rows(book):
    services.post(book, core.capital_injection(day(1), Decimal("1000.10")), idempotency_key="inj", actor="a")
    services.post(book, core.compensation_approved(day(2), Decimal("0.30"), "C-1"), idempotency_key="ap", actor="a")
    services.post(book, core.compensation_paid(day(4), Decimal("0.30"), "C-1"), idempotency_key="pay", actor="a")
    services.post(book, core.income(day(3), Decimal("0.07"), "interest"), idempotency_key="int", actor="a")
    expected = services.balances(book)
    AccountBalance.objects.all().delete()
    Book.objects.filter(pk=book.pk).update(latest_date=None)
    migration = importlib.import_module("riskpool.ledger.migrations.0002_running_balances")
    migration.build_running_balances(apps, None)
    assert services.balances(book) == expected
    assert Book.objects.get(pk=book.pk).latest_date == day(4)
    assert services.check_books(book) == []
