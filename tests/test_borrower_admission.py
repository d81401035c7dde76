"""Borrower admission: kezhou-industry 第六条, kunshan-kunyurong 第四条, pingluo-puhui-yidai 第三条/第十一条."""

from decimal import Decimal

from conftest import d
from riskpool.rules.admission import admit

KEZHOU_GOOD = {
    "registered_region": "克孜勒苏柯尔克孜自治州", "registered_on": "2022-04-01", "good_credit": True,
    "stable_cash_flow": True, "tax_compliant": True, "genuine_trade_background": True,
    "no_major_risk_event": True, "repayment_capacity": True, "industries": ["green_mining"],
    "stable_employees_6m": 5,
}


def blocking(decision):
    return sorted(r.code for r in decision.reasons if r.blocking)


def test_kezhou_article_6_1_registered_at_least_one_year(kezhou):
    firm = dict(KEZHOU_GOOD, registered_on="2025-04-01")
    assert admit(kezhou, d("2026-03-31"), firm).codes() and blocking(admit(kezhou, d("2026-03-31"), firm)) == [
        "REGISTERED_ONE_YEAR"]
    assert admit(kezhou, d("2026-04-01"), firm).approved  # the anniversary itself counts


def test_kezhou_article_6_1_registered_in_the_prefecture(kezhou):
    firm = dict(KEZHOU_GOOD, registered_region="阿克苏地区")
    assert blocking(admit(kezhou, d("2026-04-01"), firm)) == ["REGISTERED_IN_REGION"]


def test_kezhou_article_6_1_credit_and_tax(kezhou):
    firm = dict(KEZHOU_GOOD, good_credit=False, tax_compliant=False)
    assert blocking(admit(kezhou, d("2026-04-01"), firm)) == ["GOOD_CREDIT", "TAX_COMPLIANT"]


def test_kezhou_article_6_1_5_real_estate_and_private_lending_excluded(kezhou):
    for industry in ("real_estate", "private_lending"):
        firm = dict(KEZHOU_GOOD, industries=["green_mining", industry])
        assert blocking(admit(kezhou, d("2026-04-01"), firm)) == ["EXCLUDED_INDUSTRY"]


def test_kezhou_article_6_2_supported_industries_only(kezhou):
    firm = dict(KEZHOU_GOOD, industries=["software"])
    assert blocking(admit(kezhou, d("2026-04-01"), firm)) == ["SUPPORTED_INDUSTRY"]
    for industry in ("tourism", "oil_gas", "rural_revitalization", "belt_and_road"):
        assert admit(kezhou, d("2026-04-01"), dict(KEZHOU_GOOD, industries=[industry])).approved


def test_kezhou_article_6_3_five_stable_employees_or_half_xinjiang_staff(kezhou):
    on = d("2026-04-01")
    assert admit(kezhou, on, dict(KEZHOU_GOOD, stable_employees_6m=5)).approved
    four = dict(KEZHOU_GOOD, stable_employees_6m=4, xinjiang_staff_ratio="0.49")
    assert blocking(admit(kezhou, on, four)) == ["EMPLOYMENT"]
    assert admit(kezhou, on, dict(four, xinjiang_staff_ratio="0.5")).approved


def test_kezhou_article_6_missing_fact_is_incomplete_not_refused(kezhou):
    firm = {k: v for k, v in KEZHOU_GOOD.items() if k != "tax_compliant"}
    decision = admit(kezhou, d("2026-04-01"), firm)
    assert decision.outcome == "incomplete"
    assert any("tax_compliant" in r.message for r in decision.reasons if r.code == "FACT_MISSING")


def test_kunshan_article_4_registered_in_kunshan_with_one_qualification(kunshan):
    on = d("2026-05-01")
    talent = {"registered_region": "昆山市", "qualifications": [{"kind": "talent_enterprise"}]}
    assert admit(kunshan, on, talent).approved
    assert blocking(admit(kunshan, on, dict(talent, registered_region="苏州市吴中区"))) == ["REGISTERED_IN_REGION"]
    assert blocking(admit(kunshan, on, dict(talent, qualifications=[]))) == ["QUALIFICATION"]


def test_kunshan_article_4_1_high_tech_certificate_valid_on_the_date(kunshan):
    firm = {"registered_region": "昆山市",
            "qualifications": [{"kind": "high_tech_enterprise", "valid_from": "2023-11-01", "valid_to": "2026-10-31"}]}
    assert admit(kunshan, d("2026-10-31"), firm).approved
    assert not admit(kunshan, d("2026-11-01"), firm).approved


def test_kunshan_article_4_3_this_years_tech_sme_registration(kunshan):
    firm = {"registered_region": "昆山市",
            "qualifications": [{"kind": "tech_sme_registration", "valid_from": "2026-03-10"}]}
    assert admit(kunshan, d("2026-12-31"), firm).approved
    assert not admit(kunshan, d("2027-01-01"), firm).approved


def test_kunshan_article_4_4_and_5_index_or_bureau_recognition(kunshan):
    for kind in ("innovation_index_b_confirmed", "other_recognised", "high_tech_candidate_pool"):
        assert admit(kunshan, d("2026-05-01"), {"registered_region": "昆山市", "qualifications": [{"kind": kind}]}).approved


