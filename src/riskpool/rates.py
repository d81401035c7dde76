"""Reference rates: the loan prime rate (贷款市场报价利率, LPR), 1-year and over-5-year.

The LPR is published once a month, on the 20th or the next working day when the 20th is not one, by
全国银行间同业拆借中心 as authorised by the People's Bank of China. A fixing stays in force until the next.

Fixings come from YAML files (format: docs/reference-rates.md): the file shipped in
``riskpool/data/rates/`` and files an administrator loads into :func:`rates_dir` with
``riskpool rates load FILE`` for later months. Each file says up to which day it vouches for its last
fixing (``covered_through``). A date before the first fixing or after that day raises :class:`RateError`;
the module never carries an old fixing forward on a guess. Rates are Decimal fractions (0.0345 is 3.45 %).

Everything here is pure: no clock is read, and only :func:`rates_dir`, :func:`install_rates` and
:func:`default_rates` touch the environment or the file system.
"""

from __future__ import annotations

import bisect
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from riskpool import inputs, yamlio
from riskpool.inputs import InputError, shown

__all__ = [
    "FIRST_LPR",
    "REFERENCES",
    "Fixing",
    "RateError",
    "RateFile",
    "RateTable",
    "default_rates",
    "install_rates",
    "load_rates",
    "merge_rates",
    "rates_dir",
]

BUNDLED_RATES = Path(__file__).resolve().parent / "data" / "rates" / "lpr.yaml"
FIRST_LPR = date(2019, 8, 20)  # the first fixing of the reformed LPR
REFERENCES = ("lpr_1y", "lpr_5y")
Reference = Literal["lpr_1y", "lpr_5y"]
MAX_PERCENT = Decimal(20)
LOAD_HINT = ("load them with `riskpool rates load FILE` (or put the YAML file in the reference rate folder, "
             "$RISKPOOL_RATES_DIR, default ~/.local/share/riskpool/rates; see docs/reference-rates.md)")


class RateError(ValueError):
    """Missing or invalid reference rate data."""


@dataclass(frozen=True)
class Fixing:
    """One month's LPR fixing: the day it was published and both rates as Decimal fractions."""

    on: date
    lpr_1y: Decimal
    lpr_5y: Decimal

    def __post_init__(self) -> None:
        for name in REFERENCES:
            if not isinstance(getattr(self, name), Decimal):
                raise TypeError(f"Fixing.{name}: expected a Decimal, got {getattr(self, name)!r}")


def _month(d: date) -> tuple[int, int]:
    return d.year, d.month


def _month_text(month: tuple[int, int]) -> str:
    return f"{month[0]:04d}-{month[1]:02d}"


def _next_month(month: tuple[int, int]) -> tuple[int, int]:
    y, m = month
    return (y + 1, 1) if m == 12 else (y, m + 1)


class RateTable:
    """Fixings with one per calendar month and no month missing, vouched for through ``covered_through``."""

    def __init__(self, fixings: Iterable[Fixing], covered_through: date):
        self.fixings: tuple[Fixing, ...] = tuple(sorted(fixings, key=lambda f: f.on))
        self.covered_through = _as_date(covered_through)
        if not self.fixings:
            raise RateError("a reference rate table needs at least one fixing")
        for prev, f in zip(self.fixings, self.fixings[1:]):
            if _month(f.on) == _month(prev.on):
                raise RateError(f"two LPR fixings in {_month_text(_month(f.on))} ({prev.on} and {f.on}); "
                                "expected one per calendar month")
            if _month(f.on) != _next_month(_month(prev.on)):
                raise RateError(f"gap: no LPR fixing for {_month_text(_next_month(_month(prev.on)))} (the fixings "
                                f"jump from {prev.on} to {f.on}); expected one fixing every month")
        if self.covered_through < self.fixings[-1].on:
            raise RateError(f"covered through {self.covered_through}, before the last fixing ({self.fixings[-1].on})")
        self._days = [f.on for f in self.fixings]

    def fixing(self, on: date) -> Fixing:
        """The fixing in force on ``on``: the latest one published on or before it."""
        on = _as_date(on)
        first = self.fixings[0].on
        if on < FIRST_LPR:
            raise RateError(f"No LPR fixing in force on {on}: the reformed LPR was first published on {FIRST_LPR} "
                            "and no rate before it is held or guessed; fixings loaded with `riskpool rates load FILE` "
                            f"(docs/reference-rates.md) start on {FIRST_LPR} at the earliest.")
        if on < first:
            raise RateError(f"No LPR fixing in force on {on}: the fixings loaded start on {first}, and a rate is "
                            f"never guessed. To get the earlier fixings, {LOAD_HINT}.")
        if on > self.covered_through:
            raise RateError(f"No LPR fixing known for {on}: the reference rates loaded are vouched for only "
                            f"through {self.covered_through} (last fixing {self.fixings[-1].on}), and an old fixing "
                            f"is never carried forward on a guess. To get newer fixings, {LOAD_HINT}.")
        return self.fixings[bisect.bisect_right(self._days, on) - 1]

    def rate(self, reference: Reference, on: date) -> Decimal:
        """The rate (a Decimal fraction) of ``reference`` in force on ``on``; cite ``fixing(on).on`` with it."""
        if reference not in REFERENCES:
            raise RateError(f"unknown reference rate {reference!r}; expected one of {', '.join(REFERENCES)}")
        return getattr(self.fixing(on), reference)


