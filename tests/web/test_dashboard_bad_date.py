"""The dashboard's day: ``?on=`` must be a real date YYYY-MM-DD; anything else is a 400 page, not a traceback."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from riskpool.accounts.models import Membership
from riskpool.registry import services as registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def bureau() -> Client:
    inst = registry.register_institution("kz-bureau", "财政局", "finance_bureau")
    user = User.objects.create_user("bureau-user", password="x")
    Membership.objects.create(user=user, institution=inst)
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("bad", ["bad", "2026-02-30", "2026-13-01", "26-01-01", "0999-01-01", "2026-1-1", ""])
def test_a_bad_date_is_answered_400(bureau, bad):
    response = bureau.get("/", {"on": bad})
    assert response.status_code == 400
    page = response.content.decode()
    assert "YYYY-MM-DD" in page and "Traceback" not in page


def test_a_good_date_renders(bureau):
    response = bureau.get("/", {"on": "2026-06-30"})
    assert response.status_code == 200
    assert "2026-06-30" in response.content.decode()


def test_the_dashboard_needs_a_login():
    response = Client().get("/")
    assert response.status_code == 302
