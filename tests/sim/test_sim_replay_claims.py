"""Every claim the simulator decided, replayed through riskpool.rules.claims.assess_claim with the facts it
used and the fund balance and lender figures of that moment, gets the same amounts to the fen — over years,
with limited liability biting (a small fund), the rate cap, tiers and later recoveries."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from riskpool.policy import load_program
from riskpool.rules.claims import assess_claim
from riskpool.rules.facts import ClaimFacts
from riskpool.sim.credit import load_credit_model
from riskpool.sim.model import build_model, simulate
from riskpool.sim.portfolio import load_portfolio

CASES = [("kezhou-industry", "kezhou-book.yaml", "params.yaml", 20_000_000),
         ("kunshan-kunyurong", "kunshan-book.yaml", "params-kunshan.yaml", 30_000_000),
         ("pingluo-puhui-yidai", "pingluo-book.yaml", "params.yaml", 3_000_000)]


def y(v) -> Decimal:
    return Decimal(int(v)) / 100


@pytest.mark.parametrize("program_id,book,params,fund", CASES)
def test_every_simulated_claim_is_the_rules_decision(examples, program_id, book, params, fund):
    program = load_program(program_id)
    credit = load_credit_model(examples / params)
    lev = program.param(program.filing.leverage, program.effective.start)
    pf = load_portfolio(examples / book, volume_fen=int(fund * 100 * lev), seed=5,
                        default_as_of=program.effective.start)
    model = build_model(program, pf, credit.scaled(2.0), fund_size=fund * 100, horizon=3, seed=5, batch_size=30,
                        record_claims=True)
    res = simulate(model, 30, 5)
    c = program.claims
    checked = 0
    codes = set()
    for rec in res["claims_record"][0]:
        on = model.rules[rec["year"]].on
        cond = {x.fact: True for x in program.param(c.preconditions, on)}
        cond.update({x.fact: False for x in program.param(c.refusals, on)})
        docs = [d.code for d in program.param(c.documents, on)]
        bal, rel, cmp_ = rec["balance"].copy(), rec["released"].copy(), rec["compensated"].copy()
        k = rec["claims"]
        for i in range(len(k["scenario"])):
            s, le = k["scenario"][i], k["lender"][i]
            d = assess_claim(program, on, ClaimFacts(
                approved_principal=y(k["amount"][i]), repaid_principal=y(k["repaid"][i]),
                recoveries=y(k["recoveries"][i]), unpaid_interest=y(k["unpaid_interest"][i]),
                exposure=None if k["exposure"][i] < 0 else y(k["exposure"][i]),
                has_guarantor=bool(k["has_guarantor"][i]), conditions=cond, documents=docs, fund_balance=y(bal[s]),
                lender_cumulative_compensation=y(cmp_[s, le]), lender_cumulative_released=y(rel[s, le])))
            codes.update(d.codes())
            for key, v in d.amounts.items():
                assert int(v * 100) == int(k[key][i]), (rec["year"], i, key)
            pay = int(d.amounts["fund_payable"] * 100)
            bal[s] -= pay
            cmp_[s, le] += pay
            rel[s, le] += k["amount"][i]
            checked += 1
    assert checked > 100
    assert "LIMITED_LIABILITY" in codes
    if program_id == "pingluo-puhui-yidai":
        assert "COMPENSATION_RATE_CAP" in codes and res["forfeited"].sum() > 0
