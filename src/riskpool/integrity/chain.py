"""The tamper-evident chain: seal a row when it is inserted, verify every stream later.

Each sealed row gets one link in its **stream** (one per book for the ledger, ``"ledger:<book pk>"``; a name
of the caller's choosing for other rows, e.g. ``"audit"``). Link n of a stream stores

    digest = SHA-256(canonical JSON of the row's content)
    mac    = HMAC-SHA256(key, prev_mac | table | pk | digest)

where ``prev_mac`` is link n-1's MAC (for link 1: ``HMAC(key, "genesis" | stream)``) and ``key`` is
``settings.RISKPOOL_CHAIN_KEY``, kept outside the database. Someone who can write to the database but does
not hold the key can change a row, recompute its plain content hash, even rewrite its link's digest — and
``verify`` still finds it: the digest no longer matches the row, or the MAC no longer matches the digest, and
any deleted or reordered link breaks the seq numbering and the MAC chain after it.

API (exact signatures):

    seal(stream: str, table: str, row_pk: int, content: dict) -> None
    register(table: str, model, content_fn, *, stream_of=None, prefetch=()) -> None
    verify(stream: str | None = None, *, anchors: Mapping[str, tuple[int, str]] | None = None) -> list[str]
    head(stream: str) -> tuple[int, str] | None         # (seq, mac) of the stream's last link, for anchoring
    heads() -> dict[str, tuple[int, str]]

``seal`` must run inside the transaction that inserts the row (``transaction.atomic``), after the insert and
with the row's final content. It locks the stream's ``ChainHead`` row (``SELECT … FOR UPDATE``; created on
first use with ``INSERT … ON CONFLICT DO NOTHING``, safe when two first writers race on PostgreSQL), so
appends to one stream are serialised; a transaction that seals into several streams must take them in a fixed
order (e.g. sorted by name) to avoid deadlocks. ``content`` is any JSON-able dict; ``Decimal`` (normalised:
``Decimal("1.50")`` and ``Decimal("1.5")`` are the same), ``date``/``datetime`` (aware datetimes in UTC) and
tuples are accepted. ``content_fn(row)`` registered for the table must rebuild exactly that dict from the
stored row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Iterable, Mapping

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone

from riskpool.integrity.models import ChainHead, ChainLink

_BATCH = 500


class ChainError(RuntimeError):
    """A seal the chain refuses (outside a transaction, bad arguments)."""


@dataclass(frozen=True)
class Registration:
    table: str
    model: Any
    content_fn: Callable[[Any], dict]
    stream_of: Callable[[Any], str] | None
    prefetch: tuple[str, ...]


_REGISTRY: dict[str, Registration] = {}


# --- canonical form and MACs ----------------------------------------------------------------------------

def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ChainError(f"cannot seal a non-finite Decimal {value!r}")
        return format(value.normalize(), "f") if value else "0"
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc)
        return value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dict):
        for k in value:
            if not isinstance(k, str):
                raise ChainError(f"content keys must be strings, got {k!r}")
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise ChainError(f"cannot seal a {type(value).__name__}: {value!r}")


def _leaf(value: Any) -> Any:
    """What ``json`` cannot write itself, as ``_plain`` writes it (a batch's content has a million leaves:
    the encoder's own walk is several times faster than ``_plain``'s)."""
    if isinstance(value, (Decimal, dt.date, dt.time)):  # dt.datetime is a dt.date
        return _plain(value)
    raise ChainError(f"cannot seal a {type(value).__name__}: {value!r}")


def canonical_json(content: Mapping[str, Any]) -> str:
    """The one serialisation the chain hashes: sorted keys, no spaces, UTF-8 text kept as is — the same text
    as ``json.dumps(_plain(content))``."""
    try:
        return json.dumps(dict(content), default=_leaf, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                          allow_nan=False)
    except TypeError as e:  # a key that is not a string among others (sort_keys cannot order them)
        raise ChainError(f"content keys must be strings: {e}") from None


def content_digest(content: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def _key() -> bytes:
    key = getattr(settings, "RISKPOOL_CHAIN_KEY", None)
    if not key:
        raise ImproperlyConfigured("settings.RISKPOOL_CHAIN_KEY is not set (env RISKPOOL_CHAIN_KEY or "
                                   "RISKPOOL_CHAIN_KEY_FILE)")
    return key if isinstance(key, bytes) else str(key).encode("utf-8")


def _hmac(key: bytes, *parts: str) -> str:
    return hmac.new(key, "\x1f".join(parts).encode("utf-8"), hashlib.sha256).hexdigest()


def genesis(stream: str, key: bytes | None = None) -> str:
    """The ``prev_mac`` of a stream's first link: binds the chain to its stream's name."""
    return _hmac(key or _key(), "genesis", stream)


def link_mac(prev_mac: str, table: str, row_pk: int, digest: str, key: bytes | None = None) -> str:
    return _hmac(key or _key(), prev_mac, table, str(int(row_pk)), digest)


# --- writing --------------------------------------------------------------------------------------------

_HEADS: ContextVar[dict | None] = ContextVar("riskpool_deferred_heads", default=None)


@contextmanager
def deferred_heads():
    """Inside one long transaction of many commands (a bulk import): keep each stream's head in memory and
    write it once, when the block ends. Every command moves the head of its stream, and PostgreSQL keeps each
    version of that row until the transaction ends: a row per command made every later command walk a longer
    chain of versions. The links themselves are inserted as before; leaving by an exception writes nothing
    (the transaction is being rolled back). :func:`mark` and :func:`restore` undo a failed command's moves."""
    if _HEADS.get() is not None:
        yield
        return
    token = _HEADS.set({})
    try:
        yield
        heads = _HEADS.get()
        update = f"UPDATE {connection.ops.quote_name(ChainHead._meta.db_table)} SET seq = %s, mac = %s WHERE stream = %s"
        with connection.cursor() as cursor:
            for stream, (seq, mac) in sorted(heads.items()):
                cursor.execute(update, [seq, mac, stream])
    finally:
        _HEADS.reset(token)


