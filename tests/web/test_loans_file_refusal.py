"""Filing a loan the rule refuses: every blocking reason is shown with its article (never a traceback), the
status says the request was refused (422), and nothing is written."""

from __future__ import annotations

import pytest

from conftest_loans import counts, filing, login, loan_world

pytestmark = pytest.mark.django_db


def test_a_refused_filing_shows_all_blocking_reasons_with_articles():
    loan_world()
    before = counts()
    response = login("kz-bank").post("/loans/file/", {**filing(amount="2000000000", term_months="72",
                                                                guarantee_fee_rate="0.02"), "file": "1"})
    assert response.status_code == 422
    text = response.content.decode()
    for code, article in (("LEVERAGE", "第二条"), ("PER_BORROWER_CAP", "第九条"), ("TERM", "第九条"),
                          ("GUARANTEE_FEE", "第八条（二）")):
        assert code in text and f"[{article}]" in text, code
    assert "Traceback" not in text and counts() == before


def test_a_loan_without_a_guarantor_is_refused_under_article_2():
    loan_world()
    before = counts()
    response = login("kz-bank").post("/loans/file/", {**filing(guarantor=""), "file": "1"})
    assert response.status_code == 422
    text = response.content.decode()
    assert "GUARANTOR_REQUIRED" in text and "[第二条]" in text and counts() == before


def test_a_borrower_not_on_the_whitelist_is_refused():
    from claims.conftest import KEZHOU_FIRM, KEZHOU_USCC
    from riskpool.registry import services as registry

    loan_world()
    registry.register_borrower(KEZHOU_USCC[2], "未入库企业", facts=KEZHOU_FIRM)
    before = counts()
    response = login("kz-bank").post("/loans/file/", {**filing(borrower=KEZHOU_USCC[2]), "file": "1"})
    assert response.status_code == 422
    assert "WHITELIST" in response.content.decode() and counts() == before
