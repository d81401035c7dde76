"""The Django admin is the fund manager's back office: read-only over the records (the books are append-only;
everything else changes through commands), and closed to lenders and other roles."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from riskpool.accounts.admin import grant_back_office
from riskpool.accounts.models import Membership
from riskpool.registry import services as registry

from claims.conftest import kezhou_defaulted_loan, kezhou_world

pytestmark = pytest.mark.django_db


def member(username: str, code: str, kind: str) -> User:
    inst = registry.register_institution(code, code, kind) if kind != "lender" else None
    from riskpool.registry.models import Institution

    inst = inst or Institution.objects.get(code=code)
    user = User.objects.create_user(username, password="x-long-password")
    Membership.objects.create(user=user, institution=inst)
    return user


def test_the_fund_manager_reads_the_books_and_changes_nothing(client):
    w = kezhou_world()
    loan = kezhou_defaulted_loan(w)
    manager = member("manager", "kz-manager", "fund_manager")
    grant_back_office(manager)
    client.force_login(manager)
    assert client.get("/admin/ledger/ledgertransaction/").status_code == 200
    assert client.get(f"/admin/loans/loan/{loan.pk}/change/").status_code == 200  # a read-only view
    assert client.get("/admin/ledger/ledgertransaction/add/").status_code == 403
    assert client.post(f"/admin/loans/loan/{loan.pk}/delete/", {"post": "yes"}).status_code == 403
    loan.refresh_from_db()
    assert loan.amount == 2000000


def test_a_lender_has_no_back_office(client):
    kezhou_world()
    lender = member("bank", "kz-bank", "lender")
    client.force_login(lender)
    response = client.get("/admin/ledger/ledgertransaction/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
