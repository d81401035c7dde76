"""API tokens: stored hashed (the database holds no plain token), revocable, acting as their institution in its
role; a missing, unknown, malformed or revoked token is a 401 problem."""

from __future__ import annotations

import hashlib

import pytest
from django.db import connection

from riskpool import inputs
from riskpool.api.models import ApiToken
from riskpool.api.tokens import create_token, list_tokens, principal_of, revoke_token
from riskpool.audit.models import AuditEvent

from api_helpers import ApiClient, aw, api_urls, counts, is_problem  # noqa: F401

pytestmark = pytest.mark.django_db


def _every_text_in_the_database() -> str:
    """Every text value of every table, as one string (to look for a secret in)."""
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            parts += [str(v) for row in cursor.fetchall() for v in row if v is not None]
    return "\n".join(parts)


def test_a_token_is_stored_only_as_its_digest(aw):
    secret = aw.tokens["kz-bank"]
    row = ApiToken.objects.get(prefix=secret[:8])
    assert row.digest == hashlib.sha256(secret.encode()).hexdigest() and row.digest != secret
    assert row.institution.code == "kz-bank" and row.revoked_at is None
    # the token acts (a command is recorded under it), and still no table holds the secret
    assert aw.client("kz-bank").post(f"/api/loans/{aw.loan.code}/repayments",
                                     {"on": "2026-03-20", "principal": "1000"}).status_code == 200
    text = _every_text_in_the_database()
    for token in aw.tokens.values():
        assert token not in text
    assert all(token not in str(list_tokens()) for token in aw.tokens.values())


def test_the_token_acts_as_its_institution_in_its_role(aw):
    p = principal_of(aw.tokens["kz-guarantee"])
    assert (p.institution, p.role) == ("kz-guarantee", "guarantor")
    assert p.username == f"api:kz-guarantee:{aw.tokens['kz-guarantee'][:8]}"
    response = aw.client("kz-bank").post(f"/api/loans/{aw.loan.code}/repayments",
                                         {"on": "2026-03-20", "principal": "1000"})
    assert response.status_code == 200
    assert AuditEvent.objects.order_by("-id").first().actor == f"api:kz-bank:{aw.tokens['kz-bank'][:8]}"
    assert ApiToken.objects.get(prefix=aw.tokens["kz-bank"][:8]).last_used_at is not None


def test_a_revoked_token_is_refused_with_401_and_writes_nothing(aw):
    secret = aw.tokens["kz-bank"]
    client = aw.client("kz-bank")
    assert client.get("/api/loans").status_code == 200
    assert revoke_token(secret[:8]) is True
    assert revoke_token(secret[:8]) is False  # already revoked
    before = counts()
    for response in (client.get("/api/loans"), client.get(f"/api/loans/{aw.loan.code}"),
                     client.post(f"/api/loans/{aw.loan.code}/repayments", {"on": "2026-03-20", "principal": "1"})):
        body = is_problem(response, 401, "UNAUTHENTICATED")
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert aw.loan.borrower.code not in response.content.decode() and body["errors"] == []
    assert counts() == before
    # another token of the same institution still works
    assert ApiClient(create_token("kz-bank", "second system")).get("/api/loans").status_code == 200


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", "Basic a2J6Onh4eA==", "Bearer not-a-token",
                                    "Bearer " + "A" * 43, "Bearer " + "é" * 43, "Token abc"])
def test_missing_unknown_or_malformed_tokens_are_401(aw, header):
    from django.test import Client

    extra = {} if header is None else {"HTTP_AUTHORIZATION": header}
    response = Client().get("/api/loans", **extra)
    is_problem(response, 401, "UNAUTHENTICATED")


def test_a_token_with_a_valid_prefix_but_a_wrong_rest_is_401(aw):
    secret = aw.tokens["kz-bank"]
    forged = secret[:8] + ("A" if secret[8] != "A" else "B") + secret[9:]
    is_problem(ApiClient(forged).get("/api/loans"), 401)


def test_token_functions_refuse_bad_input(db):
    with pytest.raises(inputs.InputError):
        create_token("no-such-bank", "x")
    with pytest.raises(inputs.InputError):
        revoke_token("zzzzzzzz")
    with pytest.raises(inputs.InputError):
        revoke_token("short")
