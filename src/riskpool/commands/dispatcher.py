"""THE dispatcher: runs every command in one transaction, in this order —

1. **lock** what the decision depends on, in a fixed order (funds' books, borrowers, loans, agreements; each
   by ascending id), so that a check and the write it guards happen under the same lock;
2. **idempotency key**: the same key with the same request answers the first result, even if the state has
   moved on; the same key with a different request is an :class:`IdempotencyConflict`; never a database
   error (the key is claimed by a unique insert inside a savepoint, re-read if another transaction won);
3. **facts → rule → rows and postings**: the command's ``handle``, reading only under the locks;
4. **history and audit**: the typed events the handler reported, and one audit row (who, when, the
   request, the result, every changed row before and after), hash-chained by ``riskpool.integrity``.

Whatever is refused raises and writes nothing. Only a client-supplied key deduplicates: without one, every
call is a new request (two equal repayments on one day are two repayments), recorded under a fresh key.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from riskpool import bulk
from riskpool.audit.models import AuditEvent, HistoryEvent
from riskpool.commands.base import Command, Context, Locks
from riskpool.figures import totals
from riskpool.integrity import chain

MAX_KEY = 200
MAX_ACTOR = 120


class IdempotencyConflict(ValueError):
    """The same idempotency key came with a different request."""


class CommandError(ValueError):
    """A command that is malformed as such (no actor, an over-long key)."""


class _KeyTaken(Exception):
    """The audit row's unique key was taken by a concurrent transaction: roll back ours, answer from theirs."""


def request_hash(action: str, subject: str, request: dict[str, Any]) -> str:
    body = {"action": action, "subject": subject, **request}
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()


# The lock spaces of the dispatcher's transaction-scoped advisory locks: (space << 48) | id, so that sorting the
# keys gives the fixed order — funds' books, then borrowers, then loans, then agreements, each by ascending id.
_SPACES = (("books", 1), ("borrowers", 2), ("loans", 3), ("agreements", 4))


def lock_keys(locks: Locks) -> list[int]:
    keys = []
    for name, space in _SPACES:
        keys += [(space << 48) | pk for pk in sorted(i for i in getattr(locks, name) if i is not None)]
    return keys


_COARSE: ContextVar[bool] = ContextVar("riskpool_coarse_locks", default=False)


@contextmanager
def coarse_locks():
    """Inside one long transaction of many commands (a bulk import) or one command over thousands of records
    (the API's batch): a command whose locks are ``confined`` to its funds' books takes only the books' locks. The transaction holds every lock it
    took until it ends, and PostgreSQL's lock table holds some thousands; the book's lock, held to the end
    too, already excludes every other writer of those records (each locks the book first)."""
    token = _COARSE.set(True)
    try:
        yield
    finally:
        _COARSE.reset(token)


def _lock(locks: Locks) -> None:
    """Take the command's locks, in the fixed order, until the transaction ends.

    PostgreSQL: one statement of transaction-scoped advisory locks (``pg_advisory_xact_lock``), one per
    record the decision depends on. A volatile function in a SELECT list is evaluated after its ORDER BY
    (PostgreSQL ≥ 9.6), so the locks are taken in key order: two commands never wait on each other in a cycle.
    Every writer goes through this dispatcher, so these locks serialise exactly the commands that must be."""
    from django.db import connection

    if connection.vendor == "sqlite":
        return  # one writer at a time: every transaction takes the database's write lock when it begins
    if locks.loans and not locks.books:
        # every command on a loan locks its fund's book too: what coarse_locks relies on
        raise CommandError(f"a command locking loans {sorted(locks.loans)} must lock their funds' books too")
    if locks.confined and _COARSE.get() and locks.books and all(b is not None for b in locks.books):
        locks = Locks(books=locks.books)
    keys = lock_keys(locks)
    if not keys:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(k) FROM unnest(%s::bigint[]) AS k ORDER BY k", [keys])


@dataclass(frozen=True)
class _Claim:
    """What an answer needs of the audit row that claimed a key."""

    request_hash: str
    result: Any
    action: str
    subject: str
    on: Any
    actor: str


