"""Loan services: the functions the CLI, the stories and the pages call. Each builds one command of
``riskpool.loans.commands`` and runs it through the one dispatcher; reads come from the running totals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from riskpool.commands import dispatch
from riskpool.figures import totals
from riskpool.loans.commands import (  # noqa: F401 - re-exported
    ACTIVE,
    Classify,
    CompleteNotice,
    Extend,
    FileLoan,
    LoanError,
    Repay,
    ReportArrears,
    ReportCure,
    add_months,
)
from riskpool.loans.models import Loan, Notice
from riskpool.money import ZERO
from riskpool.programs.models import Program
from riskpool.registry.models import Borrower, Fund, Institution
from riskpool.rules.sanctions import RiskClass, risk_class


def fund_of(program: Program) -> Fund:
    fund = program.funds.first()
    if fund is None:
        raise LoanError(f"program {program.code} is not backed by any fund yet")
    return fund


def covered_outstanding(fund: Fund) -> Decimal:
    return totals.get(totals.covered(fund.pk))


def borrower_outstanding(program: Program, borrower: Borrower) -> Decimal:
    return totals.get(totals.borrower_outstanding(program.pk, borrower.pk))


def file_loan(*, code: str, program: Program, lender: Institution, borrower: Borrower, amount: Decimal,
              issue_date: dt.date, term_months: int, actor: str, guarantor: Institution | None = None,
              guarantee_fee_rate: Decimal = ZERO, product_type: str = "loan", all_in_cost_rate: Decimal | None = None,
              exposure: Decimal | None = None, guarantee_letter_date: dt.date | None = None,
              other_fees: Decimal = ZERO, on: dt.date | None = None, key: str | None = None,
              interest_rate: Decimal | None = None, facts: dict[str, Any] | None = None) -> Loan:
    """File a loan; the filing rule decides on the filing date against the stored totals. Refused: LoanError."""
    result = dispatch(FileLoan.build(
        on=on or issue_date, code=code, program=program.code, lender=lender.code, borrower=borrower.code,
        amount=amount, issue_date=issue_date, term_months=term_months,
        guarantor=guarantor.code if guarantor else None, guarantee_fee_rate=guarantee_fee_rate,
        product_type=product_type, all_in_cost_rate=all_in_cost_rate, exposure=exposure,
        guarantee_letter_date=guarantee_letter_date, other_fees=other_fees, interest_rate=interest_rate,
        facts=facts or {}), actor=actor, key=key)
    return Loan.objects.get(pk=result["loan"])


def repay(loan: Loan, *, on: dt.date, principal: Decimal = ZERO, interest: Decimal = ZERO, actor: str,
          key: str | None = None) -> Loan:
    """A repayment report; a loan repaid in full is released (its guarantee ends)."""
    dispatch(Repay.build(on=on, loan=loan.code, principal=principal, interest=interest), actor=actor, key=key)
    return Loan.objects.get(pk=loan.pk)


def extend(loan: Loan, *, on: dt.date, months: int, actor: str, key: str | None = None) -> Loan:
    dispatch(Extend.build(on=on, loan=loan.code, months=months), actor=actor, key=key)
    return Loan.objects.get(pk=loan.pk)


def report_arrears(loan: Loan, *, on: dt.date, overdue_since: dt.date, unpaid_interest: Decimal = ZERO, actor: str,
                   key: str | None = None) -> Loan:
    dispatch(ReportArrears.build(on=on, loan=loan.code, overdue_since=overdue_since, unpaid_interest=unpaid_interest),
             actor=actor, key=key)
    return Loan.objects.get(pk=loan.pk)


def report_cure(loan: Loan, *, on: dt.date, actor: str, key: str | None = None) -> Loan:
    dispatch(ReportCure.build(on=on, loan=loan.code), actor=actor, key=key)
    return Loan.objects.get(pk=loan.pk)


def complete_notice(loan: Loan, kind: str, *, on: dt.date, actor: str, key: str | None = None) -> Notice:
    result = dispatch(CompleteNotice.build(on=on, loan=loan.code, kind=kind), actor=actor, key=key)
    return Notice.objects.get(pk=result["notice"])


def classify_program(program: Program, *, on: dt.date, actor: str, key: str | None = None) -> dict:
    """The daily classification and the sanctions it triggers (run by ``riskpool sweep``)."""
    return dispatch(Classify.build(on=on, program=program.code), actor=actor, key=key)


def classify(loan: Loan, on: dt.date) -> RiskClass:
    """The five-tier class by days past due (五级分类)."""
    return risk_class(loan.days_past_due(on))


def overdue_notices(on: dt.date) -> list[Notice]:
    return [n for n in Notice.objects.filter(done_on__isnull=True, due_on__lt=on).select_related("loan")]
