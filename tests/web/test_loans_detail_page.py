"""A loan's page: its facts, the filing decision's reasons with their articles, repayments, notices with due
dates, its claim (linked to the claim page) and its audit trail."""

from __future__ import annotations

import pytest
from django.urls import reverse

from claims.conftest import kezhou_submit

from conftest_loans import login, loan_world

pytestmark = pytest.mark.django_db


def test_the_loan_page_shows_decision_repayments_notices_and_claim():
    lw = loan_world()
    claim = kezhou_submit(lw.loan)
    page = login("kz-bank").get(f"/loans/{lw.loan.code}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "阿图什棉纺有限公司1" in text and "2,000,000.00" in text and "1,500,000.00" in text
    assert "LEVERAGE" in text and "[第二条]" in text and "PER_BORROWER_CAP" in text and "[第九条]" in text
    assert "2025-12-01" in text and "500,000.00" in text and "40,000.00" in text  # the repayment
    for notice in lw.loan.notices.all():
        assert notice.due_on.isoformat() in text and notice.article in text
    assert reverse("web:claim", args=[claim.code]) in text
    assert reverse("web:audit_record", args=["loan", lw.loan.code]) in text
    # the lender's forms: repayment, arrears, extension
    for action in ("repay", "arrears", "extend"):
        assert f"/loans/act/{action}/{lw.loan.code}" in text