def _as_date(d: date) -> date:
    if isinstance(d, datetime):
        return d.date()
    if not isinstance(d, date):
        raise TypeError(f"expected a datetime.date, got {type(d).__name__}: {d!r}")
    return d


# --- reading rate files ---------------------------------------------------------


@dataclass(frozen=True)
class RateFile:
    """A validated rate file: fixings for consecutive months, vouched for through ``covered_through``."""

    path: Path
    source: str
    covered_through: date
    fixings: tuple[Fixing, ...]

    def table(self) -> RateTable:
        return RateTable(self.fixings, self.covered_through)


_TOP_KEYS = ("source", "covered_through", "fixings")
_FIXING_KEYS = ("on", "lpr_1y", "lpr_5y")
_PERCENT = "a percentage above 0 and at most 20 with at most 2 decimal places (3.45 for 3.45 %)"


def load_rates(path: str | os.PathLike[str]) -> RateFile:
    """Read and validate a YAML rate file (format: docs/reference-rates.md).

    Every problem raises :class:`RateError` as one line ``FILE: KEY.PATH: got VALUE; expected WHAT``.
    """
    path = Path(path)

    def fail(key: str, value: Any, expected: str) -> RateError:
        return RateError(f"{path}: {key}: got {shown(value)}; expected {expected}")

    def missing(key: str, expected: str) -> RateError:
        return RateError(f"{path}: {key}: got nothing (the key is missing); expected {expected}")

    try:
        data = yamlio.load(yamlio.read(path))
    except (OSError, UnicodeDecodeError) as exc:
        raise RateError(f"{path}: cannot read the rate file: {exc}") from None
    except yamlio.YamlError as exc:
        raise RateError(f"{path}: {exc}") from None

    if not isinstance(data, dict):
        raise fail("(top level)", data, f"a mapping with the keys {', '.join(_TOP_KEYS)}")
    for key in data:
        if key not in _TOP_KEYS:
            raise fail(str(key), data[key], f"only the keys {', '.join(_TOP_KEYS)} (unknown key)")
    for key in _TOP_KEYS:
        if key not in data:
            raise missing(key, f"the keys {', '.join(_TOP_KEYS)}")

    try:
        source = inputs.text(data["source"], what="source").strip()
    except InputError:
        raise fail("source", data["source"], "who published the fixings, e.g. "
                   "中国人民银行授权全国银行间同业拆借中心公布 (text of 1 to 200 characters)") from None

    def day(key: str, value: Any) -> date:
        try:
            return inputs.date(value, key)
        except InputError as e:
            raise fail(key, value, e.expected) from None

    def percent(key: str, value: Any) -> Decimal:
        try:
            d = inputs.number(value, key, places=2)
        except InputError:
            raise fail(key, value, _PERCENT) from None
        if not 0 < d <= MAX_PERCENT:
            raise fail(key, value, _PERCENT)
        return d.scaleb(-2)

    entries = data["fixings"]
    if not isinstance(entries, list) or not entries:
        raise fail("fixings", entries, "a non-empty list of fixings {on: YYYY-MM-DD, lpr_1y: 3.45, lpr_5y: 3.95}")
    fixings: list[Fixing] = []
    seen: dict[date, str] = {}
    for i, entry in enumerate(entries):
        at = f"fixings[{i}]"
        if not isinstance(entry, dict):
            raise fail(at, entry, f"a mapping with the keys {', '.join(_FIXING_KEYS)}")
        for key in entry:
            if key not in _FIXING_KEYS:
                raise fail(f"{at}.{key}", entry[key], f"only the keys {', '.join(_FIXING_KEYS)} (unknown key)")
        for key in _FIXING_KEYS:
            if key not in entry:
                raise missing(f"{at}.{key}", f"the keys {', '.join(_FIXING_KEYS)} in every fixing")
        raw = entry["on"]
        on = day(f"{at}.on", raw)
        if on in seen:
            raise fail(f"{at}.on", raw, f"each date once ({seen[on]} already has {on})")
        if on < FIRST_LPR:
            raise fail(f"{at}.on", raw, f"a date on or after {FIRST_LPR}, the first reformed LPR")
        if on.day < 20:
            raise fail(f"{at}.on", raw, "a day from the 20th of the month on (the LPR is published on the 20th, "
                                        "or the next working day when the 20th is not one)")
        if fixings:
            prev, prev_at = fixings[-1], f"fixings[{i - 1}]"
            expected_month = _next_month(_month(prev.on))
            if _month(on) == _month(prev.on):
                raise fail(f"{at}.on", raw, f"one fixing per calendar month ({prev_at} is already the fixing "
                                            f"for {_month_text(_month(on))})")
            if _month(on) > expected_month:
                raise fail(f"{at}.on", raw, f"the fixing for {_month_text(expected_month)} next (gap: no fixing "
                                            f"for {_month_text(expected_month)})")
            if _month(on) < expected_month:
                raise fail(f"{at}.on", raw, f"a date in {_month_text(expected_month)}, the month after {prev_at} "
                                            f"({prev.on}): fixings in date order")
        seen[on] = at
        fixings.append(Fixing(on, percent(f"{at}.lpr_1y", entry["lpr_1y"]), percent(f"{at}.lpr_5y", entry["lpr_5y"])))

    last = fixings[-1].on
    covered = day("covered_through", data["covered_through"])
    after_next = _next_month(_next_month(_month(last)))
    latest = date(*after_next, 1) - timedelta(days=1)
    if not last <= covered <= latest:
        raise fail("covered_through", data["covered_through"],
                   f"a date from the last fixing ({last}) to {latest}: the day before the next month's fixing "
                   "at the latest")
    return RateFile(path=path, source=source, covered_through=covered, fixings=tuple(fixings))


