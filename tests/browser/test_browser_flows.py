"""End to end in a real browser, on the demo: each role logs in; a lender files a loan and sees the refusal
with its article; a claim goes through four-eyes review to payment; a lender opening another lender's loan gets
404; a PDF notice downloads."""

from __future__ import annotations

import re

import pytest

from browser.conftest import shot

ROLES = [("kz-bureau", "finance_bureau"), ("kz-manager", "fund_manager"), ("kz-dept", "industry_department"),
         ("kz-nongshang", "lender"), ("kz-caixin", "guarantor")]


@pytest.mark.parametrize("username,role", ROLES)
def test_each_role_logs_in_to_its_dashboard(login, username, role):
    page = login(username)
    assert username in page.inner_text("header")
    assert page.locator("main h1").count() >= 1
    if role in ("finance_bureau", "fund_manager"):
        assert page.locator("svg.chart").count() >= 1  # charts drawn on the server
    shot(page, f"dashboard-{role}")


def test_a_wrong_password_is_refused(browser, demo_server):
    page = browser.new_page()
    page.goto(demo_server + "/login/")
    page.fill("input[name=username]", "kz-bank")
    page.fill("input[name=password]", "not-the-password")
    page.click("button[type=submit]")
    assert "用户名或密码不正确" in page.inner_text("main")
    shot(page, "login-refused")
    page.close()


def test_a_lender_files_a_loan_and_sees_the_refusal_with_its_article(login, demo_server):
    page = login("kz-nongshang")
    page.goto(demo_server + "/loans/file/")
    page.select_option("select[name=program]", "kezhou-industry")
    page.fill("input[name=code]", "KZ-BROWSER-1")
    page.fill("input[name=borrower]", "91653001MA7K00011P")
    page.fill("input[name=amount]", "20000000")
    page.fill("input[name=issue_date]", "2026-11-20")
    page.fill("input[name=term_months]", "12")
    page.fill("input[name=guarantee_letter_date]", "2026-11-16")
    page.fill("input[name=on]", "2026-11-20")
    guarantor = page.locator("select[name=guarantor]")
    if guarantor.count():
        guarantor.select_option("kz-caixin")
    page.click("button[name=check]")
    text = page.inner_text("main")
    assert "PER_BORROWER_CAP" in text and "第九条" in text
    shot(page, "loan-filing-checks")
    page.click("button[name=file]")
    assert "第九条" in page.inner_text("main")
    page.goto(demo_server + "/loans/KZ-BROWSER-1/")
    assert "未找到" in page.inner_text("main")  # refused: nothing was filed


def test_a_lender_with_a_clean_book_files_a_loan(login, demo_server):
    page = login("kz-guoyou")
    page.goto(demo_server + "/loans/file/")
    page.select_option("select[name=program]", "kezhou-industry")
    page.fill("input[name=code]", "KZ-BROWSER-2")
    page.fill("input[name=borrower]", "91653001MA7K00011P")
    page.fill("input[name=amount]", "1000000")
    page.fill("input[name=issue_date]", "2026-11-20")
    page.fill("input[name=term_months]", "24")
    page.fill("input[name=guarantee_letter_date]", "2026-11-16")
    page.fill("input[name=on]", "2026-11-20")
    page.select_option("select[name=guarantor]", "kz-caixin")
    page.click("button[name=file]")
    page.wait_for_url(demo_server + "/loans/KZ-BROWSER-2/")
    assert "KZ-BROWSER-2" in page.inner_text("main h1")
    shot(page, "loan-filed")


def test_a_claim_through_four_eyes_review_to_payment(login, demo_server):
    claim = demo_server + "/claims/KZ-2026-102-C1/"
    bureau2 = login("kz-bureau-2")
    bureau2.goto(claim)
    shot(bureau2, "claim-review")
    bureau2.check("input[name=decision][value=approve]")
    bureau2.click("form:has(input[name=action][value=review]) button[type=submit]")
    assert "compensation_notice" in bureau2.inner_text("main") or "风险补偿通知书" in bureau2.inner_text("main")
    # four eyes: the user who approved the government's step may not also issue the notice
    bureau2.goto(claim)
    text = bureau2.inner_text("main")
    assert "另一位用户" in text or "four eyes" in text
    bureau = login("kz-bureau")
    bureau.goto(claim)
    bureau.check("input[name=decision][value=approve]")
    bureau.click("form:has(input[name=action][value=review]) button[type=submit]")
    manager = login("kz-manager")
    manager.goto(claim)
    manager.click("form:has(input[name=action][value=pay]) button[type=submit]")
    manager.goto(claim)
    text = manager.inner_text("main")
    assert re.search(r"已支付|paid", text), text[:2000]
    shot(manager, "claim-paid")


def test_another_lenders_loan_is_not_found(login, demo_server):
    page = login("kz-bank")
    response = page.goto(demo_server + "/loans/KZ-2026-101/")
    assert response.status == 404
    assert "KZ-2026-101" not in page.inner_text("main")
    shot(page, "not-found")


def test_a_pdf_notice_downloads(login, demo_server):
    page = login("kz-nongshang")
    response = page.context.request.get(demo_server + "/documents/repayment-notice/KZ-2026-101/")
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/pdf")
    assert response.body().startswith(b"%PDF")
