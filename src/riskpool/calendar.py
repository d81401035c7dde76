"""Chinese working days (工作日) for regulatory deadlines ("N个工作日内").

Two sources say which days are working days:

* the ``chinese_calendar`` package, which carries the State Council holiday
  arrangements it was released with (2004-2026 in version 1.11), and
* holiday notices (国务院办公厅关于N年部分节假日安排的通知) that an administrator
  loads as YAML files for later years; see docs/holiday-notices.md.

A notice for year Y is authoritative for the whole of Y and replaces the
package for that year: weekdays are working days unless listed as holidays,
weekends are days off unless listed as make-up working days (调休上班).

A date in a year that no source covers raises :class:`CalendarError`; the
module never falls back to a Monday-Friday guess. Everything here is pure:
no clock is read, and only :func:`notice_dir`, :func:`install_notice` and
:func:`default_calendar` touch the environment or the file system.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import chinese_calendar
import yaml

__all__ = [
    "CalendarError",
    "HolidayNotice",
    "WorkingCalendar",
    "default_calendar",
    "install_notice",
    "load_notice",
    "notice_dir",
]

BUNDLED_NOTICE_DIR = Path(__file__).resolve().parent / "data" / "holidays"
_ONE_DAY = timedelta(days=1)
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class CalendarError(ValueError):
    """Missing or invalid working-day data."""


def _uncovered(year: int) -> CalendarError:
    return CalendarError(
        f"No working-day data for {year}: neither the chinese_calendar package nor a loaded "
        f"holiday notice covers {year}, and working days are never guessed from Monday-Friday. "
        f"Load the State Council holiday notice for {year} "
        f"(国务院办公厅关于{year}年部分节假日安排的通知) with `riskpool calendar load FILE` "
        f"(or put the YAML file in the holiday notice folder, $RISKPOOL_HOLIDAY_DIR, default "
        f"~/.local/share/riskpool/holidays; see docs/holiday-notices.md)."
    )


@dataclass(frozen=True)
class HolidayNotice:
    """One year's State Council holiday arrangement.

    ``holidays`` holds every day off of every holiday period (weekends inside a
    period included); ``workdays`` holds the make-up working days (调休上班),
    which must fall on a Saturday or Sunday.
    """

    year: int
    source: str
    holidays: frozenset[date]
    workdays: frozenset[date]

    def __post_init__(self) -> None:
        for d in self.holidays | self.workdays:
            if d.year != self.year:
                raise CalendarError(f"notice for {self.year}: {d.isoformat()} is outside {self.year}")
        for d in self.workdays:
            if d.weekday() < 5:
                raise CalendarError(
                    f"notice for {self.year}: make-up working day {d.isoformat()} is a "
                    f"{_WEEKDAY_NAMES[d.weekday()]}, expected a Saturday or Sunday"
                )
        both = self.holidays & self.workdays
        if both:
            raise CalendarError(
                f"notice for {self.year}: {min(both).isoformat()} is both a holiday and a working day"
            )


# --- reading notice files -------------------------------------------------


class _StringDateLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as strings, so bad dates get a key path."""


_StringDateLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_TOP_KEYS = ("year", "source", "holidays", "workdays")
_PERIOD_KEYS = ("name", "from", "to")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def load_notice(path: str | os.PathLike[str]) -> HolidayNotice:
    """Read and validate a YAML holiday notice file (format: docs/holiday-notices.md).

    Every problem raises :class:`CalendarError` naming the file, the key path,
    the offending value and what was expected.
    """
    path = Path(path)

    def fail(key: str, value: Any, expected: str) -> CalendarError:
        return CalendarError(f"{path}: {key}: got {value!r}, expected {expected}")

    def missing(key: str, expected: str) -> CalendarError:
        return CalendarError(f"{path}: {key}: missing, expected {expected}")

    try:
        with path.open(encoding="utf-8") as fh:
            data = yaml.load(fh, Loader=_StringDateLoader)
    except OSError as exc:
        raise CalendarError(f"{path}: cannot read holiday notice: {exc}") from exc
    except yaml.YAMLError as exc:
        raise CalendarError(f"{path}: not valid YAML: {exc}") from exc

    if not isinstance(data, dict):
        raise fail("(top level)", data, f"a mapping with keys {', '.join(_TOP_KEYS)}")
    for key in data:
        if key not in _TOP_KEYS:
            raise fail(str(key), data[key], f"only the keys {', '.join(_TOP_KEYS)} (unknown key)")
    for key, expected in (("year", "the notice's year, e.g. 2027"),
                          ("source", "the notice's title and document number"),
                          ("holidays", "the list of holiday periods")):
        if key not in data:
            raise missing(key, expected)

    year = data["year"]
    if not isinstance(year, int) or isinstance(year, bool) or not 1900 <= year <= 9999:
        raise fail("year", year, "a four-digit year such as 2027")
    source = data["source"]
    if not isinstance(source, str) or not source.strip():
        raise fail("source", source, "the notice's title and document number (non-empty text)")

    def parse_day(key: str, value: Any) -> date:
        if isinstance(value, str) and _ISO_DAY.fullmatch(value.strip()):
            try:
                d = date.fromisoformat(value.strip())
            except ValueError:
                raise fail(key, value, "a real calendar date written YYYY-MM-DD") from None
            if d.year != year:
                raise fail(key, value, f"a date in {year} (the notice's year)")
            return d
        raise fail(key, value, "a date written YYYY-MM-DD")

    holidays: dict[date, str] = {}
    periods = data["holidays"]
    if not isinstance(periods, list) or not periods:
        raise fail("holidays", periods, "a non-empty list of holiday periods with name, from, to")
    for i, period in enumerate(periods):
        at = f"holidays[{i}]"
        if not isinstance(period, dict):
            raise fail(at, period, "a mapping with keys name, from, to")
        for key in period:
            if key not in _PERIOD_KEYS:
                raise fail(f"{at}.{key}", period[key], "only the keys name, from, to (unknown key)")
        for key in _PERIOD_KEYS:
            if key not in period:
                raise missing(f"{at}.{key}", "name, from and to for every holiday period")
        name = period["name"]
        if not isinstance(name, str) or not name.strip():
            raise fail(f"{at}.name", name, "the holiday's name, e.g. 春节")
        first = parse_day(f"{at}.from", period["from"])
        last = parse_day(f"{at}.to", period["to"])
        if last < first:
            raise fail(f"{at}.to", period["to"], f"a date on or after from ({first.isoformat()})")
        d = first
        while d <= last:
            if d in holidays:
                raise fail(at, f"{first.isoformat()}..{last.isoformat()}",
                           f"periods that do not overlap ({d.isoformat()} is already in {holidays[d]})")
            holidays[d] = f"{at} ({name})"
            d += _ONE_DAY

    workdays: set[date] = set()
    listed = data.get("workdays")
    if listed is None:
        listed = []
    if not isinstance(listed, list):
        raise fail("workdays", listed, "a list of dates written YYYY-MM-DD")
    for j, value in enumerate(listed):
        at = f"workdays[{j}]"
        d = parse_day(at, value)
        if d.weekday() < 5:
            raise fail(at, value, f"a Saturday or Sunday (it is a {_WEEKDAY_NAMES[d.weekday()]}, "
                                  "already a working day)")
        if d in holidays:
            raise fail(at, value, f"a day that is not also a holiday (it is in {holidays[d]})")
        if d in workdays:
            raise fail(at, value, "each make-up working day listed once")
        workdays.add(d)

    return HolidayNotice(year=year, source=source.strip(),
                         holidays=frozenset(holidays), workdays=frozenset(workdays))


# --- the calendar ---------------------------------------------------------


@functools.cache
def _package_covers(year: int) -> bool:
    if not 1 <= year <= 9999:
        return False
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


