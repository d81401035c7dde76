"""Whitelist steps from the entry page: each is done by the role the policy file names (kezhou 第七条: the
departments, then the finance bureau); another role is 403 and nothing is written; four eyes — the same user
may not do two consecutive steps, nor act again on what they started — is refused with its message."""

from __future__ import annotations

import json

import pytest

from riskpool.programs import services as programs
from riskpool.registry.models import WhitelistEntry, WhitelistStep

from claims.conftest import KEZHOU_FIRM, KEZHOU_USCC

from conftest_loans import login

pytestmark = pytest.mark.django_db
CODE = KEZHOU_USCC[2]
URL = f"/whitelist/step/kezhou-industry/{CODE}"
ENTRY = f"/whitelist/kezhou-industry/{CODE}/"


def step(client, code, key, on="2025-05-13", decision="approve", note="同意"):
    return client.post(URL, {"key": key, "on": on, "step": code, "decision": decision, "note": note})


@pytest.fixture
def applied():
    """A department user (dept-a) records the firm's application, registering the firm."""
    programs.get("kezhou-industry")
    dept_a = login("kz-dept", "industry_department", username="dept-a")
    response = dept_a.post("/whitelist/new/", {
        "key": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "on": "2025-05-12", "program": "kezhou-industry",
        "borrower": CODE, "name": "阿图什纺织有限公司", "kind": "enterprise",
        "facts": json.dumps(KEZHOU_FIRM, ensure_ascii=False), "note": "申请"})
    assert response.status_code == 302 and response["Location"] == ENTRY
    return dept_a


def test_a_step_by_the_wrong_role_is_403_and_writes_nothing(applied):
    before = WhitelistStep.objects.count()
    for code, kind in (("kz-bank", "lender"), ("kz-bureau", "finance_bureau"), ("kz-manager", "fund_manager")):
        client = login(code, kind)
        page = client.get(ENTRY).content.decode()
        assert "此步骤不由您的机构办理" in page  # no form for them
        response = step(client, "county_review", "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e")
        assert response.status_code == 403, code
    assert WhitelistStep.objects.count() == before


def test_four_eyes_on_consecutive_steps_by_the_same_user(applied):
    before = WhitelistStep.objects.count()
    response = step(applied, "county_review", "3c4d5e6f-7a8b-4c9d-8e0f-2a3b4c5d6e7f")
    assert response.status_code == 403
    text = response.content.decode()
    assert "四眼原则" in text and "four eyes" in text and "第七条（二）" in text
    assert WhitelistStep.objects.count() == before

    dept_b = login("kz-dept", username="dept-b")
    assert step(dept_b, "county_review", "4d5e6f7a-8b9c-4d0e-9f1a-3b4c5d6e7f8a").status_code == 302
    # dept-b did the step before: not the next one; dept-a started the round: not either
    assert step(dept_b, "prefecture_review", "5e6f7a8b-9c0d-4e1f-8a2b-4c5d6e7f8a9b").status_code == 403
    assert step(applied, "prefecture_review", "6f7a8b9c-0d1e-4f2a-9b3c-5d6e7f8a9b0c").status_code == 403
    dept_c = login("kz-dept", username="dept-c")
    assert step(dept_c, "prefecture_review", "7a8b9c0d-1e2f-4a3b-8c4d-6e7f8a9b0c1d").status_code == 302
    assert WhitelistStep.objects.count() == before + 2

    page = dept_c.get(ENTRY).content.decode()
    for who, article in (("dept-a", "第七条（一）"), ("dept-b", "第七条（二）"), ("dept-c", "第七条（三）")):
        assert who in page and article in page
    assert "评审专家库" in page  # the next step, and who does it


def test_a_rejection_needs_a_note_and_ends_the_round(applied):
    dept_b = login("kz-dept", username="dept-b")
    response = step(dept_b, "county_review", "8b9c0d1e-2f3a-4b4c-9d5e-7f8a9b0c1d2e", decision="reject", note="")
    assert response.status_code == 400 and "请填写意见" in response.content.decode()
    response = step(dept_b, "county_review", "8b9c0d1e-2f3a-4b4c-9d5e-7f8a9b0c1d2e", decision="reject",
                    note="材料不全")
    assert response.status_code == 302
    entry = WhitelistEntry.objects.get(borrower__code=CODE)
    assert entry.status == "rejected"
    page = dept_b.get(ENTRY).content.decode()
    assert "材料不全" in page and "开始新一轮" in page


def test_a_stale_step_is_refused_with_the_expected_one(applied):
    dept_b = login("kz-dept", username="dept-b")
    response = step(dept_b, "prefecture_review", "9c0d1e2f-3a4b-4c5d-8e6f-8a9b0c1d2e3f")
    assert response.status_code == 422 and "expected &#x27;county_review&#x27; next" in response.content.decode()


def test_an_unknown_entry_is_404():
    programs.get("kezhou-industry")
    client = login("kz-dept", "industry_department")
    assert client.get(f"/whitelist/kezhou-industry/{KEZHOU_USCC[3]}/").status_code == 404
    assert step(client, "application", "0d1e2f3a-4b5c-4d6e-9f7a-9b0c1d2e3f4a").status_code in (404,)
