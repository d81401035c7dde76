"""Pingluo 第十五条: the 2 % compensation-rate cap (担保代偿率 = cumulative compensation / cumulative released
guarantees), computed from the lender's stored history; 第二十条: the fund bears 80 % of the principal loss.

History of the lender (see conftest.pingluo_history):
  P1 5,000,000 and P2 5,000,000, repaid in full in 2026-03/04: 10,000,000 of released guarantees.
  P3 100,000, nothing repaid, claimed first; P4 1,000,000, 250,000 repaid, claimed second.
"""

import pytest

from riskpool.claims import services as claims
from riskpool.ledger import services as ledger

from .conftest import D, d, pingluo_approve, pingluo_history, pingluo_submit, pingluo_world

pytestmark = pytest.mark.django_db


def test_pingluo_2_percent_cap_from_stored_history():
    world = pingluo_world(capital="1000000")
    p3, p4 = pingluo_history(world)

    # Claim 1 (P3): loss 100,000, the fund's 80 % = 80,000.
    # Cap: 2 % × (10,000,000 released + 100,000 P3's own guarantee) − 0 compensated = 202,000 ≥ 80,000: paid in full.
    first = pingluo_submit(p3, d("2026-05-06"))
    assert first.next_step == "guarantor_review" and first.next_due_on is None  # no deadline for the guarantor
    first = claims.review(first, step="guarantor_review", on=d("2026-05-08"), approved=True, actor="担保机构")
    # 第十六条: the county bureau reviews within 15 working days of 05-08: 05-09 (make-up Saturday after the
    # Labour Day holiday), 05-11 … 05-15, 05-18 … 05-22, 05-25 … 05-28
    assert (first.next_step, first.next_due_on) == ("county_review", d("2026-05-28"))
    first = claims.review(first, step="county_review", on=d("2026-05-20"), approved=True, actor="平罗县财政局")
    assert (first.fund_share, first.fund_payable, first.forfeited) == (D("80000.00"), D("80000.00"), D("0.00"))
    first = claims.pay(first, on=d("2026-05-25"), actor="担保机构")
    assert first.paid_amount == D("80000.00")

    # Claim 2 (P4): loss 1,000,000 − 250,000 = 750,000; the fund's 80 % = 600,000, the lender's 20 % = 150,000.
    # Released guarantees: P1 + P2 + P3 (released by its compensation on 05-25) = 10,100,000,
    # + P4's own 1,000,000 = 11,100,000; 2 % of it = 222,000; minus the 80,000 already compensated
    # = headroom 142,000. The fund pays 142,000; the other 458,000 of its share is forfeited by the lender.
    second = pingluo_approve(pingluo_submit(p4, d("2026-06-01")), d("2026-06-03"), d("2026-06-15"))
    facts = claims.claim_facts(second, d("2026-06-15"), conditions={}, documents=[])
    assert (facts.lender_cumulative_released, facts.lender_cumulative_compensation) == (
        D("10100000.00"), D("80000.00"))
    assert (second.loss_base, second.fund_share, second.lender_share, second.guarantor_share) == (
        D("750000.00"), D("600000.00"), D("150000.00"), D("0.00"))
    assert (second.fund_payable, second.forfeited, second.unfunded) == (D("142000.00"), D("458000.00"), D("0.00"))
    cap = next(r for r in second.decision["reasons"] if r["code"] == "COMPENSATION_RATE_CAP")
    assert cap["article"] == "第十五条" and "headroom 142000.00" in cap["message"]

    second = claims.pay(second, on=d("2026-06-18"), actor="担保机构")
    assert second.paid_amount == D("142000.00")
    # 1,000,000 − 80,000 − 142,000
    assert world.cash() == D("778000.00")
    assert ledger.balance(world.book, "expenses:compensation") == D("222000.00")
    assert ledger.check_books(world.book) == []


def test_pingluo_headroom_is_not_used_twice_by_claims_approved_before_either_is_paid():
    # Both bad loans claimed and approved before any payment. Claim on P3 first: 80,000 of headroom.
    # P4 then sees 80,000 approved and awaiting payment as compensation already made:
    # released 10,000,000 (P3 is not released until paid) + 1,000,000 = 11,000,000 × 2 % = 220,000 − 80,000.
    world = pingluo_world(capital="1000000")
    p3, p4 = pingluo_history(world)
    first = pingluo_approve(pingluo_submit(p3, d("2026-05-06")), d("2026-05-08"), d("2026-05-20"))
    second = pingluo_approve(pingluo_submit(p4, d("2026-05-06")), d("2026-05-08"), d("2026-05-21"))
    assert first.fund_payable == D("80000.00")
    assert (second.fund_payable, second.forfeited) == (D("140000.00"), D("460000.00"))
