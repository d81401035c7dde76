"""Claim admissibility: kezhou-industry 第十三条, kunshan-kunyurong 第十三条/第十七条,
pingluo-puhui-yidai 第十五条/第十一条6."""

import pytest

from conftest import d
from riskpool.rules.claims import assess_claim
from riskpool.rules.facts import ClaimFacts

ON = d("2026-06-15")
KEZHOU_OK = {"guarantor_alerted_at_30_days": True, "overdue_notice_sent": True, "cause_investigated": True,
             "legal_enforcement_exhausted": True, "lender_terminated_before_loan": False}
KEZHOU_DOCS = ["application", "loan_contract", "loss_statement", "recovery_measures"]
KUNSHAN_OK = {"court_case_filed": True, "filed_in_pool_system": True, "lender_operational_failure": False,
              "arrears_elsewhere_at_approval": False, "data_inconsistent": False, "collection_not_timely": False,
              "registration_moved_out": False, "not_issued_per_agreement": False, "joint_meeting_refusal": False}
KUNSHAN_DOCS = ["application", "court_filing_notice", "investigation_report"]
PINGLUO_OK = {"lender_collected": True, "collateral_disposed": True, "unable_to_repay_confirmed": True,
              "borrower_restructured": False}


def claim(conditions, documents, **kw):
    return ClaimFacts(approved_principal="1000000", fund_balance="50000000", conditions=conditions,
                      documents=documents, **kw)


def blocking(decision):
    return sorted(r.code for r in decision.reasons if r.blocking)


def test_kezhou_article_13_admissible_claim_is_paid(kezhou):
    decision = assess_claim(kezhou, ON, claim(KEZHOU_OK, KEZHOU_DOCS))
    assert decision.approved and decision.amounts["fund_payable"] == 500000


@pytest.mark.parametrize("fact, code", [
    ("guarantor_alerted_at_30_days", "GUARANTOR_ALERTED_AT_30_DAYS"),
    ("overdue_notice_sent", "OVERDUE_NOTICE_SENT"),
    ("cause_investigated", "CAUSE_INVESTIGATED"),
    ("legal_enforcement_exhausted", "LEGAL_ENFORCEMENT_EXHAUSTED"),
])
def test_kezhou_article_13_each_precondition(kezhou, fact, code):
    decision = assess_claim(kezhou, ON, claim(dict(KEZHOU_OK, **{fact: False}), KEZHOU_DOCS))
    assert decision.outcome == "refused" and blocking(decision) == [code]
    assert decision.amounts["fund_payable"] == 0
    assert decision.amounts["loss_base"] == 1000000  # the loss is still shown


def test_kezhou_article_13_4_documents_checklist(kezhou):
    decision = assess_claim(kezhou, ON, claim(KEZHOU_OK, ["application", "loan_contract"]))
    assert decision.outcome == "incomplete"
    missing = [r.message for r in decision.reasons if r.code == "DOCUMENT_MISSING"]
    assert len(missing) == 2 and any("本金利息损失统计表" in m for m in missing)


def test_unstated_condition_makes_the_claim_incomplete(kezhou):
    partial = {k: v for k, v in KEZHOU_OK.items() if k != "overdue_notice_sent"}
    assert assess_claim(kezhou, ON, claim(partial, KEZHOU_DOCS)).outcome == "incomplete"


def test_a_loan_never_filed_is_not_covered(kezhou):
    assert "LOAN_NOT_FILED" in blocking(assess_claim(kezhou, ON, claim(KEZHOU_OK, KEZHOU_DOCS, loan_filed=False)))


def test_kunshan_article_17_court_case_must_be_filed(kunshan):
    decision = assess_claim(kunshan, ON, claim(dict(KUNSHAN_OK, court_case_filed=False), KUNSHAN_DOCS))
    assert blocking(decision) == ["COURT_CASE_FILED"]


@pytest.mark.parametrize("fact, code, article", [
    ("lender_operational_failure", "LENDER_OPERATIONAL_FAILURE", "第十三条"),
    ("arrears_elsewhere_at_approval", "ARREARS_ELSEWHERE_AT_APPROVAL", "第十七条1"),
    ("data_inconsistent", "DATA_INCONSISTENT", "第十七条2"),
    ("collection_not_timely", "NO_TIMELY_COLLECTION", "第十七条3"),
    ("registration_moved_out", "REGISTRATION_MOVED_OUT", "第十七条4"),
    ("not_issued_per_agreement", "NOT_PER_AGREEMENT", "第十七条5"),
    ("joint_meeting_refusal", "JOINT_MEETING_REFUSAL", "第十七条6"),
])
def test_kunshan_articles_13_and_17_refusals(kunshan, fact, code, article):
    decision = assess_claim(kunshan, ON, claim(dict(KUNSHAN_OK, **{fact: True}), KUNSHAN_DOCS))
    assert decision.outcome == "refused"
    assert [(r.code, r.article) for r in decision.reasons if r.blocking] == [(code, article)]


def test_kunshan_article_17_2_not_filed_in_the_pool_system(kunshan):
    decision = assess_claim(kunshan, ON, claim(dict(KUNSHAN_OK, filed_in_pool_system=False), KUNSHAN_DOCS))
    assert blocking(decision) == ["FILED_IN_POOL_SYSTEM"]


def test_pingluo_article_15_collateral_first(pingluo):
    decision = assess_claim(pingluo, ON, claim(dict(PINGLUO_OK, collateral_disposed=False), ["application"],
                                               lender_cumulative_released="100000000"))
    assert blocking(decision) == ["COLLATERAL_DISPOSED_FIRST"]


def test_pingluo_article_11_6_restructured_borrower_not_compensated(pingluo):
    decision = assess_claim(pingluo, ON, claim(dict(PINGLUO_OK, borrower_restructured=True), ["application"],
                                               lender_cumulative_released="100000000"))
    assert blocking(decision) == ["RESTRUCTURED_BORROWER"]
    assert decision.amounts["fund_payable"] == 0


def test_a_refusal_stands_even_when_documents_are_missing(pingluo):
    decision = assess_claim(pingluo, ON, claim(dict(PINGLUO_OK, borrower_restructured=True), []))
    assert decision.outcome == "refused"


def test_kunshan_article_11_exposure_above_the_last_tier_is_refused_not_an_error(kunshan):
    decision = assess_claim(kunshan, ON, claim(KUNSHAN_OK, KUNSHAN_DOCS, exposure="15000000.01"))
    assert decision.outcome == "refused"
    assert [(r.code, r.article) for r in decision.reasons if r.blocking] == [("EXPOSURE_NOT_COVERED", "第十一条")]
    assert decision.amounts["fund_payable"] == 0
