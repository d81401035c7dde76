import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from riskpool.ledger import core, services


@pytest.fixture
def book(db):
    return services.open_book("kezhou-industry", "克州产业发展风险补偿资金")


@pytest.fixture
def posted(book):
    """Four transactions: capital, an approval, a payment and a reversal of a second approval."""
    services.post(book, core.capital_injection(day(1), Decimal("1000")), idempotency_key="inj", actor="bureau")
    services.post(book, core.compensation_approved(day(2), Decimal("300"), "C-1"), idempotency_key="ap", actor="a")
    services.post(book, core.compensation_paid(day(3), Decimal("300"), "C-1"), idempotency_key="pay", actor="a")
    wrong = services.post(book, core.compensation_approved(day(4), Decimal("50"), "C-2"), idempotency_key="ap2",
                          actor="a")
    services.reverse(book, wrong, date=day(5), reason="wrong claim", idempotency_key="rev", actor="a")
    assert services.check_books(book) == []
    return book


def day(n: int) -> dt.date:
    return dt.date(2025, 1, 1) + dt.timedelta(days=n - 1)


def tamper(sql: str, params=()) -> None:
    """Raw SQL run behind the services' back by someone with the database owner's rights: on PostgreSQL the
    append-only triggers are bypassed the way a superuser can (``session_replication_role = replica``, which
    also skips foreign-key checks); on SQLite there is no trigger to bypass."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(sql, params)
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("SET session_replication_role = DEFAULT")
