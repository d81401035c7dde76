"""Compensation claim (代偿申请) assessment: admissibility, then the shares and what the fund pays.

Preconditions, refusal grounds and the documents checklist are data (kezhou-industry 第十三条,
kunshan-kunyurong 第十三条/第十七条, pingluo-puhui-yidai 第十五条/第十一条6); amounts come from
riskpool.rules.sharing.
"""

from __future__ import annotations

import datetime as dt

from riskpool.money import ZERO, fmt
from riskpool.policy.schema import Program
from riskpool.rules.decision import Decision, Reason, decide
from riskpool.rules.facts import ClaimFacts
from riskpool.rules.sharing import MissingFact, NoTierError, share_loss


def admissibility(program: Program, on: dt.date, facts: ClaimFacts) -> list[Reason]:
    """Reasons for and against hearing the claim at all; blocking reasons make it refused/incomplete."""
    c = program.claims
    reasons: list[Reason] = []
    if not facts.loan_filed:
        reasons.append(Reason("LOAN_NOT_FILED", program.filing.loan_window.article,
                              "the loan was never filed (入池备案): the fund does not cover it"))
    for cond in program.param(c.preconditions, on):
        value = facts.conditions.get(cond.fact)
        if value is None:
            reasons.append(Reason("FACT_MISSING", cond.article, f"{cond.code}: condition `{cond.fact}` is needed "
                                  f"({cond.description})"))
        else:
            reasons.append(Reason(cond.code, cond.article, cond.description + ("" if value else " — not done"),
                                  blocking=not value))
    for cond in program.param(c.refusals, on):
        value = facts.conditions.get(cond.fact)
        if value is None:
            reasons.append(Reason("FACT_MISSING", cond.article, f"{cond.code}: condition `{cond.fact}` is needed "
                                  f"({cond.description})"))
        elif value:
            reasons.append(Reason(cond.code, cond.article, cond.description))
    for doc in program.param(c.documents, on):
        if doc.code not in facts.documents:
            reasons.append(Reason("DOCUMENT_MISSING", doc.article, f"document missing: {doc.name} ({doc.code})"))
    return reasons


def assess_claim(program: Program, on: dt.date, facts: ClaimFacts) -> Decision:
    """Admissible claims get the sharing amounts; refused ones pay nothing but still show the loss."""
    reasons = admissibility(program, on, facts)
    zero = {k: ZERO for k in ("loss_base", "fund_share", "lender_share", "guarantor_share", "fund_payable",
                              "forfeited", "unfunded")}
    try:
        sharing = share_loss(program, on, facts)
    except NoTierError as e:
        reasons.append(Reason("EXPOSURE_NOT_COVERED", program.sharing.ratios.article,
                              f"the {program.param(program.sharing.tier_basis, on)} is not covered by any sharing "
                              f"tier: {e}"))
        return decide(reasons, zero)
    except MissingFact as e:
        reasons.append(Reason("FACT_MISSING", e.article, f"{e.fact}: {e}"))
        return decide(reasons, zero, missing=e.fact)
    details: dict = {"ratios": {k: str(v) for k, v in sharing.ratios.items()}}
    if sharing.contributors is not None:
        details["contributors"] = {k: fmt(v) for k, v in sharing.contributors.items()}
    decision = decide(reasons + list(sharing.reasons), sharing.amounts(), **details)
    if not decision.approved:
        amounts = dict(decision.amounts, fund_payable=ZERO, forfeited=ZERO, unfunded=ZERO)
        return decide(list(decision.reasons), amounts, **decision.details)
    return decision
