"""Kezhou claim workflow, end to end: 第十三条 (claim with interest), 第十四条 (5 and 10 working days),
第十六条 (3 and 5 working days), 第十五条 (50/30/20), 第二十五条（一） (the borrower leaves the whitelist)."""

import pytest

from riskpool.audit.models import AuditEvent
from riskpool.claims import services as claims
from riskpool.claims.models import Claim
from riskpool.claims.services import ClaimError
from riskpool.ledger import services as ledger
from riskpool.loans.models import Loan
from riskpool.registry.models import WhitelistEntry

from .conftest import D, d, fresh, kezhou_defaulted_loan, kezhou_submit, kezhou_world

pytestmark = pytest.mark.django_db


def test_kezhou_six_steps_across_national_day_with_amounts_ledger_and_delisting():
    world = kezhou_world()
    loan = kezhou_defaulted_loan(world)
    claim = kezhou_submit(loan)  # 2026-09-29, the Tuesday before the National Day holiday

    # 第十三条（四）, 第十五条: loss = 2,000,000 − 500,000 repaid − 200,000 recovered + 45,000 unpaid interest
    # = 1,345,000, shared 50 % / 30 % / 20 %.
    assert claim.decision["outcome"] == "approved"
    assert (claim.loss_base, claim.fund_share, claim.guarantor_share, claim.lender_share) == (
        D("1345000.00"), D("672500.00"), D("403500.00"), D("269000.00"))
    assert claim.fund_payable == D("672500.00") and claim.forfeited == 0 and claim.unfunded == 0
    assert fresh(loan).status == Loan.CLAIMED

    # 第十四条: first review within 5 working days of 2026-09-29: 09-30, 10-08, 10-09, 10-10 (make-up
    # Saturday), 10-12.
    assert (claim.next_step, claim.next_due_on) == ("first_review", d("2026-10-12"))

    # out of order: the bureau cannot review before the fund manager, nor can the fund pay
    with pytest.raises(ClaimError, match="expected 'first_review'"):
        claims.review(claim, step="bureau_review", on=d("2026-10-09"), approved=True, actor="自治州财政局")
    with pytest.raises(ClaimError, match="only an approved claim"):
        claims.pay(claim, on=d("2026-10-09"), actor="资金管理人")
    with pytest.raises(ClaimError, match="has no claim step 'audit'"):
        claims.review(claim, step="audit", on=d("2026-10-09"), approved=True, actor="x")

    claim = claims.review(claim, step="first_review", on=d("2026-10-12"), approved=True, actor="资金管理人")
    # 第十四条: the bureau's review within 10 working days of 10-12: 10-13 … 10-16, 10-19 … 10-23, 10-26
    assert (claim.next_step, claim.next_due_on) == ("bureau_review", d("2026-10-26"))

    # the deadline sweep sees the claim once its step is overdue
    assert claims.open_claims_overdue(d("2026-10-26")) == []
    assert claims.open_claims_overdue(d("2026-10-27")) == [claim]

    claim = claims.review(claim, step="bureau_review", on=d("2026-10-28"), approved=True, actor="自治州财政局")
    claim = claims.review(claim, step="government_approval", on=d("2026-11-05"), approved=True,
                          actor="自治州人民政府")
    # 第十六条: the notice within 3 working days of the approval (11-06, 11-09, 11-10)
    assert (claim.next_step, claim.next_due_on) == ("compensation_notice", d("2026-11-10"))
    assert ledger.balance(world.book, "liabilities:compensation_payable") == 0  # nothing booked yet

    claim = claims.review(claim, step="compensation_notice", on=d("2026-11-09"), approved=True, actor="自治州财政局")
    # approved: the fund's share is booked as payable (应付代偿款); payment within 5 working days of the notice
    assert claim.approved_on == d("2026-11-09")
    assert (claim.next_step, claim.next_due_on) == ("payment", d("2026-11-16"))
    assert ledger.balance(world.book, "liabilities:compensation_payable") == D("-672500.00")
    assert ledger.balance(world.book, "expenses:compensation") == D("672500.00")
    with pytest.raises(ClaimError, match="done by pay"):
        claims.review(claim, step="payment", on=d("2026-11-16"), approved=True, actor="资金管理人")

    claim = claims.pay(claim, on=d("2026-11-16"), actor="资金管理人")
    assert claim.status == Claim.PAID
    assert (claim.paid_amount, claim.paid_on, claim.unfunded, claim.next_step) == (
        D("672500.00"), d("2026-11-16"), D("0.00"), "")

    steps = [(s.step, s.due_on, s.done_on, s.overdue) for s in claim.steps.all()]
    assert steps == [
        ("submitted", None, d("2026-09-29"), False),
        ("first_review", d("2026-10-12"), d("2026-10-12"), False),
        ("bureau_review", d("2026-10-26"), d("2026-10-28"), True),  # two days late
        ("government_approval", None, d("2026-11-05"), False),
        ("compensation_notice", d("2026-11-10"), d("2026-11-09"), False),
        ("payment", d("2026-11-16"), d("2026-11-16"), False),
    ]
    assert [s.article for s in claim.steps.all()] == ["第十三条（四）", "第十四条", "第十四条", "第十四条", "第十六条",
                                                      "第十六条"]

    # the books: capital 100,000,000 in, 672,500 out as compensation; nothing left payable
    bal = world.balances()
    assert bal["assets:cash"] == D("99327500.00")
    assert bal["expenses:compensation"] == D("672500.00")
    assert bal["liabilities:compensation_payable"] == 0
    assert ledger.check_books(world.book) == []
    # debits: cash 100,000,000 (capital) + expense 672,500 (approval) + payable 672,500 (payment)
    assert ledger.trial_balance(world.book) == (D("101345000.00"), D("101345000.00"))

    # the loan is compensated and its guarantee released; 第二十五条（一）: the firm leaves the whitelist
    loan = fresh(loan)
    assert (loan.status, loan.released_on) == (Loan.COMPENSATED, d("2026-11-16"))
    entry = WhitelistEntry.objects.get(program=world.program, borrower=loan.borrower)
    assert (entry.status, entry.removed_on, entry.removal_article) == (
        WhitelistEntry.REMOVED, d("2026-11-16"), "第二十五条（一）")
    assert claim.code in entry.removal_reason

    # one audit record per state change
    assert list(AuditEvent.objects.filter(action__startswith="claims.").values_list("action", flat=True)) == [
        "claims.submit_claim", "claims.review", "claims.review", "claims.review", "claims.review", "claims.pay"]


