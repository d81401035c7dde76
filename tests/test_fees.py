"""Fees: kezhou-industry 第二十一条/第二十二条 management fee; pingluo-puhui-yidai 第十三条 guarantee-fee subsidy."""

from decimal import Decimal

from conftest import d
from riskpool.rules.fees import guarantee_fee_subsidy, management_fee

ON = d("2026-12-31")


def test_kezhou_article_21_management_fee_8pct_of_income(kezhou):
    r = management_fee(kezhou, ON, annual_income=Decimal("1234567.89"))
    assert r.amounts["fee"] == Decimal("98765.43")  # 98,765.4312 rounded half up to the fen


def test_kezhou_article_22_audit_paid_from_the_fee(kezhou):
    r = management_fee(kezhou, ON, annual_income=Decimal("1000000"), audit_cost=Decimal("30000"))
    assert r.amounts == {"fee": Decimal("80000.00"), "audit": Decimal("30000"), "manager_net": Decimal("50000.00")}
    too_dear = management_fee(kezhou, ON, annual_income=Decimal("100000"), audit_cost=Decimal("8000.01"))
    assert too_dear.outcome == "refused" and too_dear.codes()[-1] == "AUDIT_FROM_FEE"


def test_kezhou_article_21_no_fee_on_a_loss_year(kezhou):
    assert management_fee(kezhou, ON, annual_income=Decimal("-5000")).amounts["fee"] == 0


def test_kunshan_has_no_management_fee_out_of_income(kunshan):
    assert management_fee(kunshan, ON, annual_income=Decimal("1000000")).amounts["fee"] == 0


def test_pingluo_article_13_subsidy_capped_at_0_2pct_first_year_once(pingluo):
    one_year = guarantee_fee_subsidy(pingluo, ON, guaranteed_amount=Decimal("1000000"), fee_rate=Decimal("0.002"),
                                     term_months=36, borrower_already_subsidised=False)
    assert one_year.amounts["subsidy"] == Decimal("2000.00")
    six_months = guarantee_fee_subsidy(pingluo, ON, guaranteed_amount=Decimal("1000000"), fee_rate=Decimal("0.0015"),
                                       term_months=6, borrower_already_subsidised=False)
    assert six_months.amounts["subsidy"] == Decimal("750.00")
    again = guarantee_fee_subsidy(pingluo, ON, guaranteed_amount=Decimal("1000000"), fee_rate=Decimal("0.002"),
                                  term_months=12, borrower_already_subsidised=True)
    assert again.outcome == "refused" and again.amounts["subsidy"] == 0


def test_kezhou_pays_no_guarantee_fee_subsidy(kezhou):
    r = guarantee_fee_subsidy(kezhou, ON, guaranteed_amount=Decimal("1000000"), fee_rate=Decimal("0.01"),
                              term_months=12, borrower_already_subsidised=False)
    assert r.outcome == "refused" and r.amounts["subsidy"] == 0
