"""Working days (工作日) for "N个工作日内" deadlines: riskpool.calendar."""

from __future__ import annotations

import textwrap
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskpool.calendar import (
    CalendarError,
    HolidayNotice,
    WorkingCalendar,
    default_calendar,
    install_notice,
    load_notice,
    notice_dir,
)

EXAMPLE_2027 = Path(__file__).resolve().parents[1] / "examples" / "holidays" / "2027-example.yaml"

PKG = WorkingCalendar()  # chinese_calendar package data only (2004-2026)


@pytest.fixture
def example_2027() -> HolidayNotice:
    return load_notice(EXAMPLE_2027)


def write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


# --- 2026 National Day (package data: 10-01..10-07 off, Sat 10-10 调休上班) ---


def test_2026_national_day_arrangement_from_package():
    assert [PKG.is_working_day(date(2026, 10, d)) for d in range(1, 13)] == [
        False, False, False, False, False, False, False,  # 10-01 .. 10-07 国庆节
        True, True,  # Thu 10-08, Fri 10-09
        True,  # Sat 10-10: make-up working day
        False,  # Sun 10-11
        True,  # Mon 10-12
    ]
    # Mid-Autumn 2026 (Fri 09-25 .. Sun 09-27) is off, Sun 09-20 is a make-up day.
    assert not PKG.is_working_day(date(2026, 9, 25))
    assert PKG.is_working_day(date(2026, 9, 20))


def test_2026_national_day_deadlines():
    # The first working day after 09-30 is 10-08.
    assert PKG.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    # 5个工作日内 from Tue 09-29 (start not counted):
    # 09-30 (1), 10-08 (2), 10-09 (3), Sat 10-10 (4), Mon 10-12 (5).
    assert PKG.add_working_days(date(2026, 9, 29), 5) == date(2026, 10, 12)
    assert PKG.working_days_between(date(2026, 9, 30), date(2026, 10, 12)) == 4
    assert PKG.working_days_between(date(2026, 10, 9), date(2026, 10, 11)) == 1  # Sat 10-10 counts
    assert PKG.next_working_day(date(2026, 10, 3)) == date(2026, 10, 8)
    assert PKG.next_working_day(date(2026, 10, 11)) == date(2026, 10, 12)
    assert PKG.next_working_day(date(2026, 10, 10)) == date(2026, 10, 10)


# --- Spring Festival 2026 (package: 02-15..02-23 off, Sat 02-14 and Sat 02-28 上班) ---


def test_2026_spring_festival():
    assert PKG.is_working_day(date(2026, 2, 14))
    assert not PKG.is_working_day(date(2026, 2, 17))
    assert PKG.is_working_day(date(2026, 2, 28))
    assert PKG.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert PKG.add_working_days(date(2026, 2, 14), 1) == date(2026, 2, 24)
    # 10个工作日内 from Thu 02-12: 02-13, Sat 02-14, 02-24..02-27, Sat 02-28, 03-02, 03-03, 03-04.
    assert PKG.add_working_days(date(2026, 2, 12), 10) == date(2026, 3, 4)
    assert PKG.next_working_day(date(2026, 2, 17)) == date(2026, 2, 24)
    assert PKG.working_days_between(date(2026, 2, 13), date(2026, 2, 24)) == 2


def test_ordinary_week():
    assert PKG.add_working_days(date(2026, 3, 11), 3) == date(2026, 3, 16)  # Thu, Fri, Mon
    assert PKG.add_working_days(date(2026, 3, 13), 1) == date(2026, 3, 16)  # Fri -> Mon
    assert PKG.add_working_days(date(2026, 3, 14), 0) == date(2026, 3, 14)
    assert PKG.working_days_between(date(2026, 3, 6), date(2026, 3, 13)) == 5
    assert PKG.working_days_between(date(2026, 3, 13), date(2026, 3, 13)) == 0
    assert PKG.next_working_day(date(2026, 3, 14)) == date(2026, 3, 16)


def test_twenty_working_days_before_maturity():
    # Counting back from Tue 2026-10-20: 10-19, 10-16..10-12 (6), Sat 10-10 (7), 10-09, 10-08 (9),
    # 09-30..09-28 (12), 09-24..09-21 (16), Sun 09-20 (17), 09-18, 09-17, 09-16 (20).
    maturity = date(2026, 10, 20)
    assert PKG.add_working_days(maturity, -20) == date(2026, 9, 16)
    assert PKG.add_working_days(maturity, -1) == date(2026, 10, 19)
    assert PKG.add_working_days(date(2026, 10, 8), -1) == date(2026, 9, 30)
    assert PKG.working_days_between(maturity, date(2026, 9, 16)) == -20


