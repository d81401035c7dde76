"""Batch filing: accepted or refused whole. One refused loan in three → none filed, and the 422 problem lists
every refused item with its index, rule code and article; a batch is idempotent under its key."""

from __future__ import annotations

import json

import pytest

from riskpool.api.models import ApiBatch
from riskpool.loans.models import Loan

from api_helpers import aw, api_urls, counts, filing, is_problem  # noqa: F401

pytestmark = pytest.mark.django_db


def three(aw, **bad):
    a, b = aw.fresh_borrowers
    return {"loans": [filing(a, "B-1", amount="300000"), filing(b, "B-2", amount="400000", **bad),
                      filing(a, "B-3", amount="500000")]}


def test_one_refused_loan_in_three_files_none(aw):
    before = counts()
    response = aw.client("kz-bank").post("/api/loans/batch", three(aw, guarantee_fee_rate="0.02"), key="batch-1")
    body = is_problem(response, 422, "BATCH_REFUSED")
    assert counts() == before and not Loan.objects.filter(code__startswith="B-").exists()
    assert body["article"] == "第八条（二）"
    assert [(e["index"], e["loan"], e["code"], e["article"]) for e in body["errors"]] == [
        (1, "B-2", "GUARANTEE_FEE", "第八条（二）")]
    assert not ApiBatch.objects.exists()
    # the key was not used up: the corrected batch under the same key is filed
    ok = aw.client("kz-bank").post("/api/loans/batch", three(aw), key="batch-1")
    assert ok.status_code == 201, ok.content
    assert ok.json() == {"filed": 3, "loans": [{"index": 0, "code": "B-1", "version": 1},
                                               {"index": 1, "code": "B-2", "version": 1},
                                               {"index": 2, "code": "B-3", "version": 1}]}
    assert set(Loan.objects.filter(code__startswith="B-").values_list("code", flat=True)) == {"B-1", "B-2", "B-3"}


def test_every_refused_item_is_reported(aw):
    a, b = aw.fresh_borrowers
    batch = {"loans": [filing(a, "C-1", guarantee_fee_rate="0.02"), filing(b, "C-2"),
                       filing(a, "C-3", term_months=72), filing(b, "C-2")]}  # 72 months > 60; C-2 twice
    before = counts()
    body = is_problem(aw.client("kz-bank").post("/api/loans/batch", batch), 422, "BATCH_REFUSED")
    assert counts() == before
    assert {(e["index"], e["code"]) for e in body["errors"]} >= {(0, "GUARANTEE_FEE"), (2, "TERM"), (3, "REFUSED")}
    assert 1 not in {e["index"] for e in body["errors"]}
    assert all(e["detail"] for e in body["errors"])


def test_an_invalid_field_in_a_batch_names_its_index_and_field(aw):
    before = counts()
    bad = three(aw)
    bad["loans"][2]["amount"] = "1e5"
    body = is_problem(aw.client("kz-bank").post("/api/loans/batch", bad), 422, "INVALID_INPUT")
    assert [(e["index"], e["field"]) for e in body["errors"]] == [(2, "amount")]
    bad["loans"][1]["colour"] = "red"  # an unknown field
    body = is_problem(aw.client("kz-bank").post("/api/loans/batch", bad), 422, "INVALID_INPUT")
    assert body["errors"][0]["index"] == 1 and body["errors"][0]["field"] == "loans.1.colour"
    is_problem(aw.client("kz-bank").post("/api/loans/batch", raw="{not json"), 400, "MALFORMED_BODY")
    is_problem(aw.client("kz-bank").post("/api/loans/batch", {"loans": []}), 422, "INVALID_INPUT")
    assert counts() == before


def test_a_batch_over_10000_loans_is_refused_before_anything_runs(aw):
    item = filing(aw.fresh_borrowers[0])
    body = json.dumps({"loans": [item] * 10_001})
    before = counts()
    problem = is_problem(aw.client("kz-bank").post("/api/loans/batch", raw=body), 413, "TOO_LARGE")
    assert problem["field"] == "loans" and counts() == before


def test_a_batch_is_idempotent_under_its_key(aw):
    client = aw.client("kz-bank")
    first = client.post("/api/loans/batch", three(aw), key="batch-2")
    assert first.status_code == 201
    after = counts()
    again = client.post("/api/loans/batch", three(aw), key="batch-2")
    assert again.status_code == 201 and again.json() == first.json() and counts() == after
    other = three(aw)
    other["loans"][0]["amount"] = "310000"
    is_problem(client.post("/api/loans/batch", other, key="batch-2"), 409, "IDEMPOTENCY_CONFLICT")
    # a batch key is not a single filing's key, and the other way round
    is_problem(client.post("/api/loans", filing(aw.fresh_borrowers[0], "S-1"), key="batch-2"), 409)
    assert client.post("/api/loans", filing(aw.fresh_borrowers[0], "S-1"), key="single-1").status_code == 201
    is_problem(client.post("/api/loans/batch", {"loans": [filing(aw.fresh_borrowers[1], "S-2")]},
                           key="single-1"), 409)
    assert counts()[0] == after[0] + 1
