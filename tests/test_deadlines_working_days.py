"""Every "N个工作日" of the seeds, across the 2026 National Day and its 10-10 make-up day."""

import pytest

from conftest import d
from riskpool.calendar import CalendarError, WorkingCalendar
from riskpool.rules.deadlines import UnknownDeadline, due_date, is_overdue


@pytest.mark.parametrize("program, name, event, due, article", [
    ("kezhou", "disbursement", "2026-09-24", "2026-10-15", "第十条"),          # 10 wd, counted below
    ("kezhou", "repayment_notice", "2026-10-20", "2026-09-16", "第十一条"),   # 20 wd before maturity
    ("kezhou", "manager_first_review", "2026-09-29", "2026-10-12", "第十四条"),
    ("kezhou", "bureau_review", "2026-09-29", "2026-10-19", "第十四条"),
    ("kezhou", "compensation_notice", "2026-09-30", "2026-10-10", "第十六条"),  # the make-up Saturday counts
    ("kezhou", "payment", "2026-09-29", "2026-10-12", "第十六条"),
    ("kezhou", "guarantor_alert", "2026-09-01", "2026-10-01", "第十三条（一）"),  # 30 calendar days
    ("kunshan", "risk_event_report", "2026-09-30", "2026-10-13", "第十四条"),
    ("kunshan", "recovery_remittance", "2026-09-30", "2026-10-10", "第二十四条"),
    ("pingluo", "county_review", "2026-09-30", "2026-10-27", "第十六条"),
])
def test_seed_deadlines_in_chinese_working_days(request, calendar_2026, program, name, event, due, article):
    p = request.getfixturevalue(program)
    result = due_date(p, name, d(event), calendar_2026)
    assert (result.date, result.article) == (d(due), article)


def test_kezhou_article_10_disbursement_count_by_hand(kezhou, calendar_2026):
    # guarantee letter Thu 09-24; Fri 09-25 is Mid-Autumn, 10-01..10-07 National Day, Sat 10-10 a make-up day
    counted = ["2026-09-28", "2026-09-29", "2026-09-30", "2026-10-08", "2026-10-09", "2026-10-10", "2026-10-12",
               "2026-10-13", "2026-10-14", "2026-10-15"]
    assert all(calendar_2026.is_working_day(d(x)) for x in counted)
    for off in ["2026-09-25", "2026-09-26", "2026-09-27", "2026-10-01", "2026-10-07", "2026-10-11"]:
        assert not calendar_2026.is_working_day(d(off))
    assert due_date(kezhou, "disbursement", d("2026-09-24"), calendar_2026).date == d(counted[-1])


def test_overdue_flag(kezhou, calendar_2026):
    due = due_date(kezhou, "payment", d("2026-09-29"), calendar_2026)
    assert not is_overdue(due, None, d("2026-10-12"))
    assert is_overdue(due, None, d("2026-10-13"))
    assert is_overdue(due, d("2026-10-13"), d("2026-12-01"))
    assert not is_overdue(due, d("2026-10-10"), d("2026-12-01"))


def test_deadline_in_an_unpublished_year_is_a_clear_error(pingluo):
    with pytest.raises(CalendarError, match="2027.*riskpool calendar load"):
        due_date(pingluo, "county_review", d("2026-12-20"), WorkingCalendar())


def test_unknown_deadline_names_the_known_ones(kunshan, calendar_2026):
    with pytest.raises(UnknownDeadline, match="risk_event_report"):
        due_date(kunshan, "payment", d("2026-09-30"), calendar_2026)
