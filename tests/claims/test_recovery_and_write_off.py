"""Recoveries after compensation (kezhou 第十七条, kunshan 第二十一条/第二十四条, pingluo 第二十一条) and the loss
confirmation (kezhou 第十八条)."""

import pytest

from riskpool.claims import services as claims
from riskpool.claims.models import Recovery, WriteOff
from riskpool.claims.services import ClaimError
from riskpool.ledger import services as ledger
from riskpool.loans.models import Loan

from .conftest import (
    D,
    d,
    fresh,
    kezhou_paid_claim,
    kezhou_world,
    kunshan_approve,
    kunshan_defaulted_loan,
    kunshan_submit,
    kunshan_world,
    pingluo_approve,
    pingluo_history,
    pingluo_submit,
    pingluo_world,
)

pytestmark = pytest.mark.django_db


def test_kezhou_recovery_split_by_shares_net_of_costs_receivable_then_remitted():
    world = kezhou_world()
    claim = kezhou_paid_claim(world)  # the fund paid 672,500; guarantor bore 403,500, lender 269,000
    assert world.cash() == D("99327500.00")

    # 第十七条: 300,000 recovered, 20,000 litigation costs: 280,000 net, back 50 / 30 / 20
    r = claims.record_recovery(claim, on=d("2027-03-01"), gross=D("300000"), costs=D("20000"), actor="kz-bank")
    assert (r.net, r.to_fund, r.to_guarantor, r.to_lender) == (
        D("280000.00"), D("140000.00"), D("84000.00"), D("56000.00"))
    assert r.remit_due_on is None and r.after_write_off is False  # kezhou sets no remittance deadline
    bal = world.balances()
    assert bal["assets:receivable"] == D("140000.00")
    assert bal["expenses:compensation_recovered"] == D("-140000.00")
    assert bal["assets:cash"] == D("99327500.00")  # not received yet

    r = claims.remit_recovery(r, on=d("2027-03-03"), actor="kz-bank")
    assert r.remitted_on == d("2027-03-03") and r.overdue is False
    bal = world.balances()
    assert bal["assets:receivable"] == 0
    assert bal["assets:cash"] == D("99467500.00")  # 100,000,000 − 672,500 + 140,000
    # net loss to the fund: 672,500 compensated − 140,000 recovered
    assert bal["expenses:compensation"] + bal["expenses:compensation_recovered"] == D("532500.00")
    assert ledger.check_books(world.book) == []

    with pytest.raises(ClaimError, match="was remitted on 2027-03-03"):
        claims.remit_recovery(r, on=d("2027-03-04"), actor="kz-bank")


def test_kunshan_recovery_remitted_within_3_working_days_else_overdue():
    world = kunshan_world()
    claim = claims.pay(kunshan_approve(kunshan_submit(kunshan_defaulted_loan(world, "KS-001", 0))),
                       on=d("2026-06-15"), actor="管理人")
    assert claim.paid_amount == D("1050000.00")  # 70 % of 1,500,000

    # 第二十一条: 110,000 − 10,000 costs = 100,000 net, 70 / 10 / 20;
    # 第二十四条: the pool's part within 3 working days of 09-30: 10-08, 10-09, 10-10 (make-up Saturday)
    r = claims.record_recovery(claim, on=d("2026-09-30"), gross="110000", costs="10000", actor="ks-bank")
    assert (r.to_fund, r.to_lender, r.to_guarantor) == (D("70000.00"), D("10000.00"), D("20000.00"))
    assert r.remit_due_on == d("2026-10-10")
    assert claims.recoveries_overdue(d("2026-10-10")) == []
    assert claims.recoveries_overdue(d("2026-10-11")) == [r]
    assert r.overdue_on(d("2026-10-12")) is True

    r = claims.remit_recovery(r, on=d("2026-10-12"), actor="ks-bank")
    assert r.overdue is True
    assert claims.recoveries_overdue(d("2026-10-13")) == []
    assert world.cash() == D("20000000") - D("1050000") + D("70000")
    assert ledger.check_books(world.book) == []