def mark() -> dict | None:
    heads = _HEADS.get()
    return None if heads is None else dict(heads)


def restore(marked: dict | None) -> None:
    heads = _HEADS.get()
    if heads is not None and marked is not None:
        heads.clear()
        heads.update(marked)


def _lock_head(stream: str) -> tuple[int, str]:
    """(seq, mac) of the stream's head, locked for this transaction (created on first use)."""
    heads = _HEADS.get()
    if heads is not None and stream in heads:
        return heads[stream]  # locked when first read in this transaction, moved in memory since
    head = connection.ops.quote_name(ChainHead._meta.db_table)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT seq, mac FROM {head} WHERE stream = %s{lock}", [stream])
        row = cursor.fetchone()
        if row is None:
            # ON CONFLICT DO NOTHING: a racing first writer's insert makes this wait, then do nothing; no error,
            # so no savepoint is needed and the caller's transaction stays usable.
            cursor.execute(f"INSERT INTO {head} (stream, seq, mac) VALUES (%s, 0, '') ON CONFLICT (stream) DO NOTHING",
                           [stream])
            cursor.execute(f"SELECT seq, mac FROM {head} WHERE stream = %s{lock}", [stream])
            row = cursor.fetchone()
    return row


def seal(stream: str, table: str, row_pk: int, content: dict) -> None:
    """Append the link of one freshly inserted row to ``stream``, in the caller's transaction.

    Three plain statements (lock the head, insert the link, move the head): a command's last writes, on the hot
    path of every filing."""
    if not transaction.get_connection().in_atomic_block:
        raise ChainError("seal() must run inside the transaction that inserts the row (transaction.atomic)")
    for name, value in (("stream", stream), ("table", table)):
        if not isinstance(value, str) or not value or "\x1f" in value:
            raise ChainError(f"seal(): {name} must be a non-empty string, got {value!r}")
    if isinstance(row_pk, bool) or not isinstance(row_pk, int):
        raise ChainError(f"seal(): row_pk must be an int, got {row_pk!r}")
    key = _key()
    digest = content_digest(content)
    seq, prev = _lock_head(stream)
    seq += 1
    mac = link_mac(prev or genesis(stream, key), table, row_pk, digest, key)
    q = connection.ops.quote_name
    insert = (f"INSERT INTO {q(ChainLink._meta.db_table)} (stream, seq, {q('table')}, row_pk, digest, mac, "
              "sealed_at) VALUES (%s, %s, %s, %s, %s, %s, %s)")
    link = [stream, seq, table, row_pk, digest, mac, connection.ops.adapt_datetimefield_value(timezone.now())]
    heads = _HEADS.get()
    if heads is not None:  # deferred: the link now, the head when the block ends
        heads[stream] = (seq, mac)
        with connection.cursor() as cursor:
            cursor.execute(insert, link)
        return
    update = f"UPDATE {q(ChainHead._meta.db_table)} SET seq = %s, mac = %s WHERE stream = %s"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # one round trip: the link and the head in one statement
            cursor.execute(f"WITH link AS ({insert}) {update}", [*link, seq, mac, stream])
        else:
            cursor.execute(insert, link)
            cursor.execute(update, [seq, mac, stream])


