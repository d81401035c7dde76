"""Loss base and sharing: kezhou-industry 第十三条/第十五条, kunshan-kunyurong 第十一条/第十五条,
pingluo-puhui-yidai 第十五条/第二十条/第二十一条."""

from decimal import Decimal

import pytest

from conftest import d
from riskpool.rules.facts import ClaimFacts
from riskpool.rules.sharing import NoTierError, share_loss

ON = d("2026-06-15")


def claim(principal, **kw):
    kw.setdefault("fund_balance", "100000000")
    return ClaimFacts(approved_principal=principal, **kw)


def test_kezhou_article_13_loss_includes_contractual_interest_not_penalty(kezhou):
    s = share_loss(kezhou, ON, claim("1000000", repaid_principal="400000", unpaid_interest="30000",
                                     penalty_interest="5000"))
    assert (s.principal_loss, s.interest_loss, s.loss_base) == (Decimal("600000"), Decimal("30000"), Decimal("630000"))


def test_kezhou_article_15_split_50_30_20(kezhou):
    s = share_loss(kezhou, ON, claim("1000000"))
    assert (s.fund_share, s.guarantor_share, s.lender_share) == (
        Decimal("500000.00"), Decimal("300000.00"), Decimal("200000.00"))
    assert s.fund_payable == Decimal("500000.00")


def test_kunshan_article_15_principal_only_loss(kunshan):
    s = share_loss(kunshan, ON, claim("4000000", repaid_principal="1000000", recoveries="500000",
                                      third_party_payouts="300000", unpaid_interest="250000"))
    assert s.principal_loss == Decimal("2200000.00")
    assert s.interest_loss == 0 and s.loss_base == Decimal("2200000.00")


@pytest.mark.parametrize("exposure, fund, lender, guarantor", [
    ("5000000.00", "0.70", "0.10", "0.20"),
    ("5000000.01", "0.60", "0.20", "0.20"),
    ("10000000.00", "0.60", "0.20", "0.20"),
    ("10000000.01", "0.50", "0.30", "0.20"),
    ("15000000.00", "0.50", "0.30", "0.20"),
])
def test_kunshan_article_11_exposure_tiers_edges(kunshan, exposure, fund, lender, guarantor):
    s = share_loss(kunshan, ON, claim("1000000", exposure=exposure))
    assert s.ratios == {"fund": Decimal(fund), "lender": Decimal(lender), "guarantor": Decimal(guarantor)}
    assert s.fund_share == Decimal(fund) * 1000000


def test_kunshan_article_11_exposure_above_15_million_is_not_covered(kunshan):
    with pytest.raises(NoTierError):
        share_loss(kunshan, ON, claim("1000000", exposure="15000000.01"))


def test_kunshan_article_11_no_guarantor_share_falls_to_lender(kunshan):
    s = share_loss(kunshan, ON, claim("8000000", exposure="8000000", has_guarantor=False))
    assert (s.fund_share, s.lender_share, s.guarantor_share) == (
        Decimal("4800000.00"), Decimal("3200000.00"), Decimal("0.00"))


def test_kunshan_article_11_negotiated_guarantor_share_at_most_20pct(kunshan):
    s = share_loss(kunshan, ON, claim("1000000", negotiated_guarantor_share="0.15"))
    assert (s.fund_share, s.lender_share, s.guarantor_share) == (
        Decimal("700000.00"), Decimal("150000.00"), Decimal("150000.00"))
    with pytest.raises(ValueError, match="第十一条"):
        share_loss(kunshan, ON, claim("1000000", negotiated_guarantor_share="0.25"))


def test_kezhou_article_15_guarantor_share_is_fixed(kezhou):
    with pytest.raises(ValueError, match="fixes"):
        share_loss(kezhou, ON, claim("1000000", negotiated_guarantor_share="0.10"))


def test_pingluo_article_20_fund_bears_80pct_of_outstanding_principal(pingluo):
    s = share_loss(pingluo, ON, claim("2000000", repaid_principal="500000", unpaid_interest="90000",
                                      lender_cumulative_released="100000000"))
    assert s.loss_base == Decimal("1500000.00")  # interest excluded
    assert (s.fund_share, s.lender_share, s.guarantor_share) == (
        Decimal("1200000.00"), Decimal("300000.00"), Decimal("0.00"))
    assert s.fund_payable == Decimal("1200000.00") and s.forfeited == 0


def test_pingluo_article_15_rate_cap_pays_up_to_2pct_and_lender_forfeits_excess(pingluo):
    # released 49,000,000 + this 1,000,000 = 50,000,000; 2 % = 1,000,000; already 700,000 → 300,000 headroom
    s = share_loss(pingluo, ON, claim("1000000", lender_cumulative_released="49000000",
                                      lender_cumulative_compensation="700000"))
    assert s.fund_share == Decimal("800000.00")
    assert (s.fund_payable, s.forfeited) == (Decimal("300000.00"), Decimal("500000.00"))


def test_pingluo_article_15_at_2pct_inclusive_compensation_stops(pingluo):
    s = share_loss(pingluo, ON, claim("1000000", lender_cumulative_released="49000000",
                                      lender_cumulative_compensation="1000000"))
    assert (s.fund_payable, s.forfeited) == (Decimal("0.00"), Decimal("800000.00"))


def test_pingluo_article_15_compensation_resumes_below_2pct(pingluo):
    # more guarantees released later bring the rate back under 2 %: 2 % × 100,000,000 − 1,000,000
    s = share_loss(pingluo, ON, claim("1000000", lender_cumulative_released="99000000",
                                      lender_cumulative_compensation="1000000"))
    assert (s.fund_payable, s.forfeited) == (Decimal("800000.00"), Decimal("0.00"))


def test_limited_liability_fund_pays_no_more_than_it_holds(kezhou, pingluo):
    s = share_loss(kezhou, ON, claim("1000000", fund_balance="123456.78"))
    assert (s.fund_share, s.fund_payable, s.unfunded) == (
        Decimal("500000.00"), Decimal("123456.78"), Decimal("376543.22"))
    s = share_loss(pingluo, ON, claim("1000000", fund_balance="0", lender_cumulative_released="1000000000"))
    assert s.fund_payable == 0 and s.unfunded == Decimal("800000.00")


def test_loss_never_negative_when_recoveries_exceed_principal(kezhou):
    s = share_loss(kezhou, ON, claim("1000000", repaid_principal="600000", recoveries="500000"))
    assert s.loss_base == 0 and s.fund_payable == 0


def test_kezhou_article_13_recoveries_beyond_the_principal_reduce_the_interest(kezhou):
    # unpaid principal 400,000 + interest 200,000 − recovered 500,000 = 100,000 loss
    s = share_loss(kezhou, ON, claim("1000000", repaid_principal="600000", recoveries="500000",
                                     unpaid_interest="200000"))
    assert (s.principal_loss, s.interest_loss, s.loss_base) == (Decimal("0"), Decimal("100000.00"),
                                                                Decimal("100000.00"))
    assert s.fund_share == Decimal("50000.00")
