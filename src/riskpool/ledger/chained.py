"""How the books are sealed into the tamper-evident chain (``riskpool.integrity.chain``).

One stream per book (``stream_for(book_id)``); one link per ``LedgerTransaction``, whose content is the
transaction's fields and its postings' (account, amount in fen) pairs — so changing, adding or removing a posting
changes its transaction's content and ``verify`` reports it. Pure functions: no query here except
``content_of``, which reads a stored transaction's postings (prefetched by ``verify``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Iterable

TABLE = "ledger_ledgertransaction"
STREAM_PREFIX = "ledger:"


def stream_for(book_id: int) -> str:
    """The chain stream of one book: ``"ledger:<book pk>"``."""
    return f"{STREAM_PREFIX}{int(book_id)}"


def fen(amount: Decimal) -> int:
    return int((Decimal(amount) * 100).to_integral_value())


def content(*, book_id: int, date: dt.date, kind: str, memo: str, key: str, content_hash: str,
            reverses_id: int | None, actor: str, postings: Iterable[tuple[str, Decimal]]) -> dict:
    return {
        "book": book_id, "date": date.isoformat(), "kind": kind, "memo": memo, "key": key,
        "content_hash": content_hash, "reverses": reverses_id, "actor": actor,
        "postings": sorted([account, fen(amount)] for account, amount in postings),
    }


def content_of(row) -> dict:
    """The sealed content of a stored ``LedgerTransaction`` (what ``verify`` recomputes)."""
    return content(book_id=row.book_id, date=row.date, kind=row.kind, memo=row.memo, key=row.idempotency_key,
                   content_hash=row.content_hash, reverses_id=row.reverses_id, actor=row.actor,
                   postings=[(p.account, p.amount) for p in row.postings.all()])


def stream_of(row) -> str:
    return stream_for(row.book_id)
