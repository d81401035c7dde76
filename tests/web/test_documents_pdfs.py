"""The notices as PDF downloads, filled from the stored records: 还款通知书 and 逾期催收通知书 for a loan,
风险补偿通知书 for an approved claim — each a PDF (``%PDF``), served as application/pdf to download; a document
the records cannot give (no arrears, no approval) is 404."""

import re
from urllib.parse import unquote

import pytest
from django.urls import reverse

from riskpool.loans.models import Loan

from test_claims_support import CLAIM, KEZHOU_REVIEWS, LOAN, claim_world, media, review, submit  # noqa: F401

pytestmark = pytest.mark.django_db


def is_pdf(r, stem: str) -> bool:
    assert r.status_code == 200, r.content[:500]
    assert r["Content-Type"] == "application/pdf"
    assert r["Content-Disposition"].startswith("attachment;") and stem in unquote(r["Content-Disposition"])
    return r.content.startswith(b"%PDF")


def test_repayment_and_overdue_notices_of_a_loan_in_arrears(media):
    w, loan, p = claim_world()
    assert is_pdf(p.bank.get(reverse("web:notice_repayment", args=[LOAN])), "贷款还款通知书")
    assert is_pdf(p.bank.get(reverse("web:notice_overdue", args=[LOAN])), "逾期催收通知书")
    # the guarantor and the overseers may read them too (the loan is in their scope)
    assert p.guarantor.get(reverse("web:notice_overdue", args=[LOAN])).status_code == 200
    assert p.manager.get(reverse("web:notice_repayment", args=[LOAN])).status_code == 200
    # a chosen day to repay by, and a malformed one
    assert p.bank.get(reverse("web:notice_overdue", args=[LOAN]) + "?repay_by=2026-04-30").status_code == 200
    assert p.bank.get(reverse("web:notice_overdue", args=[LOAN]) + "?repay_by=2026-13-01").status_code == 400


def test_no_overdue_notice_for_a_loan_not_in_arrears_no_repayment_notice_for_a_repaid_one(media):
    w, loan, p = claim_world()
    Loan.objects.filter(pk=loan.pk).update(overdue_since=None)
    assert p.bank.get(reverse("web:notice_overdue", args=[LOAN])).status_code == 404
    Loan.objects.filter(pk=loan.pk).update(status=Loan.REPAID)
    r = p.bank.get(reverse("web:notice_repayment", args=[LOAN]))
    assert r.status_code == 404 and "还款通知书" in r.content.decode()


def test_compensation_notice_only_once_the_claim_is_approved(media):
    w, loan, p = claim_world()
    assert submit(p.bank).status_code == 302
    url = reverse("web:notice_compensation", args=[CLAIM])
    assert p.bureau.get(url).status_code == 404  # open, not approved
    for step, on, who in KEZHOU_REVIEWS:
        assert review(getattr(p, who), step, on).status_code == 302
    r = p.bureau.get(url)
    assert is_pdf(r, "风险补偿通知书")
    assert p.bank.get(url).status_code == 200 and p.manager.get(url).status_code == 200
    # the claim page links to it
    assert url in p.bank.get(reverse("web:claim", args=[CLAIM])).content.decode()


def test_the_compensation_notice_carries_the_fund_and_the_article(media):
    """The PDF's metadata (not compressed) names the program and the article it is issued under."""
    w, loan, p = claim_world()
    assert submit(p.bank).status_code == 302
    for step, on, who in KEZHOU_REVIEWS:
        assert review(getattr(p, who), step, on).status_code == 302
    data = p.bureau.get(reverse("web:notice_compensation", args=[CLAIM])).content
    subject = re.search(rb"/Subject \((.*?)(?<!\\)\)", data)
    assert subject is not None
    assert "克州产业发展风险补偿资金管理办法" in pdf_string(subject.group(1)) and "第十六条" in pdf_string(subject.group(1))


def pdf_string(raw: bytes) -> str:
    """A PDF literal string (escapes: \\ddd octal, \\n, \\(, …) as text (UTF-16BE with its BOM, or Latin-1)."""
    out, i = bytearray(), 0
    while i < len(raw):
        c = raw[i]
        if c == 0x5C:  # backslash
            nxt = raw[i + 1:i + 2]
            m = re.match(rb"[0-7]{1,3}", raw[i + 1:i + 4])
            if m:
                out.append(int(m.group(0), 8) & 0xFF)
                i += 1 + len(m.group(0))
                continue
            out += {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}.get(nxt, nxt)
            i += 2
            continue
        out.append(c)
        i += 1
    data = bytes(out)
    return data[2:].decode("utf-16-be") if data.startswith(b"\xfe\xff") else data.decode("latin-1")
