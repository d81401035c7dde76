"""Refusals are shown with their reasons and articles, never a traceback: a claim the rules refuse shows the
blocking reason ("LENDER_TERMINATED_BEFORE_LOAN [第二十五条（二）]"); approving the last review while a
document is missing is refused (400) with "DOCUMENT_MISSING [第十三条（四）]" and nothing changes; a step out
of order names its article; a refusal at a review needs a reason, and ends the claim."""

import pytest

from riskpool.claims.models import Claim
from riskpool.loans.models import Loan

from test_claims_support import (KEZHOU_REVIEWS, claim_url, claim_world, counts, media, review,  # noqa: F401
                                 submission, submit_url)

pytestmark = pytest.mark.django_db


def test_a_claim_the_rules_refuse_shows_the_blocking_reason_and_its_article(media):
    w, loan, p = claim_world()
    r = p.bank.post(submit_url(), submission(cond_lender_terminated_before_loan="yes"))
    assert r.status_code == 302
    text = p.manager.get(claim_url()).content.decode()
    assert "不予代偿" in text
    assert 'class="blocking"><code>LENDER_TERMINATED_BEFORE_LOAN</code> <span class="article">[第二十五条（二）]</span>' in text


def test_approving_with_a_document_missing_is_refused_with_the_reason(media):
    w, loan, p = claim_world()
    assert p.bank.post(submit_url(), submission(documents=["application", "loan_contract", "loss_statement"])
                       ).status_code == 302
    claim = Claim.objects.get()
    assert claim.decision["outcome"] == "incomplete"
    for step, on, who in KEZHOU_REVIEWS[:3]:
        assert review(getattr(p, who), step, on).status_code == 302
    before = counts()
    r = review(p.bureau, "compensation_notice", "2026-11-09")
    assert r.status_code == 400
    text = r.content.decode()
    assert "DOCUMENT_MISSING" in text and "[第十三条（四）]" in text and "未能办理" in text
    assert counts() == before

    # the lender supplements the missing document; the approval then goes through
    from test_claims_support import PDF, upload

    r = p.bank.post(claim_url(), {"action": "supplement", "key": "sup-1", "on": "2026-11-06",
                                  "doc_recovery_measures": upload("measures.pdf", PDF)})
    assert r.status_code == 302
    assert Claim.objects.get().decision["outcome"] == "approved"
    assert review(p.bureau, "compensation_notice", "2026-11-09").status_code == 302


def test_a_step_out_of_order_and_a_refusal_without_reason(media):
    w, loan, p = claim_world()
    assert p.bank.post(submit_url(), submission()).status_code == 302
    r = review(p.bureau, "bureau_review", "2026-10-12")
    assert r.status_code == 400 and "out of order" in r.content.decode() and "[第十四条]" in r.content.decode()
    r = review(p.manager, "first_review", "2026-10-12", approve=False)
    assert r.status_code == 400 and "理由" in r.content.decode()
    assert Claim.objects.get().status == Claim.OPEN

    # a second claim on the loan while this one is open: refused, with its article
    before = counts()
    r = p.bank.post(submit_url(), submission())
    assert r.status_code == 400 and "未能办理" in r.content.decode() and "[第十三条（四）]" in r.content.decode()
    assert counts() == before

    r = review(p.manager, "first_review", "2026-10-12", approve=False, reason="材料与贷款档案不符")
    assert r.status_code == 302
    claim = Claim.objects.get()
    assert claim.status == Claim.REFUSED
    assert Loan.objects.get(pk=loan.pk).status == Loan.FILED
    text = p.bank.get(claim_url()).content.decode()
    assert "材料与贷款档案不符" in text and "不予通过" in text
