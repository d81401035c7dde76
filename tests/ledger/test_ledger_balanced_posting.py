"""Only balanced transactions, exactly in fen, on known accounts, with no zero postings, reach the books."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from riskpool.ledger import core, services
from riskpool.ledger.core import LedgerError, Posting, Transaction, UnbalancedTransaction
from riskpool.ledger.models import LedgerPosting, LedgerTransaction

from .conftest import day


def txn(*postings):
    return Transaction(day(1), "test", "memo", tuple(Posting(a, Decimal(x)) for a, x in postings))


REFUSED = [
    (txn(("assets:cash", "100.00"), ("equity:capital", "-99.99")), UnbalancedTransaction, "sum to 0.01"),
    (txn(("assets:cash", "100.005"), ("equity:capital", "-100.005")), LedgerError, "not a whole number of fen"),
    (txn(("assets:cash", "100"), ("equity:capital", "-100"), ("income:interest", "0")), LedgerError, "is zero"),
    (txn(("assets:cash", "100"), ("equity:stocks", "-100")), LedgerError, "unknown account 'equity:stocks'"),
    (txn(("assets:cash", "100")), LedgerError, "at least 2 postings"),
    (txn(), LedgerError, "at least 2 postings"),
]


@pytest.mark.parametrize("bad, error, message", REFUSED)
def test_malformed_transaction_is_refused_and_nothing_is_written(book, bad, error, message):
    with pytest.raises(error, match=message):
        services.post(book, bad, idempotency_key="k1", actor="tester")
    assert LedgerTransaction.objects.count() == 0
    assert LedgerPosting.objects.count() == 0


def test_float_amount_is_refused_not_converted():
    bad = Transaction(day(1), "test", "", (Posting("assets:cash", 0.1), Posting("equity:capital", -0.1)))
    with pytest.raises(LedgerError, match="finite Decimal"):
        core.check_transaction(bad)


def test_datetime_is_not_a_date():
    import datetime as dt

    bad = Transaction(dt.datetime(2025, 1, 1, 12), "test", "",
                      (Posting("assets:cash", Decimal(1)), Posting("equity:capital", Decimal(-1))))
    with pytest.raises(LedgerError, match="must be a date"):
        core.check_transaction(bad)


def test_balanced_transaction_is_written_with_its_postings(book):
    record = services.post(book, core.capital_injection(day(1), Decimal("1000000.00")), idempotency_key="inj-1",
                           actor="finance-bureau")
    assert [(p.account, p.amount) for p in record.postings.order_by("id")] == [
        ("assets:cash", Decimal("1000000.00")), ("equity:capital", Decimal("-1000000.00"))]
    assert services.balance(book, "assets:cash") == Decimal("1000000.00")
    assert services.trial_balance(book) == (Decimal("1000000.00"), Decimal("1000000.00"))
    assert services.check_books(book) == []


def test_a_zero_posting_is_refused_by_the_database_too(book):
    record = services.post(book, core.capital_injection(day(1), Decimal("5")), idempotency_key="k", actor="t")
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerPosting.objects.create(transaction=record, account="assets:cash", amount=Decimal("0"))


def test_helpers_refuse_non_positive_amounts():
    for amount in (Decimal(0), Decimal(-5), 5.0):
        with pytest.raises(LedgerError):
            core.compensation_paid(day(1), amount, "C-1")


def test_every_helper_builds_a_valid_transaction():
    a = Decimal("12.34")
    for t in [core.capital_injection(day(1), a), core.income(day(1), a, "interest"), core.income(day(1), a, "coupons"),
              core.compensation_approved(day(1), a, "C"), core.compensation_paid(day(1), a, "C"),
              core.recovery_due(day(1), a, "R"), core.recovery_received(day(1), a, "R"),
              core.recovery_received(day(1), a, "R", was_due=True), core.write_off(day(1), a, "R"),
              core.management_fee(day(1), a), core.management_fee_paid(day(1), a),
              core.transfer_to_deposit(day(1), a),
              core.transfer(day(1), a, from_account="assets:deposits", to_account="assets:bonds")]:
        core.check_transaction(t)