# --- years without data --------------------------------------------------


def test_2027_without_notice_is_an_error_not_a_guess():
    assert PKG.covers(2026) and not PKG.covers(2027)
    with pytest.raises(CalendarError) as err:
        PKG.is_working_day(date(2027, 3, 1))  # a Monday: still no guess
    message = str(err.value)
    assert "2027" in message
    assert "riskpool calendar load" in message
    assert "docs/holiday-notices.md" in message
    with pytest.raises(CalendarError, match="2027"):
        PKG.add_working_days(date(2026, 12, 30), 5)
    with pytest.raises(CalendarError, match="2003"):
        PKG.add_working_days(date(2004, 1, 2), -5)


def test_2027_with_example_notice(example_2027):
    assert example_2027.year == 2027
    assert "示例" in example_2027.source and "非官方" in example_2027.source
    cal = WorkingCalendar([example_2027])
    assert cal.covers(2026) and cal.covers(2027) and not cal.covers(2028)
    # 12-31 Thu (1); 2027-01-01..01-03 元旦; Mon 01-04 (2).
    assert cal.add_working_days(date(2026, 12, 30), 2) == date(2027, 1, 4)
    assert cal.is_working_day(date(2027, 2, 20))  # Sat make-up day
    assert not cal.is_working_day(date(2027, 2, 8))  # Mon inside 春节
    assert not cal.is_working_day(date(2027, 2, 27))  # ordinary Saturday
    assert cal.next_working_day(date(2027, 10, 1)) == date(2027, 10, 8)
    assert cal.add_working_days(date(2027, 10, 8), 1) == date(2027, 10, 9)  # Sat make-up day
    with pytest.raises(CalendarError, match="2028"):
        cal.is_working_day(date(2028, 1, 3))


def test_notice_overrides_package_for_whole_year(tmp_path):
    path = write(tmp_path, "2026.yaml", """\
        year: 2026
        source: test notice
        holidays:
          - name: 测试
            from: 2026-03-02
            to: 2026-03-02
        """)
    cal = WorkingCalendar([load_notice(path)])
    assert not cal.is_working_day(date(2026, 3, 2))
    assert cal.is_working_day(date(2026, 10, 1))  # the package's 国庆 no longer applies
    assert not cal.is_working_day(date(2026, 10, 10))


def test_use_package_false():
    cal = WorkingCalendar(use_package=False)
    assert not cal.covers(2026)
    with pytest.raises(CalendarError, match="2026"):
        cal.is_working_day(date(2026, 3, 2))


# --- bad notice files ------------------------------------------------------

GOOD_HEAD = "year: 2027\nsource: test\n"

