"""The rules on arrays: every claim decided exactly as riskpool.rules decides it, in integer fen.

``compile_rules`` reads a program's parameters in force on a date (through ``Program.param``, never by
the program's name) into integers: tier bounds in fen, sharing ratios as numerators over a power of ten,
the rate cap, the thresholds. The functions below then reproduce, element by element and to the fen:

- ``share_claims``   rules.sharing.share_loss before the sequential parts (loss base, tier, absent
                     guarantor, largest-remainder split) — and rules.claims.assess_claim's "exposure not
                     covered" refusal;
- ``settle``         the sequential parts of share_loss: the compensation-rate cap (per lender, cumulative)
                     and limited liability (the fund's balance), claim after claim;
- ``split_recoveries`` rules.recovery.distribute_recovery;
- ``breaches``       rules.sanctions' threshold test (compensation ratio, NPL ratio);
- ``management_fees`` rules.fees.management_fee.

tests/sim/test_sim_rule_equivalence.py draws random claims and checks every amount against the Decimal rules.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np

from riskpool.money import allocate
from riskpool.policy.schema import Program

NO_UPPER = np.iinfo(np.int64).max
PARTIES = ("fund", "lender", "guarantor")


def _scale(ratios: list[Decimal]) -> int:
    """The power of ten over which every ratio is an integer."""
    places = max((-r.as_tuple().exponent for r in ratios if r.as_tuple().exponent < 0), default=0)
    return 10 ** places


def _fraction(r: Decimal) -> tuple[int, int]:
    f = Fraction(r)
    return f.numerator, f.denominator


@dataclass(frozen=True)
class Threshold:
    num: int
    den: int
    strict: bool
    action: str  # terminate | suspend


@dataclass(frozen=True)
class CompiledRules:
    """A program's sharing, cap, liability, recovery, sanction and fee parameters on one date, as integers."""

    program_id: str
    on: dt.date
    include_interest: bool
    include_penalty: bool
    tier_by_exposure: bool
    tier_up_to: np.ndarray  # int64 fen, inclusive upper bounds; NO_UPPER for an open last tier
    tier_weights: np.ndarray  # int64 (tiers, 3): fund, lender, guarantor numerators over ``scale``
    scale: int
    absent_to: int  # 0: the fund takes an absent guarantor's share, 1: the lender
    cap: tuple[int, int] | None  # compensation-rate cap as a fraction
    cap_releases_own: bool
    limited: bool
    recovery_fund_first: bool
    lender_compensation: Threshold | None
    program_compensation: Threshold | None
    lender_npl: Threshold | None
    delist_compensated: bool
    management_fee: tuple[int, int] | None
    leverage: Fraction
    leverage_base: str  # fund_balance | fund_size
    window: tuple[dt.date, dt.date]  # first and last day on which a loan can be filed
    articles: dict[str, str]


def _threshold(program: Program, param, on: dt.date) -> Threshold | None:
    if param is None:
        return None
    t = program.param(param, on)
    n, d = _fraction(t.limit)
    return Threshold(n, d, t.strict, t.action)


def check_supported(program: Program, on: dt.date) -> None:
    """The simulator models the amount-tiered, single-contributor, leveraged shape of the seed programs; a
    program of another shape is refused by name rather than simulated wrongly."""
    from riskpool.sim.errors import SimInputError

    basis = program.param(program.sharing.tier_basis, on)
    if basis not in ("exposure", "principal"):
        raise SimInputError(program.id, "sharing.tier_basis", "exposure or principal (the simulator draws loan "
                            "amounts, not other facts)", basis)
    if program.contributors is not None:
        raise SimInputError(program.id, "contributors", "a single-contributor fund (the simulator keeps one "
                            "balance)", ", ".join(c.code for c in program.param(program.contributors.shares, on)))
    for key in ("leverage", "loan_window"):
        if getattr(program.filing, key) is None:
            raise SimInputError(program.id, f"filing.{key}", "a value (the simulator lends up to the leverage "
                                "within the loan window)", None)
    cap = program.sharing.compensation_rate_cap
    if cap is not None and (program.param(cap, on).per, program.param(cap, on).window) != ("lender",
                                                                                          "program_to_date"):
        raise SimInputError(program.id, "sharing.compensation_rate_cap", "a cap per lender, program to date", None)


