"""A review step is done by the role the policy names (accounts.authorize.STEP_ROLES): the lender or the finance
bureau posting the fund manager's first review is refused with 403 and nothing is recorded; the form is not
even shown to them."""

import pytest

from riskpool.claims.models import Claim

from test_claims_support import claim_url, claim_world, counts, media, review, submit  # noqa: F401

pytestmark = pytest.mark.django_db


def test_a_review_by_the_wrong_role_is_403_and_changes_nothing(media):
    w, loan, p = claim_world()
    assert submit(p.bank).status_code == 302
    before = counts()
    for client in (p.bank2, p.bureau, p.guarantor):
        r = review(client, "first_review", "2026-10-12")
        assert r.status_code == 403
        assert "资金管理人" in r.content.decode()
        assert counts() == before
    assert Claim.objects.get().next_step == "first_review"
    for client in (p.bank2, p.bureau, p.guarantor):
        assert 'name="decision"' not in client.get(claim_url()).content.decode()
    assert review(p.manager, "first_review", "2026-10-12").status_code == 302


def test_a_payment_by_the_finance_bureau_is_403(media):
    w, loan, p = claim_world()
    assert submit(p.bank).status_code == 302
    for step, on, who in [("first_review", "2026-10-12", "manager"), ("bureau_review", "2026-10-26", "bureau"),
                          ("government_approval", "2026-11-05", "bureau2"),
                          ("compensation_notice", "2026-11-09", "bureau")]:
        assert review(getattr(p, who), step, on).status_code == 302
    from test_claims_support import act

    before = counts()
    assert act(p.bureau2, "pay", "2026-11-16", step="payment").status_code == 403
    assert counts() == before
    assert Claim.objects.get().status == Claim.OPEN
