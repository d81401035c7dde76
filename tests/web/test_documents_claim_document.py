"""An uploaded claim document downloads as it was stored, with the content type its bytes showed at upload
(not the name's), checked against its SHA-256: a file changed on disk is not served."""

import hashlib

import pytest
from django.urls import reverse

from riskpool.web import uploads
from riskpool.web.models import ClaimDocument

from test_claims_support import PNG, claim_world, media, submission, submit_url  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_stored_file_comes_back_with_its_type_and_checksum(media):
    w, loan, p = claim_world()
    r = p.bank.post(submit_url(), submission(documents=["application"],
                                             files={"doc_loan_contract": ("合同扫描.pdf", PNG)}))
    assert r.status_code == 302
    doc = ClaimDocument.objects.get(document="loan_contract")
    assert (doc.content_type, doc.size, doc.sha256, doc.original_name) == (
        "image/png", len(PNG), hashlib.sha256(PNG).hexdigest(), "合同扫描.pdf")
    r = p.manager.get(reverse("web:claim_document", args=[doc.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    assert r["X-Content-Type-Options"] == "nosniff" and "attachment" in r["Content-Disposition"]
    assert b"".join(r.streaming_content) == PNG

    # tampered with on disk: refused, with a message
    uploads.path_of(doc.stored_path).write_bytes(PNG + b"x")
    r = p.manager.get(reverse("web:claim_document", args=[doc.pk]))
    assert r.status_code == 409 and "SHA-256" in r.content.decode()
    uploads.path_of(doc.stored_path).unlink()
    assert p.manager.get(reverse("web:claim_document", args=[doc.pk])).status_code == 410
