"""Lender figures and sanctions: NPL ratio (kezhou 第二十五条（二）), compensation ratio (kunshan 第二十三条),
compensation rate (担保代偿率, pingluo 第十五条), and applying the thresholds to agreements."""

from __future__ import annotations

import datetime as dt

from riskpool.figures import totals
from riskpool.figures.lenders import LenderFigures, lender_figures  # noqa: F401 - re-exported
from riskpool.loans.models import Loan
from riskpool.money import ZERO
from riskpool.programs.models import Program
from riskpool.registry import services as registry
from riskpool.registry.models import Agreement, Institution
from riskpool.rules.sanctions import check_lender, check_program


def lender_verdict(policy, program_id: int, lender_id: int, on: dt.date):
    """The lender thresholds (``rules.sanctions.check_lender``) on the lender's figures at ``on``.

    Called by every filing, so it first asks whether a threshold could be crossed at all — a lender with no
    covered loan in arrears and never compensated cannot be — and only then reads the figures."""
    s = policy.sanctions
    if s.lender_npl_ratio is None and s.lender_compensation_ratio is None:
        return check_lender(policy, on)
    in_arrears = s.lender_npl_ratio is not None and Loan.objects.filter(
        program_id=program_id, lender_id=lender_id, status__in=(Loan.FILED, Loan.CLAIMED),
        overdue_since__isnull=False).exists()
    compensated = s.lender_compensation_ratio is not None and totals.get(
        totals.compensated(program_id, lender_id)) > 0
    if not (in_arrears or compensated):
        return check_lender(policy, on)
    f = lender_figures(Program.objects.get(pk=program_id), Institution.objects.get(pk=lender_id), on)
    return check_lender(policy, on, npl_outstanding=f.npl_outstanding, total_outstanding=f.outstanding,
                        annual_compensation=f.compensation_this_year, annual_financing=f.financing_this_year)


def apply_sanctions(program: Program, lender: Institution, on: dt.date, ctx) -> dict[str, str | None]:
    """Evaluate the program's thresholds for ``lender`` (and the program as a whole) at once, inside the command
    that moved them (a payment, arrears, a repayment, the daily classification), and suspend or terminate as
    the rule says (kezhou 第二十五条（二） "立即终止合作", kunshan 第二十三条 "应立即中止"). Returns
    {lender code: action taken or None}."""
    from riskpool.registry.commands import set_status

    policy = program.policy
    s = policy.sanctions
    if s.lender_npl_ratio is None and s.lender_compensation_ratio is None and s.program_compensation_ratio is None:
        return {}
    taken: dict[str, str | None] = {}
    a = Agreement.objects.select_related("institution", "program").filter(
        program=program, institution=lender, role=Institution.LENDER).first()
    if a is not None and a.status != Agreement.TERMINATED and (s.lender_npl_ratio or s.lender_compensation_ratio):
        f = lender_figures(program, lender, on)
        decision = check_lender(policy, on, npl_outstanding=f.npl_outstanding, total_outstanding=f.outstanding,
                                annual_compensation=f.compensation_this_year, annual_financing=f.financing_this_year)
        action = decision.details["action"]
        target = {"terminate": Agreement.TERMINATED, "suspend": Agreement.SUSPENDED}.get(action)
        if target and a.status != target:
            blocking = [r for r in decision.reasons if r.blocking]
            set_status(a, target, on=on, reason="; ".join(r.message for r in blocking), article=blocking[0].article,
                       ctx=ctx)
            ctx.event("sanction.applied", program=program.code, lender=lender.code, agreement=a.pk,
                      article=blocking[0].article, data={"action": action, "codes": [r.code for r in blocking]})
            taken[lender.code] = action
    if s.program_compensation_ratio is not None:
        agreements = list(Agreement.objects.select_related("institution", "program").filter(
            program=program, role=Institution.LENDER).order_by("pk"))
        comp = fin = ZERO
        for other in agreements:
            f = lender_figures(program, other.institution, on)
            comp += f.compensation_this_year
            fin += f.financing_this_year
        program_decision = check_program(policy, on, annual_compensation=comp, annual_financing=fin)
        if program_decision.details["action"]:
            reason = program_decision.reasons[0]
            for other in agreements:
                if other.status == Agreement.ACTIVE:
                    set_status(other, Agreement.SUSPENDED, on=on, reason=reason.message, article=reason.article,
                               ctx=ctx)
                    ctx.event("sanction.applied", program=program.code, lender=other.institution.code,
                              agreement=other.pk, article=reason.article,
                              data={"action": "suspend", "codes": [reason.code]})
                    taken[other.institution.code] = "suspend"
    return taken


def apply_guarantor_sanctions(program: Program, guarantor: Institution | None, on: dt.date, ctx) -> str | None:
    """A partner guarantor's threshold (``sanctions.guarantor_compensation_ratio``), applied at once inside the
    payment that moved it: its agreement is suspended or terminated as the rule says. Returns the action."""
    from riskpool.figures.lenders import guarantor_compensation
    from riskpool.registry.commands import set_status
    from riskpool.rules.sanctions import check_guarantor

    policy = program.policy
    param = policy.sanctions.guarantor_compensation_ratio
    if guarantor is None or param is None:
        return None
    a = Agreement.objects.filter(program=program, institution=guarantor, role=Institution.GUARANTOR).first()
    if a is None or a.status == Agreement.TERMINATED:
        return None
    comp, fin = guarantor_compensation(program, guarantor, on, policy.param(param, on).window)
    decision = check_guarantor(policy, on, compensation=comp, financing=fin)
    action = decision.details["action"]
    target = {"terminate": Agreement.TERMINATED, "suspend": Agreement.SUSPENDED}.get(action)
    if target and a.status != target:
        reason = decision.reasons[0]
        set_status(a, target, on=on, reason=reason.message, article=reason.article, ctx=ctx)
        ctx.event("sanction.applied", program=program.code, agreement=a.pk, article=reason.article,
                  data={"action": action, "codes": [reason.code], "guarantor": guarantor.code})
        return action
    return None


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
