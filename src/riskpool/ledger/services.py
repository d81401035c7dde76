"""The only way to write the fund's books, and the ways to read them.

``post`` runs in one database transaction: it locks the book row (``SELECT ... FOR UPDATE`` on PostgreSQL;
on SQLite the settings make every atomic block take the database write lock when it begins, so writers
queue), answers a retried request from its idempotency key, checks the transaction (``core.check_transaction``)
and that no bounded account (``core.BOUNDED``: cash, deposits, bonds, receivables may not go below zero,
liabilities may not turn debit) crosses zero at the end of any day from the transaction's date on, and only
then writes. Whatever it refuses, it writes nothing.

Balances are summed in the database in whole fen, as integers (``ROUND(amount * 100)`` cast to a 64-bit
integer), and turned back into Decimal yuan here: exact on PostgreSQL and on SQLite alike. (SQLite keeps
decimals as binary floating point; a plain ``SUM(amount)`` there returns things like 0.0600000000000001.
Each stored amount is within a hair of its fen value — up to the 15 significant digits SQLite keeps, i.e.
below 10^13 yuan per posting — so rounding it to the fen before adding is exact.)

Running balances (vision.md: running totals on every hot path, ``books check`` proves them): each book keeps
one ``AccountBalance`` row per account, in whole fen, and its latest posted date (``Book.latest_date``), both
updated by ``post`` in the transaction that writes the postings, under the book lock. So a posting dated on or
after the book's latest date reads a bounded number of rows whatever the size of the book (the bounds check is
the running balance plus the change); a back-dated one reads only the postings from its date on (the balance
before its date is the running balance minus them). ``balance``/``balances`` read the running balances when
``as_of`` is None or not before the latest date. ``check_books`` proves every running balance equals the sum of
its postings.

Tamper evidence (docs/integrity.md): every transaction written is sealed, in the same database transaction,
into its book's stream of the HMAC chain (``riskpool.integrity.chain``) with its postings' (account, amount)
pairs; ``check_books`` includes ``chain.verify`` of that stream.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import BigIntegerField, Case, Sum, Value, When

from riskpool.dbmoney import fen_units
from riskpool.dbmoney import yuan as _yuan
from riskpool.integrity import chain
from riskpool.ledger import chained, core
from riskpool.ledger.core import InsufficientFunds, LedgerError
from riskpool.ledger.models import AccountBalance, Book, LedgerPosting, LedgerTransaction
from riskpool.money import ZERO


class IdempotencyConflict(LedgerError):
    """An idempotency key reused for a different request."""


def open_book(code: str, name: str) -> Book:
    """Open the books of one fund; opening the same code again with the same name returns the book."""
    with transaction.atomic():
        book, created = Book.objects.get_or_create(code=code, defaults={"name": name})
    if not created and book.name != name:
        raise IdempotencyConflict(f"book {code!r} is already open under the name {book.name!r}, not {name!r}")
    return book


def post(book: Book, txn: core.Transaction, *, idempotency_key: str, actor: str) -> LedgerTransaction:
    """Post ``txn`` to ``book``; the same key with the same content returns the first record."""
    return _write(book, txn, idempotency_key=idempotency_key, actor=actor, reverses=None)


def reverse(book: Book, ledger_txn: LedgerTransaction, *, date: dt.date, reason: str, idempotency_key: str,
            actor: str) -> LedgerTransaction:
    """Correct a transaction by posting its opposite on ``date``. A transaction is reversed at most once."""
    if ledger_txn.book_id != book.pk:
        raise LedgerError(f"transaction #{ledger_txn.pk} belongs to another book")
    if not reason or not reason.strip():
        raise LedgerError("a reversal needs a reason")
    txn = core.negate(ledger_txn.to_core(), date=date, memo=f"冲销 #{ledger_txn.pk}: {reason.strip()}")
    return _write(book, txn, idempotency_key=idempotency_key, actor=actor, reverses=ledger_txn)


def _write(book: Book, txn: core.Transaction, *, idempotency_key: str, actor: str,
           reverses: LedgerTransaction | None) -> LedgerTransaction:
    if not idempotency_key or not idempotency_key.strip():
        raise LedgerError("an idempotency key is required")
    if not actor or not actor.strip():
        raise LedgerError("an actor is required")
    core.check_transaction(txn)
    digest = core.content_hash(txn, reverses=reverses.pk if reverses else None)
    with transaction.atomic():
        locked = Book.objects.select_for_update().get(pk=book.pk)  # serialise writers to this book
        existing = LedgerTransaction.objects.filter(book=book, idempotency_key=idempotency_key).first()
        if existing is not None:
            if existing.content_hash != digest:
                raise IdempotencyConflict(
                    f"idempotency key {idempotency_key!r} was already used for a different transaction "
                    f"(#{existing.pk} {existing.kind} on {existing.date})")
            return existing
        if reverses is not None:
            if reverses.reverses_id is not None:
                raise LedgerError(f"transaction #{reverses.pk} is itself a reversal: post the original again instead")
            if LedgerTransaction.objects.filter(reverses=reverses).exists():
                raise LedgerError(f"transaction #{reverses.pk} has already been reversed")
        changes: dict[str, int] = {}
        for p in txn.postings:
            changes[p.account] = changes.get(p.account, 0) + chained.fen(p.amount)
        running = dict(AccountBalance.objects.filter(book=book, account__in=sorted(changes))
                       .values_list("account", "balance_fen"))
        _check_bounds(locked, txn, changes, running)
        record = LedgerTransaction.objects.create(
            book=book, date=txn.date, kind=txn.kind, memo=txn.memo, idempotency_key=idempotency_key,
            content_hash=digest, reverses=reverses, actor=actor)
        LedgerPosting.objects.bulk_create(
            LedgerPosting(transaction=record, account=p.account, amount=p.amount) for p in txn.postings)
        AccountBalance.objects.bulk_create(
            [AccountBalance(book_id=book.pk, account=a, balance_fen=running.get(a, 0) + change)
             for a, change in sorted(changes.items())],
            update_conflicts=True, unique_fields=["book", "account"], update_fields=["balance_fen"])
        if locked.latest_date is None or txn.date > locked.latest_date:
            Book.objects.filter(pk=book.pk).update(latest_date=txn.date)
        chain.seal(chained.stream_for(book.pk), chained.TABLE, record.pk, chained.content(
            book_id=book.pk, date=txn.date, kind=txn.kind, memo=txn.memo, key=idempotency_key, content_hash=digest,
            reverses_id=reverses.pk if reverses else None, actor=actor,
            postings=[(p.account, p.amount) for p in txn.postings]))
    return record


def _check_bounds(book: Book, txn: core.Transaction, changes: dict[str, int], running: dict[str, int]) -> None:
    """Refuse ``txn`` if a bounded account it moves toward zero would cross zero on any day from its date.

    ``book`` is the locked row (its ``latest_date`` is current); ``changes`` and ``running`` are in fen. On or
    after the latest posted date no later day exists: the running balance plus the change decides. A back-dated
    transaction reads its account's postings from its date on, and nothing before.
    """
    for account, change in sorted(changes.items()):
        if account not in core.BOUNDED or core.normal_sign(account) * change >= 0:
            continue
        amount, current = _yuan(change), _yuan(running.get(account, 0))
        if book.latest_date is None or txn.date >= book.latest_date:
            if core.normal_sign(account) * (current + amount) < 0:
                raise InsufficientFunds(account, current, amount, txn.date)
            continue
        later = _daily_changes(book, account, since=txn.date)
        opening = current - sum((c for _, c in later), ZERO)
        breach = core.first_breach(account, [*later, (txn.date, amount)], opening=opening)
        if breach is not None:
            day, _after = breach
            before = opening + sum((c for d, c in later if d <= day), ZERO)
            raise InsufficientFunds(account, before, amount, day)


# A posting's amount in whole fen, as an integer: what the database adds up (exact on every backend).
_FEN_UNITS = fen_units("amount")


def _sum_fen(expression=_FEN_UNITS) -> Sum:
    return Sum(expression, output_field=BigIntegerField())


def _postings(book: Book, as_of: dt.date | None = None):
    qs = LedgerPosting.objects.filter(transaction__book=book)
    if as_of is not None:
        qs = qs.filter(transaction__date__lte=as_of)
    return qs


def _daily_changes(book: Book, account: str, *, since: dt.date) -> list[tuple[dt.date, Decimal]]:
    rows = (_postings(book).filter(account=account, transaction__date__gte=since)
            .values("transaction__date").annotate(total=_sum_fen()).order_by("transaction__date"))
    return [(r["transaction__date"], _yuan(r["total"])) for r in rows]


def _running(book: Book) -> tuple[dict[str, int], dt.date | None]:
    """The book's running balances (fen) and latest posted date, read in one statement (one snapshot)."""
    q = connection.ops.quote_name
    with connection.cursor() as cursor:  # a plain statement: every filing reads it
        cursor.execute(f"SELECT a.account, a.balance_fen, b.latest_date FROM {q(AccountBalance._meta.db_table)} a "
                       f"JOIN {q(Book._meta.db_table)} b ON b.id = a.book_id WHERE a.book_id = %s", [book.pk])
        rows = cursor.fetchall()
    latest = rows[0][2] if rows else None
    return {a: v for a, v, _ in rows}, (dt.date.fromisoformat(latest) if isinstance(latest, str) else latest)


