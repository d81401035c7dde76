"""Bad-loan register (不良授信台账) — ``bad_loan_register(program, on)`` (kunshan 第二十二条: 风险补偿资金拨付、
追偿进展、追偿资金分配及划拨; kept for every program)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from riskpool.claims.models import Claim, Recovery, WriteOff
from riskpool.money import ZERO
from riskpool.programs.models import Program
from riskpool.reports.common import claim_payments, paid_between, recovery_rows


@dataclass(frozen=True)
class BadLoanRegister:
    """不良授信台账 (kunshan 第二十二条): every claimed or compensated loan with the fund's payment, the
    recoveries, their split and remittance, and the write-off — as at ``on``."""

    program: str
    on: dt.date
    claims: tuple[dict[str, Any], ...]
    recoveries: tuple[dict[str, Any], ...]
    total_paid: Decimal
    total_recovered_to_fund: Decimal
    total_remitted_to_fund: Decimal
    net_loss_to_fund: Decimal


def _claim_status_on(claim: Claim, on: dt.date, write_off: WriteOff | None) -> str:
    if write_off is not None and write_off.on <= on or claim.written_off_on is not None and claim.written_off_on <= on:
        return "written_off"
    if claim.paid_on is not None and claim.paid_on <= on:
        return "paid"
    approved_on = getattr(claim, "approved_on", None)
    if approved_on is not None and approved_on <= on:
        return "approved"
    if claim.status == Claim.REFUSED:
        steps = [s.done_on for s in claim.steps.all() if not s.approved]
        if not steps or min(steps) <= on:
            return "refused"
    return "open"


def bad_loan_register(program: Program, on: dt.date) -> BadLoanRegister:
    claims = (Claim.objects.filter(loan__program=program, submitted_on__lte=on)
              .select_related("loan__borrower", "loan__lender", "loan__guarantor")
              .prefetch_related("steps").order_by("submitted_on", "code"))
    write_offs = {w.claim_id: w for w in WriteOff.objects.filter(claim__loan__program=program)}
    payments = claim_payments(claims.filter(paid_on__isnull=False, paid_on__lte=on))
    recs = recovery_rows(Recovery.objects.filter(claim__loan__program=program, received_on__lte=on), on)
    per_claim: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in recs:
        per_claim[r["claim"]].append(r)
    rows = []
    for c in claims:
        loan = c.loan
        w = write_offs.get(c.pk)
        status = _claim_status_on(c, on, w)
        approved_on = getattr(c, "approved_on", None)
        paid = c.paid_on is not None and c.paid_on <= on
        paid_amount = paid_between(payments.get(c.pk, []), None, on)
        approved = approved_on is not None and approved_on <= on or paid
        mine = per_claim.get(c.code, [])
        to_fund = sum((r["to_fund"] for r in mine), ZERO)
        remitted = sum((r["to_fund"] for r in mine if r["remittance"] == "remitted"), ZERO)
        written = w is not None and w.on <= on
        rows.append({
            "claim": c.code, "loan": loan.code, "borrower": loan.borrower.name, "borrower_code": loan.borrower.code,
            "lender": loan.lender.code, "guarantor": loan.guarantor.code if loan.guarantor else "",
            "principal": loan.amount, "issue_date": loan.issue_date, "submitted_on": c.submitted_on,
            "status": status, "loss_base": c.loss_base, "fund_share": c.fund_share, "lender_share": c.lender_share,
            "guarantor_share": c.guarantor_share, "fund_payable": c.fund_payable,
            "approved_on": approved_on if approved_on is not None and approved_on <= on else None,
            "paid_amount": paid_amount, "paid_on": c.paid_on if paid else None,
            "approved_unpaid": c.fund_payable - paid_amount if approved else ZERO,
            "recoveries": len(mine), "recovered_net": sum((r["net"] for r in mine), ZERO),
            "recovered_to_fund": to_fund, "remitted_to_fund": remitted,
            "remittance_outstanding": to_fund - remitted,
            "remittance_overdue": sum((r["to_fund"] for r in mine if r["remittance"] == "overdue"), ZERO),
            "fund_net_loss": paid_amount - to_fund,
            "written_off_on": w.on if written else (c.written_off_on if c.written_off_on and c.written_off_on <= on
                                                    else None),
            "write_off_amount": w.amount if written else ZERO,
            "write_off_evidence": f"{w.get_evidence_display()} {w.evidence_ref}".strip() if written else "",
            "write_off_article": w.article if written else "",
        })
    known = {r["claim"] for r in rows}
    recs = [r for r in recs if r["claim"] in known]
    total_paid = sum((r["paid_amount"] for r in rows), ZERO)
    to_fund = sum((r["recovered_to_fund"] for r in rows), ZERO)
    return BadLoanRegister(
        program=program.code, on=on, claims=tuple(rows), recoveries=tuple(recs), total_paid=total_paid,
        total_recovered_to_fund=to_fund, total_remitted_to_fund=sum((r["remitted_to_fund"] for r in rows), ZERO),
        net_loss_to_fund=total_paid - to_fund)
