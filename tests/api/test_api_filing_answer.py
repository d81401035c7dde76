"""The answer to a filing (POST /api/loans, 201) is built from what the command wrote, not read back: it must
be exactly the loan as GET /api/loans/{code} then shows it — codes, amounts to the fen, dates, the decision
with its reasons and articles, the notices and their working-day due dates — and a retried key (answered from
the first result, so read back) gives the same body."""

from __future__ import annotations

import pytest

from api_helpers import aw, api_urls, filing  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("extra", [
    {},
    {"amount": "1234567.8", "interest_rate": "0.0385", "term_months": 36, "guarantee_fee_rate": "0.01"},
    {"on": "2025-08-05", "guarantee_letter_date": None},
    {"guarantee_letter_date": "2027-09-01"},  # its notices due in another order than the policy lists them
], ids=["guaranteed", "odd-amount-and-rate", "filed-later-no-letter-date", "notices-out-of-policy-order"])
def test_the_filing_answer_is_the_loan_as_read_back(aw, extra):
    bank = aw.client("kz-bank")
    body = {k: v for k, v in filing(aw.fresh_borrowers[0], code="KZ-ANSWER-1", **extra).items() if v is not None}
    filed = bank.post("/api/loans", body, key="answer-1")
    assert filed.status_code == 201, filed.content
    read = bank.get("/api/loans/KZ-ANSWER-1")
    assert read.status_code == 200
    assert filed.json() == read.json()
    assert filed.json()["filing_decision"]["reasons"]  # the decision with its articles, not an empty shell
    assert filed.json()["notices"], "a guaranteed kezhou loan has notices with due dates"
    again = bank.post("/api/loans", body, key="answer-1")  # the retry reads the loan back
    assert again.status_code == 201 and again.json() == read.json()
