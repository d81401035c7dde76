"""Lender's return — ``lender_return(program, lender, start, end)`` (kezhou 第二十三条（四） monthly, （七）
quarterly: 审批、投放、贷后、追偿及代偿情况)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q

from riskpool.claims.models import Claim, Recovery
from riskpool.dbmoney import sum_fen as _sum
from riskpool.dbmoney import total as _total
from riskpool.dbmoney import yuan as _yuan
from riskpool.loans.models import Loan, Repayment
from riskpool.money import ZERO
from riskpool.programs.models import Program
from riskpool.registry.models import Agreement, Institution
from riskpool.reports.common import (
    agreement_status_on,
    arrears_on,
    check_period,
    claim_payments,
    covered_loans,
    outstanding_by,
    paid_between,
    recovery_rows,
)


@dataclass(frozen=True)
class LenderReturn:
    """A lender's monthly or quarterly return (kezhou 第二十三条（四）（七）: 审批、投放、贷后、追偿及代偿情况)."""

    program: str
    lender: str
    lender_name: str
    start: dt.date
    end: dt.date
    agreement_status: str
    filed_count: int
    filed_amount: Decimal
    filed: tuple[dict[str, Any], ...]
    repaid_principal: Decimal
    repaid_interest: Decimal
    repaid_in_full: int
    outstanding_count: int
    outstanding: Decimal
    arrears: tuple[dict[str, Any], ...]
    arrears_outstanding: Decimal
    npl_outstanding: Decimal
    claims_submitted: int
    claims_submitted_loss: Decimal
    claims_paid: int  # claims first paid in the period
    compensation_received: Decimal  # every payment in the period, instalments of earlier claims included
    recoveries: tuple[dict[str, Any], ...]
    recoveries_net: Decimal
    recoveries_to_fund: Decimal
    remitted_to_fund: Decimal
    remittance_outstanding: Decimal
    remittance_overdue: Decimal


def lender_return(program: Program, lender: Institution, start: dt.date, end: dt.date) -> LenderReturn:
    """What the lender reports for [start, end]: filings, repayments, outstanding and arrears at the end,
    claims and compensation, recoveries and their remittance to the fund."""
    check_period(start, end)
    loans = Loan.objects.filter(program=program, lender=lender)
    filed_qs = loans.filter(filed_on__gte=start, filed_on__lte=end).select_related("borrower", "guarantor")
    filed = tuple({
        "loan": l.code, "borrower": l.borrower.name, "borrower_code": l.borrower.code, "amount": l.amount,
        "issue_date": l.issue_date, "filed_on": l.filed_on, "maturity_date": l.maturity_date,
        "term_months": l.term_months, "guarantor": l.guarantor.code if l.guarantor else "",
        "product_type": l.product_type,
    } for l in filed_qs.order_by("filed_on", "code"))
    repayments = Repayment.objects.filter(loan__program=program, loan__lender=lender, on__gte=start, on__lte=end)
    sums = repayments.aggregate(p=_sum("principal"), i=_sum("interest"))
    repaid_in_full = loans.filter(status=Loan.REPAID, released_on__gte=start, released_on__lte=end).count()
    covered = covered_loans(end, program=program, lender=lender)
    count, outstanding = outstanding_by(covered, end, None).get(None, (0, ZERO))
    arrears = arrears_on(covered, end, program=program)
    claims = Claim.objects.filter(loan__program=program, loan__lender=lender)
    submitted = claims.filter(submitted_on__gte=start, submitted_on__lte=end)
    payments = claim_payments(claims.filter(paid_on__isnull=False, paid_on__lte=end))
    recs = Recovery.objects.filter(claim__loan__program=program, claim__loan__lender=lender)
    in_period = recs.filter(received_on__gte=start, received_on__lte=end)
    rec_sums = in_period.aggregate(g=_sum("gross"), c=_sum("costs"), f=_sum("to_fund"))
    remitted = _total(recs.filter(remitted_on__gte=start, remitted_on__lte=end), "to_fund")
    unremitted = recs.filter(received_on__lte=end).filter(Q(remitted_on__isnull=True) | Q(remitted_on__gt=end))
    return LenderReturn(
        program=program.code, lender=lender.code, lender_name=lender.name, start=start, end=end,
        agreement_status=agreement_status_on(
            Agreement.objects.filter(institution=lender, program=program, role=Institution.LENDER).first(), end),
        filed_count=len(filed), filed_amount=sum((r["amount"] for r in filed), ZERO), filed=filed,
        repaid_principal=_yuan(sums["p"]), repaid_interest=_yuan(sums["i"]), repaid_in_full=repaid_in_full,
        outstanding_count=count, outstanding=outstanding, arrears=tuple(arrears),
        arrears_outstanding=sum((r["outstanding"] for r in arrears), ZERO),
        npl_outstanding=sum((r["outstanding"] for r in arrears if r["non_performing"]), ZERO),
        claims_submitted=submitted.count(), claims_submitted_loss=_total(submitted, "loss_base"),
        claims_paid=claims.filter(paid_on__gte=start, paid_on__lte=end).count(),
        compensation_received=sum((paid_between(p, start, end) for p in payments.values()), ZERO),
        recoveries=tuple(recovery_rows(in_period, end)),
        recoveries_net=_yuan(rec_sums["g"]) - _yuan(rec_sums["c"]), recoveries_to_fund=_yuan(rec_sums["f"]),
        remitted_to_fund=remitted, remittance_outstanding=_total(unremitted, "to_fund"),
        remittance_overdue=_total(unremitted.filter(remit_due_on__lt=end), "to_fund"),
    )
