"""Filing limits (入池备案): windows, leverage, per-borrower and single-loan caps, term, fees, products,
guarantor, whitelist and lender status — each test names its article."""

from decimal import Decimal

from conftest import d
from riskpool.rules.facts import FilingFacts, LoanApplication
from riskpool.rules.filing import file_loan


def facts(amount="1000000", issue="2026-03-02", term=36, fee="0.005", product="loan", cost=None, guarantor=True,
          **kw):
    loan = LoanApplication(amount=amount, issue_date=issue, term_months=term, guarantee_fee_rate=fee,
                           product_type=product, all_in_cost_rate=cost, has_guarantor=guarantor)
    base = dict(loan=loan, borrower_whitelisted=True, fund_balance="100000000")
    base.update(kw)
    return FilingFacts(**base)


def blocking(decision):
    return sorted(r.code for r in decision.reasons if r.blocking)


def test_kezhou_article_2_loans_issued_before_2030_03_15(kezhou):
    assert file_loan(kezhou, d("2030-03-14"), facts(issue="2030-03-14")).approved
    assert blocking(file_loan(kezhou, d("2030-03-14"), facts(issue="2030-03-15"))) == ["LOAN_WINDOW"]


def test_pingluo_article_28_window_2025_10_23_to_2030_10_23_inclusive(pingluo):
    f = dict(fee="0.002")
    assert blocking(file_loan(pingluo, d("2025-10-23"), facts(issue="2025-10-22", **f))) == ["LOAN_WINDOW"]
    assert file_loan(pingluo, d("2025-10-23"), facts(issue="2025-10-23", **f)).approved
    assert file_loan(pingluo, d("2030-10-23"), facts(issue="2030-10-23", **f)).approved
    assert blocking(file_loan(pingluo, d("2030-10-23"), facts(issue="2030-10-24", **f))) == ["LOAN_WINDOW"]
    # after 2030-10-23 the measures are no longer in force at all
    assert blocking(file_loan(pingluo, d("2030-10-24"), facts(issue="2030-10-24", **f))) == ["PROGRAM_NOT_IN_FORCE"]


def test_kunshan_article_26_three_years_from_issue(kunshan):
    start = kunshan.param(kunshan.filing.loan_window, d("2024-06-01"))
    assert start.last_day == d("2026-12-31")  # issued 2024-01-01 (a parameter), valid three years
    assert file_loan(kunshan, d("2026-12-31"), facts(issue="2026-12-31", fee="0.01")).approved
    assert blocking(file_loan(kunshan, d("2026-12-31"), facts(issue="2027-01-01", fee="0.01"))) == ["LOAN_WINDOW"]
    assert blocking(file_loan(kunshan, d("2027-01-01"), facts(issue="2027-01-01", fee="0.01"))) == [
        "PROGRAM_NOT_IN_FORCE"]


def test_kezhou_article_2_leverage_1_to_10(kezhou):
    # fund 100,000,000 × 10 = 1,000,000,000 of covered loans
    ok = facts(amount="1000000", covered_outstanding="999000000")
    assert file_loan(kezhou, d("2026-03-02"), ok).approved
    over = facts(amount="1000000.01", covered_outstanding="999000000", borrower_outstanding="0")
    assert blocking(file_loan(kezhou, d("2026-03-02"), over)) == ["LEVERAGE"]


def test_kunshan_article_9_leverage_15(kunshan):
    at = facts(amount="1000000", covered_outstanding="29000000", fund_balance="2000000", fee="0.01", issue="2025-03-03")
    assert file_loan(kunshan, d("2025-03-03"), at).approved  # 2,000,000 × 15 = 30,000,000
    assert blocking(file_loan(kunshan, d("2025-03-03"), facts(
        amount="1000000.01", covered_outstanding="29000000", fund_balance="2000000", fee="0.01",
        issue="2025-03-03"))) == ["LEVERAGE"]


def test_pingluo_article_8_leverage_62_5(pingluo):
    # 1,000,000 × 62.5 = 62,500,000
    base = dict(fund_balance="1000000", covered_outstanding="60000000", fee="0.002")
    assert file_loan(pingluo, d("2026-03-02"), facts(amount="2500000", **base)).approved
    assert blocking(file_loan(pingluo, d("2026-03-02"), facts(amount="2500000.01", **base))) == ["LEVERAGE"]


def test_kezhou_article_9_per_borrower_cap_10pct_of_fund_and_10_million(kezhou):
    # small fund: 10 % of 50,000,000 = 5,000,000 is the binding cap
    small = dict(fund_balance="50000000", fund_size="50000000")
    assert file_loan(kezhou, d("2026-03-02"), facts(amount="2000000", borrower_outstanding="3000000", **small)).approved
    assert blocking(file_loan(kezhou, d("2026-03-02"), facts(
        amount="2000000.01", borrower_outstanding="3000000", **small))) == ["PER_BORROWER_CAP"]
    # large fund: 10 % of 200,000,000 = 20,000,000, but at most 10,000,000
    large = dict(fund_balance="200000000", fund_size="200000000")
    assert file_loan(kezhou, d("2026-03-02"), facts(amount="4000000", borrower_outstanding="6000000", **large)).approved
    assert blocking(file_loan(kezhou, d("2026-03-02"), facts(
        amount="4000000.01", borrower_outstanding="6000000", **large))) == ["PER_BORROWER_CAP"]


