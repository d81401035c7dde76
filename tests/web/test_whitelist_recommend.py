"""The first whitelist step from the page: an industry department recommends a firm with the program's
recommendation form (昆山 推荐表, kunshan 第五条 附件), registering the firm first when it is unknown; a
malformed form or facts that are not JSON are 400 and write nothing; the fund manager then includes it."""

from __future__ import annotations

import json

import pytest

from riskpool.programs import services as programs
from riskpool.registry.models import Borrower, WhitelistEntry

from claims.conftest import KUNSHAN_FIRM, KUNSHAN_USCC

from conftest_loans import counts, login

pytestmark = pytest.mark.django_db
KEY = "5b1e2c3d-4f5a-4b6c-8d7e-9f0a1b2c3d4e"
FORM = {"form__company_name": "昆山某科技有限公司", "form__registered_address": "昆山市玉山镇",
        "form__industry_field": "软件", "form__financing_need": "300", "form__paid_in_capital": "500.5",
        "form__core_ip": "yes", "form__contact": "陈", "form__contact_phone": "0512-1", "form__town_officer": "周",
        "form__town_officer_phone": "0512-2", "form__reasons": "人才企业，主导产品有核心知识产权"}


def recommendation(**over):
    data = {"key": KEY, "on": "2025-02-10", "program": "kunshan-kunyurong", "borrower": KUNSHAN_USCC[0],
            "name": "昆山某科技有限公司", "kind": "enterprise", "facts": json.dumps(KUNSHAN_FIRM, ensure_ascii=False),
            "note": "推荐", **FORM}
    data.update(over)
    return data


@pytest.fixture
def kunshan():
    programs.get("kunshan-kunyurong")
    programs.get("kezhou-industry")


def test_the_department_recommends_an_unknown_firm_with_the_form_and_the_manager_includes_it(kunshan):
    dept = login("ks-dept", "industry_department")
    page = dept.get("/whitelist/new/", {"program": "kunshan-kunyurong"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "推荐理由" in text and "企业实缴资本（万元）" in text and "第五条" in text

    response = dept.post("/whitelist/new/", recommendation())
    url = f"/whitelist/kunshan-kunyurong/{KUNSHAN_USCC[0]}/"
    assert response.status_code == 302 and response["Location"] == url
    firm = Borrower.objects.get(code=KUNSHAN_USCC[0])
    assert firm.name == "昆山某科技有限公司" and firm.facts["registered_region"] == "昆山市"
    entry = WhitelistEntry.objects.get(borrower=firm)
    assert entry.status == "in_progress" and entry.form["paid_in_capital"] == "500.5" and entry.form["core_ip"] is True
    assert dept.post("/whitelist/new/", recommendation()).status_code == 302  # a double submit acts once
    assert entry.steps.count() == 1

    manager = login("ks-manager", "fund_manager")
    page = manager.get(url).content.decode()
    assert "推荐企业名称" in page and "昆山市玉山镇" in page and "recommendation" in page
    assert "管理人纳入" in page and 'name="decision" value="approve"' in page  # the next step is the manager's
    step = manager.post(f"/whitelist/step/kunshan-kunyurong/{KUNSHAN_USCC[0]}",
                        {"key": "6c2f3d4e-5a6b-4c7d-9e8f-0a1b2c3d4e5f", "on": "2025-02-11", "step": "inclusion",
                         "decision": "approve", "note": "纳入"})
    assert step.status_code == 302
    entry.refresh_from_db()
    assert entry.status == "listed" and entry.listed_on.isoformat() == "2025-02-11"
    listing = manager.get("/whitelist/", {"status": "listed"}).content.decode()
    assert "昆山某科技有限公司" in listing and "2025-02-11" in listing


def test_facts_that_are_not_json_are_400_and_nothing_is_written(kunshan):
    dept = login("ks-dept", "industry_department")
    before = counts(), Borrower.objects.count()
    for facts, message in (("{registered_region: 昆山市}", "不是有效的 JSON"), ("[1, 2]", "JSON 对象")):
        response = dept.post("/whitelist/new/", recommendation(facts=facts))
        assert response.status_code == 400 and message in response.content.decode()
    assert (counts(), Borrower.objects.count()) == before


def test_a_missing_form_field_or_name_is_400_and_nothing_is_written(kunshan):
    dept = login("ks-dept", "industry_department")
    before = counts(), Borrower.objects.count()
    response = dept.post("/whitelist/new/", recommendation(form__reasons=""))
    assert response.status_code == 400
    response = dept.post("/whitelist/new/", recommendation(name=""))
    assert response.status_code == 400 and "尚未登记" in response.content.decode()
    response = dept.post("/whitelist/new/", recommendation(form__financing_need="3e2"))
    assert response.status_code == 400 and "格式不正确" in response.content.decode()
    response = dept.post("/whitelist/new/", recommendation(borrower="91320583MA1X00007X"))  # a bad check digit
    assert response.status_code == 400 and "证件号码无效" in response.content.decode()
    assert (counts(), Borrower.objects.count()) == before


def test_roles_that_do_no_first_step_may_not_recommend(kunshan):
    assert login("ks-manager", "fund_manager").get("/whitelist/new/").status_code == 403
    assert login("ks-guarantee", "guarantor").get("/whitelist/new/").status_code == 403
