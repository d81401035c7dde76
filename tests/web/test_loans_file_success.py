"""Filing (入池备案) from the page: the loan is filed under the dispatcher, the lender lands on its page; a
double submit (same form key) files it once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from riskpool.audit.models import AuditEvent
from riskpool.loans.models import Loan

from conftest_loans import filing, login, loan_world

pytestmark = pytest.mark.django_db


def test_a_successful_filing_creates_the_loan_once():
    lw = loan_world()
    client = login("kz-bank")
    response = client.post("/loans/file/", {**filing(), "file": "1"})
    assert response.status_code == 302 and response["Location"] == "/loans/KZ-WEB-001/"
    loan = Loan.objects.get(code="KZ-WEB-001")
    assert loan.lender == lw.world.lender and loan.guarantor == lw.world.guarantor
    assert loan.amount == Decimal("1000000.00") and loan.term_months == 24 and loan.filed_on.isoformat() == "2025-08-01"
    assert loan.filing_decision["outcome"] == "approved"
    audit = AuditEvent.objects.get(subject="loan:KZ-WEB-001")
    assert audit.actor == "kz-bank-user" and audit.action == "loans.file_loan"
    # the same form sent again: the first result, no second loan
    again = client.post("/loans/file/", {**filing(), "file": "1"})
    assert again.status_code == 302 and Loan.objects.filter(code="KZ-WEB-001").count() == 1
    assert AuditEvent.objects.filter(subject="loan:KZ-WEB-001").count() == 1
    page = client.get(response["Location"])
    assert page.status_code == 200 and "KZ-WEB-001" in page.content.decode()


def test_the_form_offers_only_the_lenders_programs_and_their_guarantors():
    loan_world()
    text = login("kz-bank").get("/loans/file/").content.decode()
    assert 'value="kezhou-industry"' in text and 'value="kz-guarantee"' in text
    assert 'value="kunshan-kunyurong"' not in text


def test_a_guarantor_without_an_agreement_in_the_lenders_programs_is_refused_on_the_form():
    from riskpool.programs import services as programs
    from riskpool.registry import services as registry
    from riskpool.registry.models import Institution

    from claims.conftest import d

    loan_world()
    stranger = registry.register_institution("ks-guarantee", "昆山担保", Institution.GUARANTOR)
    registry.sign_agreement(stranger, programs.get("kunshan-kunyurong"), role=Institution.GUARANTOR,
                            start=d("2025-01-02"), end=d("2026-12-31"), actor="bureau")
    response = login("kz-bank").post("/loans/file/", {**filing(guarantor="ks-guarantee"), "file": "1"})
    assert response.status_code == 400 and not Loan.objects.filter(code="KZ-WEB-001").exists()
