"""Lender figures and sanctions: NPL ratio (kezhou 第二十五条（二）), compensation ratio (kunshan 第二十三条),
compensation rate (担保代偿率, pingluo 第十五条), and applying the thresholds to agreements."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from riskpool.claims.models import Claim
from riskpool.dbmoney import total
from riskpool.loans.models import Loan
from riskpool.money import ZERO
from riskpool.programs.models import Program
from riskpool.registry import services as registry
from riskpool.registry.models import Agreement, Institution
from riskpool.rules.sanctions import check_lender, check_program, npl_ratio


@dataclass(frozen=True)
class LenderFigures:
    outstanding: Decimal
    npl_outstanding: Decimal
    npl_ratio: Decimal
    financing_this_year: Decimal
    compensation_this_year: Decimal
    compensation_ratio: Decimal
    compensated_total: Decimal
    released_total: Decimal
    compensation_rate: Decimal


def _ratio(a: Decimal, b: Decimal) -> Decimal:
    return a / b if b else Decimal(0)


def lender_figures(program: Program, lender: Institution, on: dt.date) -> LenderFigures:
    loans = Loan.objects.filter(program=program, lender=lender, filed_on__lte=on)
    active = [l for l in loans if l.status in (Loan.FILED, Loan.CLAIMED)]
    npl, outstanding, ratio = npl_ratio([(l.outstanding_principal, l.days_past_due(on)) for l in active])
    year_start = dt.date(on.year, 1, 1)
    financing = total(loans.filter(issue_date__gte=year_start, issue_date__lte=on), "amount")
    paid = Claim.objects.filter(loan__program=program, loan__lender=lender, paid_on__isnull=False, paid_on__lte=on)
    comp_year = total(paid.filter(paid_on__gte=year_start), "paid_amount")
    comp_total = total(paid, "paid_amount")
    released = total(loans.filter(released_on__isnull=False, released_on__lte=on), "amount")
    return LenderFigures(outstanding, npl, ratio, financing, comp_year, _ratio(comp_year, financing), comp_total, released,
                         _ratio(comp_total, released))


def review_lenders(program: Program, *, on: dt.date, actor: str) -> list[dict]:
    """Apply the program's thresholds to each lender; suspend or terminate as the rule says."""
    policy = program.policy
    outcomes = []
    lenders = Agreement.objects.filter(program=program, role=Institution.LENDER).select_related("institution")
    year_total = {"comp": ZERO, "fin": ZERO}
    for a in lenders:
        f = lender_figures(program, a.institution, on)
        year_total["comp"] += f.compensation_this_year
        year_total["fin"] += f.financing_this_year
        decision = check_lender(policy, on, npl_outstanding=f.npl_outstanding, total_outstanding=f.outstanding,
                                annual_compensation=f.compensation_this_year, annual_financing=f.financing_this_year)
        action = decision.details["action"]
        if action and a.status != Agreement.TERMINATED:
            blocking = [r for r in decision.reasons if r.blocking]
            registry.set_agreement_status(a, "terminated" if action == "terminate" else "suspended", on=on,
                                          reason="; ".join(r.message for r in blocking), article=blocking[0].article,
                                          actor=actor)
        outcomes.append({"lender": a.institution.code, "action": action})
    program_decision = check_program(policy, on, annual_compensation=year_total["comp"],
                                     annual_financing=year_total["fin"])
    if program_decision.details["action"]:
        reason = program_decision.reasons[0]
        for a in lenders:
            a.refresh_from_db()
            if a.status == Agreement.ACTIVE:
                registry.set_agreement_status(a, "suspended", on=on, reason=reason.message, article=reason.article,
                                              actor=actor)
        outcomes.append({"program": program.code, "action": program_decision.details["action"]})
    return outcomes
