"""Loss and sharing (风险分担): the loss base of a bad loan and each party's share of it.

Reads the policy file's ``sharing`` section: loss base (kunshan-kunyurong 第十五条 principal only;
pingluo-puhui-yidai 第二十条 principal; kezhou-industry 第十三条（四） principal and interest), the
ratio brackets (kezhou 第十五条 50/30/20; kunshan 第十一条 by exposure; pingluo 第二十条 80/20),
the absent or negotiated guarantor share (kunshan 第十一条), the compensation-rate cap
(pingluo 第十五条) and the fund's limited liability (kezhou 第十五条, pingluo 第二十一条).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from riskpool.money import ZERO, allocate, fen, fmt
from riskpool.policy.schema import Program, Tier
from riskpool.rules.decision import Reason
from riskpool.rules.facts import ClaimFacts


class NoTierError(ValueError):
    """The exposure lies above the last bracket: the program does not cover it."""


@dataclass(frozen=True)
class Sharing:
    """The loss and how it falls. ``fund_payable`` is what the fund pays now."""

    principal_loss: Decimal
    interest_loss: Decimal
    loss_base: Decimal
    fund_share: Decimal
    lender_share: Decimal
    guarantor_share: Decimal
    fund_payable: Decimal
    forfeited: Decimal  # above the compensation-rate cap: the lender gives up its claim on it
    unfunded: Decimal  # above what the fund holds: limited liability
    ratios: dict[str, Decimal]
    reasons: tuple[Reason, ...]

    def amounts(self) -> dict[str, Decimal]:
        return {k: getattr(self, k) for k in (
            "principal_loss", "interest_loss", "loss_base", "fund_share", "lender_share", "guarantor_share",
            "fund_payable", "forfeited", "unfunded")}


def tier_for(tiers: list[Tier], amount: Decimal) -> Tier:
    """The bracket (above, up_to] holding ``amount``; the first bracket also holds 0."""
    for t in tiers:
        if amount <= t.above and t is not tiers[0]:
            continue
        if t.up_to is None or amount <= t.up_to:
            return t
    raise NoTierError(f"{fmt(amount)} lies above the last bracket ({fmt(tiers[-1].up_to or ZERO)})")


def share_loss(program: Program, on: dt.date, facts: ClaimFacts) -> Sharing:
    s = program.sharing
    p = lambda param: program.param(param, on)  # noqa: E731
    reasons: list[Reason] = []

    # Recoveries and payouts reduce the unpaid principal first (kunshan 第十五条's formula); what exceeds it
    # reduces the interest in the base, so no recovered yuan is ignored and the base is never negative.
    unpaid_principal = facts.approved_principal - facts.repaid_principal
    deductions = facts.recoveries + facts.third_party_payouts
    principal_loss = max(ZERO, fen(unpaid_principal - deductions))
    excess = max(ZERO, deductions - unpaid_principal)
    base_spec = p(s.loss_base)
    interest = (facts.unpaid_interest if base_spec.include_interest else ZERO) + (
        facts.penalty_interest if base_spec.include_penalty_interest else ZERO)
    interest_loss = max(ZERO, fen(interest - excess))
    loss_base = principal_loss + interest_loss
    reasons.append(Reason(
        "LOSS_BASE", s.loss_base.article,
        f"principal {fmt(facts.approved_principal)} − repaid {fmt(facts.repaid_principal)} − recoveries "
        f"{fmt(facts.recoveries)} − third-party payouts {fmt(facts.third_party_payouts)} = {fmt(principal_loss)}"
        + (f"; + interest {fmt(interest_loss)}" + (f" (after {fmt(excess)} recovered beyond the principal)"
                                                     if excess else "") if base_spec.include_interest
           else "; interest is borne by the lender") + f"; loss base {fmt(loss_base)}",
        blocking=False))

    basis = facts.exposure if (p(s.tier_basis) == "exposure" and facts.exposure is not None) \
        else facts.approved_principal
    tier = tier_for(p(s.ratios), basis)
    ratios = {"fund": tier.fund, "lender": tier.lender, "guarantor": tier.guarantor}
    reasons.append(Reason("SHARING_RATIOS", s.ratios.article,
                          f"{p(s.tier_basis)} {fmt(basis)}: fund {tier.fund * 100:.0f}% / lender "
                          f"{tier.lender * 100:.0f}% / guarantor {tier.guarantor * 100:.0f}%", blocking=False))

    if not facts.has_guarantor and ratios["guarantor"] > 0:
        to = p(s.absent_guarantor_share_to)
        ratios[to] += ratios["guarantor"]
        ratios["guarantor"] = Decimal(0)
        reasons.append(Reason("NO_GUARANTOR", s.absent_guarantor_share_to.article,
                              f"no guarantor: its share falls to the {to}", blocking=False))
    elif facts.negotiated_guarantor_share is not None and facts.has_guarantor:
        if s.negotiated_guarantor_share_max is None:
            raise ValueError("negotiated_guarantor_share: this program fixes the guarantor's share")
        limit = p(s.negotiated_guarantor_share_max)
        agreed = facts.negotiated_guarantor_share
        if agreed > limit or agreed > ratios["guarantor"]:
            raise ValueError(f"negotiated_guarantor_share: {agreed} is above the maximum "
                             f"{min(limit, ratios['guarantor'])} ({s.negotiated_guarantor_share_max.article})")
        ratios["lender"] += ratios["guarantor"] - agreed
        ratios["guarantor"] = agreed
        reasons.append(Reason("NEGOTIATED_GUARANTOR_SHARE", s.negotiated_guarantor_share_max.article,
                              f"guarantor share agreed at {agreed * 100:.0f}%; the rest falls to the lender",
                              blocking=False))

    shares = allocate(loss_base, ratios)
    fund_share = shares["fund"]

    forfeited = ZERO
    if s.compensation_rate_cap is not None:
        cap = p(s.compensation_rate_cap)
        released = facts.lender_cumulative_released
        if cap.claim_releases_its_guarantee:
            released += facts.guaranteed_amount if facts.guaranteed_amount is not None else facts.approved_principal
        headroom = max(ZERO, fen(cap.rate * released) - facts.lender_cumulative_compensation)
        allowed = min(fund_share, headroom)
        forfeited = fund_share - allowed
        rate_before = (facts.lender_cumulative_compensation / released * 100) if released else None
        reasons.append(Reason(
            "COMPENSATION_RATE_CAP", s.compensation_rate_cap.article,
            f"cap {cap.rate * 100}% × released guarantees {fmt(released)} − compensated {fmt(facts.lender_cumulative_compensation)}"
            f" = headroom {fmt(headroom)}"
            + (f" (rate {rate_before:.4f}%)" if rate_before is not None else "")
            + (f"; {fmt(forfeited)} above the cap is forfeited by the {cap.excess_forfeited_by}" if forfeited else ""),
            blocking=False))
        fund_share_capped = allowed
    else:
        fund_share_capped = fund_share

    unfunded = ZERO
    payable = fund_share_capped
    if p(s.limited_to_fund_balance) and payable > facts.fund_balance:
        unfunded = payable - facts.fund_balance
        payable = facts.fund_balance
        reasons.append(Reason("LIMITED_LIABILITY", s.limited_to_fund_balance.article,
                              f"the fund holds {fmt(facts.fund_balance)}: it pays that and no more; "
                              f"{fmt(unfunded)} is beyond its liability", blocking=False))

    return Sharing(principal_loss, interest_loss, loss_base, fund_share, shares["lender"], shares["guarantor"],
                   payable, forfeited, unfunded, ratios, tuple(reasons))
