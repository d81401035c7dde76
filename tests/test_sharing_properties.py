"""Hypothesis properties of sharing, for all three programs: shares sum to the loss to the fen, no share
is negative, the fund never pays more than its balance or its cap, tier edges fall on the right side."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import d
from riskpool.money import FEN
from riskpool.policy import load_program
from riskpool.rules.facts import ClaimFacts
from riskpool.rules.sharing import share_loss

PROGRAMS = {pid: load_program(pid) for pid in ("kezhou-industry", "kunshan-kunyurong", "pingluo-puhui-yidai")}
money = st.decimals(min_value=0, max_value=15_000_000, places=2)


@st.composite
def claims(draw):
    principal = draw(st.decimals(min_value="0.01", max_value=15_000_000, places=2))
    return ClaimFacts(
        approved_principal=principal,
        repaid_principal=draw(st.decimals(min_value=0, max_value=principal, places=2)),
        recoveries=draw(money), unpaid_interest=draw(money),
        exposure=draw(st.one_of(st.none(), st.decimals(min_value=principal, max_value=15_000_000, places=2))),
        has_guarantor=draw(st.booleans()),
        fund_balance=draw(st.decimals(min_value=0, max_value=50_000_000, places=2)),
        lender_cumulative_released=draw(st.decimals(min_value=0, max_value=10**9, places=2)),
        lender_cumulative_compensation=draw(st.decimals(min_value=0, max_value=10**8, places=2)),
    )


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(PROGRAMS)), claims())
def test_shares_sum_to_loss_none_negative_fund_within_balance_and_cap(pid, facts):
    s = share_loss(PROGRAMS[pid], d("2026-06-15"), facts)
    assert s.fund_share + s.lender_share + s.guarantor_share == s.loss_base
    for v in (s.fund_share, s.lender_share, s.guarantor_share, s.fund_payable, s.forfeited, s.unfunded):
        assert v >= 0 and v == v.quantize(FEN)
    assert s.fund_payable <= facts.fund_balance
    assert s.fund_payable + s.forfeited + s.unfunded == s.fund_share
    if pid == "pingluo-puhui-yidai":
        released = facts.lender_cumulative_released + facts.approved_principal
        assert facts.lender_cumulative_compensation + s.fund_payable <= max(
            released * Decimal("0.02"), facts.lender_cumulative_compensation) + FEN


@given(st.decimals(min_value="0.01", max_value="15000000", places=2))
def test_kunshan_tier_edges_fall_on_the_right_side(exposure):
    s = share_loss(PROGRAMS["kunshan-kunyurong"], d("2026-06-15"),
                   ClaimFacts(approved_principal=1, exposure=exposure, fund_balance=10))
    expected = "0.70" if exposure <= 5_000_000 else "0.60" if exposure <= 10_000_000 else "0.50"
    assert s.ratios["fund"] == Decimal(expected)
