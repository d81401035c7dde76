"""Money: ``Decimal`` yuan, rounded to the fen (0.01) by one rule.

The one rounding rule (see docs/interpretations.md, "Rounding"): an amount is rounded to the fen
with ROUND_HALF_UP (四舍五入), the rule Chinese accounting and banks use. When an amount is split
among parties, each share is rounded down to the fen and the leftover fen go to the parties with the
largest remainders, then in the order the shares were given, so that the shares always add up to the
whole exactly (largest-remainder method).
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Mapping

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


class MoneyError(ValueError):
    """An amount that is not a finite decimal number of yuan."""

    def __init__(self, message: str):
        super().__init__(message.removeprefix(": "))


def to_decimal(value: object, *, what: str = "amount") -> Decimal:
    """Parse a user-given number into Decimal without passing through binary floating point."""
    if isinstance(value, bool):
        raise MoneyError(f"{what}: expected a decimal number, got {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        # YAML gives floats for 0.2 etc.; repr() is the shortest exact decimal spelling of what was typed.
        result = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip().replace(",", ""))
        except InvalidOperation:
            raise MoneyError(f"{what}: expected a decimal number, got {value!r}") from None
    else:
        raise MoneyError(f"{what}: expected a decimal number, got {value!r}")
    if not result.is_finite():
        raise MoneyError(f"{what}: expected a finite decimal number, got {value!r}")
    return result


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
