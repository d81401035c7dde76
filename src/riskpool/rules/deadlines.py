"""Deadlines (期限) in Chinese working days: every "N个工作日" of a program, from its policy file.

A deadline counts from the day after the event (民法典 第二百零一条: the first day is not counted);
``before`` deadlines count back from the event (kezhou-industry 第十一条: 20 working days before
maturity). Calendar-day deadlines (kezhou 第十三条（一）: 30 days overdue) use plain days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from riskpool.calendar import WorkingCalendar, default_calendar
from riskpool.policy.schema import Program


class UnknownDeadline(KeyError):
    pass


@dataclass(frozen=True)
class Due:
    name: str
    date: dt.date
    article: str
    actor: str
    action: str
    days: int
    unit: str
    direction: str


def due_date(program: Program, name: str, event_date: dt.date, calendar: WorkingCalendar | None = None) -> Due:
    if name not in program.deadlines:
        raise UnknownDeadline(f"{program.id} has no deadline {name!r}; it has: {', '.join(program.deadlines)}")
    param = program.deadlines[name]
    spec = program.param(param, event_date)
    sign = -1 if spec.direction == "before" else 1
    if spec.unit == "calendar_days":
        date = event_date + dt.timedelta(days=sign * spec.days)
    else:
        date = (calendar or default_calendar()).add_working_days(event_date, sign * spec.days)
    return Due(name, date, param.article, spec.actor, spec.action, spec.days, spec.unit, spec.direction)


def is_overdue(due: Due, done_on: dt.date | None, today: dt.date) -> bool:
    """An ``after`` deadline is missed when not done by its date (done late, or still open after it)."""
    if due.direction == "before":
        return False  # a window, not a deadline: doing it early is the breach, judged by the caller
    return (done_on or today) > due.date