def compile_rules(program: Program, on: dt.date) -> CompiledRules:
    check_supported(program, on)
    s = program.sharing
    p = lambda param: program.param(param, on)  # noqa: E731
    base = p(s.loss_base)
    tiers = p(s.ratios)
    scale = _scale([getattr(t, k) for t in tiers for k in PARTIES])
    weights = np.array([[int(getattr(t, k) * scale) for k in PARTIES] for t in tiers], dtype=np.int64)
    up_to = np.array([NO_UPPER if t.up_to is None else int(t.up_to * 100) for t in tiers], dtype=np.int64)
    cap = None
    releases_own = True
    if s.compensation_rate_cap is not None:
        c = p(s.compensation_rate_cap)
        cap = _fraction(c.rate)
        releases_own = c.claim_releases_its_guarantee
    sa = program.sanctions
    fee = None
    if program.fees.management_fee_rate_of_income is not None:
        fee = _fraction(p(program.fees.management_fee_rate_of_income))
    assert program.filing.loan_window is not None and program.filing.leverage is not None  # check_supported
    window = p(program.filing.loan_window)
    articles = {
        "loss_base": s.loss_base.article, "ratios": s.ratios.article,
        "limited": s.limited_to_fund_balance.article, "recovery": program.recovery_rule(on)[1],
        "leverage": program.filing.leverage.article, "window": program.filing.loan_window.article,
    }
    if s.compensation_rate_cap is not None:
        articles["cap"] = s.compensation_rate_cap.article
    for name in ("lender_compensation_ratio", "program_compensation_ratio", "lender_npl_ratio"):
        if getattr(sa, name) is not None:
            articles[name] = getattr(sa, name).article
    return CompiledRules(
        program_id=program.id, on=on,
        include_interest=base.include_interest, include_penalty=base.include_penalty_interest,
        tier_by_exposure=p(s.tier_basis) == "exposure", tier_up_to=up_to, tier_weights=weights, scale=scale,
        absent_to=0 if p(s.absent_guarantor_share_to) == "fund" else 1,
        cap=cap, cap_releases_own=releases_own, limited=bool(p(s.limited_to_fund_balance)),
        recovery_fund_first=program.recovery_rule(on)[0] == "fund_first",
        lender_compensation=_threshold(program, sa.lender_compensation_ratio, on),
        program_compensation=_threshold(program, sa.program_compensation_ratio, on),
        lender_npl=_threshold(program, sa.lender_npl_ratio, on),
        delist_compensated=bool(sa.delist_borrower_compensated_this_year is not None
                                and p(sa.delist_borrower_compensated_this_year)),
        management_fee=fee,
        leverage=Fraction(p(program.filing.leverage)), leverage_base=p(program.filing.leverage_base),
        window=(window.start, window.last_day), articles=articles)


# ------------------------------------------------------------------ the split (money.allocate on integers)

def _largest_remainder(total: np.ndarray, products: np.ndarray, denom) -> np.ndarray:
    """Shares of ``total`` fen with raw shares products/denom: floors, then one fen each to the largest
    remainders (ties to the earlier party) until the shares add up to the total."""
    floors = products // denom
    rem = products - floors * denom
    left = total - floors.sum(axis=1)
    r0, r1, r2 = rem[:, 0], rem[:, 1], rem[:, 2]
    rank = np.stack([
        (r1 > r0).astype(np.int64) + (r2 > r0),
        (r0 >= r1).astype(np.int64) + (r2 > r1),
        (r0 >= r2).astype(np.int64) + (r1 >= r2),
    ], axis=1)
    return floors + (rank < left[:, None])


@dataclass
class Shares:
    principal_loss: np.ndarray
    interest_loss: np.ndarray
    loss_base: np.ndarray
    fund_share: np.ndarray
    lender_share: np.ndarray
    guarantor_share: np.ndarray
    covered: np.ndarray  # False: the exposure lies above every tier (EXPOSURE_NOT_COVERED)


