"""Strict input: one parser for every number, code and text a person gives riskpool.

Question, scenario and policy files use it now (through the pydantic types below and
``riskpool.money.to_decimal``); command fields, web forms and API bodies call the same functions. Each
refusal is an :class:`InputError` naming the key path, the value and what was expected, raised before any
arithmetic and before the database — so a value the database could not hold (a code longer than its
column, an amount beyond DECIMAL(18,2)) is refused the same way on SQLite and PostgreSQL.

Numbers: ASCII digits, an optional sign, an optional decimal point with digits after it, commas only as
thousands separators (``1,000,000.50``). No exponent (``1e5``), no underscores, no leading zeros, no
hexadecimal, no full-width or other non-ASCII digits, no NaN or Infinity, never a boolean.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

MAX_AMOUNT = Decimal(10) ** 13  # yuan, exclusive: fits DECIMAL(18,2) with room for sums
MAX_NUMBER = Decimal(10) ** 13  # any other number (leverage, a fact compared with a limit), exclusive, by size
MAX_PLACES = 10  # decimal places of any other number
RATE_PLACES = 6  # rates and ratios: DECIMAL(8,6) columns
MIN_YEAR, MAX_YEAR = 1900, 2200
MAX_TEXT = 200  # names
MAX_NUMBER_TEXT = 40  # characters of a number written as text

_NUMBER = re.compile(r"[+-]?(?:[1-9][0-9]{0,2}(?:,[0-9]{3})+|0|[1-9][0-9]*)(?:\.[0-9]+)?", re.ASCII)
_WHOLE = re.compile(r"[+-]?(?:0|[1-9][0-9]*)", re.ASCII)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_SLUG = re.compile(r"[A-Za-z0-9_-]+", re.ASCII)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_BUT_NEWLINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")

NUMBER_FORMS = ("written like 1000000, 1,000,000 or 1000000.50: ASCII digits, commas only between groups of three, "
                "no exponent, no leading zeros")


class InputError(ValueError):
    """A refused input: ``path`` (the key path or field, may be empty), ``value`` and ``expected``."""

    def __init__(self, path: str, value: Any, expected: str, hint: str = ""):
        self.path, self.value, self.expected, self.hint = path, value, expected, hint
        super().__init__(f"{path + ': ' if path else ''}expected {expected}, got {shown(value)}" + (f" ({hint})" if hint else ""))


def shown(value: Any) -> str:
    """A value as a message shows it: repr (str for a Decimal), long ones cut short."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 256:
        return f"an integer of about {int(value.bit_length() * 0.30103)} digits"
    if isinstance(value, str) and len(value) > 60:
        return repr(value[:40]) + f"… ({len(value)} characters)"
    text = str(value) if isinstance(value, Decimal) else repr(value)
    return text if len(text) <= 200 else text[:120] + f"… ({len(text)} characters)"


def _places(d: Decimal) -> int:
    """Decimal places that matter (1.500 has 1), counted exactly (no context rounding)."""
    _, digits, exponent = d.as_tuple()
    if not isinstance(exponent, int) or exponent >= 0:
        return 0
    places = -exponent
    for digit in reversed(digits):
        if digit != 0 or places == 0:
            break
        places -= 1
    return places


def _parse(value: Any, what: str, expected: str = "a decimal number") -> Decimal:
    """The number a person wrote, exactly; refuses every form but plain ASCII decimals."""
    if isinstance(value, bool) or value is None:
        raise InputError(what, value, expected, NUMBER_FORMS)
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        if value.bit_length() > 256:
            raise InputError(what, value, f"{expected} of reasonable size")
        result = Decimal(value)
    elif isinstance(value, float):
        # YAML and JSON give floats for 0.2 etc.; repr() is the shortest exact decimal spelling of what was
        # typed (riskpool.yamlio keeps a float only when that holds, else the text).
        result = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip(" \t")
        if len(text) > MAX_NUMBER_TEXT or not _NUMBER.fullmatch(text):
            raise InputError(what, value, expected, NUMBER_FORMS)
        result = Decimal(text.replace(",", ""))
    else:
        raise InputError(what, value, expected, NUMBER_FORMS)
    if not result.is_finite():
        raise InputError(what, value, f"a finite {expected.removeprefix('a ')}")
    return result


def number(value: Any, what: str = "", *, max_abs: Decimal = MAX_NUMBER, places: int = MAX_PLACES) -> Decimal:
    """Any decimal number: |x| < max_abs, at most ``places`` decimal places."""
    d = _parse(value, what)
    if abs(d) >= max_abs:
        raise InputError(what, value, f"a number of size below {max_abs:,}")
    if _places(d) > places:
        raise InputError(what, value, f"a number with at most {places} decimal places")
    return d


def amount(value: Any, what: str = "amount", *, minimum: Decimal | None = Decimal(0),
           maximum: Decimal = MAX_AMOUNT) -> Decimal:
    """An amount in yuan, exact to the fen: ``minimum`` ≤ x < ``maximum`` (default 0 ≤ x < 10^13).

    ``minimum=None`` leaves the lower bound to the caller (a schema's own ``ge``/``gt``)."""
    d = _parse(value, what)
    if abs(d) >= maximum or (minimum is not None and d < minimum):
        low = "" if minimum is None else f"from {minimum:,} to "
        raise InputError(what, value, f"an amount {low}below {maximum:,} yuan")
    if _places(d) > 2:
        raise InputError(what, value, "an amount exact to the fen (at most 2 decimal places)")
    return d


