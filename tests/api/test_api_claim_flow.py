"""A claim through the API from review to payment and recovery, each step by the role the policy names for it
(kezhou 第十四条, 第十六条), four eyes between tokens; and the lender's acts on a loan."""

from __future__ import annotations

import pytest

from riskpool.api.tokens import create_token
from riskpool.claims.models import Claim

from api_helpers import ApiClient, aw, api_urls, counts, filing, is_problem  # noqa: F401

pytestmark = pytest.mark.django_db


def test_a_claim_from_review_to_payment_and_recovery(aw):
    url = f"/api/claims/{aw.claim.code}"
    manager, bureau = aw.client("kz-manager"), aw.client("kz-bureau")
    bureau_2 = ApiClient(create_token("kz-bureau", "second desk"))

    # the first review is the fund manager's: the bureau and the lender are refused (403), nothing written
    before = counts()
    for client in (bureau, aw.client("kz-bank"), aw.client("kz-guarantee")):
        is_problem(client.post(f"{url}/reviews", {"on": "2026-10-12", "step": "first_review", "approved": True}),
                   403, "NOT_ALLOWED")
    assert counts() == before
    step = manager.post(f"{url}/reviews", {"on": "2026-10-12", "step": "first_review", "approved": True},
                        key="first-review")
    assert step.status_code == 200, step.content
    assert step.json()["claim"]["next_step"] == "bureau_review"
    assert bureau.post(f"{url}/reviews", {"on": "2026-10-26", "step": "bureau_review", "approved": True}
                       ).status_code == 200
    # four eyes: the token that did the step before may not do the next (第十四条)
    body = is_problem(bureau.post(f"{url}/reviews", {"on": "2026-11-05", "step": "government_approval",
                                                     "approved": True}), 403, "NOT_ALLOWED")
    assert "four eyes" in body["detail"] and body["article"] == "第十四条"
    assert bureau_2.post(f"{url}/reviews", {"on": "2026-11-05", "step": "government_approval", "approved": True}
                         ).status_code == 200
    assert bureau.post(f"{url}/reviews", {"on": "2026-11-09", "step": "compensation_notice", "approved": True}
                       ).status_code == 200
    paid = manager.post(f"{url}/payments", {"on": "2026-11-16"})
    assert paid.status_code == 200, paid.content
    claim = paid.json()["claim"]
    assert claim["status"] == "paid" and claim["paid_amount"] == "672500.00"
    assert [s["step"] for s in claim["steps"]] == ["submitted", "first_review", "bureau_review",
                                                   "government_approval", "compensation_notice", "payment"]
    assert claim["decision"]["outcome"] == "approved"
    assert {r["article"] for r in claim["decision"]["reasons"]} >= {"第十三条（四）", "第十五条"}

    recovered = aw.client("kz-bank").post(f"{url}/recoveries", {"on": "2026-12-01", "gross": "100000"})
    assert recovered.status_code == 200, recovered.content
    (r,) = recovered.json()["claim"]["recoveries"]
    assert r["gross"] == "100000.00" and r["to_fund"] == "50000.00"  # by the shares borne (第十七条)
    # the guarantor reads the claim on the loan it guarantees; the other lender does not
    assert aw.client("kz-guarantee").get(url).json()["status"] == "paid"
    is_problem(aw.client("other-bank").get(url), 404)
    assert Claim.objects.get(code=aw.claim.code).status == "paid"


def test_the_lender_submits_a_claim_and_the_rules_assess_it(aw):
    client = aw.client("other-bank")
    assert client.post(f"/api/loans/{aw.other_loan.code}/arrears",
                       {"on": "2026-03-10", "overdue_since": "2026-03-01", "unpaid_interest": "1000"}
                       ).status_code == 200
    response = client.post("/api/claims", {"loan": aw.other_loan.code, "on": "2026-09-29",
                                           "conditions": {"overdue_notice_sent": True}, "documents": ["application"]},
                           key="claim-1")
    assert response.status_code == 201, response.content
    claim = response.json()
    assert claim["loan"] == aw.other_loan.code and claim["status"] == "open"
    assert claim["decision"]["outcome"] == "incomplete"  # facts and documents missing: the reasons say which
    assert any(r["blocking"] and r["article"] for r in claim["decision"]["reasons"])
    assert [s["code"] for s in claim["workflow"]][:2] == ["submitted", "first_review"]
    again = client.post("/api/claims", {"loan": aw.other_loan.code, "on": "2026-09-29",
                                        "conditions": {"overdue_notice_sent": True}, "documents": ["application"]},
                        key="claim-1")
    assert again.status_code == 201 and again.json()["code"] == claim["code"]
    body = is_problem(client.post("/api/claims", {"loan": aw.other_loan.code, "on": "2026-09-30"}), 422, "REFUSED")
    assert "live claim" in body["detail"] and body["article"] == "第十三条（四）"


def test_the_lenders_acts_on_its_loan(aw):
    client = aw.client("kz-bank")
    loan = client.post("/api/loans", filing(aw.fresh_borrowers[0], "ACT-1")).json()
    assert loan["filing_decision"]["outcome"] == "approved" and loan["status"] == "filed"
    assert {r["code"] for r in loan["filing_decision"]["reasons"]} >= {"LEVERAGE", "WHITELIST"}
    extended = client.post("/api/loans/ACT-1/extensions", {"on": "2026-01-05", "months": 6})
    assert extended.status_code == 200, extended.content
    assert extended.json()["loan"]["term_months"] == 30 and extended.json()["loan"]["maturity_date"] == "2028-02-01"
    late = client.post("/api/loans/ACT-1/arrears", {"on": "2026-02-10", "overdue_since": "2026-02-01"})
    assert late.status_code == 200 and late.json()["loan"]["overdue_since"] == "2026-02-01"
    repaid = client.post("/api/loans/ACT-1/repayments", {"on": "2026-03-01", "principal": "1000000"})
    assert repaid.status_code == 200 and repaid.json()["loan"]["status"] == "repaid"
    got = client.get("/api/loans/ACT-1").json()
    assert got["released_on"] == "2026-03-01" and got["repayments"][0]["principal"] == "1000000.00"


def test_a_loan_code_with_a_slash_is_addressable(aw):
    client = aw.client("kz-bank")
    created = client.post("/api/loans", filing(aw.fresh_borrowers[0], "KZ/2025/77"))
    assert created.status_code == 201, created.content
    assert client.get("/api/loans/KZ/2025/77").json()["code"] == "KZ/2025/77"
    response = client.post("/api/loans/KZ/2025/77/repayments", {"on": "2026-03-01", "principal": "1000"})
    assert response.status_code == 200 and response.json()["loan"]["outstanding_principal"] == "999000.00"
