"""Bulk insert of model instances in plain multi-row ``INSERT … RETURNING id`` statements.

Django's ``bulk_create`` prepares every value of every row through the field and the SQL compiler (about
8 µs a value): for a batch of filings — a loan of 27 columns, its notices, its history event — that cost
more than the filing rules themselves. Here each field's conversion is chosen once per batch (what Django's
backend would store: a Decimal quantized to the field's places, a date as ISO text on SQLite, JSON through
the field's own preparation) and the rows go to the database as plain parameters. The instances get their
primary keys, as ``bulk_create`` gives them; no signal is sent and ``save`` is not called (the caller moves
the running totals itself, as ``riskpool.loans.batch`` does).

On PostgreSQL a batch of more than a few rows goes by ``COPY … FROM STDIN`` with ids drawn from the table's
identity sequence first: a multi-row ``INSERT`` of 500 rows × 30 columns is 15,000 placeholders that psycopg
parses afresh for every statement (it caches only short queries) and PostgreSQL plans afresh — more than
the rows' own writing cost. A single row (every command's audit row) stays a plain, prepared ``INSERT``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Callable, Sequence

from django.db import connection, models

CHUNK = 500  # rows per statement (SQLite allows 32,766 parameters; 500 × 30 columns is well under)


def _converter(field: models.Field) -> Callable[[Any], Any]:
    if isinstance(field, models.JSONField):
        return lambda v: field.get_db_prep_save(v, connection)
    if isinstance(field, models.DecimalField):
        quantum = Decimal(1).scaleb(-field.decimal_places)
        if connection.vendor == "sqlite":
            return lambda v: None if v is None else str(Decimal(v).quantize(quantum))
        return lambda v: None if v is None else Decimal(v).quantize(quantum)
    if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
        if connection.vendor == "sqlite":
            return lambda v: None if v is None else (v.isoformat() if isinstance(v, dt.date) else str(v))
        return lambda v: v
    if isinstance(field, models.DateTimeField):
        return lambda v: field.get_db_prep_save(v, connection)
    return lambda v: v


_PLANS: dict[tuple[str, str], tuple[list, list[str], str, str, str]] = {}
_SEQUENCES: dict[str, str] = {}
COPY_FROM = 8  # rows: from here on PostgreSQL copies


def _plan(model: type[models.Model]) -> tuple[list, list[str], str, str, str]:
    """Per model and database vendor, once: the fields' converters, the auto-stamped fields, the table, the
    column list and the primary key — the insert's fixed part."""
    key = (model._meta.label, connection.vendor)
    plan = _PLANS.get(key)
    if plan is None:
        meta = model._meta
        fields = [f for f in meta.concrete_fields if not f.primary_key]
        q = connection.ops.quote_name
        plan = _PLANS[key] = (
            [(f.attname, _converter(f)) for f in fields],
            [f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)],
            q(meta.db_table), ", ".join(q(f.column) for f in fields), q(meta.pk.column))
    return plan


def insert(objs: Sequence[models.Model]) -> None:
    """Insert ``objs`` (all of one model, unsaved, without pks) and set their pks."""
    if not objs:
        return
    convert, stamped, table, columns, pk = _plan(type(objs[0]))
    if stamped:  # what save() would set: now, once for the batch
        from django.utils import timezone

        now = timezone.now()
        for obj in objs:
            for name in stamped:
                if getattr(obj, name) is None:
                    setattr(obj, name, now)
    if connection.vendor == "postgresql" and len(objs) >= COPY_FROM:
        return _copy(objs, convert, table, columns, pk)
    one = "(" + ", ".join(["%s"] * len(convert)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(objs), CHUNK):
            part = objs[start:start + CHUNK]
            params: list[Any] = []
            for obj in part:
                params += [conv(getattr(obj, name)) for name, conv in convert]
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(part))} RETURNING {pk}",
                           params)
            ids = [row[0] for row in cursor.fetchall()]
            if len(ids) != len(part):
                raise RuntimeError(f"{type(objs[0])._meta.label}: {len(part)} rows inserted, {len(ids)} ids returned")
            # ids are drawn in row order within one statement: the sorted ids are the rows' in order
            for obj, pk_value in zip(part, sorted(ids)):
                obj.pk = pk_value
                obj._state.adding = False
                obj._state.db = connection.alias


def _copy(objs: Sequence[models.Model], convert: list, table: str, columns: str, pk: str) -> None:
    """PostgreSQL: ids drawn from the table's sequence in one statement, then the rows copied with them."""
    with connection.cursor() as cursor:
        sequence = _SEQUENCES.get(table)
        if sequence is None:
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table.strip('"'), pk.strip('"')])
            sequence = _SEQUENCES[table] = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [sequence, len(objs)])
        ids = sorted(row[0] for row in cursor.fetchall())
        # Django's error wrapper: a unique violation is an IntegrityError here too, and the connection is
        # marked as having failed, as for any statement Django runs
        with connection.wrap_database_errors, cursor.cursor.copy(f"COPY {table} ({pk}, {columns}) FROM STDIN") as copy:
            for obj, pk_value in zip(objs, ids):
                copy.write_row([pk_value] + [conv(getattr(obj, name)) for name, conv in convert])
    for obj, pk_value in zip(objs, ids):
        obj.pk = pk_value
        obj._state.adding = False
        obj._state.db = connection.alias