def register(table: str, model, content_fn: Callable[[Any], dict], *, stream_of: Callable[[Any], str] | None = None,
             prefetch: Iterable[str] = ()) -> None:
    """Tell ``verify`` how to read the content of a row of ``table`` (rows of ``model``).

    ``content_fn(row)`` must return the dict that was sealed. ``stream_of(row)`` names the stream a row belongs
    to, so that a row with no link (inserted behind the services' back) is reported under its stream; without
    it such rows are reported by ``verify()`` over all streams only. ``prefetch`` names relations that
    ``content_fn`` reads (``prefetch_related``), so verifying costs a few queries per 500 rows.
    Registering the same table again replaces the registration (app reloads in tests).
    """
    _REGISTRY[table] = Registration(table, model, content_fn, stream_of, tuple(prefetch))


def unregister(table: str) -> None:
    """Forget a registration (tests)."""
    _REGISTRY.pop(table, None)


def registered() -> dict[str, Registration]:
    return dict(_REGISTRY)


# --- reading --------------------------------------------------------------------------------------------

def head(stream: str) -> tuple[int, str] | None:
    """(seq, mac) of the last link of ``stream``: print it where the database cannot reach (docs/integrity.md)."""
    row = ChainHead.objects.filter(stream=stream).values_list("seq", "mac").first()
    return None if row is None or row[0] == 0 else (row[0], row[1])


def heads() -> dict[str, tuple[int, str]]:
    return {s: (q, m) for s, q, m in ChainHead.objects.order_by("stream").values_list("stream", "seq", "mac")
            if q}


def _rows(reg: Registration, pks: list[int]) -> dict[int, Any]:
    qs = reg.model._default_manager.filter(pk__in=pks)
    if reg.prefetch:
        qs = qs.prefetch_related(*reg.prefetch)
    return {row.pk: row for row in qs}


