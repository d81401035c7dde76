"""lender_return(program, lender, start, end): a lender's monthly or quarterly return (kezhou 第二十三条（四）
monthly feedback, （七） quarterly: 审批、投放、贷后、追偿及代偿情况). Story: conftest.build_kezhou_*."""

import datetime as dt
from decimal import Decimal as D

import pytest

from riskpool.reports import ReportError
from riskpool.reports.services import arrears_on, covered_loans, lender_return, month_bounds, quarter_bounds

from .conftest import d


def test_month_and_quarter_bounds():
    assert month_bounds(2024, 2) == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert month_bounds(2026, 12) == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    assert quarter_bounds(2026, 1) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert quarter_bounds(2026, 4) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    with pytest.raises(ReportError, match="quarter must be 1–4"):
        quarter_bounds(2026, 5)
    with pytest.raises(ReportError, match="month must be 1–12"):
        month_bounds(2026, 13)


def test_monthly_return_lists_the_loans_filed(kezhou_story):
    s = kezhou_story
    r = lender_return(s.program, s.bank_a, *month_bounds(2025, 6))
    # June 2025: L2 500,000.00 filed on 2025-06-15; at 06-30 bank A holds L1 1,000,000 + L2 500,000
    assert (r.filed_count, r.filed_amount) == (1, D("500000.00"))
    assert [(f["loan"], f["amount"], f["issue_date"], f["maturity_date"]) for f in r.filed] == [
        ("L2", D("500000.00"), d("2025-06-15"), d("2027-06-15"))]
    assert (r.outstanding_count, r.outstanding) == (2, D("1500000.00"))
    assert r.arrears == () and r.repaid_principal == D("0.00")
    assert r.agreement_status == "active"


def test_quarterly_return_repayments_and_arrears(kezhou_story):
    s = kezhou_story
    r = lender_return(s.program, s.bank_a, *quarter_bounds(2025, 3))
    # Q3 2025: L1 repaid 200,000.00 principal and 15,000.00 interest on 08-10; nothing filed
    assert (r.filed_count, r.repaid_principal, r.repaid_interest, r.repaid_in_full) == (
        0, D("200000.00"), D("15000.00"), 0)
    # at 09-30: L1 800,000 + L2 500,000 = 1,300,000.00
    assert (r.outstanding_count, r.outstanding) == (2, D("1300000.00"))
    # L2 past due since 09-01: 30 days on 09-30 (the first day counts) → special mention, performing
    (row,) = r.arrears
    assert (row["loan"], row["days_past_due"], row["risk_class"], row["non_performing"]) == (
        "L2", 30, "special_mention", False)
    assert (r.arrears_outstanding, r.npl_outstanding) == (D("500000.00"), D("0.00"))

    q4 = lender_return(s.program, s.bank_a, *quarter_bounds(2025, 4))
    # 12-31: (12-31 − 09-01) = 121 days, +1 = 122 days → substandard (91–270): non-performing
    (row,) = q4.arrears
    assert (row["days_past_due"], row["risk_class"], row["risk_class_name"]) == (122, "substandard", "次级类")
    assert q4.npl_outstanding == D("500000.00")
    # the claim on L2 was submitted on 2025-12-10 for a loss of 510,000.00; it is paid only in 2026
    assert (q4.claims_submitted, q4.claims_submitted_loss, q4.claims_paid) == (1, D("510000.00"), 0)

    other = lender_return(s.program, s.bank_b, *quarter_bounds(2025, 3))
    assert (other.filed_count, other.filed_amount, other.outstanding) == (1, D("800000.00"), D("800000.00"))


def test_arrears_rebuilt_from_the_audit_trail_after_a_cure(kezhou_story):
    s = kezhou_story
    # L1: past due since 2025-10-01, cured on 2025-10-20 (its stored overdue_since is empty again)
    mid = {r["loan"]: r["days_past_due"] for r in arrears_on(covered_loans(d("2025-10-15"), program=s.program),
                                                               d("2025-10-15"))}
    assert mid == {"L1": 15, "L2": 45}
    october = lender_return(s.program, s.bank_a, *month_bounds(2025, 10))
    # 10-31: L1 current again; L2 61 days past due
    assert [(r["loan"], r["days_past_due"]) for r in october.arrears] == [("L2", 61)]


def test_return_with_compensation_and_recoveries(kezhou_story):
    s = kezhou_story
    r = lender_return(s.program, s.bank_a, *quarter_bounds(2026, 1))
    # compensation of 255,000.00 paid on 2026-01-15; L2 released, only L1 (800,000.00) left
    assert (r.claims_submitted, r.claims_paid, r.compensation_received) == (0, 1, D("255000.00"))
    assert (r.outstanding_count, r.outstanding, r.arrears) == (1, D("800000.00"), ())
    # recoveries: net 50,000.00 + 20,000.00 = 70,000.00; fund's shares 25,000.00 + 10,000.00 = 35,000.00;
    # remitted 25,000.00 on 02-20; 10,000.00 outstanding, due 03-19, overdue at 03-31
    assert (r.recoveries_net, r.recoveries_to_fund) == (D("70000.00"), D("35000.00"))
    assert (r.remitted_to_fund, r.remittance_outstanding, r.remittance_overdue) == (
        D("25000.00"), D("10000.00"), D("10000.00"))
    assert [(x["received_on"], x["net"], x["to_fund"], x["remittance"]) for x in r.recoveries] == [
        (d("2026-02-10"), D("50000.00"), D("25000.00"), "remitted"),
        (d("2026-03-05"), D("20000.00"), D("10000.00"), "overdue")]

    march = lender_return(s.program, s.bank_a, d("2026-03-01"), d("2026-03-15"))
    # on 03-15 recovery 2 is due (by 03-19) but not yet overdue
    assert [x["remittance"] for x in march.recoveries] == ["due"]
    assert (march.remittance_outstanding, march.remittance_overdue) == (D("10000.00"), D("0.00"))


def test_period_must_not_end_before_it_starts(kezhou_story):
    with pytest.raises(ReportError, match="before it starts"):
        lender_return(kezhou_story.program, kezhou_story.bank_a, d("2026-02-01"), d("2026-01-31"))
