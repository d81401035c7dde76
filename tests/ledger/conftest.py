import datetime as dt

import pytest
from django.db import connection

from riskpool.ledger import services


@pytest.fixture
def book(db):
    return services.open_book("kezhou-industry", "克州产业发展风险补偿资金")


def day(n: int) -> dt.date:
    """Day n of 2025 (day(1) is 1 January)."""
    return dt.date(2025, 1, 1) + dt.timedelta(days=n - 1)


def tamper(sql: str, params=()) -> None:
    """Raw SQL as someone with the database owner's rights would run it, behind the services' back. On
    PostgreSQL the append-only triggers are bypassed the way such a person would (``session_replication_role``
    = replica, which a superuser may set); on SQLite there are no triggers to bypass."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(sql, params)
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("SET session_replication_role = DEFAULT")