PINGLUO_FARMER = {
    "kind": "farmer", "birth_date": "1970-05-20", "local_household": True, "current_arrears": False,
    "max_consecutive_days_past_due_24m": 0, "overdue_periods_24m": 0, "major_litigation": False,
    "criminal_case": False, "restructurings": [],
}


def test_pingluo_article_11_4_age_18_and_at_most_60_at_maturity(pingluo):
    on = d("2026-03-01")
    # turns 60 on 2030-05-20: maturity that day is still 60 周岁; the day he turns 61 is not
    assert admit(pingluo, on, PINGLUO_FARMER, maturity=d("2031-05-19")).approved
    assert blocking(admit(pingluo, on, PINGLUO_FARMER, maturity=d("2031-05-20"))) == ["AGE"]
    young = dict(PINGLUO_FARMER, birth_date="2008-03-02")
    assert blocking(admit(pingluo, on, young, maturity=d("2027-03-01"))) == ["AGE"]  # 17 on 2026-03-01
    assert admit(pingluo, d("2026-03-02"), young, maturity=d("2027-03-01")).approved


def test_pingluo_article_11_4_age_from_resident_id(pingluo):
    person = {k: v for k, v in PINGLUO_FARMER.items() if k != "birth_date"}
    ok = admit(pingluo, d("2026-03-01"), dict(person, resident_id="640221197005201236"), maturity=d("2030-05-19"))
    assert ok.approved
    bad = admit(pingluo, d("2026-03-01"), dict(person, resident_id="640221197005201237"), maturity=d("2030-05-19"))
    assert "RESIDENT_ID_INVALID" in blocking(bad)


def test_pingluo_article_11_5_arrears_and_credit_history(pingluo):
    on, maturity = d("2026-03-01"), d("2028-03-01")
    assert blocking(admit(pingluo, on, dict(PINGLUO_FARMER, current_arrears=True), maturity)) == ["NO_CURRENT_ARREARS"]
    assert admit(pingluo, on, dict(PINGLUO_FARMER, max_consecutive_days_past_due_24m=89), maturity).approved
    assert blocking(admit(pingluo, on, dict(PINGLUO_FARMER, max_consecutive_days_past_due_24m=90), maturity)) == [
        "NO_LONG_ARREARS_24M"]
    assert admit(pingluo, on, dict(PINGLUO_FARMER, overdue_periods_24m=5), maturity).approved
    assert blocking(admit(pingluo, on, dict(PINGLUO_FARMER, overdue_periods_24m=6), maturity)) == [
        "FEW_OVERDUE_PERIODS_24M"]
    assert blocking(admit(pingluo, on, dict(PINGLUO_FARMER, major_litigation=True, criminal_case=True), maturity)) == [
        "NO_CRIMINAL_CASE", "NO_MAJOR_LITIGATION"]


def test_pingluo_article_11_6_restructured_borrowers_excluded(pingluo):
    for kind in ("renewal_without_repayment", "refinancing", "rescheduling", "extension"):
        decision = admit(pingluo, d("2026-03-01"), dict(PINGLUO_FARMER, restructurings=[kind]), d("2028-03-01"))
        assert blocking(decision) == ["NOT_RESTRUCTURED"]


def test_pingluo_article_11_3_local_household_or_premises(pingluo):
    outsider = dict(PINGLUO_FARMER, local_household=False, local_premises=False)
    assert blocking(admit(pingluo, d("2026-03-01"), outsider, d("2028-03-01"))) == ["LOCAL_PRESENCE"]
    assert admit(pingluo, d("2026-03-01"), dict(outsider, local_premises=True), d("2028-03-01")).approved


def test_pingluo_article_11_1_every_enterprise_must_be_small_or_micro(pingluo):
    firm = dict(PINGLUO_FARMER, kind="enterprise")
    on, maturity = d("2026-03-01"), d("2028-03-01")
    medium = dict(firm, size={"industry": "industry", "employees": 300, "revenue": Decimal("20000000")})
    assert blocking(admit(pingluo, on, medium, maturity)) == ["ELIGIBLE_SUBJECT"]
    small = dict(firm, size={"industry": "industry", "employees": 299, "revenue": Decimal("20000000")})
    assert admit(pingluo, on, small, maturity).approved
    # a 三农 enterprise (rural registration, farming) is still held to the size test of 第十一条1
    farming = dict(medium, industries=["agriculture"], registered_in_rural_area=True)
    assert blocking(admit(pingluo, on, farming, maturity)) == ["ELIGIBLE_SUBJECT"]
    # an enterprise whose size is not stated is left open, not refused
    assert admit(pingluo, on, firm, maturity).outcome == "incomplete"


def test_pingluo_article_3_non_enterprise_subjects(pingluo):
    on, maturity = d("2026-03-01"), d("2028-03-01")
    for kind in ("individual_business", "small_business_owner", "farmer", "new_agricultural_operator",
                 "non_enterprise_organisation"):
        assert admit(pingluo, on, dict(PINGLUO_FARMER, kind=kind), maturity).approved
    assert blocking(admit(pingluo, on, dict(PINGLUO_FARMER, kind="listed_company"), maturity)) == ["ELIGIBLE_SUBJECT"]