def test_pingluo_recoveries_go_to_the_fund_first_up_to_what_it_paid():
    world = pingluo_world(capital="1000000")
    _p3, p4 = pingluo_history(world)
    # P4 claimed alone: the fund's 80 % of the 750,000 loss is 600,000, capped (第十五条) at
    # 2 % × (10,000,000 released + 1,000,000 its own) = 220,000; the other 380,000 is forfeited.
    claim = pingluo_approve(pingluo_submit(p4, d("2026-05-06")), d("2026-05-08"), d("2026-05-20"))
    assert (claim.fund_payable, claim.forfeited) == (D("220000.00"), D("380000.00"))
    claim = claims.pay(claim, on=d("2026-05-25"), actor="担保机构")

    # 第二十一条: 250,000 − 10,000 costs = 240,000 net: 220,000 back to the fund account, 20,000 to the lender
    first = claims.record_recovery(claim, on=d("2026-08-03"), gross="250000", costs="10000", actor="pl-bank")
    assert (first.to_fund, first.to_lender, first.to_guarantor) == (D("220000.00"), D("20000.00"), D("0.00"))
    # the fund has its money back: a later recovery all goes to the lender, nothing is booked
    second = claims.record_recovery(claim, on=d("2026-09-01"), gross="30000", actor="pl-bank")
    assert (second.to_fund, second.to_lender, second.remit_due_on) == (D("0.00"), D("30000.00"), None)
    with pytest.raises(ClaimError, match="owes the fund nothing"):
        claims.remit_recovery(second, on=d("2026-09-02"), actor="pl-bank")
    claims.remit_recovery(first, on=d("2026-08-05"), actor="pl-bank")
    assert world.cash() == D("1000000.00")  # 1,000,000 − 220,000 + 220,000
    assert ledger.balance(world.book, "assets:receivable") == 0
    assert ledger.check_books(world.book) == []

    # nothing left to write off
    with pytest.raises(ClaimError, match="no loss to confirm"):
        claims.write_off(claim, on=d("2027-06-01"), evidence="court_ruling", evidence_ref="(2027)宁0221执100号",
                         actor="担保机构")


def test_kezhou_write_off_only_after_more_than_a_year_and_recovery_after_it_is_flagged():
    world = kezhou_world()
    claim = kezhou_paid_claim(world)  # paid 2026-11-16
    r = claims.record_recovery(claim, on=d("2027-03-01"), gross="300000", costs="20000", actor="kz-bank")
    claims.remit_recovery(r, on=d("2027-03-03"), actor="kz-bank")

    # 第十八条: "超过一年" — not within the year, not on its last day (2027-11-16), from the day after
    for too_early in ("2027-06-01", "2027-11-16"):
        with pytest.raises(ClaimError, match="from 2027-11-17") as e:
            claims.write_off(claim, on=d(too_early), evidence="court_ruling", evidence_ref="(2027)新30民初1号",
                             actor="资金管理人")
        assert e.value.article == "第十八条"
    with pytest.raises(ClaimError, match="evidence 'hearsay'"):
        claims.write_off(claim, on=d("2027-11-17"), evidence="hearsay", evidence_ref="x", actor="资金管理人")

    before = world.balances()
    w = claims.write_off(claim, on=d("2027-11-17"), evidence="court_ruling", evidence_ref="(2027)新30民初1号",
                         actor="资金管理人")
    # the loss confirmed: 672,500 paid − 140,000 recovered
    assert (w.amount, w.article, w.evidence) == (D("532500.00"), "第十八条", "court_ruling")
    assert fresh(claim).written_off_on == d("2027-11-17")
    assert fresh(claim.loan).status == Loan.WRITTEN_OFF
    assert world.balances() == before  # already expensed when approved: no posting
    with pytest.raises(ClaimError, match="was written off on 2027-11-17"):
        claims.write_off(claim, on=d("2027-12-01"), evidence="liquidation", evidence_ref="y", actor="资金管理人")

    # money recovered after the write-off still comes back, flagged
    late = claims.record_recovery(claim, on=d("2028-01-10"), gross="10000", actor="kz-bank")
    assert late.after_write_off is True and late.to_fund == D("5000.00")
    assert ledger.balance(world.book, "assets:receivable") == D("5000.00")
    assert Recovery.objects.filter(claim=claim).count() == 2 and WriteOff.objects.count() == 1
    assert ledger.check_books(world.book) == []


def test_recoveries_only_after_payment():
    world = kunshan_world()
    claim = kunshan_approve(kunshan_submit(kunshan_defaulted_loan(world, "KS-001", 0)))
    with pytest.raises(ClaimError, match="only after compensation"):
        claims.record_recovery(claim, on=d("2026-06-12"), gross="1000", actor="ks-bank")
    with pytest.raises(ClaimError, match="only a compensated loss"):
        claims.write_off(claim, on=d("2027-06-12"), evidence="court_ruling", evidence_ref="x", actor="管理人")
