"""数据隔离 through the API: every endpoint × every institution's token (two lenders, a guarantor, the bureau,
the fund manager) × the other institutions' records answers 403 or 404, writes nothing, and says nothing of the
record; lists hold only what the token's institution may see."""

from __future__ import annotations

import pytest

from api_helpers import INSTITUTIONS, aw, api_urls, counts, filing, is_problem  # noqa: F401

pytestmark = pytest.mark.django_db

LOAN_WRITES = {
    "repayments": {"on": "2026-03-20", "principal": "1000"},
    "arrears": {"on": "2026-03-20", "overdue_since": "2026-03-01"},
    "extensions": {"on": "2026-03-20", "months": 3},
}
CLAIM_WRITES = {
    "reviews": {"on": "2026-10-12", "step": "first_review", "approved": True},
    "payments": {"on": "2026-11-16"},
    "recoveries": {"on": "2026-12-01", "gross": "1000"},
}
OVERSEERS = ("kz-bureau", "kz-manager")


def lender_of(aw, resource):
    return {"kz-loan": "kz-bank", "kz-claim": "kz-bank", "other-loan": "other-bank"}[resource]


def guarantor_of(resource):
    return {"kz-loan": "kz-guarantee", "kz-claim": "kz-guarantee", "other-loan": "other-guarantee"}[resource]


def sees(token, aw, resource) -> bool:
    return token in OVERSEERS or token in (lender_of(aw, resource), guarantor_of(resource))


def requests(aw):
    """(name, resource, method, url, body): every endpoint on every record."""
    loans = {"kz-loan": aw.loan, "other-loan": aw.other_loan}
    out = []
    for resource, loan in loans.items():
        out.append(("get loan", resource, "get", f"/api/loans/{loan.code}", None))
        for name, body in LOAN_WRITES.items():
            out.append((f"loan {name}", resource, "post", f"/api/loans/{loan.code}/{name}", body))
        out.append(("submit claim", resource, "post", "/api/claims",
                    {"loan": loan.code, "on": "2026-09-30", "conditions": {}, "documents": []}))
    out.append(("get claim", "kz-claim", "get", f"/api/claims/{aw.claim.code}", None))
    for name, body in CLAIM_WRITES.items():
        out.append((f"claim {name}", "kz-claim", "post", f"/api/claims/{aw.claim.code}/{name}", body))
    return out


def allowed(token, name, resource, aw) -> bool:
    """The combinations the dispatcher lets through (they act, or are refused by the rules, not the role)."""
    if name.startswith("get "):
        return sees(token, aw, resource)
    if name.startswith("loan ") or name == "submit claim" or name == "claim recoveries":
        return token == lender_of(aw, resource)
    if name in ("claim reviews", "claim payments"):
        return token == "kz-manager"  # first_review and payment are the fund manager's (第十四条, 第十六条)
    raise AssertionError(name)


def test_every_endpoint_every_token_on_the_others_records_is_403_or_404(aw):
    secrets = {"kz-loan": (aw.loan.borrower.code, "2000000.00", "1500000.00"),
               "kz-claim": (aw.loan.borrower.code, "672500.00", "1345000.00"),
               "other-loan": (aw.other_loan.borrower.code, "800000.00")}
    checked = 0
    for token in INSTITUTIONS:
        client = aw.client(token)
        for name, resource, method, url, body in requests(aw):
            if allowed(token, name, resource, aw):
                continue
            before = counts()
            response = client.get(url) if method == "get" else client.post(url, body, key=f"iso-{checked}")
            assert response.status_code in (403, 404), (token, name, resource, response.status_code,
                                                        response.content[:300])
            problem = is_problem(response, response.status_code)
            assert counts() == before, (token, name, resource)
            if not sees(token, aw, resource):
                assert response.status_code == 404, (token, name, resource)  # nothing says it exists
                text = response.content.decode()
                assert all(s not in text for s in secrets[resource]), (token, name, text)
                assert problem["code"] == "NOT_FOUND"
            checked += 1
    assert checked > 40


