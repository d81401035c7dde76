import datetime as dt

import pytest

from riskpool.calendar import WorkingCalendar
from riskpool.policy import load_program


@pytest.fixture(scope="session")
def kezhou():
    return load_program("kezhou-industry")


@pytest.fixture(scope="session")
def kunshan():
    return load_program("kunshan-kunyurong")


@pytest.fixture(scope="session")
def pingluo():
    return load_program("pingluo-puhui-yidai")


@pytest.fixture(scope="session")
def calendar_2026():
    """The package's calendar only: tests must not depend on notices loaded on this machine."""
    return WorkingCalendar()


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)
