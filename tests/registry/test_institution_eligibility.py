"""Who may cooperate: kezhou 第八条（二） (疆内担保机构), kunshan 第二条/第八条 (国有背景; 江苏 guarantors, 昆山
insurers), pingluo 第五条/第六条 (county banks, government guarantors)."""

import datetime as dt

import pytest

from riskpool.programs import services as programs
from riskpool.registry import services as registry

pytestmark = pytest.mark.django_db
START, END = dt.date(2025, 10, 23), dt.date(2028, 10, 22)


def sign(program_id, code, kind, facts):
    inst = registry.register_institution(code, code, kind, facts=facts)
    return registry.sign_agreement(inst, programs.get(program_id), role=kind, start=START, end=END, actor="财政局")


def test_kezhou_article_8_2_guarantor_must_be_in_xinjiang():
    with pytest.raises(registry.RegistryError, match=r"GUARANTOR_IN_XINJIANG \[第八条（二）\]"):
        sign("kezhou-industry", "g1", "guarantor", {"institution_type": "guarantee", "province": "甘肃省"})
    a = sign("kezhou-industry", "g2", "guarantor", {"institution_type": "re_guarantee", "province": "新疆维吾尔自治区"})
    assert a.eligibility["outcome"] == "approved"


def test_kunshan_article_2_lenders_are_state_owned_local_organisations_or_delta_leasing_companies():
    with pytest.raises(registry.RegistryError, match="LENDER_STATE_OWNED"):
        sign("kunshan-kunyurong", "l1", "lender", {"institution_type": "micro_loan", "state_owned": False, "city": "苏州市"})
    with pytest.raises(registry.RegistryError, match="LENDER_KIND_AND_PLACE"):
        sign("kunshan-kunyurong", "l2", "lender", {"institution_type": "micro_loan", "state_owned": True, "city": "无锡市"})
    assert sign("kunshan-kunyurong", "l3", "lender", {"institution_type": "financial_leasing_company",
                                                      "state_owned": True, "area": "长三角"}).eligibility["outcome"] == "approved"


def test_kunshan_article_8_guarantors_in_jiangsu_or_insurers_in_kunshan():
    assert sign("kunshan-kunyurong", "i1", "guarantor", {"institution_type": "insurance", "city": "昆山市"}
                ).eligibility["outcome"] == "approved"
    with pytest.raises(registry.RegistryError, match="GUARANTOR_KIND_AND_PLACE"):
        sign("kunshan-kunyurong", "i2", "guarantor", {"institution_type": "insurance", "city": "上海市"})


def test_pingluo_articles_5_and_6_county_bank_and_government_guarantor():
    with pytest.raises(registry.RegistryError, match=r"COUNTY_BANK \[第六条\]"):
        sign("pingluo-puhui-yidai", "b1", "lender", {"institution_type": "bank", "county": "银川市"})
    with pytest.raises(registry.RegistryError, match="GOVERNMENT_GUARANTOR"):
        sign("pingluo-puhui-yidai", "g1", "guarantor", {"government_guarantor": False, "county": "平罗县"})


def test_unknown_eligibility_facts_are_recorded_as_unverified():
    a = sign("pingluo-puhui-yidai", "b2", "lender", {})
    assert a.eligibility["outcome"] == "incomplete"
    assert any(r["code"] == "FACT_MISSING" for r in a.eligibility["reasons"])
