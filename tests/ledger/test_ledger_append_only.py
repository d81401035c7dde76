"""Stored transactions are never changed or deleted; a mistake is corrected by one reversal."""

from decimal import Decimal

import pytest

from riskpool.ledger import core, services
from riskpool.ledger.core import InsufficientFunds, LedgerError
from riskpool.ledger.models import LedgerPosting, LedgerTransaction

from .conftest import day, tamper


@pytest.fixture
def injected(book):
    return services.post(book, core.capital_injection(day(1), Decimal("1000")), idempotency_key="inj", actor="a")


def test_update_is_refused(injected):
    injected.memo = "changed"
    with pytest.raises(LedgerError, match="append-only"):
        injected.save()
    posting = injected.postings.first()
    posting.amount = Decimal("1")
    with pytest.raises(LedgerError, match="append-only"):
        posting.save()
    with pytest.raises(LedgerError, match="append-only"):
        LedgerPosting.objects.filter(transaction=injected).update(amount=Decimal("2"))
    with pytest.raises(LedgerError, match="append-only"):
        LedgerTransaction.objects.all().update(memo="x")
    assert LedgerTransaction.objects.get().memo == "财政注资"


def test_delete_is_refused(injected):
    with pytest.raises(LedgerError, match="append-only"):
        injected.delete()
    with pytest.raises(LedgerError, match="append-only"):
        injected.postings.first().delete()
    with pytest.raises(LedgerError, match="append-only"):
        LedgerTransaction.objects.all().delete()
    with pytest.raises(LedgerError, match="append-only"):
        LedgerPosting.objects.all().delete()
    assert LedgerPosting.objects.count() == 2


def test_reversal_restores_balances(book, injected):
    before = services.balances(book)
    services.post(book, core.compensation_approved(day(2), Decimal("300"), "C-1"), idempotency_key="ap", actor="a")
    paid = services.post(book, core.compensation_paid(day(3), Decimal("300"), "C-1"), idempotency_key="pay", actor="a")
    services.reverse(book, paid, date=day(4), reason="paid to the wrong lender", idempotency_key="rev-pay", actor="a")
    assert services.balance(book, "assets:cash") == Decimal("1000.00")
    assert services.balance(book, "liabilities:compensation_payable") == Decimal("-300.00")
    approval = LedgerTransaction.objects.get(idempotency_key="ap")
    reversal = services.reverse(book, approval, date=day(4), reason="approval withdrawn", idempotency_key="rev-ap",
                                actor="a")
    assert reversal.reverses_id == approval.pk and approval.reversed_by == reversal
    assert services.balances(book) == before
    assert services.balances(book, as_of=day(3))["assets:cash"] == Decimal("700.00")  # history is kept
    assert services.check_books(book) == []


def test_reversing_twice_is_refused(book, injected):
    services.reverse(book, injected, date=day(2), reason="duplicate", idempotency_key="r1", actor="a")
    with pytest.raises(LedgerError, match="already been reversed"):
        services.reverse(book, injected, date=day(2), reason="duplicate", idempotency_key="r2", actor="a")
    assert services.balance(book, "assets:cash") == Decimal("0.00")
    assert LedgerTransaction.objects.count() == 2


def test_a_reversal_is_not_reversed(book, injected):
    reversal = services.reverse(book, injected, date=day(2), reason="x", idempotency_key="r1", actor="a")
    with pytest.raises(LedgerError, match="itself a reversal"):
        services.reverse(book, reversal, date=day(3), reason="undo", idempotency_key="r2", actor="a")


def test_a_reversal_that_would_overdraw_cash_is_refused(book, injected):
    services.post(book, core.compensation_approved(day(2), Decimal("600"), "C-1"), idempotency_key="ap", actor="a")
    services.post(book, core.compensation_paid(day(3), Decimal("600"), "C-1"), idempotency_key="pay", actor="a")
    with pytest.raises(InsufficientFunds, match="assets:cash"):
        services.reverse(book, injected, date=day(4), reason="capital withdrawn", idempotency_key="r", actor="a")
    assert LedgerTransaction.objects.count() == 3


def test_check_books_finds_a_row_changed_behind_the_services_back(book, injected):
    posting = injected.postings.get(account="assets:cash")
    tamper(f"UPDATE {LedgerPosting._meta.db_table} SET amount = %s WHERE id = %s", ["-5.00", posting.pk])
    problems = services.check_books(book)
    assert any("does not balance" in p for p in problems)
    assert any("content hash" in p for p in problems)
    assert any("assets:cash is -5.00" in p for p in problems)
