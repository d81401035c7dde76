"""Builders of the background-import tests: the kezhou world of the import tests (kz-bank lends, four
whitelisted firms), a jobs folder per test, the principal of a lender's user, and a worker run in-process."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from imports.conftest import LOAN_HEADER, kezhou_with_borrowers, loan_row, row_counts, write_csv  # noqa: F401
from riskpool.accounts.principal import Principal


@pytest.fixture(autouse=True)
def jobs_dir(settings, tmp_path):
    settings.RISKPOOL_JOBS_DIR = tmp_path / "jobs"
    return settings.RISKPOOL_JOBS_DIR


@pytest.fixture
def world(db):
    return kezhou_with_borrowers()


def principal_of(institution, username: str = "kz-bank-user") -> Principal:
    return Principal(username, institution.pk, institution.code, institution.kind)


def chunks_of(path) -> list[bytes]:
    return [path.read_bytes()]


def run_database_worker(monkeypatch=None) -> None:
    """django-tasks-db's worker, in this process: every queued task, then it exits (``--batch``). Its check
    for stale connections is a no-op here: the test's transaction is the connection's."""
    if monkeypatch is not None:
        monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0", verbosity=0)
