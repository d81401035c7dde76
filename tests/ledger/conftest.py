import datetime as dt

import pytest

from riskpool.ledger import services


@pytest.fixture
def book(db):
    return services.open_book("kezhou-industry", "克州产业发展风险补偿资金")


def day(n: int) -> dt.date:
    """Day n of 2025 (day(1) is 1 January)."""
    return dt.date(2025, 1, 1) + dt.timedelta(days=n - 1)
