"""A claim from the lender's page submission with its documents, through the four reviews by the fund manager
and the finance bureau (different users), to the payment: each step by the role the policy names, the books
updated (kezhou 第十三条, 第十四条, 第十五条, 第十六条)."""

from decimal import Decimal

import pytest

from riskpool.claims.models import Claim
from riskpool.ledger import services as ledger
from riskpool.loans.models import Loan
from riskpool.web.models import ClaimDocument

from test_claims_support import (CLAIM, KEZHOU_REVIEWS, act, claim_url, claim_world, files_on_disk, media,  # noqa: F401
                                 review, submit)

pytestmark = pytest.mark.django_db


def test_submit_reviews_pay_with_different_users_updates_the_books(media):
    w, loan, p = claim_world()
    cash_before = w.cash()

    r = submit(p.bank)
    assert r.status_code == 302 and r["Location"] == claim_url()
    claim = Claim.objects.get(code=CLAIM)
    assert claim.decision["outcome"] == "approved"
    assert (claim.loss_base, claim.fund_payable) == (Decimal("1345000.00"), Decimal("672500.00"))
    docs = list(ClaimDocument.objects.filter(claim=claim).order_by("document"))
    assert [x.document for x in docs] == sorted(["application", "loan_contract", "loss_statement",
                                                 "recovery_measures"])
    assert all(x.content_type == "application/pdf" and len(x.sha256) == 64 and x.uploaded_by == "bank-clerk"
               for x in docs)
    assert len(files_on_disk(media)) == 4

    page = p.bank.get(claim_url())
    text = page.content.decode()
    assert page.status_code == 200
    assert "1,345,000.00" in text and "672,500.00" in text
    assert "LOSS_BASE" in text and "[第十三条（四）]" in text and "[第十五条]" in text

    # the fund manager sees the first review's form; the lender does not
    assert 'value="first_review"' in p.manager.get(claim_url()).content.decode()
    assert 'name="decision"' not in text

    for step, on, who in KEZHOU_REVIEWS:
        r = review(getattr(p, who), step, on)
        assert r.status_code == 302, (step, r.content.decode()[:2000])
    claim.refresh_from_db()
    assert claim.approved_on.isoformat() == "2026-11-09" and claim.next_step == "payment"
    assert ledger.balance(w.book, "liabilities:compensation_payable") == Decimal("-672500.00")

    r = act(p.manager, "pay", "2026-11-16", step="payment")
    assert r.status_code == 302
    claim.refresh_from_db()
    assert claim.status == Claim.PAID and claim.paid_amount == Decimal("672500.00")
    assert w.cash() == cash_before - Decimal("672500.00")
    assert ledger.balance(w.book, "liabilities:compensation_payable") == 0
    loan.refresh_from_db()
    assert loan.status == Loan.COMPENSATED

    # who did each step, and when
    assert [(s.step, s.actor, s.done_on.isoformat()) for s in claim.steps.all()] == [
        ("submitted", "bank-clerk", "2026-09-29"), ("first_review", "manager-1", "2026-10-12"),
        ("bureau_review", "bureau-1", "2026-10-26"), ("government_approval", "bureau-2", "2026-11-05"),
        ("compensation_notice", "bureau-1", "2026-11-09"), ("payment", "manager-1", "2026-11-16")]
    text = p.bureau.get(claim_url()).content.decode()
    assert "bureau-2" in text and "kz-bureau 名称" in text and "2026-11-05" in text
    assert "5个工作日" in text  # first review: 第十四条, 5 working days

    # the list shows it, paid
    listing = p.manager.get("/claims/?status=paid").content.decode()
    assert CLAIM in listing and "672,500.00" in listing