def test_kunshan_article_10_per_borrower_15_million(kunshan):
    base = dict(fund_balance="100000000", fee="0.01", issue="2025-03-03")
    assert file_loan(kunshan, d("2025-03-03"), facts(amount="5000000", borrower_outstanding="10000000", **base)).approved
    assert blocking(file_loan(kunshan, d("2025-03-03"), facts(
        amount="5000000.01", borrower_outstanding="10000000", **base))) == ["PER_BORROWER_CAP"]


def test_pingluo_article_12_single_loan_at_most_5_million_inclusive(pingluo):
    assert file_loan(pingluo, d("2026-03-02"), facts(amount="5000000", fee="0.002")).approved
    assert blocking(file_loan(pingluo, d("2026-03-02"), facts(amount="5000000.01", fee="0.002"))) == [
        "SINGLE_LOAN_MAX"]


def test_kezhou_article_9_term_at_most_five_years(kezhou):
    assert file_loan(kezhou, d("2026-03-02"), facts(term=60)).approved
    assert blocking(file_loan(kezhou, d("2026-03-02"), facts(term=61))) == ["TERM"]


def test_kunshan_article_12_term_6_to_60_months(kunshan):
    f = dict(fee="0.01", issue="2025-03-03")
    assert blocking(file_loan(kunshan, d("2025-03-03"), facts(term=5, **f))) == ["TERM"]
    assert file_loan(kunshan, d("2025-03-03"), facts(term=6, **f)).approved
    assert file_loan(kunshan, d("2025-03-03"), facts(term=60, **f)).approved
    assert blocking(file_loan(kunshan, d("2025-03-03"), facts(term=61, **f))) == ["TERM"]


def test_guarantee_fee_caps_kezhou_8_kunshan_11_pingluo_13(kezhou, kunshan, pingluo):
    assert file_loan(kezhou, d("2026-03-02"), facts(fee="0.01")).approved
    assert blocking(file_loan(kezhou, d("2026-03-02"), facts(fee="0.0101"))) == ["GUARANTEE_FEE"]
    assert file_loan(kunshan, d("2025-03-03"), facts(fee="0.01", issue="2025-03-03")).approved
    assert blocking(file_loan(kunshan, d("2025-03-03"), facts(fee="0.011", issue="2025-03-03"))) == ["GUARANTEE_FEE"]
    assert file_loan(pingluo, d("2026-03-02"), facts(fee="0.002")).approved
    assert blocking(file_loan(pingluo, d("2026-03-02"), facts(fee="0.0021"))) == ["GUARANTEE_FEE"]


def test_kunshan_article_12_product_types_and_all_in_cost_caps(kunshan):
    f = dict(fee="0.01", issue="2025-03-03")
    assert blocking(file_loan(kunshan, d("2025-03-03"), facts(product="crypto_loan", **f))) == ["PRODUCT_TYPE"]
    for product in ("financial_leasing", "micro_loan", "factoring"):
        assert file_loan(kunshan, d("2025-03-03"), facts(product=product, cost="0.08", **f)).approved
        assert blocking(file_loan(kunshan, d("2025-03-03"), facts(product=product, cost="0.0801", **f))) == [
            "ALL_IN_COST"]
        assert file_loan(kunshan, d("2025-03-03"), facts(product=product, **f)).outcome == "incomplete"
    # a bank loan has no 8 % cap under 第十二条
    assert file_loan(kunshan, d("2025-03-03"), facts(product="loan", cost="0.09", **f)).approved


def test_guarantor_required_for_guaranteed_loans_kezhou_2_pingluo_2_not_kunshan_11(kezhou, kunshan, pingluo):
    assert blocking(file_loan(kezhou, d("2026-03-02"), facts(guarantor=False))) == ["GUARANTOR_REQUIRED"]
    assert blocking(file_loan(pingluo, d("2026-03-02"), facts(guarantor=False, fee="0.002"))) == [
        "GUARANTOR_REQUIRED"]
    assert file_loan(kunshan, d("2025-03-03"), facts(guarantor=False, fee="0.01", issue="2025-03-03")).approved


def test_whitelist_required_and_suspended_or_terminated_lender_cannot_file(kezhou, kunshan):
    assert blocking(file_loan(kezhou, d("2026-03-02"), facts(borrower_whitelisted=False))) == ["WHITELIST"]
    for status in ("suspended", "terminated"):
        decision = file_loan(kunshan, d("2025-03-03"), facts(lender_status=status, fee="0.01", issue="2025-03-03"))
        assert blocking(decision) == ["LENDER_STATUS"]
        assert [r.article for r in decision.reasons if r.code == "LENDER_STATUS"] == ["第二十三条"]


def test_filing_reports_capacity(kezhou):
    decision = file_loan(kezhou, d("2026-03-02"), facts(fund_balance="80000000", covered_outstanding="100"))
    assert decision.amounts["capacity"] == Decimal("800000000.00")
    assert decision.amounts["covered_outstanding_after"] == Decimal("1000100")


def test_kezhou_article_8_2_no_fees_besides_interest_and_guarantee_fee(kezhou, kunshan):
    loan = LoanApplication(amount="1000000", issue_date="2026-03-02", term_months=12, guarantee_fee_rate="0.01",
                           other_fees="5000")
    decision = file_loan(kezhou, d("2026-03-02"), FilingFacts(loan=loan, borrower_whitelisted=True,
                                                              fund_balance="100000000"))
    assert blocking(decision) == ["OTHER_FEES"]