def merge_rates(files: Iterable[RateFile]) -> RateTable:
    """One table from several files: a later file wins for the same month; covered_through is the latest."""
    by_month: dict[tuple[int, int], Fixing] = {}
    covered: date | None = None
    for rf in files:
        for f in rf.fixings:
            by_month[_month(f.on)] = f
        covered = rf.covered_through if covered is None else max(covered, rf.covered_through)
    if covered is None:
        raise RateError("no reference rate file to build a table from")
    return RateTable(by_month.values(), covered)


# --- administrator-loaded files ---------------------------------------------------


def rates_dir() -> Path:
    """Folder of administrator-loaded rate files: $RISKPOOL_RATES_DIR, else ~/.local/share/riskpool/rates."""
    configured = os.environ.get("RISKPOOL_RATES_DIR")
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".local" / "share" / "riskpool" / "rates"


def _file_name(rf: RateFile) -> str:
    first, last = rf.fixings[0].on, rf.fixings[-1].on
    return f"lpr-{first:%Y-%m}-to-{last:%Y-%m}.yaml"


def _folder_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


def install_rates(path: str | os.PathLike[str]) -> Path:
    """Validate a rate file and copy it into :func:`rates_dir` as ``lpr-<first month>-to-<last month>.yaml``.

    The file must also join on to the fixings already loaded (no month missing in between); an existing
    file for the same months is replaced. Nothing is written when any check fails.
    """
    rf = load_rates(path)
    folder = rates_dir()
    dest = folder / _file_name(rf)
    others = [p for p in _folder_files(folder) if p.name != dest.name]
    ordered = sorted([*((p.name, load_rates(p)) for p in others), (dest.name, rf)], key=lambda item: item[0])
    try:
        merge_rates([load_rates(BUNDLED_RATES), *(f for _, f in ordered)])
    except RateError as e:
        raise RateError(f"{path}: fixings: got {rf.fixings[0].on} to {rf.fixings[-1].on}; expected fixings that "
                        f"join on to those already loaded ({e})") from None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{dest.stem}-", suffix=".tmp")
        os.close(fd)
    except OSError as exc:
        raise RateError(f"{folder}: cannot write to the reference rate folder: {exc}") from None
    try:
        shutil.copyfile(path, tmp)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return dest


_DEFAULT: tuple[tuple, RateTable] | None = None


def default_rates() -> RateTable:
    """The bundled file, then the files in :func:`rates_dir` by name (a later file wins for the same month).

    Built again only when a rate file is added, changed or removed (a stat of each file, not a parse)."""
    global _DEFAULT
    paths = [BUNDLED_RATES, *_folder_files(rates_dir())]
    signature = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in paths)
    if _DEFAULT is None or _DEFAULT[0] != signature:
        files = [load_rates(p) for p in paths]
        try:
            table = merge_rates(files)
        except RateError as e:
            raise RateError(f"reference rate files {', '.join(map(str, paths))}: {e}; load the missing months "
                            "with `riskpool rates load FILE`") from None
        _DEFAULT = (signature, table)
    return _DEFAULT[1]
