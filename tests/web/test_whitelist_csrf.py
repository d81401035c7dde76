"""CSRF is enforced on the whitelist forms: a POST without the token is 403 and writes nothing."""

from __future__ import annotations

import pytest

from riskpool.programs import services as programs
from riskpool.registry.models import Borrower, WhitelistStep

from claims.conftest import KEZHOU_USCC

from conftest_loans import login

pytestmark = pytest.mark.django_db


def test_whitelist_posts_without_the_csrf_token_are_refused():
    programs.get("kezhou-industry")
    client = login("kz-dept", "industry_department", csrf=True)
    data = {"key": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "on": "2025-05-12", "program": "kezhou-industry",
            "borrower": KEZHOU_USCC[2], "name": "某企业", "kind": "enterprise", "facts": "{}"}
    assert client.post("/whitelist/new/", data).status_code == 403
    assert client.post(f"/whitelist/step/kezhou-industry/{KEZHOU_USCC[2]}",
                       {"key": data["key"], "on": "2025-05-12", "step": "application"}).status_code == 403
    assert not Borrower.objects.filter(code=KEZHOU_USCC[2]).exists() and WhitelistStep.objects.count() == 0
