"""The audit trail: one record's commands (who, when, the request, the result, each changed row before and after)
and its business events; a lender reads its own loans' and claims' only, anything else is 404; the list with its
filters is the finance bureau's and the fund manager's."""

from __future__ import annotations

import dataclasses

import pytest
from django.contrib.auth.models import User
from django.test import Client

from riskpool.accounts.models import Membership
from riskpool.registry import services as registry
from riskpool.registry.models import Institution

from claims.conftest import (KEZHOU_USCC, add_borrower, add_loan, d, kezhou_defaulted_loan, kezhou_submit,
                             kezhou_world)

pytestmark = pytest.mark.django_db


def login(code: str, kind: str | None = None) -> Client:
    inst = Institution.objects.filter(code=code).first() or registry.register_institution(code, code, kind)
    user = User.objects.create_user(f"{code}-user", password="x")
    Membership.objects.create(user=user, institution=inst)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world():
    w = kezhou_world()
    loan = kezhou_defaulted_loan(w)
    claim = kezhou_submit(loan)
    other = registry.register_institution("other-bank", "另一家银行", Institution.LENDER)
    registry.sign_agreement(other, w.program, role=Institution.LENDER, start=d("2025-04-03"), end=d("2030-03-30"),
                            actor="finance bureau")
    firm = add_borrower(w, KEZHOU_USCC[1], "另一家企业")
    other_loan = add_loan(dataclasses.replace(w, lender=other), "OTHER-LOAN-77", firm, "800000",
                          issue_date=d("2025-07-01"), term_months=24)
    return w, loan, claim, other_loan


def test_a_lender_reads_its_own_loans_trail(world):
    w, loan, claim, other = world
    response = login("kz-bank").get(f"/audit/loan/{loan.code}/")
    assert response.status_code == 200
    page = response.content.decode()
    for action in ("loans.file_loan", "loans.repay", "loans.report_arrears", "claims.submit_claim"):
        assert action in page
    # the repayment's changed row: outstanding principal before and after
    assert "outstanding_principal" in page and "2000000.00" in page and "1500000.00" in page
    # the typed business events
    for kind in ("loan.filed", "loan.repaid", "loan.arrears", "claim.submitted"):
        assert kind in page
    assert other.code not in page


def test_a_lender_reads_its_own_claims_trail(world):
    w, loan, claim, other = world
    response = login("kz-bank").get(f"/audit/claim/{claim.code}/")
    assert response.status_code == 200
    assert "claim.submitted" in response.content.decode()


def test_another_lenders_loan_and_claim_are_404(world):
    w, loan, claim, other = world
    bank = login("kz-bank")
    assert bank.get(f"/audit/loan/{other.code}/").status_code == 404
    other_bank = login("other-bank")
    assert other_bank.get(f"/audit/loan/{loan.code}/").status_code == 404
    assert other_bank.get(f"/audit/claim/{claim.code}/").status_code == 404
    assert other_bank.get("/audit/loan/NO-SUCH-LOAN/").status_code == 404


def test_a_lender_cannot_read_fund_borrower_or_whitelist_trails(world):
    w, loan, claim, other = world
    bank = login("kz-bank")
    assert bank.get("/audit/fund/kz-fund/").status_code == 404
    assert bank.get(f"/audit/borrower/{loan.borrower.code}/").status_code == 404
    assert bank.get(f"/audit/whitelist/kezhou-industry:{loan.borrower.code}/").status_code == 404


def test_an_industry_department_reads_no_loan_trail(world):
    w, loan, claim, other = world
    assert login("kz-dept", "industry_department").get(f"/audit/loan/{loan.code}/").status_code == 404


def test_the_bureau_reads_every_kind_of_record(world):
    w, loan, claim, other = world
    bureau = login("kz-bureau", "finance_bureau")
    for url, expect in ((f"/audit/loan/{other.code}/", "loans.file_loan"),
                        (f"/audit/claim/{claim.code}/", "claims.submit_claim"),
                        ("/audit/fund/kz-fund/", "registry.inject_capital"),
                        (f"/audit/borrower/{loan.borrower.code}/", "registry.register_borrower"),
                        (f"/audit/whitelist/kezhou-industry:{loan.borrower.code}/", "registry.whitelist_step")):
        response = bureau.get(url)
        assert response.status_code == 200, url
        assert expect in response.content.decode(), url
    assert bureau.get("/audit/program/kezhou-industry/").status_code == 404  # not a record kind


def test_the_audit_list_is_for_the_bureau_and_the_manager(world):
    assert login("kz-bank").get("/audit/").status_code == 403
    assert login("kz-guarantee").get("/audit/").status_code == 403
    assert login("kz-manager", "fund_manager").get("/audit/").status_code == 200


def test_the_audit_list_filters_by_action_actor_and_date(world):
    w, loan, claim, other = world
    bureau = login("kz-bureau", "finance_bureau")
    page = bureau.get("/audit/", {"action": "loans.file_loan"}).content.decode()
    assert f"loan:{loan.code}" in page and f"loan:{other.code}" in page
    assert "registry.inject_capital" not in page.split("<table")[-1]
    page = bureau.get("/audit/", {"action": "loans.file_loan", "from": "2025-07-01", "to": "2025-07-01"}).content.decode()
    assert f"loan:{other.code}" in page and f"loan:{loan.code}" not in page
    page = bureau.get("/audit/", {"actor": "nobody-at-all"}).content.decode()
    assert f"loan:{loan.code}" not in page


def test_a_bad_date_filter_is_400(world):
    response = login("kz-bureau", "finance_bureau").get("/audit/", {"from": "yesterday"})
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.content.decode()
