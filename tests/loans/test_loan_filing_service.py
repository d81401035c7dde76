"""Filing against stored totals (入池备案), notices with working-day due dates, arrears and the five-tier class."""

import datetime as dt
from decimal import Decimal

import pytest

from riskpool.loans import services as loans
from riskpool.loans.models import Loan
from riskpool.programs import services as programs
from riskpool.registry import services as registry

pytestmark = pytest.mark.django_db
D = Decimal


def _file(world, code, amount, on=dt.date(2025, 3, 10), **kw):
    program, fund, lender, firm = world
    return loans.file_loan(code=code, program=program, lender=lender, borrower=firm, amount=D(amount),
                           issue_date=on, term_months=kw.pop("term_months", 24), actor="lender", **kw)


def test_kunshan_article_9_leverage_against_stored_outstanding(kunshan_world):
    # pool 1,000,000 × 15 = 15,000,000 of covered facilities; per borrower at most 15,000,000 (第十条)
    _file(kunshan_world, "A", "10000000")
    _file(kunshan_world, "B", "5000000")
    with pytest.raises(loans.LoanError, match=r"LEVERAGE \[第九条\]"):
        _file(kunshan_world, "C", "0.01")
    assert Loan.objects.count() == 2  # a refused filing writes nothing


def test_repaid_principal_frees_capacity(kunshan_world):
    a = _file(kunshan_world, "A", "15000000")
    loans.repay(a, on=dt.date(2025, 9, 1), principal=D("1000000"), actor="lender")
    assert _file(kunshan_world, "B", "1000000", on=dt.date(2025, 9, 2)).outstanding_principal == D("1000000")


def test_two_equal_repayments_on_one_day_are_two_repayments(kunshan_world):
    a = _file(kunshan_world, "A", "1000000")
    for _ in range(2):
        a = loans.repay(a, on=dt.date(2025, 9, 1), principal=D("100000"), actor="lender")
    assert a.outstanding_principal == D("800000") and a.repayments.count() == 2


def test_full_repayment_releases_the_guarantee(kunshan_world):
    a = _file(kunshan_world, "A", "1000000")
    a = loans.repay(a, on=dt.date(2026, 3, 10), principal=D("1000000"), actor="lender")
    assert a.status == Loan.REPAID and a.released_on == dt.date(2026, 3, 10)
    with pytest.raises(loans.LoanError, match="repaid"):
        loans.repay(a, on=dt.date(2026, 3, 11), principal=D("1"), actor="lender")


def test_kunshan_article_14_risk_event_report_due_in_5_working_days(kunshan_world):
    a = _file(kunshan_world, "A", "1000000")
    a = loans.report_arrears(a, on=dt.date(2026, 10, 1), overdue_since=dt.date(2026, 9, 30), actor="lender")
    notice = a.notices.get(kind="risk_event_report")
    assert (notice.due_on, notice.article) == (dt.date(2026, 10, 13), "第十四条")  # across National Day
    assert notice.overdue(dt.date(2026, 10, 14)) and not notice.overdue(dt.date(2026, 10, 13))


def test_days_past_due_and_five_tier_class(kunshan_world):
    a = _file(kunshan_world, "A", "1000000")
    a = loans.report_arrears(a, on=dt.date(2026, 1, 10), overdue_since=dt.date(2026, 1, 1), actor="lender")
    assert a.days_past_due(dt.date(2026, 3, 31)) == 90 and loans.classify(a, dt.date(2026, 3, 31)).code == "special_mention"
    assert a.days_past_due(dt.date(2026, 4, 1)) == 91 and loans.classify(a, dt.date(2026, 4, 1)).code == "substandard"
    a = loans.report_cure(a, on=dt.date(2026, 4, 2), actor="lender")
    assert loans.classify(a, dt.date(2026, 4, 2)).code == "normal"


def test_kezhou_article_10_and_11_notices_on_filing():
    program = programs.get("kezhou-industry")
    fund = registry.create_fund("kz", "克州", ["kezhou-industry"], actor="x")
    registry.inject_capital(fund, dt.date(2025, 4, 1), D("100000000"), actor="x")
    bank = registry.register_institution("b", "银行", "lender")
    guarantor = registry.register_institution("g", "担保", "guarantor")
    registry.sign_agreement(bank, program, role="lender", start=dt.date(2025, 4, 1), end=dt.date(2030, 3, 31), actor="x")
    firm = registry.register_borrower("91653001MA7K00010L", "棉纺", facts={
        "registered_region": "克孜勒苏柯尔克孜自治州", "registered_on": "2022-04-01", "good_credit": True,
        "stable_cash_flow": True, "tax_compliant": True, "genuine_trade_background": True,
        "no_major_risk_event": True, "repayment_capacity": True, "industries": ["grain_oil"], "stable_employees_6m": 9})
    for step in ["application", "county_review", "prefecture_review", "expert_opinion", "bureau_confirmation", "published"]:
        registry.whitelist_step(program, firm, step, on=dt.date(2025, 9, 1), actor="x")
    loan = loans.file_loan(code="KZ-1", program=program, lender=bank, guarantor=guarantor, borrower=firm,
                           amount=D("1000000"), issue_date=dt.date(2025, 10, 16), term_months=12, actor="b",
                           guarantee_letter_date=dt.date(2025, 9, 26))
    disbursement = loan.notices.get(kind="disbursement")
    # 10 working days after Fri 2025-09-26: 09-28 (make-up Sunday), 09-29, 09-30, 10-09, 10-10, 10-11 (make-up
    # Saturday), 10-13, 10-14, 10-15, 10-16
    assert disbursement.due_on == dt.date(2025, 10, 16) and disbursement.done_on == dt.date(2025, 10, 16)
    assert not disbursement.overdue(dt.date(2026, 1, 1))
    repayment_notice = loan.notices.get(kind="repayment_notice")
    assert repayment_notice.due_on == dt.date(2026, 10, 16)  # maturity
    # 20 working days before Fri 2026-10-16, counting back: 10-15, 14, 13, 12, 10 (make-up Saturday), 09, 08,
    # [National Day], 09-30, 29, 28, [Mid-Autumn 09-25..27], 24, 23, 22, 21, 20 (make-up Sunday), 18, 17, 16, 15, 14
    assert repayment_notice.opens_on == dt.date(2026, 9, 14)


def test_kunshan_article_11_exposure_is_the_borrowers_total_at_the_lender(kunshan_world):
    first = _file(kunshan_world, "A", "4000000")
    second = _file(kunshan_world, "B", "4000000")
    assert first.exposure == D("4000000") and second.exposure == D("8000000")  # → the ≤ 10,000,000 tier
    from riskpool.claims.services import claim_facts
    from riskpool.rules.sharing import share_loss

    facts = claim_facts(second, dt.date(2026, 6, 1), conditions={}, documents=[])
    assert share_loss(kunshan_world[0].policy, dt.date(2026, 6, 1), facts).ratios["fund"] == D("0.60")
