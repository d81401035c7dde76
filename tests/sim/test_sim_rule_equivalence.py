"""The array engine decides every loss exactly as the Decimal rules do, to the fen.

Random claim sequences (several books, several lenders, fund balances that run out, amounts on and around
the tier bounds, claims without a guarantor, exposures above the last tier, recoveries beyond the principal)
go through riskpool.sim.engine and, claim after claim, through riskpool.rules.claims.assess_claim with the
balance and the lender's cumulative figures the previous claims left. Every amount must agree."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest

from riskpool.policy import load_program
from riskpool.rules.claims import assess_claim
from riskpool.rules.facts import ClaimFacts, RecoveryFacts
from riskpool.rules.fees import management_fee
from riskpool.rules.recovery import distribute_recovery
from riskpool.rules.sanctions import check_lender, check_program
from riskpool.sim import engine

PROGRAMS = ["kezhou-industry", "kunshan-kunyurong", "pingluo-puhui-yidai"]
ON = {"kezhou-industry": dt.date(2026, 6, 1), "kunshan-kunyurong": dt.date(2025, 6, 1),
      "pingluo-puhui-yidai": dt.date(2026, 6, 1)}


def y(fen: int) -> Decimal:
    return Decimal(int(fen)) / 100


def admissible(program, on):
    """Facts under which every precondition holds and no refusal applies, all documents given."""
    c = program.claims
    cond = {x.fact: True for x in program.param(c.preconditions, on)}
    cond.update({x.fact: False for x in program.param(c.refusals, on)})
    return cond, [d.code for d in program.param(c.documents, on)]


def random_claims(rng: np.random.Generator, n: int, books: int, lenders: int):
    edges = np.array([500_000_000, 1_000_000_000, 1_500_000_000, 5_000_000, 1_000_000])  # tier bounds, fen
    approved = rng.integers(1, 2_000_000_000, n)
    on_edge = rng.random(n) < 0.3
    approved[on_edge] = np.maximum(1, rng.choice(edges, on_edge.sum()) + rng.integers(-2, 3, on_edge.sum()))
    repaid = (approved * rng.random(n) * (rng.random(n) < 0.4)).astype(np.int64)
    recoveries = (approved * rng.random(n) * 1.1 * (rng.random(n) < 0.6)).astype(np.int64)
    third = (approved * rng.random(n) * 0.3 * (rng.random(n) < 0.2)).astype(np.int64)
    interest = (approved * rng.random(n) * 0.1).astype(np.int64)
    penalty = (approved * rng.random(n) * 0.02).astype(np.int64)
    exposure = np.where(rng.random(n) < 0.5, -1, approved + rng.integers(0, 800_000_000, n))
    exposure[on_edge] = approved[on_edge]
    has_g = rng.random(n) < 0.7
    scen = np.sort(rng.integers(0, books, n))
    lender = rng.integers(0, lenders, n)
    return approved, repaid, recoveries, third, interest, penalty, exposure, has_g, scen, lender


@pytest.mark.parametrize("program_id", PROGRAMS)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_claims_engine_agrees_with_assess_claim_to_the_fen(program_id, seed):
    program = load_program(program_id)
    on = ON[program_id]
    rules = engine.compile_rules(program, on)
    rng = np.random.default_rng(seed)
    n, books, lenders = 400, 6, 3
    approved, repaid, rec, third, interest, penalty, exposure, has_g, scen, lender = random_claims(rng, n, books, lenders)
    balance0 = rng.integers(0, 3_000_000_000, books)
    released0 = rng.integers(0, 50_000_000_000, (books, lenders)) * (rng.random((books, lenders)) < 0.7)
    comp0 = (released0 * rng.random((books, lenders)) * 0.03).astype(np.int64)

    sh = engine.share_claims(rules, approved, repaid, rec, third, interest, penalty, exposure, has_g)
    pre = engine.share_claims(rules, approved, repaid, rec, third, interest, penalty, exposure, has_g,
                              weights=engine.tier_weights(rules, approved, exposure, has_g))
    assert all((getattr(sh, k) == getattr(pre, k)).all() for k in ("loss_base", "fund_share", "lender_share",
                                                                    "guarantor_share", "covered"))
    balance, released, comp = balance0.copy(), released0.copy(), comp0.copy()
    st = engine.settle(rules, scen, lender, sh.fund_share, approved, balance, released, comp)

    cond, docs = admissible(program, on)
    bal, rel, cmp_ = balance0.copy(), released0.copy(), comp0.copy()
    seen_codes = set()
    for i in range(n):
        s, le = scen[i], lender[i]
        facts = ClaimFacts(
            approved_principal=y(approved[i]), repaid_principal=y(repaid[i]), recoveries=y(rec[i]),
            third_party_payouts=y(third[i]), unpaid_interest=y(interest[i]), penalty_interest=y(penalty[i]),
            exposure=None if exposure[i] < 0 else y(exposure[i]), has_guarantor=bool(has_g[i]),
            conditions=cond, documents=docs, fund_balance=y(bal[s]),
            lender_cumulative_compensation=y(cmp_[s, le]), lender_cumulative_released=y(rel[s, le]))
        d = assess_claim(program, on, facts)
        seen_codes.update(d.codes())
        got = {"loss_base": sh.loss_base[i], "fund_share": sh.fund_share[i], "lender_share": sh.lender_share[i],
               "guarantor_share": sh.guarantor_share[i], "fund_payable": st.payable[i],
               "forfeited": st.forfeited[i], "unfunded": st.unfunded[i]}
        if sh.covered[i]:
            got.update(principal_loss=sh.principal_loss[i], interest_loss=sh.interest_loss[i])
        want = {k: int(v * 100) for k, v in d.amounts.items()}
        assert {k: int(got[k]) for k in want} == want, f"claim {i}: {d.as_dict()}"
        assert d.approved == bool(sh.covered[i])
        pay = d.amounts["fund_payable"]
        bal[s] -= int(pay * 100)
        cmp_[s, le] += int(pay * 100)
        rel[s, le] += approved[i]
    assert (bal == balance).all() and (rel == released).all() and (cmp_ == comp).all()
    # the random claims did reach the interesting branches
    assert "LIMITED_LIABILITY" in seen_codes
    if rules.tier_weights[:, 2].any():
        assert "NO_GUARANTOR" in seen_codes
    if program_id == "pingluo-puhui-yidai":
        assert st.forfeited.sum() > 0
    if program_id == "kunshan-kunyurong":
        assert "EXPOSURE_NOT_COVERED" in seen_codes


@pytest.mark.parametrize("program_id", PROGRAMS)
def test_recovery_engine_agrees_with_distribute_recovery(program_id):
    program = load_program(program_id)
    on = ON[program_id]
    rules = engine.compile_rules(program, on)
    rng = np.random.default_rng(7)
    n = 300
    gross = rng.integers(0, 5_000_000_000, n)
    costs = (gross * rng.random(n) * np.where(rng.random(n) < 0.1, 1.5, 0.2)).astype(np.int64)
    borne = rng.integers(0, 3_000_000_000, (n, 3)) * (rng.random((n, 3)) < 0.85)
    borne[:20] = borne[:20, :1]  # equal shares: ties between parties
    borne[20:30] = 0  # nobody bore a loss
    already = (borne[:, 0] * rng.random(n) * (rng.random(n) < 0.3)).astype(np.int64)
    got = engine.split_recoveries(rules, gross, costs, borne[:, 0], borne[:, 1], borne[:, 2], already)
    for i in range(n):
        d = distribute_recovery(program, on, RecoveryFacts(
            gross=y(gross[i]), costs=y(costs[i]), fund_borne=y(borne[i, 0]), lender_borne=y(borne[i, 1]),
            guarantor_borne=y(borne[i, 2]), fund_already_recovered=y(already[i])))
        want = [int(d.amounts[k] * 100) for k in ("to_fund", "to_lender", "to_guarantor")]
        assert list(got[i]) == want, f"recovery {i}"


@pytest.mark.parametrize("program_id", PROGRAMS)
def test_sanction_thresholds_and_fees_agree_with_the_rules(program_id):
    program = load_program(program_id)
    on = ON[program_id]
    rules = engine.compile_rules(program, on)
    rng = np.random.default_rng(11)
    n = 200
    num = rng.integers(0, 10_000_000_000, n)
    den = rng.integers(0, 20_000_000_000, n)
    num[:10] = den[:10] // 2  # exactly on a 50 % limit
    num[10:20] = den[10:20] // 20  # exactly on a 5 % limit
    den[10:20] = den[10:20] // 20 * 20
    num[20:25], den[20:25] = 5, 0  # compensation with no financing
    for i in range(n):
        dl = check_lender(program, on, npl_outstanding=y(num[i]), total_outstanding=y(den[i]),
                          annual_compensation=y(num[i]), annual_financing=y(den[i]))
        want = dl.details["action"]
        got = []
        for t in (rules.lender_npl, rules.lender_compensation):
            if t is not None and engine.breaches(t, num[i:i + 1], den[i:i + 1])[0]:
                got.append(t.action)
        got_action = "terminate" if "terminate" in got else ("suspend" if got else None)
        assert got_action == want, f"case {i}"
        dp = check_program(program, on, annual_compensation=y(num[i]), annual_financing=y(den[i]))
        t = rules.program_compensation
        assert (t is not None and bool(engine.breaches(t, num[i:i + 1], den[i:i + 1])[0])) == (
            dp.details["action"] is not None)
    income = rng.integers(-1_000_000_00, 50_000_000_00, n)
    fees = engine.management_fees(rules, income)
    for i in range(n):
        assert int(fees[i]) == int(management_fee(program, on, annual_income=y(income[i])).amounts["fee"] * 100)
