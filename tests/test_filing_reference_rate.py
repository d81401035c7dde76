"""filing.loan_rate_max (demo-two-contributors 第九条: 1-year LPR + 50 bp) and the program's declared facts at
filing: the fixing in force on the issue date, a multiple of it, the 5-year LPR by term, a date with no known
fixing (incomplete, naming `riskpool rates load`), a loan without its rate or a declared fact (incomplete)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from pathlib import Path

import pytest

from riskpool.policy import load_text
from riskpool.rules.facts import FilingFacts, LoanApplication
from riskpool.rules.filing import file_loan

TWO = (Path(__file__).parents[1] / "examples" / "counties" / "demo-two-contributors.yaml").read_text("utf-8")


@pytest.fixture(autouse=True)
def _no_loaded_rates(tmp_path, monkeypatch):
    monkeypatch.setenv("RISKPOOL_RATES_DIR", str(tmp_path / "rates"))


def program(limit: str = "{reference: lpr_1y, spread_bp: 50}", extra: str = ""):
    text = TWO.replace("{reference: lpr_1y, spread_bp: 50}", limit).replace("term_months:\n    article: 第九条\n"
                                                                            "    value: {max: 36}",
                                                                            "term_months:\n    article: 第九条\n"
                                                                            "    value: {max: 120}")
    return load_text(extra + text, "test")


def decide(p, issue: dt.date, rate: str | None, term: int = 12, facts: dict | None = None):
    loan = LoanApplication(amount=D(1000000), issue_date=issue, term_months=term,
                           interest_rate=None if rate is None else D(rate), facts=facts or {})
    return file_loan(p, issue, FilingFacts(loan=loan, borrower_whitelisted=True, fund_balance=D(10**7),
                                           fund_size=D(10**7)))


def reason(d, code):
    return next(r for r in d.reasons if r.code == code)


@pytest.mark.parametrize("issue,rate,ok", [
    (dt.date(2025, 3, 10), "0.036", True),    # fixing 2025-02-20: 3.10 % + 50 bp = 3.60 %, inclusive
    (dt.date(2025, 3, 10), "0.0361", False),
    (dt.date(2025, 5, 20), "0.0351", False),  # fixing 2025-05-20: 3.00 % + 50 bp = 3.50 %
    (dt.date(2025, 5, 19), "0.0351", True),   # the day before: still 3.10 %
])
def test_demo_two_contributors_9_lpr_plus_50_bp(issue, rate, ok):
    d = decide(program(), issue, rate)
    assert d.approved is ok
    assert reason(d, "LOAN_RATE").article == "第九条"


def test_a_multiple_of_the_reference():
    d = decide(program("{reference: lpr_1y, multiple: 1.5}"), dt.date(2025, 3, 10), "0.0466")
    assert not d.approved and "3.1% (fixed 2025-02-20) × 1.5 = 4.65%" in reason(d, "LOAN_RATE").message


def test_by_term_reads_the_5_year_lpr_above_60_months():
    p = program("{reference: by_term, spread_bp: 0}")
    assert decide(p, dt.date(2025, 3, 10), "0.036", term=72).approved  # 5-year LPR 3.60 %
    assert not decide(p, dt.date(2025, 3, 10), "0.036", term=60).approved  # 1-year LPR 3.10 %


def test_a_date_with_no_known_fixing_is_incomplete_and_says_how_to_load_one():
    d = decide(program(), dt.date(2029, 3, 10), "0.03")
    assert d.outcome == "incomplete"
    message = reason(d, "FACT_MISSING").message
    assert "2029-03-10" in message and "riskpool rates load" in message


def test_a_loan_without_its_rate_is_incomplete():
    d = decide(program(), dt.date(2025, 3, 10), None)
    assert d.outcome == "incomplete" and "interest_rate is needed" in reason(d, "FACT_MISSING").message


def test_declared_facts_are_needed_at_filing_and_checked():
    p = program(extra="facts:\n  sector: {type: category, values: [ic, biotech], article: 第六条, description: 行业}\n")
    assert decide(p, dt.date(2025, 3, 10), "0.035").outcome == "incomplete"
    assert decide(p, dt.date(2025, 3, 10), "0.035", facts={"sector": "ic"}).approved
    bad = decide(p, dt.date(2025, 3, 10), "0.035", facts={"sector": "retail"})
    assert bad.outcome == "refused" and reason(bad, "FACT_VALUE").article == "第六条"
    undeclared = decide(p, dt.date(2025, 3, 10), "0.035", facts={"sector": "ic", "size": "big"})
    assert "FACT_UNDECLARED" in undeclared.codes()