def _verify_stream(stream: str, key: bytes, anchor: tuple[int, str] | None) -> list[str]:
    problems: list[str] = []
    where = f"chain {stream}"
    expected_seq, prev, last = 1, genesis(stream, key), None
    anchor_seen = False
    links = ChainLink.objects.filter(stream=stream).order_by("seq")
    batch: list[ChainLink] = []

    def check(batch: list[ChainLink]) -> None:
        nonlocal expected_seq, prev, last, anchor_seen
        by_table: dict[str, list[int]] = {}
        for link in batch:
            by_table.setdefault(link.table, []).append(link.row_pk)
        rows = {t: _rows(_REGISTRY[t], pks) for t, pks in by_table.items() if t in _REGISTRY}
        for t in sorted(set(by_table) - set(rows)):
            problems.append(f"{where}: table {t} is not registered: its rows cannot be verified")
        for link in batch:
            what = f"{where} #{link.seq} ({link.table} #{link.row_pk})"
            if link.seq != expected_seq:
                if link.seq > expected_seq:
                    missing = (f"link {expected_seq}" if link.seq == expected_seq + 1
                               else f"links {expected_seq}–{link.seq - 1}")
                    problems.append(f"{where}: {missing} missing (deleted link?) before #{link.seq}")
                else:
                    problems.append(f"{what}: seq out of order")
            if link.mac != link_mac(prev, link.table, link.row_pk, link.digest, key):
                problems.append(f"{what}: MAC chain broken (a link deleted, reordered, inserted or edited)")
            if link.table in rows:
                row = rows[link.table].get(link.row_pk)
                if row is None:
                    problems.append(f"{what}: row is missing (deleted row?)")
                else:
                    try:
                        digest = content_digest(_REGISTRY[link.table].content_fn(row))
                    except Exception as e:  # noqa: BLE001 - a row too broken to read is a finding, not a crash
                        problems.append(f"{what}: row content unreadable ({type(e).__name__}: {e})")
                    else:
                        if digest != link.digest:
                            problems.append(f"{what}: row edited after sealing (content digest mismatch)")
            if anchor is not None and link.seq == anchor[0]:
                anchor_seen = True
                if link.mac != anchor[1]:
                    problems.append(f"{what}: MAC differs from the anchor printed outside the database")
            expected_seq, prev, last = link.seq + 1, link.mac, link

    for link in links.iterator(chunk_size=_BATCH):
        batch.append(link)
        if len(batch) >= _BATCH:
            check(batch)
            batch = []
    if batch:
        check(batch)
    stored = ChainHead.objects.filter(stream=stream).values_list("seq", "mac").first()
    last_seq, last_mac = (last.seq, last.mac) if last else (0, "")
    if stored is None:
        if last is not None:
            problems.append(f"{where}: has links but no head")
    elif (stored[0], stored[1]) != (last_seq, last_mac):
        problems.append(f"{where}: head says seq {stored[0]} but the last link is #{last_seq} "
                        "(newest links deleted?)")
    if anchor is not None and not anchor_seen:
        problems.append(f"{where}: anchored link #{anchor[0]} is missing (truncated below the anchor?)")
    return problems


def _unlinked(stream: str | None) -> list[str]:
    problems: list[str] = []
    for table, reg in sorted(_REGISTRY.items()):
        linked = ChainLink.objects.filter(table=table).values("row_pk")
        qs = reg.model._default_manager.exclude(pk__in=linked).order_by("pk")
        if reg.prefetch:
            qs = qs.prefetch_related(*reg.prefetch)
        for row in qs.iterator(chunk_size=_BATCH):
            owner = reg.stream_of(row) if reg.stream_of else None
            if stream is not None and owner != stream:
                continue
            problems.append(f"chain {owner or '(unknown stream)'}: {table} #{row.pk} has no link "
                            "(inserted behind the services' back?)")
    return problems


def verify(stream: str | None = None, *, anchors: Mapping[str, tuple[int, str]] | None = None) -> list[str]:
    """Problems found in one stream (or in all); an empty list means every link and sealed row checks out.

    Reports, with the stream, table and pk: a row edited after sealing (digest mismatch — even when its plain
    content hash was recomputed), a row of a registered table with no link (inserted), a link whose row is
    missing (deleted), a seq gap or a broken MAC chain (a deleted, reordered or forged link), a head that is
    not the last link (the newest links deleted), and, given ``anchors`` {stream: (seq, mac)} printed outside
    the database earlier, a link that differs from its anchor.
    """
    key = _key()
    anchors = dict(anchors or {})
    if stream is None:
        streams = sorted(set(ChainHead.objects.values_list("stream", flat=True))
                         | set(ChainLink.objects.order_by().values_list("stream", flat=True).distinct()) | set(anchors))
    else:
        streams = [stream]
    problems: list[str] = []
    for s in streams:
        problems += _verify_stream(s, key, anchors.get(s))
    problems += _unlinked(stream)
    return problems


__all__ = ["ChainError", "seal", "register", "unregister", "registered", "verify", "head", "heads", "canonical_json",
           "content_digest"]
