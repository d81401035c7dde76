"""An import is one transaction of many commands. What every command would leave behind until it ends must not
grow with the file: on PostgreSQL the advisory locks a repayments or arrears import holds are its funds'
books, not one per loan (a lock per row filled the lock table — "out of shared memory" — after some thousands
of rows); the chain heads and running totals are written once, at the end, and the books check afterwards."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from riskpool.commands import dispatch
from riskpool.commands.dispatcher import _lock, coarse_locks
from riskpool.figures import totals
from riskpool.imports.importer import import_file
from riskpool.integrity import chain
from riskpool.integrity.models import ChainHead, ChainLink
from riskpool.loans.commands import Extend, LoanError, Repay

from .conftest import LOAN_HEADER, loan_row, write_csv

ROWS = 120
# the loans import commits first, so that the locks counted are those of what follows
PG = [pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's advisory locks"),
      pytest.mark.django_db(transaction=True)]


def _advisory_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
        return cursor.fetchone()[0]


def _loans(world, tmp_path) -> None:
    path = write_csv(tmp_path / "loans.csv", LOAN_HEADER,
                     [loan_row(f"KZ-L-{i:04d}", i % 4, amount="10000") for i in range(ROWS)])
    assert import_file("loans", path).ok


@PG[0]
@PG[1]
def test_a_repayments_import_holds_its_books_lock_not_one_per_loan(world, tmp_path):
    _loans(world, tmp_path)
    path = write_csv(tmp_path / "repayments.csv", ["loan", "on", "principal"],
                     [[f"KZ-L-{i:04d}", "2025-09-01", "100"] for i in range(ROWS)])
    held = []
    with transaction.atomic():
        result = import_file("repayments", path, progress=lambda n: held.append(_advisory_locks()))
        assert result.ok, result.errors
        held.append(_advisory_locks())
    assert held and max(held) == 1, held  # the fund's book, whatever the number of rows


@PG[0]
@PG[1]
def test_a_loans_import_holds_its_books_lock_not_one_per_borrower(world, tmp_path):
    path = write_csv(tmp_path / "loans.csv", LOAN_HEADER,
                     [loan_row(f"KZ-L-{i:04d}", i % 4, amount="10000") for i in range(ROWS)])
    held = []
    with transaction.atomic():
        result = import_file("loans", path, progress=lambda n: held.append(_advisory_locks()))
        assert result.ok, result.errors
        held.append(_advisory_locks())
    assert held and max(held) == 1, held  # the fund's book, not its four borrowers


@PG[0]
@PG[1]
def test_outside_an_import_a_repayment_locks_its_borrower_and_loan_too(world, tmp_path):
    _loans(world, tmp_path)
    with transaction.atomic():
        dispatch(Repay(loan="KZ-L-0000", on="2025-09-01", principal="100"), actor="kz-bank")
        assert _advisory_locks() == 3  # book, borrower, loan
    with transaction.atomic(), coarse_locks():
        dispatch(Repay(loan="KZ-L-0001", on="2025-09-01", principal="100"), actor="kz-bank")
        assert _advisory_locks() == 1  # inside an import: the book


@PG[0]
@PG[1]
def test_an_extension_keeps_its_borrower_and_loan_locks_inside_an_import(world, tmp_path):
    """Extend marks the borrower restructured (a borrower-level record): not confined to its fund's book."""
    _loans(world, tmp_path)
    with transaction.atomic(), coarse_locks():
        _lock(Extend(loan="KZ-L-0000", on="2025-09-01", months=12).locks())
        assert _advisory_locks() == 3


def test_the_chain_heads_are_written_once_and_the_books_check(world, tmp_path):
    _loans(world, tmp_path)
    path = write_csv(tmp_path / "repayments.csv", ["loan", "on", "principal"],
                     [[f"KZ-L-{i:04d}", "2025-09-01", "100"] for i in range(ROWS)])
    assert import_file("repayments", path).ok
    for head in ChainHead.objects.all():
        assert head.seq == ChainLink.objects.filter(stream=head.stream).count()
    assert chain.verify() == []
    assert totals.check() == []


def test_a_command_that_fails_after_sealing_takes_its_link_and_head_move_with_it(world, tmp_path, monkeypatch):
    """The chain's last step, then a failure: the savepoint undoes the link, and the mark puts the head back —
    the next command links to the head before it, and the chain verifies."""
    from riskpool.commands import dispatcher

    _loans(world, tmp_path)
    sealed_then_fail = dispatcher._record

    def record(audit, ctx, stream):
        sealed_then_fail(audit, ctx, stream)
        if ctx.key == "fails-after-sealing":
            raise LoanError("refused after sealing")

    with transaction.atomic(), chain.deferred_heads(), totals.deferred():
        dispatch(Repay(loan="KZ-L-0000", on="2025-09-01", principal="100"), actor="kz-bank")
        monkeypatch.setattr(dispatcher, "_record", record)
        with pytest.raises(LoanError):
            dispatch(Repay(loan="KZ-L-0001", on="2025-09-01", principal="100"), actor="kz-bank",
                     key="fails-after-sealing")
        dispatch(Repay(loan="KZ-L-0002", on="2025-09-01", principal="100"), actor="kz-bank")
    assert chain.verify() == []
    assert totals.check() == []
    for head in ChainHead.objects.all():
        assert head.seq == ChainLink.objects.filter(stream=head.stream).count()
