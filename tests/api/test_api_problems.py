"""Every error is an RFC 9457 problem (application/problem+json) with type, title, status, detail, code,
article, field and errors — for each class of error — and bad input is never a 500."""

from __future__ import annotations

import json

import pytest

from api_helpers import aw, api_urls, counts, filing, is_problem  # noqa: F401

pytestmark = pytest.mark.django_db


def test_a_body_that_is_not_json_is_400(aw):
    before = counts()
    for raw in ("{not json", "\xff\xfe", "", "[1, 2"):
        response = aw.client("kz-bank").post("/api/loans", raw=raw.encode("latin-1"))
        assert response.status_code in (400, 422), raw
        is_problem(response, response.status_code)
    body = is_problem(aw.client("kz-bank").post("/api/loans", raw=b"{not json"), 400, "MALFORMED_BODY")
    assert body["title"] == "请求格式有误 / Malformed request"
    assert counts() == before


def test_an_unknown_field_or_a_wrong_type_is_422_naming_the_field(aw):
    client = aw.client("kz-bank")
    before = counts()
    body = is_problem(client.post("/api/loans", {**filing(aw.fresh_borrowers[0]), "colour": "red"}), 422,
                      "INVALID_INPUT")
    assert body["field"] == "colour"
    body = is_problem(client.post("/api/loans", filing(aw.fresh_borrowers[0], amount=True)), 422, "INVALID_INPUT")
    assert body["field"].startswith("amount")
    body = is_problem(client.post("/api/loans", filing(aw.fresh_borrowers[0], term_months=[24])), 422)
    assert body["field"].startswith("term_months")
    body = is_problem(client.post("/api/loans", [filing(aw.fresh_borrowers[0])]), 422)
    missing = dict(filing(aw.fresh_borrowers[0]))
    del missing["amount"]
    assert is_problem(client.post("/api/loans", missing), 422)["field"] == "amount"
    assert counts() == before


@pytest.mark.parametrize("field,value", [("amount", "1e5"), ("amount", "100.001"), ("amount", "-5"),
                                         ("issue_date", "2025-02-30"), ("term_months", "0"),
                                         ("guarantee_fee_rate", "2"), ("code", "has space"), ("on", "1800-01-01")])
def test_a_value_the_strict_parser_refuses_is_422_with_the_field(aw, field, value):
    before = counts()
    body = is_problem(aw.client("kz-bank").post("/api/loans", filing(aw.fresh_borrowers[0], **{field: value})),
                      422, "INVALID_INPUT")
    assert body["field"] == field and "expected" in body["detail"]
    assert counts() == before


def test_a_rule_refusal_is_422_with_the_first_blocking_reason_and_all_of_them(aw):
    before = counts()
    body = is_problem(aw.client("kz-bank").post("/api/loans", filing(aw.fresh_borrowers[0], guarantee_fee_rate="0.02",
                                                                     term_months=72)), 422)
    assert (body["code"], body["article"]) == ("TERM", "第九条") or body["code"] == "GUARANTEE_FEE"
    assert {(e["code"], e["article"]) for e in body["errors"]} == {("TERM", "第九条"), ("GUARANTEE_FEE", "第八条（二）")}
    assert all(e["detail"] for e in body["errors"])
    assert counts() == before


def test_a_state_refusal_without_a_decision_is_422_refused(aw):
    body = is_problem(aw.client("kz-bank").post(f"/api/loans/{aw.loan.code}/repayments",
                                                {"on": "2026-03-20", "principal": "99999999"}), 422, "REFUSED")
    assert "exceeds outstanding" in body["detail"] and body["errors"] == []


def test_a_claim_refusal_carries_its_article(aw):
    # the claim awaits first_review: bureau_review is out of order (第十四条)
    body = is_problem(aw.client("kz-bureau").post(f"/api/claims/{aw.claim.code}/reviews",
                                                  {"on": "2026-10-12", "step": "bureau_review", "approved": True}),
                      422, "REFUSED")
    assert body["article"] == "第十四条" and "out of order" in body["detail"]


def test_not_allowed_is_403_and_not_found_is_404(aw):
    body = is_problem(aw.client("kz-guarantee").post(f"/api/loans/{aw.loan.code}/repayments",
                                                     {"on": "2026-03-20", "principal": "1"}), 403, "NOT_ALLOWED")
    assert body["title"] == "无权进行此操作 / Not allowed"
    body = is_problem(aw.client("kz-bank").get("/api/claims/NO-SUCH-CLAIM"), 404, "NOT_FOUND")
    assert body["type"] == "urn:riskpool:problem:not-found"


def test_bad_query_parameters_are_422(aw):
    client = aw.client("kz-bank")
    assert is_problem(client.get("/api/loans", page="0"), 422)["field"] == "page"
    assert is_problem(client.get("/api/loans", page_size="x"), 422)["field"] == "page_size"
    assert is_problem(client.get("/api/figures", on="2025-13-45"), 422)["field"] == "on"
    assert is_problem(client.get("/api/figures", on="yesterday"), 422)["field"] == "on"
    assert is_problem(aw.client("kz-bureau").get("/api/reports/performance"), 422)["field"] == "program"


def test_a_date_before_the_program_is_in_force_is_not_a_server_error(aw):
    for response in (aw.client("kz-bank").get("/api/figures", on="1900-01-01"),
                     aw.client("kz-bureau").get("/api/reports/performance", program="kezhou-industry",
                                                on="1900-01-01"),
                     aw.client("kz-bureau").get("/api/funds/kz-fund/position", on="1900-01-01")):
        assert response.status_code in (200, 422), response.content[:300]
        if response.status_code == 422:
            is_problem(response, 422)


def test_a_body_over_the_limit_is_413(aw):
    big = json.dumps({**filing(aw.fresh_borrowers[0]), "facts": {f"f{i}": "x" * 50 for i in range(60_000)}})
    before = counts()
    is_problem(aw.client("kz-bank").post("/api/loans", raw=big), 413, "TOO_LARGE")
    assert counts() == before


def test_the_openapi_document_declares_problems_for_every_error(aw):
    doc = aw.client("kz-bank").get("/api/openapi.json").json()
    assert doc["components"]["securitySchemes"]["BearerToken"] == {"type": "http", "scheme": "bearer"}
    operations = [(path, method, op) for path, item in doc["paths"].items() for method, op in item.items()]
    assert len(operations) == 20  # 18 paths; /loans and /claims have GET and POST
    for path, method, op in operations:
        errors = {s: r for s, r in op["responses"].items() if s[0] in "45"}
        assert {"401", "403", "404", "422"} <= set(errors), (path, method)
        for response in errors.values():
            assert list(response["content"]) == ["application/problem+json"]
            assert response["content"]["application/problem+json"]["schema"] == {
                "$ref": "#/components/schemas/Problem"}
        assert " / " in op["summary"], op["summary"]  # 中文 / English
    batch = doc["paths"]["/api/loans/batch"]["post"]
    assert batch["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/LoanBatchIn"}
    assert doc["components"]["schemas"]["LoanBatchIn"]["properties"]["loans"]["maxItems"] == 10_000