class WorkingCalendar:
    """Working days from notices plus (optionally) the chinese_calendar package.

    A notice replaces the package for its whole year; of several notices for the
    same year, the last one given wins.
    """

    def __init__(self, notices: Iterable[HolidayNotice] = (), *, use_package: bool = True):
        self._notices: dict[int, HolidayNotice] = {n.year: n for n in notices}
        self._use_package = use_package

    def covers(self, year: int) -> bool:
        """True if working days in ``year`` are known."""
        return year in self._notices or (self._use_package and _package_covers(year))

    def is_working_day(self, d: date) -> bool:
        """True if ``d`` is a working day; CalendarError if its year is not covered."""
        d = _as_date(d)
        notice = self._notices.get(d.year)
        if notice is not None:
            if d.weekday() < 5:
                return d not in notice.holidays
            return d in notice.workdays
        if self._use_package and _package_covers(d.year):
            return chinese_calendar.is_workday(d)
        raise _uncovered(d.year)

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after ``start`` (before it if n < 0; ``start`` if n == 0).

        ``start`` itself is never counted (民法典第二百零一条: 期间开始的当日不计入),
        so a "5个工作日内" deadline from ``start`` is ``add_working_days(start, 5)``.
        """
        d = _as_date(start)
        step = _ONE_DAY if n > 0 else -_ONE_DAY
        remaining = abs(n)
        while remaining:
            d += step
            if self.is_working_day(d):
                remaining -= 1
        return d

    def working_days_between(self, start: date, end: date) -> int:
        """Working days d with start < d <= end; if end < start, minus those with end <= d < start.

        Either way ``working_days_between(s, add_working_days(s, n)) == n``.
        """
        start, end = _as_date(start), _as_date(end)
        if end >= start:
            lo, hi, sign = start + _ONE_DAY, end, 1
        else:
            lo, hi, sign = end, start - _ONE_DAY, -1
        count = 0
        d = lo
        while d <= hi:
            count += self.is_working_day(d)
            d += _ONE_DAY
        return sign * count

    def next_working_day(self, d: date) -> date:
        """``d`` if it is a working day, else the first working day after it."""
        d = _as_date(d)
        while not self.is_working_day(d):
            d += _ONE_DAY
        return d


def _as_date(d: date) -> date:
    if isinstance(d, datetime):
        return d.date()
    if not isinstance(d, date):
        raise TypeError(f"expected a datetime.date, got {type(d).__name__}: {d!r}")
    return d


# --- administrator-loaded notices -----------------------------------------


def notice_dir() -> Path:
    """Folder of administrator-loaded notices: $RISKPOOL_HOLIDAY_DIR, else ~/.local/share/riskpool/holidays."""
    configured = os.environ.get("RISKPOOL_HOLIDAY_DIR")
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".local" / "share" / "riskpool" / "holidays"


def install_notice(path: str | os.PathLike[str]) -> Path:
    """Validate a notice file and copy it into :func:`notice_dir` as ``<year>.yaml``.

    An existing file for that year is replaced. A notice may be installed for a
    year the package already covers; it then overrides the package for that year.
    """
    notice = load_notice(path)
    folder = notice_dir()
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / f"{notice.year}.yaml"
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{notice.year}-", suffix=".tmp")
    os.close(fd)
    try:
        shutil.copyfile(path, tmp)
        os.replace(tmp, dest)
        global _CHECKED
        _CHECKED = None  # this process sees its own notice at once
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return dest


def _load_folder(folder: Path) -> list[HolidayNotice]:
    if not folder.is_dir():
        return []
    notices: dict[int, tuple[Path, HolidayNotice]] = {}
    for file in sorted(folder.glob("*.yaml")):
        notice = load_notice(file)
        if notice.year in notices:
            other = notices[notice.year][0]
            raise CalendarError(
                f"{file}: year: got {notice.year}, but {other} is also a notice for {notice.year}; "
                "keep one file per year in the holiday notice folder"
            )
        notices[notice.year] = (file, notice)
    return [notice for _, notice in notices.values()]


def _signature(folders: tuple[Path, ...]) -> tuple:
    out = []
    for folder in folders:
        if folder.is_dir():
            for file in sorted(folder.glob("*.yaml")):
                st = file.stat()
                out.append((str(file), st.st_mtime_ns, st.st_size))
    return tuple(out)


_DEFAULT: tuple[tuple, WorkingCalendar] | None = None


def default_calendar() -> WorkingCalendar:
    """Package data, then bundled notices, then notices in :func:`notice_dir` (later wins per year).

    Built again only when a notice file is added, changed or removed (a stat of each file, not a parse)."""
    global _DEFAULT, _CHECKED
    # the settings that name the folder, compared as they are: cheaper than the folder's path
    configured = (os.environ.get("RISKPOOL_HOLIDAY_DIR"), os.environ.get("HOME"))
    now = time.monotonic()
    # the files are looked at again at most once a second (a filing asks for every one of its notices)
    if _DEFAULT is not None and _CHECKED is not None and _CHECKED[0] == configured and now - _CHECKED[1] < RECHECK_S:
        return _DEFAULT[1]
    folders = (BUNDLED_NOTICE_DIR, notice_dir())
    signature = (folders, _signature(folders))
    if _DEFAULT is None or _DEFAULT[0] != signature:
        _DEFAULT = (signature, WorkingCalendar([*_load_folder(BUNDLED_NOTICE_DIR), *_load_folder(notice_dir())]))
    _CHECKED = (configured, now)
    return _DEFAULT[1]


RECHECK_S = 1.0
_CHECKED: tuple[tuple, float] | None = None
