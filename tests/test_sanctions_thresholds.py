"""Sanctions and thresholds: kezhou-industry 第二十五条, kunshan-kunyurong 第二十三条, and the five-tier
risk class by days past due (《商业银行金融资产风险分类办法》2023)."""

import datetime as dt
from decimal import Decimal

import pytest

from conftest import d
from riskpool.rules.sanctions import after_compensation, check_lender, check_program, npl_ratio, risk_class

ON = d("2026-12-31")


def test_kezhou_article_25_2_npl_above_5pct_terminates(kezhou):
    at = check_lender(kezhou, ON, npl_outstanding=Decimal("5000000"), total_outstanding=Decimal("100000000"))
    assert at.approved and at.details["action"] is None  # exactly 5 % is not "> 5 %"
    above = check_lender(kezhou, ON, npl_outstanding=Decimal("5000000.01"), total_outstanding=Decimal("100000000"))
    assert above.outcome == "refused" and above.details["action"] == "terminate"
    assert [r.article for r in above.reasons if r.blocking] == ["第二十五条（二）"]


def test_kunshan_article_23_lender_compensation_above_50pct_suspends(kunshan):
    at = check_lender(kunshan, ON, annual_compensation=Decimal("5000000"), annual_financing=Decimal("10000000"))
    assert at.approved
    above = check_lender(kunshan, ON, annual_compensation=Decimal("5000000.01"), annual_financing=Decimal("10000000"))
    assert above.details["action"] == "suspend"


def test_kunshan_article_23_programme_wide_above_50pct_suspends_all(kunshan):
    assert check_program(kunshan, ON, annual_compensation=Decimal("50"), annual_financing=Decimal("100")).approved
    r = check_program(kunshan, ON, annual_compensation=Decimal("50.01"), annual_financing=Decimal("100"))
    assert r.outcome == "refused" and r.details["action"] == "suspend"


def test_programs_without_a_ratio_rule_never_suspend(pingluo):
    r = check_lender(pingluo, ON, npl_outstanding=Decimal("99"), total_outstanding=Decimal("100"),
                     annual_compensation=Decimal("99"), annual_financing=Decimal("100"))
    assert r.approved and r.details["action"] is None


def test_kezhou_article_25_1_compensated_firm_leaves_whitelist_and_evaders_blacklisted(kezhou, pingluo):
    r = after_compensation(kezhou, ON, malicious_evasion=True)
    # "当年…取消白名单支持资格": barred from the whitelist to the end of the year of the payment
    assert r.details == {"delist": True, "blacklist": True, "relist_barred_until": dt.date(ON.year, 12, 31)}
    assert after_compensation(pingluo, ON).details == {"delist": False, "blacklist": False,
                                                       "relist_barred_until": None}


@pytest.mark.parametrize("days, code", [
    (0, "normal"), (1, "special_mention"), (90, "special_mention"), (91, "substandard"), (270, "substandard"),
    (271, "doubtful"), (360, "doubtful"), (361, "loss"), (5000, "loss"),
])
def test_five_tier_risk_class_by_days_past_due(days, code):
    assert risk_class(days).code == code


def test_npl_ratio_counts_substandard_doubtful_loss():
    npl, total, ratio = npl_ratio([(Decimal("90"), 0), (Decimal("5"), 90), (Decimal("3"), 91), (Decimal("2"), 400)])
    assert (npl, total, ratio) == (Decimal("5"), Decimal("100"), Decimal("0.05"))


def test_kunshan_article_23_compensation_in_a_year_without_new_financing_suspends(kunshan):
    r = check_lender(kunshan, ON, annual_compensation=Decimal("100"), annual_financing=Decimal("0"))
    assert r.outcome == "refused" and r.details["action"] == "suspend"
    assert check_lender(kunshan, ON, annual_compensation=Decimal("0"), annual_financing=Decimal("0")).approved
