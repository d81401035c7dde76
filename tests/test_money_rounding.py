from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from riskpool.money import MoneyError, allocate, fen, to_decimal


def test_fen_rounds_half_up():
    assert fen(Decimal("0.005")) == Decimal("0.01")
    assert fen(Decimal("0.0049")) == Decimal("0.00")
    assert fen(Decimal("2.675")) == Decimal("2.68")  # binary floats would give 2.67


def test_to_decimal_never_goes_through_binary_float():
    assert to_decimal(0.1) + to_decimal(0.2) == Decimal("0.3")
    assert to_decimal("1,000,000.50") == Decimal("1000000.50")
    for bad in ["abc", "NaN", "Infinity", True, None, [1]]:
        with pytest.raises(MoneyError):
            to_decimal(bad)


def test_allocate_gives_leftover_fen_to_largest_remainders():
    parts = allocate(Decimal("0.10"), {"a": Decimal(1), "b": Decimal(1), "c": Decimal(1)})
    assert parts == {"a": Decimal("0.04"), "b": Decimal("0.03"), "c": Decimal("0.03")}


@given(st.decimals(min_value=0, max_value=10**10, places=2),
       st.lists(st.integers(min_value=0, max_value=100), min_size=1, max_size=4).filter(lambda w: sum(w) > 0))
def test_allocate_parts_sum_to_total_and_are_never_negative(total, weights):
    parts = allocate(total, {str(i): Decimal(w) for i, w in enumerate(weights)})
    assert sum(parts.values()) == total
    assert all(v >= 0 for v in parts.values())
    assert all(v == fen(v) for v in parts.values())
