"""The "check" button runs the filing rule without writing: every check is shown with its code, article and
message — passed ones too — and a refusal names each blocking check (LEVERAGE, PER_BORROWER_CAP…) with its
article."""

from __future__ import annotations

import pytest

from riskpool.loans.models import Loan

from conftest_loans import counts, filing, login, loan_world

pytestmark = pytest.mark.django_db


def test_check_shows_leverage_and_per_borrower_cap_refusals_with_articles_and_writes_nothing():
    loan_world()  # 1:10 of 100,000,000 (第二条); at most 10,000,000 per borrower (第九条)
    client = login("kz-bank")
    before = counts()
    response = client.post("/loans/file/", {**filing(amount="2000000000"), "check": "1"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "不予备案" in text
    assert "LEVERAGE" in text and "[第二条]" in text
    assert "PER_BORROWER_CAP" in text and "[第九条]" in text
    assert "✓ 通过" in text and "TERM" in text  # the passed checks are shown too
    assert counts() == before and not Loan.objects.filter(code="KZ-WEB-001").exists()


def test_check_of_a_good_loan_lists_every_passed_check_and_writes_nothing():
    loan_world()
    client = login("kz-bank")
    before = counts()
    text = client.post("/loans/file/", {**filing(), "check": "1"}).content.decode()
    assert "可以备案" in text and "✗" not in text
    for code, article in (("LEVERAGE", "第二条"), ("PER_BORROWER_CAP", "第九条"), ("WHITELIST", "第二条"),
                          ("GUARANTEE_FEE", "第八条（二）")):
        assert code in text and f"[{article}]" in text
    assert counts() == before
    # the same form files it for real afterwards
    response = client.post("/loans/file/", {**filing(), "file": "1"})
    assert response.status_code == 302 and Loan.objects.filter(code="KZ-WEB-001").exists()


def test_check_of_an_unknown_borrower_says_so_and_writes_nothing():
    loan_world()
    before = counts()
    text = login("kz-bank").post("/loans/file/", {**filing(borrower="91653001MA7K000444"), "check": "1"}
                                 ).content.decode()
    assert "no borrower" in text and counts() == before
