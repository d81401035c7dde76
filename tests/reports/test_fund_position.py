"""fund_position(fund, on): the fund's position at the end of a date (kezhou 第二十三条（六）余额; leverage
kezhou 第二条). The story's events are listed in conftest.build_kezhou_base / build_kezhou_later."""

from decimal import Decimal as D

from riskpool.loans.models import Loan
from riskpool.reports.services import fund_position

from .conftest import build_kezhou_later, d


def test_position_on_a_past_date_does_not_change_when_later_events_are_recorded(kezhou_base):
    fund = kezhou_base.fund
    before = fund_position(fund, d("2025-07-31"))
    # 2025-07-31, by hand:
    #   capital 10,000,000.00; income 12,345.67
    #   cash 10,000,000.00 + 12,345.67 − 3,000,000.00 = 7,012,345.67; deposits 3,000,000.00
    #   money held 10,012,345.67
    #   covered: L1 1,000,000 + L2 500,000 + L3 800,000 = 2,300,000.00 (3 loans)
    assert before.capital == D("10000000.00")
    assert before.income == before.income_interest == D("12345.67")
    assert (before.cash, before.deposits, before.bonds) == (D("7012345.67"), D("3000000.00"), D("0.00"))
    assert before.money_held == D("10012345.67")
    assert (before.covered_loans, before.outstanding_covered) == (3, D("2300000.00"))

    build_kezhou_later(kezhou_base)  # a repayment on 2025-08-10, arrears, a claim, recoveries, fees ...
    assert Loan.objects.get(code="L1").outstanding_principal == D("800000.00")  # today's value has moved
    assert fund_position(fund, d("2025-07-31")) == before  # ... the past has not

    after = fund_position(fund, d("2025-09-30"))
    # L1 repaid 200,000 on 2025-08-10: 800,000 + 500,000 + 800,000 = 2,100,000.00; the books did not move
    assert (after.covered_loans, after.outstanding_covered) == (3, D("2100000.00"))
    assert after.money_held == before.money_held


def test_position_with_approved_unpaid_compensation(kezhou_story):
    p = fund_position(kezhou_story.fund, d("2026-01-10"))
    # approved 2026-01-08, paid 2026-01-15: on 2026-01-10 it is a liability and an expense, cash has not moved.
    # The 2025 fee (987.65, accrued 2025-12-31) is paid only on 2026-01-20.
    assert p.compensation_payable == D("255000.00")
    assert p.compensated == D("255000.00")
    assert p.management_fee_payable == D("987.65")
    assert p.cash == D("7012345.67")
    # L2 is covered until it is released by the payment: 800,000 + 500,000 + 800,000
    assert (p.covered_loans, p.outstanding_covered) == (3, D("2100000.00"))
    # net assets = money held − payables = 10,012,345.67 − 255,000.00 − 987.65 = 9,756,358.02
    assert p.net_assets == D("9756358.02")


def test_position_at_quarter_end_after_compensation_and_recoveries(kezhou_story):
    p = fund_position(kezhou_story.fund, d("2026-03-31"))
    # cash 7,012,345.67 − 255,000.00 (paid) − 987.65 (fee) + 25,000.00 (remitted) + 4,321.00 (interest) = 6,785,679.02
    assert p.cash == D("6785679.02")
    assert p.money_held == D("9785679.02")
    assert p.income == D("16666.67")  # 12,345.67 + 4,321.00
    assert p.receivable == D("10000.00")  # recovery 2's fund share, due and not remitted
    assert p.compensated == D("255000.00")
    assert p.recovered == D("35000.00")  # shown positive: 25,000 + 10,000
    assert p.net_loss == D("220000.00")  # 255,000 − 35,000
    assert p.management_fee == D("987.65")
    assert p.compensation_payable == p.management_fee_payable == D("0.00")
    # L2 released by compensation on 2026-01-15; L1 800,000 + L3 800,000 remain
    assert (p.covered_loans, p.outstanding_covered) == (2, D("1600000.00"))
    # the books' identity: capital + income − compensated + recovered − fee − written off = net assets
    assert p.net_assets == p.capital + p.income - p.compensated + p.recovered - p.management_fee - p.written_off
    assert p.net_assets == D("9795679.02")


def test_remaining_capacity_under_kezhou_leverage(kezhou_story):
    (line,) = fund_position(kezhou_story.fund, d("2026-03-31")).programs
    # kezhou 第二条: 1:10 on the fund's current balance (leverage_base fund_balance)
    # 9,785,679.02 × 10 = 97,856,790.20; less covered 1,600,000.00 = 96,256,790.20
    assert (line.program, line.leverage, line.leverage_base) == ("kezhou-industry", D("10"), "fund_balance")
    assert line.article == "第二条"
    assert line.base_amount == D("9785679.02")
    assert line.capacity == D("97856790.20")
    assert line.covered_outstanding == line.program_outstanding == D("1600000.00")
    assert line.remaining == D("96256790.20")

    (early,) = fund_position(kezhou_story.fund, d("2025-07-31")).programs
    # 10,012,345.67 × 10 = 100,123,456.70; − 2,300,000.00 = 97,823,456.70
    assert (early.capacity, early.remaining) == (D("100123456.70"), D("97823456.70"))


def test_leverage_not_in_force_before_the_program_starts(kezhou_story):
    (line,) = fund_position(kezhou_story.fund, d("2025-03-01")).programs  # kezhou starts 2025-03-15
    assert line.leverage is None and line.capacity == D("0.00")
    assert "not in force" in line.note


def test_compensated_loan_without_release_date_is_placed_by_its_claim_payment(kezhou_story):
    # if a claims service left released_on empty, the claim's payment date still releases the loan
    Loan.objects.filter(code="L2").update(released_on=None)
    assert fund_position(kezhou_story.fund, d("2026-01-14")).outstanding_covered == D("2100000.00")
    assert fund_position(kezhou_story.fund, d("2026-01-15")).outstanding_covered == D("1600000.00")


def test_nothing_before_the_first_posting(kezhou_story):
    p = fund_position(kezhou_story.fund, d("2025-01-01"))
    assert p.money_held == p.capital == p.net_assets == D("0.00")
    assert (p.covered_loans, p.outstanding_covered) == (0, D("0.00"))
