"""Recovery distribution (追偿所得分配): net proceeds after recovery costs go back to the parties.

kezhou-industry 第十七条 and kunshan-kunyurong 第二十一条: by the sharing ratios (``by_shares``);
pingluo-puhui-yidai 第二十一条: back to the fund account (``fund_first``), bounded by what the fund
paid and has not yet recovered — the rest is the lender's, who bore the remainder of the loss.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from riskpool.money import ZERO, allocate, fen, fmt
from riskpool.policy.schema import Program
from riskpool.rules.decision import Decision, Reason, decide
from riskpool.rules.facts import RecoveryFacts


def distribute_recovery(program: Program, on: dt.date, facts: RecoveryFacts) -> Decision:
    mode, article = program.recovery_rule(on)
    reasons: list[Reason] = []
    if facts.costs > facts.gross:
        reasons.append(Reason("COSTS_EXCEED_RECOVERY", article,
                              f"recovery costs {fmt(facts.costs)} exceed the gross recovery {fmt(facts.gross)}: "
                              "nothing to distribute", blocking=False))
    net = max(ZERO, fen(facts.gross - facts.costs))
    if mode == "fund_first":
        still_owed = max(ZERO, facts.fund_borne - facts.fund_already_recovered)
        to_fund = min(net, still_owed)
        parts = {"fund": to_fund, "lender": net - to_fund, "guarantor": ZERO}
        reasons.append(Reason("RECOVERY_TO_FUND", article,
                              f"net recovery {fmt(net)} returns to the fund account up to its unrecovered "
                              f"compensation {fmt(still_owed)}; the rest goes to the lender", blocking=False))
    else:
        # By what each party actually bore, which equals the nominal ratios unless a cap or the
        # fund's limited liability moved part of the loss (interpretations.md, "Recovery basis").
        weights = {"fund": facts.fund_borne, "lender": facts.lender_borne, "guarantor": facts.guarantor_borne}
        if not any(weights.values()):
            weights["lender"] = Decimal(1)  # nobody shared a loss: the creditor keeps what it recovers
        basis = "the share each party actually bore"
        parts = allocate(net, weights)
        reasons.append(Reason("RECOVERY_BY_SHARES", article,
                              f"net recovery {fmt(net)} split by {basis}: fund {fmt(parts['fund'])}, lender "
                              f"{fmt(parts['lender'])}, guarantor {fmt(parts['guarantor'])}", blocking=False))
    amounts = {"net": net, "to_fund": parts["fund"], "to_lender": parts["lender"],
               "to_guarantor": parts["guarantor"]}
    return decide(reasons, amounts)
