"""Limited liability (kunshan 第三条; kezhou 第十五条, pingluo 第二十一条 alike): the fund pays what it holds and
no more. Its cash never goes below zero; what it cannot pay is shown as ``unfunded``."""

import pytest

from riskpool.claims import services as claims
from riskpool.claims.models import Claim
from riskpool.claims.services import ClaimError
from riskpool.ledger import services as ledger
from riskpool.registry import services as registry

from .conftest import D, d, kunshan_approve, kunshan_defaulted_loan, kunshan_submit, kunshan_world

pytestmark = pytest.mark.django_db


def test_fund_holding_less_than_its_share_at_approval_pays_all_it_holds():
    # fund 100,000; loan 1,000,000 unpaid: loss 1,000,000, the fund's 70 % is 700,000 (第十一条)
    world = kunshan_world(capital="100000")
    claim = kunshan_submit(kunshan_defaulted_loan(world, "KS-001", 0, amount="1000000", repaid="0"))
    claim = kunshan_approve(claim)
    assert (claim.fund_share, claim.fund_payable, claim.unfunded) == (
        D("700000.00"), D("100000.00"), D("600000.00"))
    assert "LIMITED_LIABILITY" in [r["code"] for r in claim.decision["reasons"]]
    assert ledger.balance(world.book, "liabilities:compensation_payable") == D("-100000.00")

    claim = claims.pay(claim, on=d("2026-06-12"), actor="管理人")
    assert (claim.status, claim.paid_amount, claim.unfunded, claim.next_step) == (
        Claim.PAID, D("100000.00"), D("600000.00"), "")
    assert world.cash() == 0
    assert ledger.balance(world.book, "liabilities:compensation_payable") == 0
    assert ledger.check_books(world.book) == []


def test_cash_spent_between_approval_and_payment_leaves_the_rest_approved_unpaid():
    # fund 1,000,000; two loans of 1,000,000 each, 0 repaid: each claim's 70 % is 700,000 and each is approved
    # against the 1,000,000 the fund holds on its approval date
    world = kunshan_world(capital="1000000")
    a = kunshan_approve(kunshan_submit(kunshan_defaulted_loan(world, "KS-A", 0, amount="1000000", repaid="0")))
    b = kunshan_approve(kunshan_submit(kunshan_defaulted_loan(world, "KS-B", 1, amount="1000000", repaid="0")))
    assert a.fund_payable == b.fund_payable == D("700000.00")
    assert ledger.balance(world.book, "liabilities:compensation_payable") == D("-1400000.00")

    a = claims.pay(a, on=d("2026-06-12"), actor="管理人")
    assert a.paid_amount == D("700000.00") and world.cash() == D("300000.00")

    # B gets the 300,000 left; 400,000 stays approved but unpaid
    b = claims.pay(b, on=d("2026-06-12"), actor="管理人")
    assert (b.status, b.paid_amount, b.unfunded, b.next_step) == (Claim.PAID, D("300000.00"), D("400000.00"),
                                                                   "payment")
    assert "400000.00 approved but unpaid" in b.steps.filter(step="payment").get().reason
    assert world.cash() == 0  # never negative
    assert ledger.balance(world.book, "liabilities:compensation_payable") == D("-400000.00")
    assert ledger.check_books(world.book) == []

    # with no cash the fund cannot pay anything more: the request is refused and nothing changes
    with pytest.raises(ClaimError, match="no cash") as e:
        claims.pay(b, on=d("2026-06-15"), actor="管理人")
    assert e.value.article == "第三条"

    # new capital: the rest of the approved payable is paid
    registry.inject_capital(world.fund, d("2026-07-01"), D("500000"), actor="财政局", key="top-up")
    b = claims.pay(b, on=d("2026-07-02"), actor="管理人")
    assert (b.paid_amount, b.unfunded, b.next_step, b.paid_on) == (D("700000.00"), D("0.00"), "", d("2026-06-12"))
    assert world.cash() == D("100000.00")
    assert ledger.balance(world.book, "liabilities:compensation_payable") == 0
    assert [s.done_on for s in b.steps.filter(step="payment")] == [d("2026-06-12"), d("2026-07-02")]
    assert ledger.check_books(world.book) == []

    # fully paid: nothing more to pay
    with pytest.raises(ClaimError, match="only an approved claim"):
        claims.pay(b, on=d("2026-07-03"), actor="管理人")


def test_payment_dated_before_a_later_outflow_cannot_take_that_cash():
    # 1,000,000 held; A's 700,000 is paid on 06-20; B (700,000) is then paid with an earlier date (06-15):
    # the 1,000,000 held on 06-15 is not all free, since 700,000 of it leaves on 06-20.
    world = kunshan_world(capital="1000000")
    a = kunshan_approve(kunshan_submit(kunshan_defaulted_loan(world, "KS-A", 0, amount="1000000", repaid="0")))
    b = kunshan_approve(kunshan_submit(kunshan_defaulted_loan(world, "KS-B", 1, amount="1000000", repaid="0")))
    claims.pay(a, on=d("2026-06-20"), actor="管理人")
    b = claims.pay(b, on=d("2026-06-15"), actor="管理人")
    assert (b.paid_amount, b.unfunded) == (D("300000.00"), D("400000.00"))
    assert world.cash() == 0
    assert ledger.check_books(world.book) == []
