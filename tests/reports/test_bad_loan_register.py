"""bad_loan_register(program, on): 不良授信台账 (kunshan 第二十二条: 风险补偿资金拨付、追偿进展、追偿资金分配及划拨),
kept for every program. Story: conftest.build_kezhou_*."""

from decimal import Decimal as D

from riskpool.claims.models import Claim, ClaimStep, WriteOff
from riskpool.ledger import core
from riskpool.ledger import services as ledger
from riskpool.loans.models import Loan
from riskpool.reports.services import (
    bad_loan_register,
    fund_position,
    lender_performance,
    lender_return,
    quarter_bounds,
)

from .conftest import ACTOR, d, pay_claim


def test_register_at_quarter_end(kezhou_story):
    reg = bad_loan_register(kezhou_story.program, d("2026-03-31"))
    (row,) = reg.claims
    assert (row["claim"], row["loan"], row["borrower"], row["lender"], row["guarantor"]) == (
        "KZ-C1", "L2", "企业002", "kz-bank-a", "kz-caixin")
    assert (row["principal"], row["submitted_on"], row["status"]) == (D("500000.00"), d("2025-12-10"), "paid")
    # 第十五条 50/20/30 of the 510,000.00 loss (set on the claim)
    assert (row["loss_base"], row["fund_share"], row["lender_share"], row["guarantor_share"]) == (
        D("510000.00"), D("255000.00"), D("102000.00"), D("153000.00"))
    assert (row["paid_amount"], row["paid_on"], row["approved_unpaid"]) == (D("255000.00"), d("2026-01-15"), D("0.00"))
    # recoveries: net 50,000 + 20,000; to the fund 25,000 (remitted 02-20) + 10,000 (due 03-19, overdue)
    assert (row["recoveries"], row["recovered_net"], row["recovered_to_fund"], row["remitted_to_fund"]) == (
        2, D("70000.00"), D("35000.00"), D("25000.00"))
    assert (row["remittance_outstanding"], row["remittance_overdue"]) == (D("10000.00"), D("10000.00"))
    assert row["fund_net_loss"] == D("220000.00")  # 255,000 − 35,000
    assert row["written_off_on"] is None
    assert [(r["received_on"], r["to_fund"], r["to_lender"], r["to_guarantor"], r["remitted_on"], r["remittance"])
            for r in reg.recoveries] == [
        (d("2026-02-10"), D("25000.00"), D("10000.00"), D("15000.00"), d("2026-02-20"), "remitted"),
        (d("2026-03-05"), D("10000.00"), D("4000.00"), D("6000.00"), None, "overdue")]
    assert (reg.total_paid, reg.total_recovered_to_fund, reg.total_remitted_to_fund, reg.net_loss_to_fund) == (
        D("255000.00"), D("35000.00"), D("25000.00"), D("220000.00"))


def test_register_before_payment_and_before_the_claim(kezhou_story):
    assert bad_loan_register(kezhou_story.program, d("2025-12-09")).claims == ()
    (row,) = bad_loan_register(kezhou_story.program, d("2026-01-10")).claims
    # approved on 2026-01-08, not yet paid (2026-01-15): nothing paid, nothing recovered as at this date
    assert (row["status"], row["approved_on"], row["paid_amount"], row["paid_on"], row["recoveries"]) == (
        "approved", d("2026-01-08"), D("0.00"), None, 0)
    assert row["approved_unpaid"] == D("255000.00")
    (row,) = bad_loan_register(kezhou_story.program, d("2026-01-07")).claims
    assert (row["status"], row["approved_on"]) == ("open", None)


def test_write_off_and_refusal_appear_on_their_dates(kezhou_story):
    s = kezhou_story
    before = bad_loan_register(s.program, d("2026-03-31"))
    claim = s.claims["KZ-C1"]
    # kezhou 第十八条: after more than a year unrecovered, the loss is confirmed by a court ruling
    WriteOff.objects.create(claim=claim, on=d("2027-02-01"), evidence="court_ruling", evidence_ref="(2026)新30民初1号",
                            amount=D("220000.00"), article="第十八条")
    refused = Claim.objects.create(loan=s.loan("L3"), code="KZ-C2", submitted_on=d("2026-03-10"), status=Claim.REFUSED)
    ClaimStep.objects.create(claim=refused, step="first_review", actor="fund_manager", article="第十四条",
                             done_on=d("2026-03-25"), approved=False, reason="LEGAL_ENFORCEMENT_EXHAUSTED missing")

    assert bad_loan_register(s.program, d("2026-03-20")).claims[1]["status"] == "open"
    mid = bad_loan_register(s.program, d("2026-03-31"))
    assert [r["status"] for r in mid.claims] == ["paid", "refused"]
    assert mid.claims[0] == before.claims[0]  # the write-off dated 2027 does not touch 2026

    later = bad_loan_register(s.program, d("2027-03-01"))
    row = later.claims[0]
    assert (row["status"], row["written_off_on"], row["write_off_amount"]) == (
        "written_off", d("2027-02-01"), D("220000.00"))
    assert row["write_off_evidence"] == "法院判决 (2026)新30民初1号" and row["write_off_article"] == "第十八条"


def test_a_claim_paid_in_instalments(kezhou_story):
    """The fund short of cash pays an approved claim in two instalments (limited liability): each report
    counts what was paid by its date, from the books' dated payments."""
    s = kezhou_story
    claim = pay_claim(s.fund, s.loan("L3"), code="KZ-C3", submitted_on=d("2026-03-10"), approved_on=d("2026-04-01"),
                      paid_on=None, loss_base=D("800000.00"), fund_share=D("400000.00"))
    for day, amount, key in [("2026-04-10", "300000.00", "p1"), ("2026-07-10", "100000.00", "p2")]:
        ledger.post(s.fund.book, core.compensation_paid(d(day), D(amount), "KZ-C3"), idempotency_key=key, actor=ACTOR)
    Claim.objects.filter(pk=claim.pk).update(status=Claim.PAID, paid_on=d("2026-04-10"), paid_amount=D("400000.00"))
    Loan.objects.filter(code="L3").update(status=Loan.COMPENSATED, released_on=d("2026-04-10"))

    row = bad_loan_register(s.program, d("2026-06-30")).claims[1]
    # 400,000.00 approved; 300,000.00 paid on 04-10; 100,000.00 still owed on 06-30
    assert (row["status"], row["paid_amount"], row["approved_unpaid"], row["fund_net_loss"]) == (
        "paid", D("300000.00"), D("100000.00"), D("300000.00"))
    row = bad_loan_register(s.program, d("2026-07-10")).claims[1]
    assert (row["paid_amount"], row["approved_unpaid"]) == (D("400000.00"), D("0.00"))

    q2 = lender_return(s.program, s.bank_b, *quarter_bounds(2026, 2))
    q3 = lender_return(s.program, s.bank_b, *quarter_bounds(2026, 3))
    assert (q2.claims_paid, q2.compensation_received) == (1, D("300000.00"))
    assert (q3.claims_paid, q3.compensation_received) == (0, D("100000.00"))  # the second instalment
    assert fund_position(s.fund, d("2026-06-30")).compensation_payable == D("100000.00")
    b = lender_performance(s.program, d("2026-06-30")).lenders[1]
    # bank B: 300,000.00 paid by 06-30, against the released L3 (800,000.00)
    assert (b.year_compensation, b.cumulative_released, b.compensation_rate) == (
        D("300000.00"), D("800000.00"), D("0.375000"))
