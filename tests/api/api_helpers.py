"""Shared builders of the API tests (imported explicitly: ``from api_helpers import ...``).

A kezhou world built through the services (``claims.conftest``): kz-bank lends KZ-2025-001 (guaranteed by
kz-guarantee, defaulted, with the claim KZ-2025-001-C1 submitted); other-bank lends OTHER-LOAN-77 (guaranteed by
other-guarantee); the finance bureau (kz-bureau) and the fund manager (kz-manager) oversee. Every institution
has an API token; the API is mounted at /api/ by a test urlconf."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from django.test import Client

from riskpool.api.tokens import create_token
from riskpool.audit.models import AuditEvent
from riskpool.claims.models import Claim
from riskpool.loans.models import Loan, Repayment
from riskpool.registry import services as registry
from riskpool.registry.models import Institution

from claims.conftest import KEZHOU_USCC, add_borrower, add_loan, d, kezhou_defaulted_loan, kezhou_submit, kezhou_world

INSTITUTIONS = ("kz-bank", "other-bank", "kz-guarantee", "kz-bureau", "kz-manager")


@dataclasses.dataclass
class ApiWorld:
    world: Any
    loan: Loan  # kz-bank's, guaranteed by kz-guarantee, defaulted
    claim: Claim  # on ``loan``, submitted by kz-bank
    other_loan: Loan  # other-bank's, guaranteed by other-guarantee
    tokens: dict[str, str]  # institution code → secret
    fresh_borrowers: list[str]  # whitelisted, no loan yet

    def client(self, institution: str) -> "ApiClient":
        return ApiClient(self.tokens[institution])


class ApiClient:
    """A JSON client with a bearer token."""

    def __init__(self, token: str | None):
        self.token = token
        self.http = Client()

    def _headers(self, key: str | None) -> dict[str, str]:
        headers = {}
        if self.token is not None:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {self.token}"
        if key is not None:
            headers["HTTP_IDEMPOTENCY_KEY"] = key
        return headers

    def get(self, url: str, **params: Any):
        return self.http.get(url, params, **self._headers(None))

    def post(self, url: str, body: Any = None, *, key: str | None = None, raw: bytes | str | None = None,
             content_type: str = "application/json"):
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.http.post(url, data=data, content_type=content_type, **self._headers(key))


def api_world() -> ApiWorld:
    w = kezhou_world()
    loan = kezhou_defaulted_loan(w)
    claim = kezhou_submit(loan)
    other = registry.register_institution("other-bank", "另一家银行", Institution.LENDER)
    registry.sign_agreement(other, w.program, role=Institution.LENDER, start=d("2025-04-03"), end=d("2030-03-30"),
                            actor="finance bureau")
    other_guarantee = registry.register_institution("other-guarantee", "另一家担保公司", Institution.GUARANTOR)
    registry.sign_agreement(other_guarantee, w.program, role=Institution.GUARANTOR, start=d("2025-04-04"),
                            end=d("2030-03-30"), actor="finance bureau")
    firm = add_borrower(w, KEZHOU_USCC[1], "另一家企业")
    other_loan = add_loan(dataclasses.replace(w, lender=other, guarantor=other_guarantee), "OTHER-LOAN-77", firm,
                          "800000", issue_date=d("2025-07-01"), term_months=24)
    registry.register_institution("kz-bureau", "克州财政局", Institution.FINANCE_BUREAU)
    registry.register_institution("kz-manager", "克州资金管理人", Institution.FUND_MANAGER)
    fresh = [add_borrower(w, KEZHOU_USCC[i], f"新企业{i}").code for i in (2, 3)]
    tokens = {code: create_token(code, "tests") for code in INSTITUTIONS}
    return ApiWorld(w, loan, claim, other_loan, tokens, fresh)


@pytest.fixture
def api_urls(settings):
    settings.ROOT_URLCONF = "api_test_urls"


@pytest.fixture
def aw(db, api_urls) -> ApiWorld:
    return api_world()


def filing(borrower: str, code: str = "KZ-API-001", **over: Any) -> dict[str, Any]:
    """A kezhou filing for kz-bank: 1,000,000 for 24 months, guaranteed by kz-guarantee."""
    body = {"code": code, "program": "kezhou-industry", "borrower": borrower, "amount": "1000000.00",
            "issue_date": "2025-08-01", "term_months": 24, "on": "2025-08-01", "guarantor": "kz-guarantee",
            "guarantee_fee_rate": "0.008", "guarantee_letter_date": "2025-07-30"}
    body.update(over)
    return body


def counts() -> tuple[int, int, int, int]:
    """What a refused request must leave as it was: loans, repayments, claims, audit rows."""
    return Loan.objects.count(), Repayment.objects.count(), Claim.objects.count(), AuditEvent.objects.count()


def is_problem(response, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is a problem details document of this status (and code); returns its body."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/problem+json"), response["Content-Type"]
    body = response.json()
    assert set(body) >= {"type", "title", "status", "detail", "code", "article", "field", "errors"}
    assert body["status"] == status and body["type"].startswith("urn:riskpool:problem:")
    if code is not None:
        assert body["code"] == code, body
    return body
