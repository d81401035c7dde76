"""Refusing a claim (kunshan 第十七条): the decision shows the reason, a person refuses at the review step,
the lender keeps its loan, and the fund's books do not move."""

import pytest

from riskpool.claims import services as claims
from riskpool.claims.models import Claim
from riskpool.claims.services import ClaimError
from riskpool.ledger.models import LedgerTransaction
from riskpool.loans.models import Loan

from .conftest import D, d, fresh, kunshan_approve, kunshan_defaulted_loan, kunshan_submit, kunshan_world

pytestmark = pytest.mark.django_db


def _only_capital_posted(world) -> bool:
    return list(LedgerTransaction.objects.filter(book=world.book).values_list("kind", flat=True)) == [
        "capital_injection"]


def test_kunshan_registration_moved_out_refused_at_manager_review_with_article_17_4():
    world = kunshan_world()
    loan = kunshan_defaulted_loan(world, "KS-001", 0)
    claim = kunshan_submit(loan, registration_moved_out=True)

    # recorded and open: the refusal is the manager's act, with the rule's reason shown
    assert claim.status == Claim.OPEN and claim.next_step == "manager_review"
    assert claim.decision["outcome"] == "refused"
    blocking = [(r["code"], r["article"]) for r in claim.decision["reasons"] if r["blocking"]]
    assert blocking == [("REGISTRATION_MOVED_OUT", "第十七条4")]
    assert claim.fund_payable == 0  # nothing payable on a refused decision; the loss is still shown
    assert claim.loss_base == D("1500000.00")
    assert fresh(loan).status == Loan.CLAIMED

    claim = claims.review(claim, step="manager_review", on=d("2026-06-10"), approved=False, actor="管理人")
    assert claim.status == Claim.REFUSED and claim.next_step == "" and claim.next_due_on is None
    step = claim.steps.get(step="manager_review")
    assert step.approved is False
    assert step.reason.startswith("REGISTRATION_MOVED_OUT [第十七条4] 授信发放后注册地移出昆山")
    assert fresh(loan).status == Loan.FILED  # the lender keeps its loan
    assert _only_capital_posted(world)

    # a refused claim is over: no review, no payment
    with pytest.raises(ClaimError, match="is refused"):
        claims.review(claim, step="manager_review", on=d("2026-06-11"), approved=True, actor="管理人")
    with pytest.raises(ClaimError, match="only an approved claim"):
        claims.pay(claim, on=d("2026-06-11"), actor="管理人")


def test_approval_is_refused_when_the_rule_refuses_on_the_review_date():
    world = kunshan_world()
    claim = kunshan_submit(kunshan_defaulted_loan(world, "KS-001", 0), registration_moved_out=True)
    claim = kunshan_approve(claim)  # the manager approves, the rule (第十七条4) does not
    assert claim.status == Claim.REFUSED
    step = claim.steps.get(step="manager_review")
    assert step.approved is False and "[第十七条4]" in step.reason
    assert fresh(claim.loan).status == Loan.FILED
    assert _only_capital_posted(world)


def test_a_refusal_needs_a_reason_and_a_refused_loan_may_be_claimed_again():
    world = kunshan_world()
    loan = kunshan_defaulted_loan(world, "KS-001", 0)
    claim = kunshan_submit(loan)
    assert claim.decision["outcome"] == "approved"
    with pytest.raises(ClaimError, match="needs a reason"):
        claims.review(claim, step="manager_review", on=d("2026-06-10"), approved=False, actor="管理人")
    claim = claims.review(claim, step="manager_review", on=d("2026-06-10"), approved=False, actor="管理人",
                          reason="诉讼立案材料与系统数据不一致，退回补正")
    assert claim.steps.get(step="manager_review").reason == "诉讼立案材料与系统数据不一致，退回补正"

    # the lender claims again; the new claim is numbered after the refused one and goes through
    again = kunshan_submit(fresh(loan), on=d("2026-07-01"))
    assert again.code == "KS-001-C2" and again.status == Claim.OPEN
    again = claims.pay(kunshan_approve(again, d("2026-07-08")), on=d("2026-07-10"), actor="管理人")
    assert again.paid_amount == D("1050000.00")  # 70 % of 1,500,000 (第十一条, exposure ≤ 5,000,000)
    assert fresh(loan).status == Loan.COMPENSATED
