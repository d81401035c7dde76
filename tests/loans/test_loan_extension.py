"""Extensions (展期): kezhou 第十一条 within the five-year term (第九条); kunshan 6–60 months (第十二条);
pingluo 第十一条6 — an extension is a restructuring: the borrower is excluded and the claim refused."""

import datetime as dt
from decimal import Decimal

import pytest

from riskpool.claims import services as claims
from riskpool.loans import services as loans
from riskpool.programs import services as programs
from riskpool.registry import services as registry

pytestmark = pytest.mark.django_db
D = Decimal
FARMER = {"local_household": True, "maturity_date": "2028-11-03", "current_arrears": False,
          "max_consecutive_days_past_due_24m": 0, "overdue_periods_24m": 0, "major_litigation": False,
          "criminal_case": False, "restructurings": []}


def pingluo_loan():
    program = programs.get("pingluo-puhui-yidai")
    fund = registry.create_fund("pl", "平罗", ["pingluo-puhui-yidai"], actor="x")
    registry.inject_capital(fund, dt.date(2025, 10, 23), D("1000000"), actor="x")
    bank = registry.register_institution("b", "银行", "lender")
    guarantor = registry.register_institution("g", "担保", "guarantor")
    registry.sign_agreement(bank, program, role="lender", start=dt.date(2025, 10, 23), end=dt.date(2030, 10, 23),
                            actor="x")
    farmer = registry.register_borrower("640221198003120015", "马某", kind="farmer", facts=FARMER)
    registry.whitelist_step(program, farmer, "lender_determination", on=dt.date(2025, 10, 24), actor="b")
    return program, farmer, loans.file_loan(code="PL-1", program=program, lender=bank, guarantor=guarantor,
                                            borrower=farmer, amount=D("100000"), issue_date=dt.date(2025, 11, 3),
                                            term_months=12, guarantee_fee_rate=D("0.002"), actor="b")


def test_pingluo_article_11_6_extension_voids_the_claim_and_excludes_the_borrower():
    program, farmer, loan = pingluo_loan()
    loan = loans.extend(loan, on=dt.date(2026, 10, 20), months=12, actor="b")
    assert loan.maturity_date == dt.date(2027, 11, 3) and loan.claim_conditions == {"borrower_restructured": True}
    loan = loans.report_arrears(loan, on=dt.date(2027, 11, 10), overdue_since=dt.date(2027, 11, 4), actor="b")
    # the lender states the borrower was not restructured; the records say otherwise
    claim = claims.submit_claim(loan, on=dt.date(2027, 12, 1), documents=["application"], actor="b", conditions={
        "lender_collected": True, "collateral_disposed": True, "unable_to_repay_confirmed": True,
        "borrower_restructured": False})
    assert claim.decision["outcome"] == "refused"
    assert [(r["code"], r["article"]) for r in claim.decision["reasons"] if r["blocking"]] == [
        ("RESTRUCTURED_BORROWER", "第十一条6")]
    farmer.refresh_from_db()
    assert farmer.facts["restructurings"] == ["extension"]
    from riskpool.rules.admission import admit

    assert "NOT_RESTRUCTURED" in admit(program.policy, dt.date(2027, 12, 1), farmer.facts).codes()


def test_kunshan_article_12_extension_within_60_months(kunshan_world):
    program, _, lender, firm = kunshan_world
    loan = loans.file_loan(code="KS-1", program=program, lender=lender, borrower=firm, amount=D("100000"),
                           issue_date=dt.date(2025, 3, 10), term_months=48, actor="l")
    loan = loans.extend(loan, on=dt.date(2026, 1, 5), months=12, actor="l")
    assert loan.term_months == 60 and loan.claim_conditions == {}
    with pytest.raises(loans.LoanError, match=r"61 months exceeds 60 months \(第十二条\)"):
        loans.extend(loan, on=dt.date(2026, 2, 5), months=1, actor="l")
