"""Limited liability: the fund never pays more than it holds, on any day, whatever the order of posting."""

import itertools
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskpool.ledger import core, services
from riskpool.ledger.core import InsufficientFunds
from riskpool.ledger.models import LedgerTransaction

from .conftest import day


def approve_and_pay(book, date, amount, ref):
    services.post(book, core.compensation_approved(date, amount, ref), idempotency_key=f"ap-{ref}", actor="a")
    return services.post(book, core.compensation_paid(date, amount, ref), idempotency_key=f"pay-{ref}", actor="a")


def test_paying_more_than_the_cash_raises_and_writes_nothing(book):
    services.post(book, core.capital_injection(day(1), Decimal("1000")), idempotency_key="inj", actor="a")
    services.post(book, core.compensation_approved(day(2), Decimal("1000.01"), "C-1"), idempotency_key="ap", actor="a")
    count = LedgerTransaction.objects.count()
    with pytest.raises(InsufficientFunds, match=r"assets:cash holds 1000\.00 on 2025-01-03, cannot post -1000\.01") as e:
        services.post(book, core.compensation_paid(day(3), Decimal("1000.01"), "C-1"), idempotency_key="pay", actor="a")
    assert (e.value.account, e.value.balance, e.value.amount) == ("assets:cash", Decimal("1000.00"),
                                                                  Decimal("-1000.01"))
    assert LedgerTransaction.objects.count() == count
    assert services.balance(book, "assets:cash") == Decimal("1000.00")
    services.post(book, core.compensation_paid(day(3), Decimal("1000.00"), "C-1"), idempotency_key="pay", actor="a")
    assert services.balance(book, "assets:cash") == Decimal("0.00")


def test_a_backdated_payment_may_not_use_money_that_arrived_later(book):
    services.post(book, core.capital_injection(day(10), Decimal("1000")), idempotency_key="inj", actor="a")
    services.post(book, core.compensation_approved(day(5), Decimal("600"), "C-1"), idempotency_key="ap", actor="a")
    with pytest.raises(InsufficientFunds, match="holds 0.00 on 2025-01-05"):
        services.post(book, core.compensation_paid(day(5), Decimal("600"), "C-1"), idempotency_key="pay", actor="a")


def test_a_backdated_payment_may_not_overdraw_a_later_day(book):
    services.post(book, core.capital_injection(day(1), Decimal("1000")), idempotency_key="inj", actor="a")
    approve_and_pay(book, day(20), Decimal("800"), "C-1")
    services.post(book, core.compensation_approved(day(10), Decimal("500"), "C-2"), idempotency_key="ap2", actor="a")
    with pytest.raises(InsufficientFunds, match="holds 200.00 on 2025-01-20, cannot post -500.00"):
        services.post(book, core.compensation_paid(day(10), Decimal("500"), "C-2"), idempotency_key="pay2", actor="a")
    assert services.check_books(book) == []


def test_money_in_a_term_deposit_cannot_be_paid_out_of_cash(book):
    services.post(book, core.capital_injection(day(1), Decimal("1000")), idempotency_key="inj", actor="a")
    services.post(book, core.transfer_to_deposit(day(2), Decimal("900")), idempotency_key="td", actor="a")
    services.post(book, core.compensation_approved(day(3), Decimal("600"), "C-1"), idempotency_key="ap", actor="a")
    with pytest.raises(InsufficientFunds, match="assets:cash holds 100.00"):
        services.post(book, core.compensation_paid(day(3), Decimal("600"), "C-1"), idempotency_key="pay", actor="a")
    with pytest.raises(InsufficientFunds, match="assets:deposits holds 900.00"):
        services.post(book, core.transfer(day(3), Decimal("901"), from_account="assets:deposits",
                                          to_account="assets:cash"), idempotency_key="x", actor="a")


def test_no_more_compensation_is_paid_than_was_approved(book):
    services.post(book, core.capital_injection(day(1), Decimal("1000")), idempotency_key="inj", actor="a")
    services.post(book, core.compensation_approved(day(2), Decimal("300"), "C-1"), idempotency_key="ap", actor="a")
    with pytest.raises(InsufficientFunds, match="liabilities:compensation_payable .* more would be paid than is owed"):
        services.post(book, core.compensation_paid(day(3), Decimal("400"), "C-1"), idempotency_key="pay", actor="a")


# --- Property: random injections and payments, posted in random date order ----------------------------------

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2)
operations = st.lists(
    st.tuples(st.sampled_from(["inject", "pay", "pay", "deposit", "interest"]), st.integers(1, 30), amounts),
    min_size=1, max_size=25)
_books = itertools.count()


def expected_ok(accepted: list[tuple[int, Decimal]], on: int, change: Decimal) -> bool:
    """Independent oracle: the running balance, day by day, stays non-negative with the new change."""
    if change >= 0:
        return True
    balance = Decimal(0)
    for d in sorted({d for d, _ in accepted} | {on}):
        balance += sum((c for dd, c in accepted if dd == d), Decimal(0)) + (change if d == on else 0)
        if balance < 0:
            return False
    return True


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_cash_never_goes_negative_and_debits_equal_credits(db, ops):
    book = services.open_book(f"prop-{next(_books)}", "property")
    cash: list[tuple[int, Decimal]] = []  # (day, change) of accepted cash movements
    for i, (op, d, amount) in enumerate(ops):
        if op == "inject":
            txn, change = core.capital_injection(day(d), amount), amount
        elif op == "interest":
            txn, change = core.income(day(d), amount, "interest"), amount
        elif op == "deposit":
            txn, change = core.transfer_to_deposit(day(d), amount), -amount
        else:
            services.post(book, core.compensation_approved(day(d), amount, f"C{i}"), idempotency_key=f"ap{i}",
                          actor="p")
            txn, change = core.compensation_paid(day(d), amount, f"C{i}"), -amount
        ok = expected_ok(cash, d, change)
        try:
            services.post(book, txn, idempotency_key=f"k{i}", actor="p")
        except InsufficientFunds:
            assert not ok, f"refused a {op} of {amount} on day {d} that the oracle allows"
        else:
            assert ok, f"accepted a {op} of {amount} on day {d} that overdraws cash"
            cash.append((d, change))
        assert services.balance(book, "assets:cash") == sum((c for _, c in cash), Decimal(0))
        debits, credits = services.trial_balance(book)
        assert debits == credits
        assert sum(services.balances(book).values()) == 0
    for d in sorted({d for d, _ in cash}):
        assert services.balance(book, "assets:cash", as_of=day(d)) >= 0
    assert services.check_books(book) == []
