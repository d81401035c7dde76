"""昆山 “昆育融”入库企业推荐表 for a whitelist entry, from its recorded form: a PDF; an entry recorded
without a form (or a program without one) has none (404)."""

import pytest
from django.urls import reverse

from riskpool.registry import services as registry
from riskpool.registry.models import WhitelistEntry

from claims.conftest import KUNSHAN_FIRM, KUNSHAN_USCC, add_borrower, d, kunshan_world
from test_claims_support import login

pytestmark = pytest.mark.django_db

FORM = {"company_name": "昆山智芯微电子科技有限公司", "registered_address": "江苏省昆山市玉山镇祖冲之南路1699号",
        "industry_field": "集成电路设计", "financing_need": "800", "leased_area": "1250.5",
        "project_investment": "3500", "annual_output": "6000", "paid_in_capital": "1000", "core_ip": True,
        "contact": "李华", "contact_phone": "0512-5555 0101", "town_officer": "王强",
        "town_officer_phone": "0512-5555 0202",
        "reasons": "企业为昆山市级双创人才企业，主导产品具有核心自主知识产权。"}


def test_the_recommendation_form_of_a_kunshan_entry():
    w = kunshan_world()
    bank = login("ks-bank", username="ks-bank-clerk")
    industry = login("ks-tech", "industry_department", username="ks-tech-clerk")
    login("ks-manager", "fund_manager", username="ks-manager-clerk")
    firm = registry.register_borrower(KUNSHAN_USCC[0], "昆山智芯微电子科技有限公司", facts=KUNSHAN_FIRM)
    registry.whitelist_step(w.program, firm, "recommendation", on=d("2025-02-10"), actor="ks-tech-clerk", form=FORM,
                            key="wl-rec")
    registry.whitelist_step(w.program, firm, "inclusion", on=d("2025-02-12"), actor="ks-manager-clerk", key="wl-inc")
    entry = WhitelistEntry.objects.get(borrower=firm)
    url = reverse("web:recommendation_form", args=[entry.pk])
    for client in (bank, industry):
        r = client.get(url)
        assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
        assert r.content.startswith(b"%PDF")

    other = add_borrower(w, KUNSHAN_USCC[1], "昆山科技企业2")  # listed without a form
    entry = WhitelistEntry.objects.get(borrower=other)
    assert bank.get(reverse("web:recommendation_form", args=[entry.pk])).status_code == 404
