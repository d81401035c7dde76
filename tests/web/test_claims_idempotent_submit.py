"""A double submit (the same form, the same key) acts once: one claim, one audit row, one set of document rows,
and the files of the second request are not kept."""

import pytest

from riskpool.audit.models import AuditEvent
from riskpool.claims.models import Claim
from riskpool.web.models import ClaimDocument

from test_claims_support import claim_url, claim_world, files_on_disk, media, submission, submit_url  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_same_form_twice_submits_one_claim(media):
    w, loan, p = claim_world()
    audits = AuditEvent.objects.count()
    first = p.bank.post(submit_url(), submission(key="same-key-1"))
    second = p.bank.post(submit_url(), submission(key="same-key-1"))
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == claim_url()
    assert Claim.objects.count() == 1
    assert AuditEvent.objects.count() == audits + 1
    assert ClaimDocument.objects.count() == 4
    assert len(files_on_disk(media)) == 4

    # the same key with another request is a conflict, shown, and nothing is written
    r = p.bank.post(submit_url(), submission(key="same-key-1", recoveries="1.00"))
    assert r.status_code == 409 and "已经提交过" in r.content.decode()
    assert Claim.objects.count() == 1 and len(files_on_disk(media)) == 4