def tier_weights(rules: CompiledRules, approved: np.ndarray, exposure: np.ndarray,
                 has_guarantor: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each loan's ratios (fund, lender, guarantor numerators over ``rules.scale``) after the tier and the
    absent guarantor's share, and whether any tier covers it. Depends on the loan only: computed once per
    loan, then gathered for every claim."""
    approved = np.asarray(approved, dtype=np.int64)
    basis = np.where(exposure >= 0, exposure, approved) if rules.tier_by_exposure else approved
    tier = np.searchsorted(rules.tier_up_to, basis, side="left")
    covered = tier < len(rules.tier_up_to)
    w = rules.tier_weights[np.minimum(tier, len(rules.tier_up_to) - 1)].copy()
    absent = ~np.asarray(has_guarantor, dtype=bool) & (w[:, 2] > 0)
    w[absent, rules.absent_to] += w[absent, 2]
    w[absent, 2] = 0
    return w, covered


def share_claims(rules: CompiledRules, approved: np.ndarray, repaid: np.ndarray, recoveries: np.ndarray,
                 third_party: np.ndarray, unpaid_interest: np.ndarray, penalty_interest: np.ndarray,
                 exposure: np.ndarray, has_guarantor: np.ndarray,
                 weights: tuple[np.ndarray, np.ndarray] | None = None) -> Shares:
    """share_loss up to the split, for many claims at once. Amounts in int64 fen; ``exposure`` −1 = not given.
    ``weights``: the claims' (ratios, covered) from ``tier_weights`` when already known."""
    approved = np.asarray(approved, dtype=np.int64)
    unpaid = approved - repaid
    deductions = recoveries + third_party
    principal_loss = np.maximum(0, unpaid - deductions)
    excess = np.maximum(0, deductions - unpaid)
    interest = np.zeros_like(approved)
    if rules.include_interest:
        interest = interest + unpaid_interest
    if rules.include_penalty:
        interest = interest + penalty_interest
    interest_loss = np.maximum(0, interest - excess)
    loss_base = principal_loss + interest_loss
    w, covered = weights if weights is not None else tier_weights(rules, approved, exposure, has_guarantor)
    if not covered.all():
        loss_base = np.where(covered, loss_base, 0)
    shares = _largest_remainder(loss_base, loss_base[:, None] * w, rules.scale)
    return Shares(principal_loss, interest_loss, loss_base, shares[:, 0], shares[:, 1], shares[:, 2], covered)


# ------------------------------------------------------------------ the sequential parts

@dataclass
class Settlement:
    allowed: np.ndarray  # the fund's share after the rate cap
    forfeited: np.ndarray  # above the cap: the lender's
    payable: np.ndarray  # what the fund pays
    unfunded: np.ndarray  # above the fund's balance: limited liability


def _isum(index: np.ndarray, weights: np.ndarray, size: int) -> np.ndarray:
    """Exact int64 sums by index (float partial sums of whole fen are exact below 2^53 fen)."""
    return np.bincount(index, weights, minlength=size).astype(np.int64)


def _round_half_up(num: np.ndarray, den: int) -> np.ndarray:
    """round(num / den) half up for num ≥ 0 (money.fen on a non-negative product)."""
    return (2 * num + den) // (2 * den)


def settle(rules: CompiledRules, scen: np.ndarray, lender: np.ndarray, fund_share: np.ndarray,
           guaranteed: np.ndarray, balance: np.ndarray, released: np.ndarray, compensated: np.ndarray) -> Settlement:
    """Claims in order (sorted by ``scen``, then by time), each book ``scen`` with its own fund balance and, per
    lender, cumulative released guarantees and compensation. ``balance`` (books,), ``released`` and
    ``compensated`` (books, lenders) are updated in place: the balance falls by what is paid, compensation
    rises by it, and each claim's guarantee counts as released. Same sequence as rules.sharing.share_loss
    called claim after claim."""
    n = len(scen)
    fund_share = np.asarray(fund_share, dtype=np.int64)
    if n == 0:
        z = np.zeros(0, dtype=np.int64)
        return Settlement(z, z, z, z)
    if rules.cap is None:
        allowed = fund_share
        forfeited = np.zeros(n, dtype=np.int64)
        if rules.limited:
            cs = np.cumsum(allowed)
            starts = np.flatnonzero(np.r_[True, scen[1:] != scen[:-1]])
            counts = np.diff(np.r_[starts, n])
            before_start = np.repeat(cs[starts] - allowed[starts], counts)
            paid_before = cs - allowed - before_start
            available = np.maximum(0, balance[scen] - paid_before)
            payable = np.minimum(allowed, available)
        else:
            payable = allowed
        unfunded = allowed - payable
        books, lenders = compensated.shape
        cell = scen * lenders + lender
        balance -= _isum(scen, payable, books)
        compensated += _isum(cell, payable, books * lenders).reshape(books, lenders)
        released += _isum(cell, guaranteed, books * lenders).reshape(books, lenders)
        return Settlement(allowed, forfeited, payable, unfunded)

    num, den = rules.cap
    allowed = np.zeros(n, dtype=np.int64)
    payable = np.zeros(n, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, scen[1:] != scen[:-1]])
    counts = np.diff(np.r_[starts, n])
    pos = np.arange(n) - np.repeat(starts, counts)
    order = np.argsort(pos, kind="stable")
    bounds = np.r_[0, np.cumsum(np.bincount(pos, minlength=pos.max() + 1))]
    for k in range(len(bounds) - 1):
        idx = order[bounds[k]:bounds[k + 1]]  # the k-th claim of every book that has one
        s, le = scen[idx], lender[idx]
        rel = released[s, le] + (guaranteed[idx] if rules.cap_releases_own else 0)
        headroom = np.maximum(0, _round_half_up(rel * num, den) - compensated[s, le])
        a = np.minimum(fund_share[idx], headroom)
        pay = np.minimum(a, balance[s]) if rules.limited else a
        allowed[idx] = a
        payable[idx] = pay
        balance[s] -= pay
        compensated[s, le] += pay
        released[s, le] += guaranteed[idx]
    return Settlement(allowed, fund_share - allowed, payable, allowed - payable)