def balance(book: Book, account: str, as_of: dt.date | None = None) -> Decimal:
    """Signed balance (debit positive) of ``account`` at the end of ``as_of`` (default: everything)."""
    if account not in core.CHART:
        raise LedgerError(f"unknown account {account!r}")
    running, latest = _running(book)
    if as_of is None or latest is None or as_of >= latest:
        return _yuan(running.get(account))
    return _yuan(_postings(book, as_of).filter(account=account).aggregate(total=_sum_fen())["total"])


def balances(book: Book, as_of: dt.date | None = None) -> dict[str, Decimal]:
    """Signed balances of every account in the chart (debit positive), in chart order."""
    out = {a: ZERO for a in core.CHART}
    running, latest = _running(book)
    if as_of is None or latest is None or as_of >= latest:
        for account, fen in running.items():
            out[account] = _yuan(fen)
        return out
    for row in _postings(book, as_of).values("account").annotate(total=_sum_fen()):
        out[row["account"]] = _yuan(row["total"])
    return out


def trial_balance(book: Book, as_of: dt.date | None = None) -> tuple[Decimal, Decimal]:
    """(total debits, total credits), both as positive amounts; equal when the books balance."""
    integer = BigIntegerField()
    sums = _postings(book, as_of).aggregate(
        debits=_sum_fen(Case(When(amount__gt=0, then=_FEN_UNITS), default=Value(0), output_field=integer)),
        credits=_sum_fen(Case(When(amount__lt=0, then=_FEN_UNITS), default=Value(0), output_field=integer)),
    )
    return _yuan(sums["debits"]), -_yuan(sums["credits"])


