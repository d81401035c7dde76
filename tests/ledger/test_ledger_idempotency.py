"""A retried request returns the first result; a key reused for something else is refused."""

from decimal import Decimal

import pytest

from riskpool.ledger import core, services
from riskpool.ledger.models import LedgerPosting, LedgerTransaction
from riskpool.ledger.services import IdempotencyConflict

from .conftest import day


def test_same_key_same_content_returns_the_first_record_and_writes_nothing_more(book):
    first = services.post(book, core.capital_injection(day(1), Decimal("1000")), idempotency_key="inj-2025-01",
                          actor="alice")
    again = services.post(book, core.capital_injection(day(1), Decimal("1000.00")), idempotency_key="inj-2025-01",
                          actor="bob")
    assert again.pk == first.pk
    assert LedgerTransaction.objects.count() == 1
    assert LedgerPosting.objects.count() == 2
    assert services.balance(book, "assets:cash") == Decimal("1000.00")


def test_same_key_different_content_is_refused_and_writes_nothing(book):
    services.post(book, core.capital_injection(day(1), Decimal("1000")), idempotency_key="inj", actor="alice")
    with pytest.raises(IdempotencyConflict, match="'inj' was already used"):
        services.post(book, core.capital_injection(day(1), Decimal("2000")), idempotency_key="inj", actor="alice")
    with pytest.raises(IdempotencyConflict):
        services.post(book, core.capital_injection(day(2), Decimal("1000")), idempotency_key="inj", actor="alice")
    assert LedgerTransaction.objects.count() == 1
    assert services.balance(book, "assets:cash") == Decimal("1000.00")


def test_keys_are_per_book(book):
    other = services.open_book("pingluo", "平罗普惠易贷")
    services.post(book, core.capital_injection(day(1), Decimal("1000")), idempotency_key="inj", actor="a")
    services.post(other, core.capital_injection(day(1), Decimal("500")), idempotency_key="inj", actor="a")
    assert services.balance(book, "assets:cash") == Decimal("1000.00")
    assert services.balance(other, "assets:cash") == Decimal("500.00")


def test_a_retried_reversal_returns_the_first_reversal(book):
    original = services.post(book, core.capital_injection(day(1), Decimal("1000")), idempotency_key="inj", actor="a")
    r1 = services.reverse(book, original, date=day(2), reason="wrong amount", idempotency_key="rev", actor="a")
    r2 = services.reverse(book, original, date=day(2), reason="wrong amount", idempotency_key="rev", actor="a")
    assert r1.pk == r2.pk
    assert LedgerTransaction.objects.count() == 2


def test_opening_a_book_twice_returns_it(db):
    b1 = services.open_book("kunshan", "昆育融")
    assert services.open_book("kunshan", "昆育融").pk == b1.pk
    with pytest.raises(IdempotencyConflict):
        services.open_book("kunshan", "another name")
