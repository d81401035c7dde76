"""Tiers on any declared basis (sharing.tier_basis), caps per party over a window with who bears the excess, and
contributors' liability — the pure rules, on small policies derived from the examples (examples/counties)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from pathlib import Path

import pytest

from riskpool.figures.lenders import window_start
from riskpool.policy import load_text
from riskpool.rules.claims import assess_claim
from riskpool.rules.facts import ClaimFacts

COUNTIES = Path(__file__).parents[1] / "examples" / "counties"
TENOR = (COUNTIES / "demo-tenor-guarantee.yaml").read_text(encoding="utf-8")
TWO = (COUNTIES / "demo-two-contributors.yaml").read_text(encoding="utf-8")
ON = dt.date(2027, 6, 15)
OK = {"conditions": {"guarantor_paid": True, "fraud": False}, "documents": ["application", "guarantor_payment_proof"]}


def tenor(**changes: str):
    text = TENOR
    for old, new in changes.items():
        assert old in text
        text = text.replace(old, new, 1)
    return load_text(text, "test")


def claim(program, **facts):
    return assess_claim(program, ON, ClaimFacts(**{"approved_principal": D(1000000), "fund_balance": D(10**8),
                                                  **OK, **facts}))


@pytest.mark.parametrize("months,fund", [(1, "300000.00"), (12, "300000.00"), (13, "350000.00"), (36, "350000.00"),
                                         (37, "400000.00"), (60, "400000.00")])
def test_demo_tenor_guarantee_9_tiers_by_term(months, fund):
    """demo-tenor-guarantee 第九条: ≤ 12 months 30 %, ≤ 36 months 35 %, longer 40 % (edges inclusive above)."""
    d = claim(tenor(), term_months=months)
    assert d.outcome == "approved" and str(d.amounts["fund_share"]) == fund


def test_demo_tenor_guarantee_9_term_missing_is_incomplete_not_a_default():
    d = claim(tenor())
    assert d.outcome == "incomplete"
    assert d.details["missing"] == "term_months"
    assert [r.article for r in d.reasons if r.code == "FACT_MISSING"] == ["第九条"]


def test_a_categorical_basis_on_the_borrower_kind():
    """A tier basis may be a category: the borrower's kind (farmers 50 %, firms 30 %)."""
    p = tenor(**{"    value: term_months\n": "    value: borrower_kind\n",
                 "      - {above: 0,  up_to: 12, fund: 0.30, lender: 0.20, guarantor: 0.50}\n"
                 "      - {above: 12, up_to: 36, fund: 0.35, lender: 0.20, guarantor: 0.45}\n"
                 "      - {above: 36,            fund: 0.40, lender: 0.20, guarantor: 0.40}\n":
                 "      - {values: [farmer, individual], fund: 0.50, lender: 0.20, guarantor: 0.30}\n"
                 "      - {values: [enterprise], fund: 0.30, lender: 0.20, guarantor: 0.50}\n"})
    assert str(claim(p, borrower_kind="farmer").amounts["fund_share"]) == "500000.00"
    assert str(claim(p, borrower_kind="enterprise").amounts["fund_share"]) == "300000.00"
    refused = claim(p, borrower_kind="cooperative")
    assert refused.outcome == "refused" and "EXPOSURE_NOT_COVERED" in refused.codes()


def test_a_declared_numeric_fact_as_basis():
    """A fact under `facts` (here the firm's R&D ratio) picks the tier; undeclared it is refused at load."""
    p = tenor(**{"sharing:\n": "facts:\n  rd_ratio: {type: number, article: 第九条, description: 研发投入占比}\n"
                               "sharing:\n",
                 "    value: term_months\n": "    value: rd_ratio\n",
                 "up_to: 12,": "up_to: 0.075,", "{above: 12, up_to: 36,": "{above: 0.075, up_to: 0.10,",
                 "{above: 36, ": "{above: 0.10,"})
    assert str(claim(p, facts={"rd_ratio": D("0.08")}).amounts["fund_share"]) == "350000.00"
    assert claim(p).details["missing"] == "rd_ratio"


def test_demo_tenor_guarantee_10_excess_shared_in_stated_proportions():
    """第十条 with the excess shared 60/40 between guarantor and lender."""
    p = tenor(**{"excess_borne_by: guarantor": "excess_borne_by: {guarantor: 0.6, lender: 0.4}"})
    d = claim(p, term_months=12, guarantor_cumulative_released=D(1000000))
    # cap 5 % × (1,000,000 + 1,000,000) = 100,000 of a 300,000 share: 200,000 excess → 120,000 / 80,000
    assert (d.amounts["fund_payable"], d.amounts["excess_guarantor"], d.amounts["excess_lender"]) == (
        D("100000.00"), D("120000.00"), D("80000.00"))


def test_a_cap_per_program_reads_the_programs_history():
    p = tenor(**{"per: guarantor": "per: program"})
    d = claim(p, term_months=12, guarantor_cumulative_released=D(10**7), program_cumulative_released=D(1000000))
    assert d.amounts["fund_payable"] == D("100000.00")  # the guarantor's history is not this cap's


@pytest.mark.parametrize("window,on,start", [
    ("calendar_year", dt.date(2027, 6, 15), dt.date(2027, 1, 1)),
    ("rolling_12_months", dt.date(2027, 6, 15), dt.date(2026, 6, 16)),
    ("rolling_12_months", dt.date(2028, 2, 29), dt.date(2027, 3, 1)),
    ("program_to_date", dt.date(2027, 6, 15), None)])
def test_window_starts(window, on, start):
    assert window_start(window, on) == start


def two(liability: str = "per_contributor"):
    return load_text(TWO.replace("value: per_contributor", f"value: {liability}"), "test")


def contributors_claim(program, province: str, county: str):
    return assess_claim(program, dt.date(2025, 10, 15), ClaimFacts(
        approved_principal=D(2500000), fund_balance=D(province) + D(county),
        contributor_balances={"province": D(province), "county": D(county)},
        conditions={"overdue_90_days": True}, documents=["application"]))


def test_demo_two_contributors_3_each_liable_up_to_what_it_holds():
    d = contributors_claim(two(), "7056000", "424000")
    assert d.details["contributors"] == {"province": "1050000.00", "county": "424000.00"}
    assert (d.amounts["fund_payable"], d.amounts["unfunded"]) == (D("1474000.00"), D("26000.00"))


def test_pooled_liability_makes_up_a_short_contributor_from_the_others():
    d = contributors_claim(two("pooled"), "7056000", "424000")
    assert d.details["contributors"] == {"province": "1076000.00", "county": "424000.00"}
    assert (d.amounts["fund_payable"], d.amounts["unfunded"]) == (D("1500000.00"), D("0.00"))
    empty = contributors_claim(two("pooled"), "1000000", "0")
    assert empty.details["contributors"] == {"province": "1000000.00", "county": "0.00"}
    assert empty.amounts["unfunded"] == D("500000.00")


def test_contributor_balances_are_needed_where_the_program_has_contributors():
    d = assess_claim(two(), dt.date(2025, 10, 15), ClaimFacts(
        approved_principal=D(2500000), fund_balance=D(10**7), conditions={"overdue_90_days": True},
        documents=["application"]))
    assert d.outcome == "incomplete" and d.details["missing"] == "contributor_balances"
