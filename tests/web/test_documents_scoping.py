"""数据隔离 of the downloads: another lender gets 404 for kz-bank's notices, its claim's notice and the files
uploaded with its claim; an unknown record reads the same."""

import pytest
from django.urls import reverse

from riskpool.web.models import ClaimDocument

from test_claims_support import (CLAIM, KEZHOU_REVIEWS, LOAN, claim_world, login, media, review,  # noqa: F401
                                 submit)

pytestmark = pytest.mark.django_db


def test_another_lender_gets_404_for_every_download(media):
    w, loan, p = claim_world()
    assert submit(p.bank).status_code == 302
    for step, on, who in KEZHOU_REVIEWS:
        assert review(getattr(p, who), step, on).status_code == 302
    doc = ClaimDocument.objects.first()
    urls = [reverse("web:notice_repayment", args=[LOAN]), reverse("web:notice_overdue", args=[LOAN]),
            reverse("web:notice_compensation", args=[CLAIM]), reverse("web:claim_document", args=[doc.pk])]
    for url in urls:
        assert p.bank.get(url).status_code == 200, url
        assert p.other.get(url).status_code == 404, url
    industry = login("kz-industry", "industry_department", username="industry-clerk")
    for url in urls:
        assert industry.get(url).status_code == 404, url
    for url in [reverse("web:notice_repayment", args=["NOPE"]), reverse("web:notice_compensation", args=["NOPE"]),
                reverse("web:claim_document", args=[doc.pk + 1000]), reverse("web:recommendation_form", args=[999])]:
        assert p.bank.get(url).status_code == 404, url


def test_downloads_need_a_login(media):
    w, loan, p = claim_world()
    from django.test import Client

    r = Client().get(reverse("web:notice_repayment", args=[LOAN]))
    assert r.status_code == 302 and "login" in r["Location"]
