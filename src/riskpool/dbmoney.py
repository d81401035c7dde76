"""Exact money sums in the database: amounts are added as whole fen (integers), which is exact on every
backend — SQLite would otherwise add decimals in binary floating point."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import BigIntegerField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Cast, Round

from riskpool.money import FEN, ZERO


def fen_units(field: str = "amount"):
    return Cast(Round(F(field) * Value(100)), BigIntegerField())


def sum_fen(field: str = "amount", filter: Q | None = None) -> Sum:
    """An aggregate: the sum of a money field in whole fen."""
    return Sum(fen_units(field), filter=filter, output_field=BigIntegerField())


def yuan(fen: int | None) -> Decimal:
    return ZERO if fen is None else Decimal(fen) * FEN


def total(qs: QuerySet, field: str) -> Decimal:
    """The exact sum of ``field`` over ``qs``, in yuan."""
    return yuan(qs.aggregate(s=sum_fen(field))["s"])
