"""数据隔离 on the loan pages: a lender sees only its own loans, a guarantor the loans it guarantees, the bureau
and the fund manager all; another lender's loan is 404 (page and forms); an industry department has no loan
pages (403)."""

from __future__ import annotations

import pytest

from riskpool.loans.models import Repayment

from conftest_loans import counts, filing, login, loan_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def lw():
    return loan_world()


def test_a_lender_lists_only_its_own_loans(lw):
    page = login("kz-bank").get("/loans/")
    assert page.status_code == 200
    text = page.content.decode()
    assert lw.loan.code in text and lw.other_loan.code not in text
    assert "2,000,000.00" in text and "1,500,000.00" in text  # amount and outstanding, thousands separators

    other = login("other-bank").get("/loans/").content.decode()
    assert lw.other_loan.code in other and lw.loan.code not in other


def test_another_lenders_loan_page_and_forms_are_not_found(lw):
    client = login("other-bank")
    assert client.get(f"/loans/{lw.loan.code}/").status_code == 404
    before = counts()
    for action, data in (("repay", {"principal": "1", "interest": "0"}),
                         ("arrears", {"overdue_since": "2026-03-01", "unpaid_interest": "0"}),
                         ("extend", {"months": "3"}), ("cure", {}), ("notice", {"kind": "repayment_notice"})):
        response = client.post(f"/loans/act/{action}/{lw.loan.code}",
                               {"key": "0b7c4a2e-5d1f-4a8e-9c3b-2f6e1d0a9b87", "on": "2026-03-20", **data})
        assert response.status_code == 404, action
    assert counts() == before
    # and nothing on the other lender's page says the loan exists
    assert lw.loan.code not in client.get("/loans/").content.decode()


def test_a_guarantor_sees_the_loans_it_guarantees_without_the_lenders_forms(lw):
    client = login("kz-guarantee")
    text = client.get("/loans/").content.decode()
    assert lw.loan.code in text and lw.other_loan.code not in text  # other-guarantee guarantees other-bank's
    page = client.get(f"/loans/{lw.loan.code}/")
    assert page.status_code == 200 and "登记还款" not in page.content.decode()
    assert client.get(f"/loans/{lw.other_loan.code}/").status_code == 404
    # the lender's acts are the lender's: a guarantor is refused (403), nothing written
    response = client.post(f"/loans/act/repay/{lw.loan.code}", {"key": "0b7c4a2e-5d1f-4a8e-9c3b-2f6e1d0a9b87",
                                                                "on": "2026-03-20", "principal": "1",
                                                                "interest": "0"})
    assert response.status_code == 403 and Repayment.objects.filter(loan=lw.loan).count() == 1
    assert client.get("/loans/file/").status_code == 403


def test_an_industry_department_has_no_loan_pages(lw):
    client = login("kz-dept", "industry_department")
    assert client.get("/loans/").status_code == 403
    assert client.get(f"/loans/{lw.loan.code}/").status_code == 403
    assert client.get("/loans/file/").status_code == 403
    assert client.post("/loans/file/", filing()).status_code == 403


def test_the_bureau_sees_every_loan_and_filters_by_status_and_program(lw):
    client = login("kz-bureau", "finance_bureau")
    text = client.get("/loans/").content.decode()
    assert lw.loan.code in text and lw.other_loan.code in text
    assert client.get(f"/loans/{lw.other_loan.code}/").status_code == 200
    filtered = client.get("/loans/", {"status": "repaid"}).content.decode()
    assert lw.loan.code not in filtered and lw.other_loan.code not in filtered
    by_program = client.get("/loans/", {"program": "kezhou-industry", "status": "filed"}).content.decode()
    assert lw.loan.code in by_program and lw.other_loan.code in by_program
    assert lw.loan.code not in client.get("/loans/", {"program": "kunshan-kunyurong"}).content.decode()


def test_the_list_is_paginated(lw, monkeypatch):
    from riskpool.web.views import loans

    monkeypatch.setattr(loans, "PAGE_SIZE", 1)
    client = login("kz-bureau", "finance_bureau")
    first, second = client.get("/loans/").content.decode(), client.get("/loans/", {"page": 2}).content.decode()
    assert "第 1 / 2 页" in first and "第 2 / 2 页" in second
    shown = [code for code in (lw.loan.code, lw.other_loan.code) if code in first]
    assert len(shown) == 1 and shown[0] not in second
