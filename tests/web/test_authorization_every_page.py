"""Every page and every download of the platform, for every role, against every other institution's records:
no read or write it should not allow. Lender B and guarantor B have their own loan and claim; for lender A and
guarantor A every URL of B's records answers 404 (a form 403/404 and nothing written), and no page they can
open shows B's codes. The list below must cover every URL pattern of the platform (a new page without a line
here fails the first test)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import get_resolver

from riskpool.accounts.models import Membership
from riskpool.audit.models import AuditEvent
from riskpool.loans import services as loans
from riskpool.registry import services as registry
from riskpool.registry.models import Institution, WhitelistEntry

from claims.conftest import KEZHOU_USCC, add_borrower, arrears, d, D, kezhou_submit, kezhou_world

pytestmark = pytest.mark.django_db

# (url template, method) — {loan}/{claim}/{entry}/{program}/{borrower}: the OTHER institution's record
PAGES = [
    ("/", "get"), ("/whitelist/", "get"), ("/whitelist/new/", "get"), ("/loans/", "get"), ("/loans/file/", "get"),
    ("/claims/", "get"), ("/reports/", "get"), ("/reports/position/", "get"), ("/audit/", "get"),
    ("/whitelist/{program}/{borrower}/", "get"), ("/whitelist/step/{program}/{borrower}", "post"),
    ("/loans/{loan}/", "get"), ("/loans/act/repay/{loan}", "post"), ("/loans/act/arrears/{loan}", "post"),
    ("/loans/act/extend/{loan}", "post"), ("/loans/act/cure/{loan}", "post"), ("/loans/act/notice/{loan}", "post"),
    ("/claims/new/{loan}/", "get"), ("/claims/new/{loan}/", "post"), ("/claims/{claim}/", "get"),
    ("/claims/{claim}/", "post"), ("/audit/loan/{loan}/", "get"), ("/audit/claim/{claim}/", "get"),
    ("/documents/repayment-notice/{loan}/", "get"), ("/documents/overdue-notice/{loan}/", "get"),
    ("/documents/compensation-notice/{claim}/", "get"), ("/documents/recommendation-form/{entry}/", "get"),
    ("/documents/claim-document/{document}/", "get"),
    ("/jobs/", "get"), ("/jobs/import/", "get"), ("/jobs/import/", "post"), ("/jobs/{job}/", "get"),
    ("/jobs/{job}/report.csv", "get"),
]
RECORD = ("{loan}", "{claim}", "{document}", "{job}")  # pages of one lender's business: 404 for the others


def test_the_walk_covers_every_page():
    def walk(patterns, prefix=""):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            else:
                yield prefix + str(p.pattern)
    ours = {p for p in walk(get_resolver().url_patterns) if not p.startswith(("admin/", "i18n/", "login/",
                                                                               "logout/", "api/"))}
    covered = {t.split("{")[0].lstrip("/") for t, _ in PAGES}
    missing = [p for p in ours if not any(p.split("<")[0] == c or (p.split("<")[0] and c.startswith(p.split("<")[0]))
                                          for c in covered)]
    assert not missing, f"pages not walked: {missing}"


@pytest.fixture
def world():
    w = kezhou_world()
    bank_b = registry.register_institution("bank-b", "乙银行", "lender")
    registry.sign_agreement(bank_b, w.program, role="lender", start=d("2025-04-01"), end=d("2030-03-31"),
                            actor="bureau")
    guarantee_b = registry.register_institution("guarantee-b", "乙担保", "guarantor")
    registry.sign_agreement(guarantee_b, w.program, role="guarantor", start=d("2025-04-02"), end=d("2030-03-31"),
                            actor="bureau")
    firm = add_borrower(w, KEZHOU_USCC[1], "乙企业")
    loan_b = loans.file_loan(code="B-LOAN-1", program=w.program, lender=bank_b, borrower=firm, amount=D(1000000),
                             issue_date=d("2025-06-02"), term_months=24, guarantor=guarantee_b,
                             guarantee_letter_date=d("2025-05-28"), actor="bank-b")
    arrears(loan_b, d("2026-03-10"), d("2026-03-01"))
    claim_b = kezhou_submit(loan_b)
    users = {}
    for code, kind in (("kz-bank", "lender"), ("kz-guarantee", "guarantor"), ("dept", "industry_department"),
                       ("bureau", "finance_bureau"), ("manager", "fund_manager")):
        inst = Institution.objects.filter(code=code).first() or registry.register_institution(code, code, kind)
        users[kind] = User.objects.create_user(f"{code}-user", password="x-long-password")
        Membership.objects.create(user=users[kind], institution=inst)
    entry = WhitelistEntry.objects.get(borrower=firm)
    from django.utils import timezone

    from riskpool.jobs.models import ImportJob

    job_b = ImportJob.objects.create(institution=bank_b, created_by="bank-b-user", kind="loans",  # B's import
                                     file_name=f"{loan_b.code}.csv", stored="files/00/b.csv", sha256="0" * 64,
                                     status="refused", errors=[{"row": 2, "column": "code", "value": loan_b.code,
                                                                "rule": "REFUSED", "article": "", "message": ""}],
                                     created_at=timezone.now())
    return users, {"loan": loan_b.code, "claim": claim_b.code, "entry": entry.pk, "program": w.program.code,
                   "borrower": firm.code, "document": 999999, "job": job_b.pk}


@pytest.mark.parametrize("role", ["lender", "guarantor", "industry_department", "finance_bureau", "fund_manager"])
def test_no_role_reads_or_writes_what_it_should_not(client, world, role):
    users, records = world
    client.force_login(users[role])
    audit_rows = AuditEvent.objects.count()
    for template, method in PAGES:
        url = template.format(**records)
        response = client.get(url) if method == "get" else client.post(url, {"key": "walk", "on": "2026-10-01"})
        status = response.status_code
        assert status != 500, f"{role} {method} {url}: 500"
        other_business = any(r in template for r in RECORD)
        if role in ("lender", "guarantor", "industry_department") and other_business:
            assert status in (403, 404), f"{role} {method} {url}: {status} on another institution's record"
        if role != "finance_bureau" and role != "fund_manager" and template.startswith(("/reports", "/audit/{")):
            assert status in (403, 404), f"{role} {method} {url}: {status}"
        if role not in ("finance_bureau", "fund_manager") and template in ("/reports/", "/audit/"):
            assert status == 403, f"{role} {method} {url}: {status}"
        if role in ("lender", "guarantor", "industry_department") and status == 200 \
                and "html" in response.get("Content-Type", ""):
            body = response.content.decode()
            assert records["loan"] not in body and records["claim"] not in body, f"{role} {url} shows B's record"
    assert AuditEvent.objects.count() == audit_rows, f"{role}: a walk wrote something"
