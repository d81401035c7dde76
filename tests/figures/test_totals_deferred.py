"""Running totals deferred for a bulk import (riskpool.figures.totals.deferred): the moves of many commands are
kept in memory and written once, yet every read sees them, a failed command's moves are undone with its rows,
and a deferral left by an exception writes nothing."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any, ClassVar

import pytest
from django.db import transaction

from riskpool.commands import Command, Context, dispatch
from riskpool.figures import totals
from riskpool.figures.models import RunningTotal
from riskpool.imports.importer import import_file
from riskpool.loans.commands import LoanError

from claims.conftest import KEZHOU_USCC, add_borrower, add_loan, d, kezhou_world

pytestmark = pytest.mark.django_db(transaction=True)


def _stored(name: str) -> int:
    return RunningTotal.objects.filter(name=name).values_list("fen", flat=True).first() or 0


class _MovesThenFails(Command):
    """A command that moves a total and then is refused: its move must vanish with its savepoint."""

    action: ClassVar[str] = "test.moves_then_fails"
    name: str

    def subject(self) -> str:
        return f"total:{self.name}"

    def handle(self, ctx: Context) -> dict[str, Any]:
        totals.bump(self.name, 700)
        raise LoanError("refused after moving a total")


class _Moves(Command):
    action: ClassVar[str] = "test.moves"
    name: str

    def subject(self) -> str:
        return f"total:{self.name}"

    def handle(self, ctx: Context) -> dict[str, Any]:
        totals.bump(self.name, 300)
        return {}


def test_deferred_moves_are_written_once_at_the_end_and_read_meanwhile():
    world = kezhou_world()
    firm = add_borrower(world, KEZHOU_USCC[0], "阿图什棉纺有限公司")
    name = totals.covered(world.fund.pk)
    with transaction.atomic(), totals.deferred():
        add_loan(world, "KZ-D-1", firm, "100000", issue_date=d("2025-11-03"), term_months=12)
        assert _stored(name) == 0  # not written yet
        assert totals.pending_plus({}, [name]) == {name: 10_000_000}  # fen
        add_loan(world, "KZ-D-2", firm, "50000", issue_date=d("2025-11-03"), term_months=12)
        # a reader outside the batch (the reports, the verdicts) writes what is pending first
        assert totals.count(totals.covered_count(world.fund.pk)) == 2
        assert _stored(name) == 15_000_000
        add_loan(world, "KZ-D-3", firm, "1", issue_date=d("2025-11-03"), term_months=12)
        assert _stored(name) == 15_000_000
    assert _stored(name) == 15_000_100  # written when the deferral ended
    assert totals.check() == []


def test_a_failed_command_takes_its_deferred_moves_with_it():
    with transaction.atomic(), totals.deferred():
        dispatch(_Moves(on=dt.date(2025, 11, 3), name="test:a"), actor="t")
        with pytest.raises(LoanError):
            dispatch(_MovesThenFails(on=dt.date(2025, 11, 3), name="test:a"), actor="t")
        assert totals.pending_plus({}, ["test:a"]) == {"test:a": 300}
        dispatch(_Moves(on=dt.date(2025, 11, 3), name="test:a"), actor="t")
    assert _stored("test:a") == 600


def test_a_failed_command_after_a_flush_is_undone_in_the_table_and_in_memory():
    """A flush inside a command that then fails: its savepoint undoes the written moves, and the mark puts
    the earlier commands' moves back in memory, so they are written once, not lost."""

    class _FlushesThenFails(_MovesThenFails):
        action: ClassVar[str] = "test.flushes_then_fails"

        def handle(self, ctx: Context) -> dict[str, Any]:
            totals.flush()
            return super().handle(ctx)

    with transaction.atomic(), totals.deferred():
        dispatch(_Moves(on=dt.date(2025, 11, 3), name="test:b"), actor="t")
        with pytest.raises(LoanError):
            dispatch(_FlushesThenFails(on=dt.date(2025, 11, 3), name="test:b"), actor="t")
        assert _stored("test:b") == 0
    assert _stored("test:b") == 300


def test_leaving_a_deferral_by_an_exception_writes_nothing():
    with pytest.raises(RuntimeError):
        with transaction.atomic(), totals.deferred():
            totals.apply(Counter(), Counter({"test:c": 5}))
            raise RuntimeError("the import is refused")
    assert _stored("test:c") == 0
    totals.apply(Counter(), Counter({"test:c": 5}))  # not deferring any more: written at once
    assert _stored("test:c") == 5


def test_an_import_writes_its_totals_once_and_they_agree_with_the_loans(tmp_path):
    world = kezhou_world()
    firm = add_borrower(world, KEZHOU_USCC[0], "阿图什棉纺有限公司")
    rows = ["code,program,lender,borrower,amount,issue_date,term_months,guarantor,guarantee_fee_rate"]
    rows += [f"KZ-I-{i},{world.program.code},{world.lender.code},{firm.code},1000,2025-11-03,12,"
             f"{world.guarantor.code},0.008" for i in range(30)]
    path = tmp_path / "loans.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = import_file("loans", path, actor=world.lender.code)
    assert result.ok and result.imported == 30, result.summary()
    assert _stored(totals.covered(world.fund.pk)) == 30 * 100_000
    assert totals.count(totals.covered_count(world.fund.pk)) == 30
    assert totals.check() == []


def test_many_moves_are_written_in_statements_of_bounded_size():
    """A province's import moves a total per borrower: 12,000 names, more than one statement's parameters."""
    moves = Counter({f"test:many:{i}": i + 1 for i in range(12_000)})
    with transaction.atomic(), totals.deferred():
        totals.apply(Counter(), moves)
    stored = dict(RunningTotal.objects.filter(name__startswith="test:many:").values_list("name", "fen"))
    assert stored == dict(moves)