def check_books(book: Book) -> list[str]:
    """Audit the stored books; an empty list means no problem was found.

    Re-runs ``core.check_transaction`` on every stored transaction, checks each stored content hash against
    the content (a row changed behind the services' back shows up here), that reversals negate what they
    reverse, and that no bounded account is on the wrong side of zero at the end of any day, in date order;
    that every running balance equals the sum of its account's postings and the book's latest date is its
    latest transaction's; and that the book's stream of the tamper-evident chain verifies
    (``integrity.chain.verify``: rows edited, inserted or deleted behind the services' back, links deleted or
    reordered).
    """
    problems: list[str] = []
    records = list(LedgerTransaction.objects.filter(book=book).prefetch_related("postings").order_by("date", "id"))
    by_id = {r.pk: r for r in records}
    daily: dict[str, list[tuple[dt.date, Decimal]]] = {}
    for r in records:
        txn = r.to_core()
        try:
            core.check_transaction(txn)
        except LedgerError as e:
            problems.append(f"#{r.pk}: {e}")
        if core.content_hash(txn, reverses=r.reverses_id) != r.content_hash:
            problems.append(f"#{r.pk}: stored content does not match its content hash (changed after posting?)")
        if r.reverses_id is not None:
            original = by_id.get(r.reverses_id)
            if original is None:
                problems.append(f"#{r.pk}: reverses #{r.reverses_id}, which is not in this book")
            elif sorted((p.account, -p.amount) for p in original.postings.all()) != sorted(
                    (p.account, p.amount) for p in txn.postings):
                problems.append(f"#{r.pk}: does not negate the transaction it reverses (#{r.reverses_id})")
        for p in txn.postings:
            daily.setdefault(p.account, []).append((r.date, p.amount))
    for account in sorted(daily):
        if account in core.BOUNDED:
            breach = core.first_breach(account, daily[account])
            if breach is not None:
                day, bal = breach
                problems.append(f"{account} is {bal} at the end of {day.isoformat()}: "
                                f"{'below zero' if account.startswith('assets:') else 'a debit balance'}")
    history = {a: sum((chained.fen(c) for _, c in changes), 0) for a, changes in daily.items()}
    running = dict(AccountBalance.objects.filter(book=book).values_list("account", "balance_fen"))
    for account in sorted(set(history) | set(running)):
        if running.get(account) != history.get(account, 0):  # every account posted to has its row
            stored = "missing" if account not in running else str(_yuan(running[account]))
            problems.append(f"running balance of {account} is {stored}, "
                            f"its postings sum to {_yuan(history.get(account, 0))}")
    latest = Book.objects.filter(pk=book.pk).values_list("latest_date", flat=True).first()
    expected = max((r.date for r in records), default=None)
    if latest != expected:
        problems.append(f"the book's latest posted date is {latest}, its latest transaction is dated {expected}")
    problems += chain.verify(chained.stream_for(book.pk))
    return problems


__all__ = ["IdempotencyConflict", "InsufficientFunds", "LedgerError", "open_book", "post", "reverse", "balance",
           "balances", "trial_balance", "check_books"]
