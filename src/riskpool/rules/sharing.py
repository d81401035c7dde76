"""Loss and sharing (风险分担): the loss base of a bad loan and each party's share of it.

Reads the policy file's ``sharing`` section: loss base (kunshan-kunyurong 第十五条 principal only;
pingluo-puhui-yidai 第二十条 principal; kezhou-industry 第十三条（四） principal and interest), the
ratio brackets (kezhou 第十五条 50/30/20; kunshan 第十一条 by exposure; pingluo 第二十条 80/20),
the absent or negotiated guarantor share (kunshan 第十一条), the compensation-rate cap
(pingluo 第十五条; any window and party, with who bears the excess), the fund's limited liability
(kezhou 第十五条, pingluo 第二十一条) and, where a program has several contributors (出资方), each one's part
of what the fund pays.

The tier basis is whatever fact the policy declares (``sharing.tier_basis``): exposure, principal, the term in
months, the borrower's kind, or a fact under the policy's ``facts``. A claim without that fact is incomplete
(:class:`MissingFact`), unless the policy names a fallback (``sharing.tier_basis_fallback``).
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
    """The basis lies above the last bracket, or in no category: the program does not cover it."""


class MissingFact(ValueError):
    """The fact the tier basis (or another sharing parameter) reads is not given."""

    def __init__(self, fact: str, article: str, message: str):
        self.fact, self.article = fact, article
        super().__init__(message)


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
    forfeited: Decimal  # above the compensation-rate cap: the fund does not pay it
    unfunded: Decimal  # above what the fund holds: limited liability
    ratios: dict[str, Decimal]
    reasons: tuple[Reason, ...]
    excess: dict[str, Decimal] | None = None  # who bears the forfeited part, where the program has a cap
    contributors: dict[str, Decimal] | None = None  # each contributor's part of fund_payable

    def amounts(self) -> dict[str, Decimal]:
        out = {k: getattr(self, k) for k in (
            "principal_loss", "interest_loss", "loss_base", "fund_share", "lender_share", "guarantor_share",
            "fund_payable", "forfeited", "unfunded")}
        if self.excess is not None and set(self.excess) != {"lender"}:  # lender alone: `forfeited` says it all
            for party, amount in self.excess.items():
                out[f"excess_{party}"] = amount
        return out


def tier_for(tiers: list[Tier], amount: Decimal | str) -> Tier:
    """The bracket (above, up_to] holding ``amount`` (the first bracket also holds 0), or the tier whose
    ``values`` hold a category."""
    if isinstance(amount, str):
        for t in tiers:
            if amount in (t.values or []):
                return t
        raise NoTierError(f"{amount!r} is in no tier ({', '.join(v for t in tiers for v in t.values or [])})")
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

    basis_name, basis, note = basis_value(program, on, facts)
    tier = tier_for(p(s.ratios), basis)
    ratios = {"fund": tier.fund, "lender": tier.lender, "guarantor": tier.guarantor}
    shown = basis if isinstance(basis, str) else (
        fmt(basis) if basis_name in ("exposure", "principal") else f"{basis.normalize():f}")
    reasons.append(Reason("SHARING_RATIOS", s.ratios.article,
                          f"{basis_name} {shown}{note}: fund {_pct(tier.fund)} / lender "
                          f"{_pct(tier.lender)} / guarantor {_pct(tier.guarantor)}", blocking=False))

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
    excess: dict[str, Decimal] | None = None
    if s.compensation_rate_cap is not None:
        cap = p(s.compensation_rate_cap)
        compensated = getattr(facts, f"{cap.per}_cumulative_compensation")
        released = getattr(facts, f"{cap.per}_cumulative_released")
        if cap.claim_releases_its_guarantee:
            released += facts.guaranteed_amount if facts.guaranteed_amount is not None else facts.approved_principal
        headroom = max(ZERO, fen(cap.rate * released) - compensated)
        allowed = min(fund_share, headroom)
        forfeited = fund_share - allowed
        excess = allocate(forfeited, cap.bearers())
        rate_before = (compensated / released * 100) if released else None
        window = {"program_to_date": "program to date", "calendar_year": f"in {on.year}",
                  "rolling_12_months": "in the 12 months to the decision"}[cap.window]
        borne = " and ".join(f"{fmt(v)} by the {k}" for k, v in excess.items() if v)
        reasons.append(Reason(
            "COMPENSATION_RATE_CAP", s.compensation_rate_cap.article,
            f"cap {_pct(cap.rate)} × {cap.per}'s released guarantees {window} {fmt(released)} − compensated "
            f"{fmt(compensated)} = headroom {fmt(headroom)}"
            + (f" (rate {rate_before:.4f}%)" if rate_before is not None else "")
            + (f"; {fmt(forfeited)} above the cap is not paid by the fund: borne {borne}" if forfeited else ""),
            blocking=False))
        fund_share_capped = allowed
    else:
        fund_share_capped = fund_share

    unfunded = ZERO
    payable = fund_share_capped
    parts: dict[str, Decimal] | None = None
    if program.contributors is not None:
        parts, reason = _contributor_parts(program, on, facts, payable)
        reasons.append(reason)
        unfunded = payable - sum(parts.values(), ZERO)
        payable -= unfunded
    elif p(s.limited_to_fund_balance) and payable > facts.fund_balance:
        unfunded = payable - facts.fund_balance
        payable = facts.fund_balance
        reasons.append(Reason("LIMITED_LIABILITY", s.limited_to_fund_balance.article,
                              f"the fund holds {fmt(facts.fund_balance)}: it pays that and no more; "
                              f"{fmt(unfunded)} is beyond its liability", blocking=False))

    return Sharing(principal_loss, interest_loss, loss_base, fund_share, shares["lender"], shares["guarantor"],
                   payable, forfeited, unfunded, ratios, tuple(reasons), excess, parts)


def _pct(r: Decimal) -> str:
    return f"{(r * 100).normalize():f}%"


def basis_value(program: Program, on: dt.date, facts: ClaimFacts) -> tuple[str, Decimal | str, str]:
    """(basis name, its value, a note) for the tier basis in force; :class:`MissingFact` when not given."""
    s = program.sharing
    name = program.param(s.tier_basis, on)
    builtin = {"exposure": facts.exposure, "principal": facts.approved_principal, "term_months":
               Decimal(facts.term_months) if facts.term_months is not None else None,
               "borrower_kind": facts.borrower_kind}
    value = builtin[name] if name in builtin else facts.facts.get(name)
    note = ""
    if value is None and s.tier_basis_fallback is not None:
        value = facts.approved_principal
        note = f" (not stated: the approved principal, {s.tier_basis_fallback.article})"
    if value is None:
        raise MissingFact(name, s.tier_basis.article,
                          f"the sharing tier basis `{name}` is needed to choose the shares; the claim does not "
                          f"state it")
    kind = program.fact_type(name)
    if kind == "category":
        if not isinstance(value, str):
            raise MissingFact(name, s.tier_basis.article, f"`{name}` is a category; got {value!r}")
        declared = program.facts.get(name)
        if declared is not None and value not in (declared.values or []):
            raise MissingFact(name, declared.article, f"`{name}` = {value!r} is not one of its declared values "
                              f"({', '.join(declared.values or [])})")
    elif not isinstance(value, Decimal):
        raise MissingFact(name, s.tier_basis.article, f"`{name}` is a number; got {value!r}")
    return name, value, note


def _contributor_parts(program: Program, on: dt.date, facts: ClaimFacts,
                       payable: Decimal) -> tuple[dict[str, Decimal], Reason]:
    """Each contributor's part of ``payable``, within what it holds (``contributors.liability``)."""
    spec = program.contributors
    assert spec is not None
    shares = {c.code: c.share for c in program.param(spec.shares, on)}
    if facts.contributor_balances is None:
        raise MissingFact("contributor_balances", spec.shares.article,
                          "what each contributor holds (contributor_balances) is needed: the program has "
                          f"contributors {', '.join(shares)}")
    held = {code: max(ZERO, facts.contributor_balances.get(code, ZERO)) for code in shares}
    liability = program.param(spec.liability, on)
    parts = allocate(payable, shares)
    if liability == "per_contributor":
        parts = {k: min(v, held[k]) for k, v in parts.items()}
    else:  # pooled: a contributor short of its part is made up by the others, by their shares
        parts = {k: min(v, held[k]) for k, v in parts.items()}
        short = min(payable, sum(held.values(), ZERO)) - sum(parts.values(), ZERO)
        while short > 0:
            room = {k: shares[k] for k in parts if held[k] > parts[k]}
            extra = allocate(short, room)
            for k, v in extra.items():
                parts[k] += min(v, held[k] - parts[k])
            left = min(payable, sum(held.values(), ZERO)) - sum(parts.values(), ZERO)
            if left == short:
                break
            short = left
    text = "; ".join(f"{k} {_pct(shares[k])} pays {fmt(v)} (holds {fmt(held[k])})" for k, v in parts.items())
    unpaid = payable - sum(parts.values(), ZERO)
    if unpaid:
        text += f"; {fmt(unpaid)} is beyond the " + ("contributors' holdings" if liability == "per_contributor"
                                                    else "fund's holdings")
    return parts, Reason("CONTRIBUTORS", spec.liability.article if unpaid else spec.shares.article,
                         f"{liability.replace('_', ' ')} liability: {text}", blocking=False)