def test_kezhou_claim_missing_a_document_is_open_and_cannot_be_approved_until_supplied():
    world = kezhou_world()
    claim = kezhou_submit(kezhou_defaulted_loan(world), documents=["application", "loan_contract", "loss_statement"])
    assert claim.status == Claim.OPEN and claim.decision["outcome"] == "incomplete"
    assert [r["article"] for r in claim.decision["reasons"] if r["code"] == "DOCUMENT_MISSING"] == ["第十三条（四）"]
    for step, on in (("first_review", "2026-10-12"), ("bureau_review", "2026-10-26"),
                     ("government_approval", "2026-11-05")):
        claim = claims.review(claim, step=step, on=d(on), approved=True, actor="reviewer")
    # the last review before payment assesses again: a missing document blocks the approval, nothing changes
    with pytest.raises(ClaimError, match="recovery_measures") as e:
        claims.review(claim, step="compensation_notice", on=d("2026-11-09"), approved=True, actor="自治州财政局")
    assert e.value.article == "第十六条"
    assert fresh(claim).next_step == "compensation_notice"
    assert ledger.balance(world.book, "liabilities:compensation_payable") == 0

    claim = claims.supplement(claim, on=d("2026-11-09"), documents=["recovery_measures"], actor="kz-bank")
    assert claim.decision["outcome"] == "approved"
    claim = claims.review(claim, step="compensation_notice", on=d("2026-11-09"), approved=True, actor="自治州财政局")
    assert claim.next_step == "payment" and claim.fund_payable == D("672500.00")


def test_a_second_claim_on_a_claimed_loan_is_refused():
    world = kezhou_world()
    loan = kezhou_defaulted_loan(world)
    kezhou_submit(loan)
    with pytest.raises(ClaimError, match="is claimed"):
        claims.submit_claim(fresh(loan), on=d("2026-09-30"), conditions={}, documents=[], actor="kz-bank")
    assert Claim.objects.count() == 1
