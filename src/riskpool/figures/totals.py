"""Running totals: what a filing, a repayment or a claim reads instead of re-summing the book.

Each total is a named row (``RunningTotal``) in whole fen (the ``count:`` totals: a number of loans). A loan's or a claim's contribution to the totals
is a pure function of its stored fields (:func:`loan_contributions`, :func:`claim_contributions`); the
models call :func:`apply` with the contribution before and after every save, so no code path can move a
loan without moving its totals. :func:`expected` recomputes every total from the records, for
``riskpool books check``. A fund's opening position (riskpool.opening) adds its past figures the same way
(:func:`opening_contributions`).

A bulk import defers its moves (:func:`deferred`): inside one long transaction every command of thousands
of loans moves the same few thousand totals, and PostgreSQL keeps each version of a row until the transaction
ends, so writing them per command makes every later read walk a longer chain of versions (a million loans:
200 versions of each total). Deferred, the moves are kept in memory and written once, when the deferral ends;
:func:`pending_plus` reads the database plus what is pending, and every other reader here writes what is
pending first, so no reader ever sees a total without its moves. The dispatcher marks (:func:`mark`) the pending
moves before a command and restores them (:func:`restore`) when it fails, as its savepoint undoes its rows.
"""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from typing import Any, Iterable, Mapping

from django.db import connection
from django.db.models import F

from riskpool.figures.models import RunningTotal
from riskpool.money import FEN

ACTIVE = ("filed", "claimed")  # loan statuses that count as covered (在池)


def _fen(amount: Decimal | None) -> int:
    return 0 if amount is None else int((Decimal(amount) / FEN).to_integral_value())


# --- names -------------------------------------------------------------------------------------------------

def covered(fund_id: int) -> str:
    return f"covered:fund:{fund_id}"


def borrower_outstanding(program_id: int, borrower_id: int) -> str:
    return f"outstanding:program:{program_id}:borrower:{borrower_id}"


def lender_outstanding(program_id: int, lender_id: int) -> str:
    return f"outstanding:program:{program_id}:lender:{lender_id}"


def exposure(program_id: int, lender_id: int, borrower_id: int) -> str:
    return f"outstanding:program:{program_id}:lender:{lender_id}:borrower:{borrower_id}"


def financing(program_id: int, lender_id: int, year: int) -> str:
    return f"financing:program:{program_id}:lender:{lender_id}:year:{year}"


def released(program_id: int, lender_id: int) -> str:
    return f"released:program:{program_id}:lender:{lender_id}"


def compensation(program_id: int, lender_id: int, year: int) -> str:
    return f"compensation:program:{program_id}:lender:{lender_id}:year:{year}"


def compensated(program_id: int, lender_id: int) -> str:
    return f"compensated:program:{program_id}:lender:{lender_id}"


def covered_count(fund_id: int) -> str:
    """How many loans the fund covers (在池笔数): a count, not fen."""
    return f"count:covered:fund:{fund_id}"


def lender_count(program_id: int, lender_id: int) -> str:
    """How many of the program's covered loans the lender holds: a count, not fen."""
    return f"count:program:{program_id}:lender:{lender_id}"


# --- contributions ---------------------------------------------------------------------------------------

def loan_contributions(v: Mapping[str, Any] | None) -> Counter:
    """What one loan adds to each total, from its fields (program_id, fund_id, lender_id, borrower_id, status,
    outstanding_principal, amount, issue_date, released_on)."""
    out: Counter = Counter()
    if not v:
        return out
    p, lender, borrower = v["program_id"], v["lender_id"], v["borrower_id"]
    if v["status"] in ACTIVE:
        o = _fen(v["outstanding_principal"])
        out[covered(v["fund_id"])] += o
        out[borrower_outstanding(p, borrower)] += o
        out[lender_outstanding(p, lender)] += o
        out[exposure(p, lender, borrower)] += o
        out[covered_count(v["fund_id"])] += 1
        out[lender_count(p, lender)] += 1
    out[financing(p, lender, v["issue_date"].year)] += _fen(v["amount"])
    if v.get("released_on") is not None:
        out[released(p, lender)] += _fen(v["amount"])
    return out


def claim_contributions(v: Mapping[str, Any] | None) -> Counter:
    """What one claim adds: the fund's payments to the lender, by the year of the first payment."""
    out: Counter = Counter()
    if not v or v.get("paid_on") is None:
        return out
    paid = _fen(v["paid_amount"])
    out[compensation(v["program_id"], v["lender_id"], v["paid_on"].year)] += paid
    out[compensated(v["program_id"], v["lender_id"])] += paid
    return out


def opening_contributions(v: Mapping[str, Any] | None) -> Counter:
    """What one opening figure (``figures.models.OpeningFigure``: a lender's business in a program and year
    before the opening, riskpool.opening) adds: its financing to that year's, its released guarantees, and the
    fund's payments, by their year, as a claim's would."""
    out: Counter = Counter()
    if not v:
        return out
    p, lender = v["program_id"], v["lender_id"]
    out[financing(p, lender, v["year"])] += _fen(v["financing"])
    out[released(p, lender)] += _fen(v["released"])
    out[compensation(p, lender, v["year"])] += _fen(v["compensation"])
    out[compensated(p, lender)] += _fen(v["compensation"])
    return +out


OPENING_FIELDS = ("program_id", "lender_id", "year", "financing", "released", "compensation")


# --- reading and writing ---------------------------------------------------------------------------------

_pending: ContextVar[Counter | None] = ContextVar("riskpool_pending_totals", default=None)


