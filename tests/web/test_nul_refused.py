"""A NUL character anywhere in a request is a 400 on both databases, never a 500 (PostgreSQL cannot store it)."""

import pytest
from django.contrib.auth.models import User

from riskpool.accounts.models import Membership
from riskpool.registry import services as registry

pytestmark = pytest.mark.django_db


def test_nul_in_a_query_a_form_and_a_json_body(client):
    inst = registry.register_institution("kz-bureau", "财政局", "finance_bureau")
    user = User.objects.create_user("bureau", password="x-long-password")
    Membership.objects.create(user=user, institution=inst)
    client.force_login(user)
    assert client.get("/claims/", {"status": "open\x00"}).status_code == 400
    assert client.post("/login/", "username=a%00&password=b",
                       content_type="application/x-www-form-urlencoded").status_code == 400
    response = client.post("/api/loans", data='{"code": "a\\u0000"}', content_type="application/json")
    assert response.status_code == 400 and response["Content-Type"].startswith("application/problem+json")
