"""Reports are the finance bureau's and the fund manager's: every other role gets 403, for the list, each report
and each download."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from riskpool.accounts.models import Membership
from riskpool.registry import services as registry
from riskpool.registry.models import Institution

from claims.conftest import kezhou_world

pytestmark = pytest.mark.django_db


def login(code: str, kind: str | None = None) -> Client:
    inst = Institution.objects.filter(code=code).first() or registry.register_institution(code, code, kind)
    user = User.objects.create_user(f"{code}-user", password="x")
    Membership.objects.create(user=user, institution=inst)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world():
    return kezhou_world()


URLS = ["/reports/", "/reports/position/?fund=kz-fund&on=2026-06-30",
        "/reports/position/?fund=kz-fund&on=2026-06-30&format=csv",
        "/reports/performance/?program=kezhou-industry&on=2026-06-30&format=xlsx"]


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("who", [("kz-bank", None), ("kz-guarantee", None), ("kz-dept", "industry_department")])
def test_other_roles_get_403(world, url, who):
    assert login(*who).get(url).status_code == 403


@pytest.mark.parametrize("who", [("kz-bureau", "finance_bureau"), ("kz-manager", "fund_manager")])
def test_the_bureau_and_the_manager_see_the_list_with_every_report(world, who):
    response = login(*who).get("/reports/")
    assert response.status_code == 200
    page = response.content.decode()
    for kind in ("position", "performance", "bad-loans", "quarterly", "lender-return", "usage"):
        assert f'/reports/{kind}/' in page
    assert "kz-fund" in page  # the fund to choose


def test_an_unknown_report_is_404(world):
    assert login("kz-bureau", "finance_bureau").get("/reports/nonsense/").status_code == 404
