"""usage_register(fund, start, end): 风险补偿金使用情况台账 (pingluo 第十九条): every movement of the fund's
books in the period with the running cash balance. Story: conftest.build_kezhou_*."""

from decimal import Decimal as D

from riskpool.ledger import core
from riskpool.ledger import services as ledger
from riskpool.reports.services import usage_register

from .conftest import ACTOR, d


def test_first_quarter_2026(kezhou_story):
    u = usage_register(kezhou_story.fund, d("2026-01-01"), d("2026-03-31"))
    # opening cash (end of 2025-12-31): 10,000,000.00 + 12,345.67 − 3,000,000.00 = 7,012,345.67
    assert (u.opening_cash, u.opening_money_held) == (D("7012345.67"), D("10012345.67"))
    assert [(r["date"], r["kind"], r["cash_in"], r["cash_out"], r["cash_balance"]) for r in u.rows] == [
        (d("2026-01-08"), "compensation_approved", D("0.00"), D("0.00"), D("7012345.67")),
        (d("2026-01-15"), "compensation_paid", D("0.00"), D("255000.00"), D("6757345.67")),
        (d("2026-01-20"), "management_fee_paid", D("0.00"), D("987.65"), D("6756358.02")),
        (d("2026-02-10"), "recovery_due", D("0.00"), D("0.00"), D("6756358.02")),
        (d("2026-02-20"), "recovery_received", D("25000.00"), D("0.00"), D("6781358.02")),
        (d("2026-03-05"), "recovery_due", D("0.00"), D("0.00"), D("6781358.02")),
        (d("2026-03-21"), "income", D("4321.00"), D("0.00"), D("6785679.02")),
    ]
    assert u.rows[1]["kind_name"] == "代偿支付" and u.rows[1]["memo"] == "代偿支付 KZ-C1"
    assert "liabilities:compensation_payable +255,000.00" in u.rows[1]["postings"]
    # in 25,000.00 + 4,321.00 = 29,321.00; out 255,000.00 + 987.65 = 255,987.65
    assert (u.total_in, u.total_out) == (D("29321.00"), D("255987.65"))
    assert u.closing_cash == u.opening_cash + u.total_in - u.total_out == D("6785679.02")
    assert u.closing_money_held == D("9785679.02")


def test_transfer_to_a_deposit_moves_cash_not_money_held(kezhou_story):
    u = usage_register(kezhou_story.fund, d("2025-01-01"), d("2025-12-31"))
    assert [r["kind"] for r in u.rows] == ["capital_injection", "income", "transfer", "management_fee"]
    transfer = u.rows[2]
    assert (transfer["cash_out"], transfer["cash_balance"], transfer["money_held"]) == (
        D("3000000.00"), D("7012345.67"), D("10012345.67"))
    # in 10,000,000.00 + 12,345.67; out 3,000,000.00
    assert (u.opening_cash, u.total_in, u.total_out, u.closing_cash) == (
        D("0.00"), D("10012345.67"), D("3000000.00"), D("7012345.67"))


def test_a_reversal_shows_both_entries(kezhou_story):
    fund = kezhou_story.fund
    wrong = ledger.post(fund.book, core.income(d("2026-03-25"), D("100.00"), "interest"), idempotency_key="wrong",
                        actor=ACTOR)
    ledger.reverse(fund.book, wrong, date=d("2026-03-26"), reason="entered twice", idempotency_key="fix",
                   actor=ACTOR)
    u = usage_register(fund, d("2026-03-25"), d("2026-03-26"))
    assert [(r["kind"], r["cash_in"], r["cash_out"], r["reverses"]) for r in u.rows] == [
        ("income", D("100.00"), D("0.00"), None), ("reversal", D("0.00"), D("100.00"), wrong.pk)]
    assert u.closing_cash == u.opening_cash == D("6785679.02")