@contextmanager
def deferred():
    """Keep every move in memory until the block ends, then write them (a statement per 5,000 names) — inside
    one transaction (the caller's: a bulk import). Leaving by an exception writes nothing: the transaction the
    block is in is being rolled back."""
    if _pending.get() is not None:  # already deferring: the outer block writes
        yield
        return
    token = _pending.set(Counter())
    try:
        yield
        flush()
    finally:
        _pending.reset(token)


def flush() -> None:
    """Write the pending moves (if deferring) now."""
    pending = _pending.get()
    if pending:
        moves = [(name, fen) for name, fen in sorted(pending.items()) if fen]
        pending.clear()
        if moves:
            _upsert(moves)


def mark() -> Counter | None:
    """The pending moves as they stand (None when not deferring), for :func:`restore`."""
    pending = _pending.get()
    return None if pending is None else Counter(pending)


def restore(marked: Counter | None) -> None:
    """Put the pending moves back as :func:`mark` saw them: a failed command's moves are undone with its rows.
    (What was flushed since is undone by the same savepoint, which is why the mark holds it again.)"""
    pending = _pending.get()
    if pending is not None and marked is not None:
        pending.clear()
        pending.update(marked)


def apply(before: Counter, after: Counter) -> None:
    """Move every total by (after − before), in the caller's transaction, in one upsert statement (SQLite and
    PostgreSQL alike: INSERT … ON CONFLICT (name) DO UPDATE adds to the stored total, atomically) — or, while
    :func:`deferred`, in memory."""
    delta = Counter(after)
    delta.subtract(before)
    pending = _pending.get()
    if pending is not None:
        pending.update(delta)
        return
    moves = [(name, fen) for name, fen in sorted(delta.items()) if fen]
    if moves:
        _upsert(moves)


def bump(name: str, fen: int) -> None:
    apply(Counter(), Counter({name: fen}))


def pending_plus(found: dict[str, int], names: Iterable[str]) -> dict[str, int]:
    """``found`` (totals read from the database, by name) plus the pending moves of ``names``."""
    pending = _pending.get()
    if pending:
        found = dict(found)
        for name in names:
            if pending.get(name):
                found[name] = found.get(name, 0) + pending[name]
    return found


UPSERT_CHUNK = 5000  # moves per statement: 10,000 parameters, under PostgreSQL's 65,535 and SQLite's 32,766


def _upsert(moves: list[tuple[str, int]]) -> None:
    table = connection.ops.quote_name(RunningTotal._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(moves), UPSERT_CHUNK):  # a deferred import's moves can be 100,000 names
            part = moves[start:start + UPSERT_CHUNK]
            values = ", ".join(["(%s, %s)"] * len(part))
            cursor.execute(f"INSERT INTO {table} (name, fen) VALUES {values} "
                           f"ON CONFLICT (name) DO UPDATE SET fen = {table}.fen + excluded.fen",
                           [x for move in part for x in move])


def get(name: str) -> Decimal:
    return get_many([name])[name]


def count(name: str) -> int:
    """A ``count:`` total (a number of loans, not fen)."""
    flush()
    table = connection.ops.quote_name(RunningTotal._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT fen FROM {table} WHERE name = %s", [name])
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def named_ids(prefix: str) -> set[int]:
    """The ids that follow ``prefix`` in the names of the totals that start with it (e.g. the lenders of a
    program from ``financing:program:P:lender:``) — a number of rows bounded by lenders × years."""
    flush()
    table = connection.ops.quote_name(RunningTotal._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT name FROM {table} WHERE name LIKE %s", [prefix + "%"])  # no _ or % in a name
        return {int(name[len(prefix):].split(":", 1)[0]) for (name,) in cursor.fetchall()}


def get_many(names: Iterable[str]) -> dict[str, Decimal]:
    flush()
    names = list(names)
    table = connection.ops.quote_name(RunningTotal._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT name, fen FROM {table} WHERE name IN ({', '.join(['%s'] * len(names))})", names)
        found = dict(cursor.fetchall())
    return {n: Decimal(found.get(n, 0)) * FEN for n in names}


LOAN_FIELDS = ("program_id", "fund_id", "lender_id", "borrower_id", "status", "outstanding_principal", "amount",
               "issue_date", "released_on")


def expected() -> Counter:
    """Every total, recomputed from the loan and claim records."""
    from riskpool.claims.models import Claim
    from riskpool.loans.models import Loan

    out: Counter = Counter()
    for v in Loan.objects.values(*LOAN_FIELDS).iterator():
        out.update(loan_contributions(v))
    for v in (Claim.objects.filter(paid_on__isnull=False)
              .values("paid_on", "paid_amount", program_id=F("loan__program_id"), lender_id=F("loan__lender_id"))):
        out.update(claim_contributions(v))
    from riskpool.figures.models import OpeningFigure

    for v in OpeningFigure.objects.values(*OPENING_FIELDS).iterator():
        out.update(opening_contributions(v))
    return out


def check() -> list[str]:
    """Problems: a running total that differs from the sum of its history."""
    flush()
    want = expected()
    have = dict(RunningTotal.objects.values_list("name", "fen"))
    problems = []
    for name in sorted(set(want) | set(have)):
        if want.get(name, 0) != have.get(name, 0):
            unit = 1 if name.startswith("count:") else FEN
            problems.append(f"running total {name} is {Decimal(have.get(name, 0)) * unit} but its history sums "
                            f"to {Decimal(want.get(name, 0)) * unit}")
    return problems
