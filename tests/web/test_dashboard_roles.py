"""Each role's dashboard renders its own figures and nothing of another institution's."""

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
    inst = Institution.objects.filter(code=code).first() or registry.register_institution(code, f"{code} 名称", kind)
    user = User.objects.create_user(f"{code}-user", password="x")
    Membership.objects.create(user=user, institution=inst)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world():
    """kz-bank's defaulted loan with a claim in progress; other-bank's loan in the same fund (another lender)."""
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


def test_the_bureau_sees_every_fund_figure_capacity_claims_lenders_and_charts(world):
    w, loan, claim, other = world
    response = login("kz-bureau", "finance_bureau").get("/?on=2026-10-15")
    assert response.status_code == 200
    page = response.content.decode()
    assert "kz-fund" in page
    assert "100,000,000.00" in page  # capital and money held
    # covered outstanding: 1,500,000 (kz-bank) + 800,000 (other-bank)
    assert "2,300,000.00" in page
    # the capacity under 1:10 of the money held (kezhou 第二条)
    assert "1,000,000,000.00" in page and "第二条" in page
    # the claim in progress with its next step and due date
    assert claim.code in page and claim.next_step in page
    assert claim.next_due_on.isoformat() in page
    # both lenders' ratios with the NPL threshold (kezhou 第二十五条（二）)
    assert "kz-bank" in page and "other-bank" in page and "第二十五条（二）" in page
    # two inline SVG charts
    assert page.count("<svg") == 2 and "<script" not in page


def test_the_fund_manager_sees_the_same_dashboard(world):
    response = login("kz-manager", "fund_manager").get("/?on=2026-10-15")
    assert response.status_code == 200
    assert "kz-fund" in response.content.decode()


def test_the_bureau_sees_an_npl_breach_flagged(world):
    """kz-bank: 1,500,000 outstanding, all non-performing by mid-October (> 90 days past due): 100 % > 5 %."""
    page = login("kz-bureau", "finance_bureau").get("/?on=2026-10-15").content.decode()
    assert "100.00%" in page
    assert "LENDER_NPL_RATIO" in page  # the blocking reason with its article


def test_a_lender_sees_its_own_loans_claims_and_ratios_not_another_lenders(world):
    w, loan, claim, other = world
    response = login("kz-bank").get("/?on=2026-10-15")
    assert response.status_code == 200
    page = response.content.decode()
    assert loan.code in page and claim.code in page
    assert "1,500,000.00" in page  # its outstanding
    assert "第二十五条（二）" in page  # its NPL ratio against the threshold
    assert "100,000,000.00" not in page  # no fund position
    assert other.code not in page and "other-bank" not in page


def test_the_other_lender_does_not_see_kz_banks_loan(world):
    w, loan, claim, other = world
    page = login("other-bank").get("/?on=2026-10-15").content.decode()
    assert other.code in page
    assert loan.code not in page and claim.code not in page


def test_a_guarantor_sees_its_loans_claims_and_its_share(world):
    w, loan, claim, other = world
    page = login("kz-guarantee").get("/?on=2026-10-15").content.decode()
    assert loan.code in page and claim.code in page
    claim.refresh_from_db()
    assert f"{claim.guarantor_share:,.2f}" in page
    stranger = registry.register_institution("stranger-guarantee", "别的担保公司", Institution.GUARANTOR)
    page = login(stranger.code).get("/?on=2026-10-15").content.decode()
    assert loan.code not in page and claim.code not in page


def test_an_industry_department_sees_the_whitelist_per_program(world):
    w, *_ = world
    response = login("kz-dept", "industry_department").get("/?on=2026-10-15")
    assert response.status_code == 200
    page = response.content.decode()
    assert "kezhou-industry" in page
    assert KEZHOU_USCC[0] in page and KEZHOU_USCC[1] in page  # listed
    assert "KZ-2025-001" not in page


def test_the_dashboard_without_a_date_renders(world):
    assert login("kz-bureau", "finance_bureau").get("/").status_code == 200
