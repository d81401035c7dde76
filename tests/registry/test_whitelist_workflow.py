"""Whitelist workflows as data: kezhou 第七条 (six steps), kunshan 第五条 (recommendation form), pingluo 第十一条2."""

import datetime as dt

import pytest

from riskpool.programs import services as programs
from riskpool.registry import services as registry
from riskpool.registry.models import WhitelistEntry

pytestmark = pytest.mark.django_db
ON = dt.date(2025, 5, 12)
KEZHOU_FACTS = {"registered_region": "克孜勒苏柯尔克孜自治州", "registered_on": "2022-04-01", "good_credit": True,
                "stable_cash_flow": True, "tax_compliant": True, "genuine_trade_background": True,
                "no_major_risk_event": True, "repayment_capacity": True, "industries": ["grain_oil"],
                "stable_employees_6m": 9}
FORM = {"company_name": "昆山某企业", "registered_address": "昆山市", "industry_field": "软件", "financing_need": 300,
        "paid_in_capital": 500, "core_ip": True, "contact": "陈", "contact_phone": "1", "town_officer": "周",
        "town_officer_phone": "2", "reasons": "人才企业"}


def test_kezhou_article_7_six_steps_in_order_then_listed():
    program = programs.get("kezhou-industry")
    firm = registry.register_borrower("91653001MA7K00010L", "棉纺", facts=KEZHOU_FACTS)
    steps = ["application", "county_review", "prefecture_review", "expert_opinion", "bureau_confirmation", "published"]
    with pytest.raises(registry.RegistryError, match="expected 'application' next"):
        registry.whitelist_step(program, firm, "county_review", on=ON, actor="县工信局")
    for step in steps[:-1]:
        entry = registry.whitelist_step(program, firm, step, on=ON, actor="x")
        assert entry.status == WhitelistEntry.IN_PROGRESS and not registry.is_whitelisted(program, firm)
    entry = registry.whitelist_step(program, firm, "published", on=ON, actor="自治州财政局")
    assert entry.status == WhitelistEntry.LISTED and entry.listed_on == ON
    assert [s.step for s in entry.steps.all()] == steps


def test_kezhou_article_7_listing_applies_the_admission_rule():
    program = programs.get("kezhou-industry")
    firm = registry.register_borrower("91653001MA7K00020M", "地产", facts=dict(KEZHOU_FACTS, industries=["real_estate"]))
    for step in ["application", "county_review", "prefecture_review", "expert_opinion", "bureau_confirmation"]:
        registry.whitelist_step(program, firm, step, on=ON, actor="x")
    with pytest.raises(registry.RegistryError, match="EXCLUDED_INDUSTRY"):
        registry.whitelist_step(program, firm, "published", on=ON, actor="自治州财政局")
    assert not registry.is_whitelisted(program, firm)


def test_rejected_step_ends_the_round_and_a_new_round_keeps_the_record():
    program = programs.get("kezhou-industry")
    firm = registry.register_borrower("91653001MA7K00010L", "棉纺", facts=KEZHOU_FACTS)
    registry.whitelist_step(program, firm, "application", on=ON, actor="x")
    entry = registry.whitelist_step(program, firm, "county_review", on=ON, actor="县", approved=False, note="材料不全")
    assert entry.status == WhitelistEntry.REJECTED
    entry = registry.whitelist_step(program, firm, "application", on=ON + dt.timedelta(days=30), actor="x")
    assert entry.cycle == 2 and entry.steps.count() == 3  # the first round's two steps stay on record


def test_kunshan_article_5_recommendation_form_is_checked():
    program = programs.get("kunshan-kunyurong")
    firm = registry.register_borrower("91320583MA1K00030E", "昆山某企业",
                                      facts={"registered_region": "昆山市", "qualifications": [{"kind": "talent_enterprise"}]})
    with pytest.raises(registry.RegistryError, match="missing 推荐理由"):
        registry.whitelist_step(program, firm, "recommendation", on=ON, actor="科技局",
                                form={k: v for k, v in FORM.items() if k != "reasons"})
    registry.whitelist_step(program, firm, "recommendation", on=ON, actor="科技局", form=FORM)
    entry = registry.whitelist_step(program, firm, "inclusion", on=ON, actor="管理人")
    assert entry.status == WhitelistEntry.LISTED and entry.form["core_ip"] is True


def test_pingluo_article_11_2_the_lender_determines_the_whitelist():
    program = programs.get("pingluo-puhui-yidai")
    farmer = registry.register_borrower("640221198003120015", "马某", kind="farmer", facts={
        "local_household": True, "maturity_date": "2027-11-03", "current_arrears": False,
        "max_consecutive_days_past_due_24m": 0, "overdue_periods_24m": 0, "major_litigation": False,
        "criminal_case": False, "restructurings": []})
    entry = registry.whitelist_step(program, farmer, "lender_determination", on=dt.date(2025, 10, 24), actor="银行")
    assert entry.status == WhitelistEntry.LISTED


def test_blacklisted_borrower_is_removed_and_cannot_return():
    program = programs.get("pingluo-puhui-yidai")
    farmer = registry.register_borrower("640221198003120015", "马某", kind="farmer", facts={
        "local_household": True, "maturity_date": "2027-11-03", "current_arrears": False,
        "max_consecutive_days_past_due_24m": 0, "overdue_periods_24m": 0, "major_litigation": False,
        "criminal_case": False, "restructurings": []})
    registry.whitelist_step(program, farmer, "lender_determination", on=dt.date(2025, 10, 24), actor="银行")
    registry.blacklist(farmer, on=dt.date(2026, 1, 5), reason="骗取贷款", article="第二十四条", actor="财政局")
    assert not registry.is_whitelisted(program, farmer)
    with pytest.raises(registry.RegistryError, match="blacklist"):
        registry.whitelist_step(program, farmer, "lender_determination", on=dt.date(2026, 2, 1), actor="银行")


def test_identity_numbers_are_checked_on_registration():
    with pytest.raises(registry.RegistryError, match="GB 32100-2015"):
        registry.register_borrower("91653001MA7K00010M", "错号企业")
    with pytest.raises(registry.RegistryError, match="GB 11643-1999"):
        registry.register_borrower("640221198003120016", "错号农户", kind="farmer")