def rate(value: Any, what: str = "rate", lo: Decimal | int = 0, hi: Decimal | int = 1, *,
         places: int = RATE_PLACES) -> Decimal:
    """A rate or ratio (a fraction: 0.05 is 5 %), lo ≤ x ≤ hi, at most ``places`` decimal places."""
    d = _parse(value, what, "a rate: a decimal fraction such as 0.05")
    if not Decimal(lo) <= d <= Decimal(hi):
        raise InputError(what, value, f"a rate from {lo} to {hi}")
    if _places(d) > places:
        raise InputError(what, value, f"a rate with at most {places} decimal places")
    return d


def count(value: Any, what: str = "", lo: int = 0, hi: int = 10**6) -> int:
    """A whole number lo ≤ n ≤ hi (months, days, years of a term…): an integer, or its ASCII digits."""
    expected = f"a whole number from {lo} to {hi}"
    if isinstance(value, bool):
        raise InputError(what, value, expected)
    if isinstance(value, int):
        n = value
    elif isinstance(value, str) and len(value) <= MAX_NUMBER_TEXT and _WHOLE.fullmatch(value.strip(" \t")):
        n = int(value.strip(" \t"))
    else:
        raise InputError(what, value, expected)
    if not lo <= n <= hi:
        raise InputError(what, value, expected)
    return n


def year(value: Any, what: str = "year") -> int:
    return count(value, what, MIN_YEAR, MAX_YEAR)


def date(value: Any, what: str = "date") -> dt.date:
    """A date YYYY-MM-DD (a real one) in the years 1900–2200."""
    expected = f"a valid date YYYY-MM-DD in the years {MIN_YEAR}–{MAX_YEAR}"
    if isinstance(value, dt.datetime):
        raise InputError(what, value, expected)
    if isinstance(value, dt.date):
        d = value
    elif isinstance(value, str) and _DATE.fullmatch(value):
        try:
            d = dt.date.fromisoformat(value)
        except ValueError:
            raise InputError(what, value, expected) from None
    else:
        raise InputError(what, value, expected)
    if not MIN_YEAR <= d.year <= MAX_YEAR:
        raise InputError(what, value, expected)
    return d


def text(value: Any, *, max_len: int = MAX_TEXT, what: str = "", min_len: int = 1, multiline: bool = False) -> str:
    """Text of min_len..max_len characters, without control characters (newlines only where ``multiline``)."""
    if not isinstance(value, str):
        raise InputError(what, value, f"text of at most {max_len} characters")
    if len(value) > max_len:
        raise InputError(what, value, f"text of at most {max_len} characters")
    if len(value.strip()) < min_len:
        raise InputError(what, value, f"text of at least {min_len} character{'s' if min_len > 1 else ''}")
    if (_CONTROL_BUT_NEWLINES if multiline else _CONTROL).search(value):
        raise InputError(what, value, "text without control characters" + (" (tabs and newlines allowed)"
                                                                           if multiline else ""))
    return value


def code(value: Any, max_len: int = 60, what: str = "", *, slug: bool = False) -> str:
    """An identifier: 1..max_len characters, no spaces or control characters; ``slug``: only A-Z a-z 0-9 - _."""
    kind = "letters, digits, - and _" if slug else "no spaces"
    expected = f"a code of 1 to {max_len} characters ({kind})"
    if not isinstance(value, str) or not 1 <= len(value) <= max_len:
        raise InputError(what, value, expected)
    if (not _SLUG.fullmatch(value)) if slug else bool(_SPACE_OR_CONTROL.search(value)):
        raise InputError(what, value, expected)
    return value


# ---------------------------------------------------------------- pydantic types for file schemas
# In a pydantic model the key path comes from pydantic, so these pass no ``what``. A Decimal is a value
# riskpool computed or read from its database (services build rule facts from stored records): it passes
# as it is; everything a person wrote (text, int, float) is parsed strictly.


def _amount_field(value: Any) -> Any:
    return value if isinstance(value, Decimal) else amount(value, "", minimum=None)


def _rate_field(value: Any) -> Any:  # the range is the schema's own ge/le
    return value if isinstance(value, Decimal) else number(value, "", places=RATE_PLACES)


def _number_field(value: Any) -> Any:
    return value if isinstance(value, Decimal) else number(value, "")


def _date_field(value: Any) -> Any:
    try:
        return date(value, "")
    except InputError as e:  # pydantic adds "(got …)" after the key path
        raise ValueError(f"expected {e.expected}") from None


def _number_text(value: Any) -> str:
    number(value, "")
    return value if isinstance(value, str) else str(value)


Amount = Annotated[Decimal, BeforeValidator(_amount_field), Field(ge=0)]
Ratio = Annotated[Decimal, BeforeValidator(_rate_field), Field(ge=0, le=1)]
Number = Annotated[Decimal, BeforeValidator(_number_field)]
Date = Annotated[dt.date, BeforeValidator(_date_field)]
NumberText = Annotated[str, BeforeValidator(_number_text)]


def Count(lo: int = 0, hi: int = 10**6) -> Any:  # noqa: N802 - a type
    return Annotated[int, BeforeValidator(lambda v: count(v, "", lo, hi))]


def Text(max_len: int = MAX_TEXT, *, min_len: int = 1, multiline: bool = False) -> Any:  # noqa: N802 - a type
    return Annotated[str, BeforeValidator(lambda v: text(v, max_len=max_len, min_len=min_len, multiline=multiline))]


def Code(max_len: int = 60, *, slug: bool = False) -> Any:  # noqa: N802 - a type
    return Annotated[str, BeforeValidator(lambda v: code(v, max_len, slug=slug))]


Year = Count(MIN_YEAR, MAX_YEAR)
