"""quarterly_report(fund, year, quarter): the fund manager's quarterly report to the finance bureau
(kezhou 第二十三条（六）: 资金运营、风险补偿、余额). Story: conftest.build_kezhou_*."""

from decimal import Decimal as D

import pytest

from riskpool.reports import ReportError
from riskpool.reports.services import fund_position, quarterly_report

from .conftest import d


def test_quarter_with_compensation_recoveries_and_fee(kezhou_story):
    fund = kezhou_story.fund
    q = quarterly_report(fund, 2026, 1)
    assert (q.start, q.end) == (d("2026-01-01"), d("2026-03-31"))
    # opening = position at the end of 2025-12-31, closing = at the end of 2026-03-31
    assert q.opening == fund_position(fund, d("2025-12-31"))
    assert q.closing == fund_position(fund, d("2026-03-31"))
    assert q.opening.money_held == D("10012345.67") and q.closing.money_held == D("9785679.02")
    # movements in the quarter
    assert str(q.capital_injected) == str(q.income_coupons) == "0.00"  # a zero flow, never "-0.00"
    assert q.income == q.income_interest == D("4321.00")
    assert (q.compensation_approved, q.compensation_paid) == (D("255000.00"), D("255000.00"))
    assert (q.recoveries, q.recoveries_received) == (D("35000.00"), D("25000.00"))  # 10,000 still receivable
    assert (q.management_fee_accrued, q.management_fee_paid) == (D("0.00"), D("987.65"))
    # money held: 10,012,345.67 + 4,321.00 − 255,000.00 − 987.65 + 25,000.00 = 9,785,679.02
    assert (q.opening.money_held + q.income + q.capital_injected - q.compensation_paid - q.management_fee_paid
            + q.recoveries_received) == q.closing.money_held
    # kezhou 第二十一条: 8 % of this year's income to date, 4,321.00 × 0.08 = 345.68
    assert q.income_year_to_date == D("4321.00")
    assert q.management_fee_rule.amounts["fee"] == D("345.68")
    assert q.management_fee_rule.reasons[0].article == "第二十一条"


def test_program_and_lender_lines(kezhou_story):
    q = quarterly_report(kezhou_story.fund, 2026, 1)
    (line,) = q.programs
    assert line.program == "kezhou-industry"
    # 2025-12-31: L1 800,000 + L2 500,000 + L3 800,000; 2026-03-31: L1 + L3
    assert (line.outstanding_start, line.outstanding_end) == (D("2100000.00"), D("1600000.00"))
    assert (line.filed_count, line.repaid_principal) == (0, D("0.00"))
    assert (line.claims_paid, line.compensation_paid, line.recoveries_to_fund) == (1, D("255000.00"), D("35000.00"))
    assert (line.capacity_end, line.remaining_capacity_end) == (D("97856790.20"), D("96256790.20"))
    assert [(r.lender, r.outstanding, r.compensation_received) for r in q.lenders] == [
        ("kz-bank-a", D("800000.00"), D("255000.00")), ("kz-bank-b", D("800000.00"), D("0.00"))]


def test_fourth_quarter_fee_accrual_matches_the_rule(kezhou_story):
    q = quarterly_report(kezhou_story.fund, 2025, 4)
    # 2025 income 12,345.67 × 8 % = 987.6536 → 987.65, accrued on 2025-12-31
    assert q.income_year_to_date == D("12345.67")
    assert q.management_fee_accrued == q.management_fee_rule.amounts["fee"] == D("987.65")
    assert q.compensation_approved == D("0.00")
    assert q.lenders[0].claims_submitted == 1  # KZ-C1, 2025-12-10


def test_bad_quarter(kezhou_story):
    with pytest.raises(ReportError):
        quarterly_report(kezhou_story.fund, 2026, 0)
