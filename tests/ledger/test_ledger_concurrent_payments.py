"""Two payments racing for the same cash: the book lock lets exactly one through (PostgreSQL only).

On SQLite writers are serialised by the database itself (one writer at a time), so the race this test
provokes cannot happen there; the row lock it exercises (SELECT ... FOR UPDATE) exists on PostgreSQL.
"""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from riskpool.ledger import core, services
from riskpool.ledger.core import InsufficientFunds

from .conftest import day

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="needs PostgreSQL (row locks and concurrent connections); set DATABASE_URL"),
    pytest.mark.django_db(transaction=True),
]


def test_two_simultaneous_payments_cannot_both_spend_the_same_cash():
    book = services.open_book("kezhou-industry", "克州产业发展风险补偿资金")
    services.post(book, core.capital_injection(day(1), Decimal("1000")), idempotency_key="inj", actor="bureau")
    for ref in ("C-1", "C-2"):
        services.post(book, core.compensation_approved(day(2), Decimal("600"), ref), idempotency_key=f"ap-{ref}",
                      actor="bureau")
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def pay(ref: str) -> None:
        try:
            barrier.wait(timeout=10)
            results[ref] = services.post(book, core.compensation_paid(day(3), Decimal("600"), ref),
                                         idempotency_key=f"pay-{ref}", actor=f"clerk-{ref}")
        except Exception as e:  # noqa: BLE001 - reported below
            results[ref] = e
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=pay, args=(ref,)) for ref in ("C-1", "C-2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    outcomes = sorted(type(r).__name__ for r in results.values())
    assert outcomes == ["InsufficientFunds", "LedgerTransaction"], results
    refused = next(r for r in results.values() if isinstance(r, InsufficientFunds))
    assert (refused.account, refused.balance, refused.amount) == ("assets:cash", Decimal("400.00"), Decimal("-600.00"))
    assert services.balance(book, "assets:cash") == Decimal("400.00")
    assert services.balance(book, "liabilities:compensation_payable") == Decimal("-600.00")
    assert services.check_books(book) == []