def _claimed(key: str) -> _Claim | None:
    """The audit row that claimed ``key``, with just what an answer needs (one indexed read per command, in
    plain SQL: it runs on every command that carries a key)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT request_hash, result, action, subject, {connection.ops.quote_name('on')}, actor "
                       f"FROM {AuditEvent._meta.db_table} WHERE idempotency_key = %s", [key])
        row = cursor.fetchone()
    if row is None:
        return None
    result = row[1]
    if isinstance(result, (str, bytes)):  # SQLite's text, and PostgreSQL's jsonb as Django reads it
        result = json.loads(result)
    return _Claim(row[0], result, row[2], row[3], row[4], row[5])


def _answer(existing: _Claim, digest: str, key: str) -> dict[str, Any]:
    if existing.request_hash != digest:
        raise IdempotencyConflict(f"idempotency key {key!r} was used before for a different request "
                                  f"({existing.action} {existing.subject} on {existing.on})")
    return existing.result


def dispatch(command: Command, *, actor: str | None = None, key: str | None = None,
             principal: Any = None) -> dict[str, Any]:
    """Run ``command`` once per key, under its locks, in one transaction; return its (first) result.

    ``principal`` (``riskpool.accounts.principal.Principal``): the logged-in user or API token it runs for; it
    is authorised under the locks (``riskpool.accounts.authorize``) and is the actor. Without one (the CLI,
    stories, the daily sweep) ``actor`` names the operator."""
    if principal is not None:
        actor = principal.username
    if not isinstance(actor, str) or not actor.strip() or len(actor) > MAX_ACTOR:
        raise CommandError(f"{command.action}: an actor of 1–{MAX_ACTOR} characters is required, got {actor!r}")
    if key is not None and (not isinstance(key, str) or not key.strip() or len(key) > MAX_KEY):
        raise CommandError(f"{command.action}: an idempotency key must be 1–{MAX_KEY} characters, got {key!r}")
    subject = command.subject()
    request = command.request()
    digest = request_hash(command.action, subject, request)
    supplied = key is not None
    key = key if supplied else f"{command.action}:{uuid.uuid4()}"
    # a bulk import's pending total moves and chain heads: undone with the command if it fails
    marked, heads = totals.mark(), chain.mark()
    try:
        with transaction.atomic():
            locks = command.locks()
            _lock(locks)
            existing = _claimed(key) if supplied else None
            # a retry answers the first result — to the same principal only (a key is no bearer token)
            if existing is not None and (principal is None or existing.actor == actor):
                return _answer(existing, digest, key)
            if principal is not None:
                from riskpool.accounts.authorize import authorize

                authorize(command, principal)
            if existing is not None:
                raise IdempotencyConflict(f"idempotency key {key!r} was used before by another user")
            ctx = Context(actor=actor, key=key, on=command.on)
            result = command.handle(ctx)
            audit = _claim(key, digest, command, subject, request, result, ctx)
            _record(audit, ctx, stream_of(locks))
    except BaseException as e:
        totals.restore(marked)
        chain.restore(heads)
        if not isinstance(e, _KeyTaken):
            raise
        # a concurrent transaction claimed the key first (its locks differed: another request, or the state it
        # locked changed); ours is rolled back, and the answer is theirs — or a conflict
        existing = _claimed(key)
        if existing is None:
            raise
        return _answer(existing, digest, key)
    return result


def _claim(key: str, digest: str, command: Command, subject: str, request: dict[str, Any],
           result: dict[str, Any], ctx: Context) -> AuditEvent:
    """Insert the audit row that claims the key. A unique-key violation (a concurrent transaction claimed it
    first) aborts this transaction; ``dispatch`` answers from the winner's row once it is rolled back — no
    savepoint, so no extra round trip on the hot path."""
    audit = AuditEvent(
        idempotency_key=key, request_hash=digest, action=command.action, actor=ctx.actor, on=command.on,
        subject=subject, detail=request, result=_jsonable(result),
        changes=_jsonable([{"row": c.label, "before": c.before, "after": c.after} for c in ctx.changes]))
    try:
        bulk.insert([audit])  # one plain INSERT … RETURNING (riskpool.bulk): the hot path of every command
    except IntegrityError:
        raise _KeyTaken from None
    return audit


def stream_of(locks: Locks) -> str:
    """The chain stream of a command's audit row: its fund's book where it locks one (commands on one fund are
    serialised by that lock anyway), else one stream for everything else."""
    books = sorted(b for b in locks.books if b is not None)
    return f"audit:book:{books[0]}" if books else "audit"


def _record(audit: AuditEvent, ctx: Context, stream: str) -> None:
    rows = [HistoryEvent(kind=e.kind, on=e.on, fund=e.fund, program=e.program, lender=e.lender, borrower=e.borrower,
                         loan=e.loan, claim=e.claim, agreement=e.agreement, amount=e.amount, article=e.article,
                         data=_jsonable(e.data), audit=audit) for e in ctx.events]
    bulk.insert(rows)  # plain multi-row inserts (riskpool.bulk): one event or a batch's thousand
    # one link per command: the audit row with its history rows (an edit to either breaks the digest)
    chain.seal(stream, AUDIT_TABLE, audit.pk, audit_content(audit, rows))


AUDIT_TABLE = "audit.AuditEvent"


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def audit_content(a: AuditEvent, history: list[HistoryEvent] | None = None) -> dict[str, Any]:
    """What the chain seals of a command: its audit row and its history rows (read back: ``history=None``)."""
    if history is None:
        history = sorted(a.history.all(), key=lambda h: h.pk)
    return {"key": a.idempotency_key, "hash": a.request_hash, "action": a.action, "actor": a.actor,
            "on": a.on.isoformat() if hasattr(a.on, "isoformat") else str(a.on), "subject": a.subject,
            "detail": a.detail, "result": a.result, "changes": a.changes,
            "history": [history_content(h) for h in history]}


def history_content(h: HistoryEvent) -> dict[str, Any]:
    return {"kind": h.kind, "on": h.on.isoformat() if hasattr(h.on, "isoformat") else str(h.on), "fund": h.fund,
            "program": h.program, "lender": h.lender, "borrower": h.borrower, "loan": h.loan, "claim": h.claim,
            "agreement": h.agreement, "amount": None if h.amount is None else f"{h.amount:.2f}",
            "article": h.article, "data": h.data}
