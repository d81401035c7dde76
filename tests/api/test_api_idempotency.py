"""Idempotency-Key: the same key with the same request answers the first result (acting once); the same key
with another request is a 409 problem; keys live in the institution's own key space."""

from __future__ import annotations

import pytest

from riskpool.loans.models import Loan, Repayment

from api_helpers import aw, api_urls, counts, filing, is_problem  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_same_key_and_request_acts_once_and_answers_the_first_result(aw):
    client = aw.client("kz-bank")
    body = {"on": "2026-03-20", "principal": "1000", "interest": "10"}
    first = client.post(f"/api/loans/{aw.loan.code}/repayments", body, key="repay-0320")
    assert first.status_code == 200 and first.json()["result"] == {"outstanding": "1499000.00"}
    after = counts()
    again = client.post(f"/api/loans/{aw.loan.code}/repayments", body, key="repay-0320")
    assert again.status_code == 200 and again.json()["result"] == {"outstanding": "1499000.00"}
    assert counts() == after and Repayment.objects.filter(loan=aw.loan).count() == 2  # the story's one + this one
    # without a key, every call is a new request
    client.post(f"/api/loans/{aw.loan.code}/repayments", body)
    assert Repayment.objects.filter(loan=aw.loan).count() == 3


def test_the_same_key_with_another_request_is_409(aw):
    client = aw.client("kz-bank")
    assert client.post("/api/loans", filing(aw.fresh_borrowers[0], "K-1"), key="file-k1").status_code == 201
    after = counts()
    replay = client.post("/api/loans", filing(aw.fresh_borrowers[0], "K-1"), key="file-k1")
    assert replay.status_code == 201 and replay.json()["code"] == "K-1" and counts() == after
    body = is_problem(client.post("/api/loans", filing(aw.fresh_borrowers[0], "K-2"), key="file-k1"), 409,
                      "IDEMPOTENCY_CONFLICT")
    assert "idempotency key" in body["detail"]
    # another endpoint under the same key is another request too
    is_problem(client.post(f"/api/loans/{aw.loan.code}/repayments", {"on": "2026-03-20", "principal": "1"},
                           key="file-k1"), 409)
    assert counts() == after and not Loan.objects.filter(code="K-2").exists()


def test_keys_are_per_institution(aw):
    """other-bank's key "k" is not kz-bank's key "k": neither sees nor blocks the other's request."""
    assert aw.client("kz-bank").post(f"/api/loans/{aw.loan.code}/repayments",
                                     {"on": "2026-03-20", "principal": "5"}, key="k").status_code == 200
    response = aw.client("other-bank").post(f"/api/loans/{aw.other_loan.code}/repayments",
                                            {"on": "2026-03-20", "principal": "7"}, key="k")
    assert response.status_code == 200 and response.json()["result"] == {"outstanding": "799993.00"}


@pytest.mark.parametrize("key", ["has space", "x" * 101, "semi;colon", "中文"])
def test_a_malformed_key_is_a_problem_and_writes_nothing(aw, key):
    before = counts()
    from django.test import Client

    client = Client()
    response = client.post(f"/api/loans/{aw.loan.code}/repayments", data='{"on": "2026-03-20", "principal": "1"}',
                           content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {aw.tokens['kz-bank']}",
                           HTTP_IDEMPOTENCY_KEY=key)
    body = is_problem(response, 422, "INVALID_INPUT")
    assert body["field"] == "Idempotency-Key" and counts() == before