# ------------------------------------------------------------------ recoveries, thresholds, fees

def split_recoveries(rules: CompiledRules, gross: np.ndarray, costs: np.ndarray, fund_borne: np.ndarray,
                     lender_borne: np.ndarray, guarantor_borne: np.ndarray,
                     fund_already_recovered: np.ndarray | None = None) -> np.ndarray:
    """rules.recovery.distribute_recovery for many recoveries: (n, 3) to fund, lender, guarantor."""
    gross = np.asarray(gross, dtype=np.int64)
    n = len(gross)
    net = np.maximum(0, gross - costs)
    out = np.zeros((n, 3), dtype=np.int64)
    if n == 0:
        return out
    if rules.recovery_fund_first:
        already = np.zeros(n, dtype=np.int64) if fund_already_recovered is None else fund_already_recovered
        owed = np.maximum(0, fund_borne - already)
        out[:, 0] = np.minimum(net, owed)
        out[:, 1] = net - out[:, 0]
        return out
    w = np.stack([fund_borne, lender_borne, guarantor_borne], axis=1).astype(np.int64)
    nobody = w.sum(axis=1) == 0
    w[nobody, 1] = 1
    # Products may exceed int64: exact Python integers (recoveries are few next to claims).
    wo = w.astype(object)
    total = wo.sum(axis=1)
    prod = net.astype(object)[:, None] * wo
    floors = prod // total[:, None]
    rem = prod - floors * total[:, None]
    left = net.astype(object) - floors.sum(axis=1)
    r = rem
    rank = np.stack([
        (r[:, 1] > r[:, 0]).astype(np.int64) + (r[:, 2] > r[:, 0]),
        (r[:, 0] >= r[:, 1]).astype(np.int64) + (r[:, 2] > r[:, 1]),
        (r[:, 0] >= r[:, 2]).astype(np.int64) + (r[:, 1] >= r[:, 2]),
    ], axis=1)
    out[:] = (floors + (rank < left[:, None].astype(np.int64))).astype(np.int64)
    # Decimal divides to 28 digits: where two remainders tie exactly, let money.allocate itself break the tie.
    tie = ((r[:, 0] == r[:, 1]) | (r[:, 0] == r[:, 2]) | (r[:, 1] == r[:, 2])) & (left.astype(np.int64) > 0)
    for i in np.flatnonzero(tie & ~nobody):
        parts = allocate(Decimal(int(net[i])) / 100, {k: Decimal(int(w[i, j])) / 100 for j, k in enumerate(PARTIES)})
        out[i] = [int(parts[k] * 100) for k in PARTIES]
    return out


def breaches(t: Threshold, numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """rules.sanctions._breach: numerator > limit × denominator (≥ unless strict), and numerator > 0."""
    lhs = np.asarray(numerator, dtype=np.int64) * t.den
    rhs = np.asarray(denominator, dtype=np.int64) * t.num
    return (numerator > 0) & ((lhs > rhs) if t.strict else (lhs >= rhs))


def management_fees(rules: CompiledRules, income: np.ndarray) -> np.ndarray:
    """rules.fees.management_fee: rate × the year's income (none on a loss), to the fen half up."""
    if rules.management_fee is None:
        return np.zeros_like(np.asarray(income, dtype=np.int64))
    num, den = rules.management_fee
    return _round_half_up(np.maximum(0, income) * num, den)