BAD_NOTICES = {
    "unknown-top-key": (
        GOOD_HEAD + "holidays: [{name: 元旦, from: 2027-01-01, to: 2027-01-01}]\nremark: x\n",
        ["remark", "unknown key"],
    ),
    "unknown-period-key": (
        GOOD_HEAD + "holidays:\n  - name: 元旦\n    from: 2027-01-01\n    to: 2027-01-03\n    days: 3\n",
        ["holidays[0].days", "unknown key"],
    ),
    "bad-date": (
        GOOD_HEAD + "holidays:\n  - name: 元旦\n    from: 2027-01-01\n    to: 2027-01-01\n"
        "  - name: 春节\n    from: 2027-02-30\n    to: 2027-03-02\n",
        ["holidays[1].from", "2027-02-30", "YYYY-MM-DD"],
    ),
    "not-a-date": (
        GOOD_HEAD + "holidays:\n  - name: 元旦\n    from: 1月1日\n    to: 2027-01-01\n",
        ["holidays[0].from", "1月1日", "YYYY-MM-DD"],
    ),
    "wrong-year": (
        GOOD_HEAD + "holidays: [{name: 元旦, from: 2027-01-01, to: 2027-01-01}]\n"
        "workdays:\n  - 2026-12-26\n",
        ["workdays[0]", "2026-12-26", "in 2027"],
    ),
    "workday-on-weekday": (
        GOOD_HEAD + "holidays: [{name: 元旦, from: 2027-01-01, to: 2027-01-01}]\n"
        "workdays:\n  - 2027-02-20\n  - 2027-02-22\n",
        ["workdays[1]", "2027-02-22", "Saturday or Sunday", "Monday"],
    ),
    "both-holiday-and-workday": (
        GOOD_HEAD + "holidays:\n  - name: 春节\n    from: 2027-02-05\n    to: 2027-02-13\n"
        "workdays:\n  - 2027-02-06\n",
        ["workdays[0]", "2027-02-06", "holidays[0]"],
    ),
    "to-before-from": (
        GOOD_HEAD + "holidays: [{name: 元旦, from: 2027-01-03, to: 2027-01-01}]\n",
        ["holidays[0].to", "2027-01-01"],
    ),
    "missing-year": (
        "source: test\nholidays: [{name: 元旦, from: 2027-01-01, to: 2027-01-01}]\n",
        ["year", "missing"],
    ),
    "missing-source": (
        "year: 2027\nholidays: [{name: 元旦, from: 2027-01-01, to: 2027-01-01}]\n",
        ["source", "missing"],
    ),
    "year-not-int": (
        "year: '2027年'\nsource: test\nholidays: [{name: 元旦, from: 2027-01-01, to: 2027-01-01}]\n",
        ["year", "2027年"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_NOTICES))
def test_bad_notice_rejected_with_file_and_key_path(tmp_path, case):
    body, fragments = BAD_NOTICES[case]
    path = write(tmp_path, f"{case}.yaml", body)
    with pytest.raises(CalendarError) as err:
        load_notice(path)
    message = str(err.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_notice_dataclass_checks_consistency():
    with pytest.raises(CalendarError, match="both"):
        HolidayNotice(2027, "x", frozenset({date(2027, 2, 6)}), frozenset({date(2027, 2, 6)}))
    with pytest.raises(CalendarError, match="Saturday or Sunday"):
        HolidayNotice(2027, "x", frozenset(), frozenset({date(2027, 2, 22)}))
    with pytest.raises(CalendarError, match="outside 2027"):
        HolidayNotice(2027, "x", frozenset({date(2026, 12, 31)}), frozenset())


# --- installing notices ------------------------------------------------------


def test_notice_dir_default_and_env(monkeypatch, tmp_path):
    monkeypatch.delenv("RISKPOOL_HOLIDAY_DIR", raising=False)
    assert notice_dir() == Path.home() / ".local" / "share" / "riskpool" / "holidays"
    monkeypatch.setenv("RISKPOOL_HOLIDAY_DIR", str(tmp_path))
    assert notice_dir() == tmp_path


def test_install_notice_then_default_calendar_covers_2027(monkeypatch, tmp_path):
    folder = tmp_path / "notices"
    monkeypatch.setenv("RISKPOOL_HOLIDAY_DIR", str(folder))
    assert not default_calendar().covers(2027)

    dest = install_notice(EXAMPLE_2027)
    assert dest == folder / "2027.yaml"
    assert dest.read_bytes() == EXAMPLE_2027.read_bytes()
    assert sorted(p.name for p in folder.iterdir()) == ["2027.yaml"]

    cal = default_calendar()
    assert cal.covers(2026) and cal.covers(2027)
    assert cal.is_working_day(date(2027, 2, 20))
    assert cal.add_working_days(date(2026, 12, 30), 2) == date(2027, 1, 4)


def test_install_rejects_bad_notice_and_writes_nothing(monkeypatch, tmp_path):
    folder = tmp_path / "notices"
    monkeypatch.setenv("RISKPOOL_HOLIDAY_DIR", str(folder))
    bad = write(tmp_path, "bad.yaml", "year: 2027\nsource: x\nholidays: []\n")
    with pytest.raises(CalendarError, match="holidays"):
        install_notice(bad)
    assert not (folder / "2027.yaml").exists()


def test_two_files_for_one_year_in_notice_dir_is_an_error(monkeypatch, tmp_path):
    monkeypatch.setenv("RISKPOOL_HOLIDAY_DIR", str(tmp_path))
    (tmp_path / "2027.yaml").write_bytes(EXAMPLE_2027.read_bytes())
    (tmp_path / "2027-copy.yaml").write_bytes(EXAMPLE_2027.read_bytes())
    with pytest.raises(CalendarError, match="2027"):
        default_calendar()


# --- property -------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    d=st.dates(min_value=date(2004, 3, 1), max_value=date(2026, 10, 15)),
    n=st.integers(min_value=-40, max_value=40),
)
def test_add_and_between_are_inverse(d, n):
    result = PKG.add_working_days(d, n)
    assert PKG.working_days_between(d, result) == n
    if n > 0:
        assert result > d and PKG.is_working_day(result)
        assert PKG.next_working_day(d + timedelta(days=1)) == PKG.add_working_days(d, 1)
    elif n < 0:
        assert result < d and PKG.is_working_day(result)
    else:
        assert result == d
