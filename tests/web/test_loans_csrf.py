"""CSRF is enforced on the loan forms: a POST without the token is 403 and writes nothing."""

from __future__ import annotations

import pytest

from conftest_loans import counts, filing, login, loan_world

pytestmark = pytest.mark.django_db


def test_posts_without_the_csrf_token_are_refused():
    lw = loan_world()
    client = login("kz-bank", csrf=True)
    before = counts()
    assert client.post("/loans/file/", {**filing(), "file": "1"}).status_code == 403
    assert client.post(f"/loans/act/repay/{lw.loan.code}", {"key": "3d6f0a8e-2b1c-4e5f-9a7b-8c0d1e2f3a4b",
                                                            "on": "2026-04-01", "principal": "1",
                                                            "interest": "0"}).status_code == 403
    assert counts() == before
    # with the token from the page, the same filing goes through
    page = client.get("/loans/file/")
    token = page.cookies["csrftoken"].value if "csrftoken" in page.cookies else client.cookies["csrftoken"].value
    response = client.post("/loans/file/", {**filing(), "file": "1", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
