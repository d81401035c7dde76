"""What the reports share: periods, the display ratio, the program's lenders, the rule runner, recovery rows,
and the at-date helpers of ``riskpool.figures.lenders`` (covered loans, outstanding, arrears, payments,
agreement status), which define the figures once for the reports, the sanctions and the stories."""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import QuerySet

from riskpool.figures.lenders import (  # noqa: F401 - the reports' view of the figures
    ACTIVE,
    agreement_status_on,
    arrears_on,
    claim_payments,
    covered_loans,
    lenders_of,
    outstanding_by,
    paid_between,
    with_release_date,
)
from riskpool.policy.schema import ParameterNotInForce
from riskpool.reports import ReportError
from riskpool.rules.decision import Decision

RATIO_PLACES = Decimal("0.000001")


# ============================================================================ dates and periods

def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    """First and last day of a calendar month."""
    if not 1 <= month <= 12:
        raise ReportError(f"month must be 1–12, got {month}")
    return dt.date(year, month, 1), dt.date(year, month, _calendar.monthrange(year, month)[1])


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    """First and last day of a calendar quarter (Q1 = January–March)."""
    if not 1 <= quarter <= 4:
        raise ReportError(f"quarter must be 1–4, got {quarter}")
    first = month_bounds(year, 3 * quarter - 2)[0]
    return first, month_bounds(year, 3 * quarter)[1]


def check_period(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise ReportError(f"period ends {end.isoformat()}, before it starts {start.isoformat()}")


# ============================================================================ small helpers

def ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    """numerator / denominator to six places (half up) for display; None when the denominator is zero."""
    if not denominator:
        return None
    return (numerator / denominator).quantize(RATIO_PLACES, rounding=ROUND_HALF_UP)


def reasons_text(decision: Decision) -> str:
    return "; ".join(f"{'✗' if r.blocking else '·'} {r.code} [{r.article}] {r.message}" for r in decision.reasons)


def run_rule(run):
    """Run a rule; a threshold not in force on the date is bad input to the report."""
    try:
        return run()
    except ParameterNotInForce as e:
        raise ReportError(f"the program's thresholds are not in force on that date: {e}") from None


def recovery_rows(qs: QuerySet, on: dt.date) -> list[dict[str, Any]]:
    """One row per recovery of ``qs``, with its remittance state at the end of ``on``."""
    rows = []
    for r in qs.select_related("claim__loan__lender", "claim__loan__borrower").order_by("received_on", "id"):
        remitted = r.remitted_on is not None and r.remitted_on <= on
        if remitted:
            state = "remitted"
        elif r.to_fund == 0:
            state = "nothing_due"
        elif r.remit_due_on is not None and r.remit_due_on < on:
            state = "overdue"
        else:
            state = "due"
        rows.append({
            "claim": r.claim.code, "loan": r.claim.loan.code, "lender": r.claim.loan.lender.code,
            "borrower": r.claim.loan.borrower.name, "received_on": r.received_on, "gross": r.gross,
            "costs": r.costs, "net": r.gross - r.costs, "to_fund": r.to_fund, "to_lender": r.to_lender,
            "to_guarantor": r.to_guarantor, "remit_due_on": r.remit_due_on,
            "remitted_on": r.remitted_on if remitted else None, "remittance": state,
            "after_write_off": r.after_write_off,
        })
    return rows
