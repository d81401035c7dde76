"""四眼原则: the user who did the step before (or submitted the claim) may not do the next one. The claim page
shows why — not a bare error page — and records nothing; another user of the same institution then can."""

import pytest

from riskpool.claims.models import Claim

from test_claims_support import claim_url, claim_world, counts, media, review, submit  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_same_user_twice_in_a_row_is_shown_the_four_eyes_rule(media):
    w, loan, p = claim_world()
    assert submit(p.bank).status_code == 302
    assert review(p.manager, "first_review", "2026-10-12").status_code == 302
    assert review(p.bureau, "bureau_review", "2026-10-26").status_code == 302

    # bureau-1 did the bureau review: it may not record the government's approval too
    page = p.bureau.get(claim_url()).content.decode()
    assert "四眼原则" in page and 'value="government_approval"' not in page
    before = counts()
    r = review(p.bureau, "government_approval", "2026-11-05")
    assert r.status_code == 403
    text = r.content.decode()
    assert "四眼原则" in text and "bureau-1" in text and "第十四条" in text
    assert "代偿申请" in text and "办理流程" in text  # the claim page itself, with the message
    assert counts() == before
    assert Claim.objects.get().next_step == "government_approval"

    assert 'value="government_approval"' in p.bureau2.get(claim_url()).content.decode()
    assert review(p.bureau2, "government_approval", "2026-11-05").status_code == 302