def test_another_lenders_token_on_my_loan_is_404_without_any_field_of_it(aw):
    response = aw.client("other-bank").get(f"/api/loans/{aw.loan.code}")
    body = is_problem(response, 404, "NOT_FOUND")
    text = response.content.decode()
    for value in (aw.loan.borrower.code, aw.loan.borrower.name, "2000000", "1500000", "kz-guarantee", "kz-bank"):
        assert value not in text
    assert set(body) == {"type", "title", "status", "detail", "code", "article", "field", "errors"}
    # the same answer as for a loan that does not exist
    missing = aw.client("other-bank").get("/api/loans/NO-SUCH-LOAN").json()
    assert {k: v for k, v in missing.items()} == body


def test_lists_hold_only_what_the_institution_may_see(aw):
    expected = {"kz-bank": {aw.loan.code}, "other-bank": {aw.other_loan.code}, "kz-guarantee": {aw.loan.code},
                "kz-bureau": {aw.loan.code, aw.other_loan.code}, "kz-manager": {aw.loan.code, aw.other_loan.code}}
    for token, codes in expected.items():
        page = aw.client(token).get("/api/loans").json()
        assert {item["code"] for item in page["items"]} == codes and page["count"] == len(codes), token
        claims = aw.client(token).get("/api/claims").json()
        assert {c["code"] for c in claims["items"]} == ({aw.claim.code} if aw.loan.code in codes else set()), token


def test_funds_and_reports_are_the_bureaus_and_the_managers(aw):
    for token in INSTITUTIONS:
        client = aw.client(token)
        responses = [client.get("/api/funds"), client.get("/api/funds/kz-fund/position", on="2026-06-30"),
                     client.get("/api/reports/performance", program="kezhou-industry", on="2026-06-30")]
        for response in responses:
            if token in OVERSEERS:
                assert response.status_code == 200, (token, response.content[:300])
            else:
                is_problem(response, 403, "NOT_ALLOWED")
    assert [f["code"] for f in aw.client("kz-bureau").get("/api/funds").json()] == ["kz-fund"]
    is_problem(aw.client("kz-bureau").get("/api/funds/no-such-fund/position"), 404)
    is_problem(aw.client("kz-manager").get("/api/reports/performance", program="no-such-program"), 404)


def test_a_lender_files_only_its_own_loans(aw):
    before = counts()
    response = aw.client("kz-bank").post("/api/loans", filing(aw.fresh_borrowers[0], lender="other-bank"))
    is_problem(response, 403, "NOT_ALLOWED")
    for token in ("kz-guarantee", "kz-bureau", "kz-manager"):
        is_problem(aw.client(token).post("/api/loans", filing(aw.fresh_borrowers[0], lender=token)), 403)
        is_problem(aw.client(token).post("/api/loans/batch", {"loans": [filing(aw.fresh_borrowers[0])]}), 403)
    assert counts() == before


def test_figures_are_the_institutions_own(aw):
    bank = aw.client("kz-bank").get("/api/figures", on="2026-06-30").json()
    assert bank["institution"] == "kz-bank" and bank["role"] == "lender" and bank["guarantor"] == []
    (line,) = bank["lender"]
    assert line["program"] == "kezhou-industry" and line["outstanding"] == "1500000.00"  # not other-bank's 800,000
    assert line["npl_ratio"] == "1"  # its one loan is 120 days past due on 2026-06-30
    other = aw.client("other-bank").get("/api/figures", on="2026-06-30").json()
    assert other["lender"][0]["outstanding"] == "800000.00" and other["lender"][0]["npl_ratio"] == "0"
    guarantor = aw.client("kz-guarantee").get("/api/figures", on="2026-06-30").json()
    (g,) = guarantor["guarantor"]
    assert (g["loans"], g["outstanding"], g["in_arrears"], g["claims"]) == (1, "1500000.00", 1, 0)
    bureau = aw.client("kz-bureau").get("/api/figures").json()
    assert bureau["lender"] == [] and bureau["guarantor"] == []
