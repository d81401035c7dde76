"""Reports (报表): read-only queries, each "as at" a date or over a period. Nothing here writes.

This module is the facade the command line, the exports and the tests import; each report lives in its own
module:

* ``position``      — ``fund_position(fund, on)``
* ``lender_return`` — ``lender_return(program, lender, start, end)``
* ``quarterly``     — ``quarterly_report(fund, year, quarter)``
* ``performance``   — ``lender_performance(program, on)``
* ``bad_loans``     — ``bad_loan_register(program, on)``
* ``usage``         — ``usage_register(fund, start, end)``
* ``common``        — periods, the display ratio, recovery rows, and the at-date helpers

The lender and fund figures the rules also read (outstanding, NPL, financing, compensation, released
guarantees, capital, cash, held, approved-unpaid, covered outstanding, remaining capacity) are defined once in
``riskpool.figures.lenders`` and ``riskpool.figures.funds``, which also rebuild the past: the history of each
loan (repayments by date, arrears spells from the ``loan.arrears`` / ``loan.cured`` history events), agreement
status from ``agreement.status`` events, dated payments from the fund's books. See docs/reports.md.
"""

from __future__ import annotations

from riskpool.reports import ReportError
from riskpool.reports.bad_loans import BadLoanRegister, bad_loan_register
from riskpool.reports.common import (
    agreement_status_on,
    arrears_on,
    claim_payments,
    covered_loans,
    month_bounds,
    quarter_bounds,
    ratio,
)
from riskpool.reports.lender_return import LenderReturn, lender_return
from riskpool.reports.performance import LenderLine, LenderPerformance, lender_performance
from riskpool.reports.position import POSITION_LABELS, FundPosition, ProgramCapacity, fund_position
from riskpool.reports.quarterly import QuarterlyReport, QuarterProgramLine, quarterly_report
from riskpool.reports.usage import KIND_LABELS, UsageRegister, usage_register

__all__ = [
    "ReportError", "month_bounds", "quarter_bounds", "ratio", "covered_loans", "arrears_on", "agreement_status_on",
    "claim_payments",
    "FundPosition", "ProgramCapacity", "fund_position", "LenderReturn", "lender_return", "QuarterlyReport",
    "QuarterProgramLine", "quarterly_report", "LenderLine", "LenderPerformance", "lender_performance",
    "BadLoanRegister", "bad_loan_register", "UsageRegister", "usage_register", "KIND_LABELS", "POSITION_LABELS",
]
