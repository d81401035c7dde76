"""Money: ``Decimal`` yuan, rounded to the fen (0.01) by one rule.

The one rounding rule (see docs/interpretations.md, "Rounding"): an amount is rounded to the fen
with ROUND_HALF_UP (四舍五入), the rule Chinese accounting and banks use. When an amount is split
among parties, each share is rounded down to the fen and the leftover fen go to the parties with the
largest remainders, then in the order the shares were given, so that the shares always add up to the
whole exactly (largest-remainder method).
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Mapping

from riskpool import inputs
from riskpool.inputs import InputError

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


class MoneyError(InputError):
    """An amount or number that is not a finite decimal number as riskpool.inputs accepts it."""


def to_decimal(value: object, *, what: str = "amount") -> Decimal:
    """A number a person wrote (text, int, float) → Decimal, strictly (see riskpool.inputs), never through
    binary floating point; a Decimal riskpool computed passes as it is (finite only)."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise MoneyError(what, value, "a finite decimal number")
        return value
    try:
        return inputs.number(value, what)
    except InputError as e:
        raise MoneyError(e.path, e.value, e.expected) from None


def fen(amount: Decimal) -> Decimal:
    """Round to the fen, half up (四舍五入)."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def allocate(total: Decimal, weights: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Split ``total`` (already in fen) by ``weights`` so the parts sum to ``total`` exactly.

    Largest-remainder method at the fen; ties go to the earlier key. Zero weights get zero.
    """
    total = fen(total)
    weight_sum = sum(weights.values(), Decimal(0))
    if weight_sum <= 0 or total == 0:
        return {k: ZERO for k in weights}
    sign = 1 if total > 0 else -1
    magnitude = abs(total)
    raw = {k: magnitude * w / weight_sum for k, w in weights.items()}
    floors = {k: v.quantize(FEN, rounding=ROUND_DOWN) for k, v in raw.items()}
    leftover = int((magnitude - sum(floors.values(), Decimal(0))) / FEN)
    order = sorted(weights, key=lambda k: (-(raw[k] - floors[k]), list(weights).index(k)))
    for k in order[:leftover]:
        floors[k] += FEN
    return {k: sign * v for k, v in floors.items()}


def fmt(amount: Decimal) -> str:
    """Decimal string with two places, as printed in decisions and reports."""
    return str(fen(amount))


def to_amount(value: object, *, what: str = "amount") -> Decimal:
    """An amount a person wrote: exact to the fen, 0 ≤ x < 10^13 yuan (riskpool.inputs.amount)."""
    try:
        return inputs.amount(value, what)
    except InputError as e:
        raise MoneyError(e.path, e.value, e.expected) from None


def to_rate(value: object, *, what: str = "rate", lo: Decimal | int = 0, hi: Decimal | int = 1) -> Decimal:
    """A rate or ratio a person wrote: lo ≤ x ≤ hi, at most 6 decimal places (riskpool.inputs.rate)."""
    try:
        return inputs.rate(value, what, lo, hi)
    except InputError as e:
        raise MoneyError(e.path, e.value, e.expected) from None
