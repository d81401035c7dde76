"""Usage register (风险补偿金使用情况台账) — ``usage_register(fund, start, end)`` (pingluo 第十九条): every
movement of the fund's books in the period, with the running cash balance and the money held."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from riskpool.ledger import core as ledger_core
from riskpool.ledger import services as ledger
from riskpool.ledger.models import LedgerTransaction
from riskpool.money import ZERO
from riskpool.registry.models import Fund
from riskpool.reports.common import check_period

# Transaction kinds in the usage register, in the fund manager's words.
KIND_LABELS = {
    ledger_core.CAPITAL_INJECTION: "财政注资",
    ledger_core.INCOME: "收益",
    ledger_core.COMPENSATION_APPROVED: "代偿批准",
    ledger_core.COMPENSATION_PAID: "代偿支付",
    ledger_core.RECOVERY_DUE: "应收追偿款",
    ledger_core.RECOVERY_RECEIVED: "追偿收回",
    ledger_core.WRITE_OFF: "核销",
    ledger_core.MANAGEMENT_FEE: "管理费计提",
    ledger_core.MANAGEMENT_FEE_PAID: "管理费支付",
    ledger_core.TRANSFER: "资金划转",
    ledger_core.REVERSAL: "冲销",
}


@dataclass(frozen=True)
class UsageRegister:
    """风险补偿金使用情况台账 (pingluo 第十九条): every movement of the fund's books in the period, with the
    running cash balance and the money held (cash + deposits + bonds)."""

    fund: str
    fund_name: str
    start: dt.date
    end: dt.date
    opening_cash: Decimal
    opening_money_held: Decimal
    rows: tuple[dict[str, Any], ...]
    total_in: Decimal
    total_out: Decimal
    closing_cash: Decimal
    closing_money_held: Decimal


def usage_register(fund: Fund, start: dt.date, end: dt.date) -> UsageRegister:
    check_period(start, end)
    before = ledger.balances(fund.book, start - dt.timedelta(days=1))
    cash = before["assets:cash"]
    held = sum((before[a] for a in ledger_core.INVESTMENT_ACCOUNTS), ZERO)
    opening_cash, opening_held = cash, held
    txns = (LedgerTransaction.objects.filter(book=fund.book, date__gte=start, date__lte=end)
            .prefetch_related("postings").order_by("date", "id"))
    rows, total_in, total_out = [], ZERO, ZERO
    for t in txns:
        postings = sorted(t.postings.all(), key=lambda p: (list(ledger_core.CHART).index(p.account)
                                                          if p.account in ledger_core.CHART else 99, p.pk))
        cash_change = sum((p.amount for p in postings if p.account == "assets:cash"), ZERO)
        held_change = sum((p.amount for p in postings if p.account in ledger_core.INVESTMENT_ACCOUNTS), ZERO)
        cash += cash_change
        held += held_change
        amount_in, amount_out = max(cash_change, ZERO), max(-cash_change, ZERO)
        total_in += amount_in
        total_out += amount_out
        rows.append({
            "date": t.date, "txn": t.pk, "kind": t.kind, "kind_name": KIND_LABELS.get(t.kind, t.kind), "memo": t.memo,
            "cash_in": amount_in, "cash_out": amount_out, "cash_balance": cash, "money_held": held,
            "postings": "; ".join(f"{p.account} {p.amount:+,.2f}" for p in postings),
            "reverses": t.reverses_id,
        })
    return UsageRegister(fund=fund.code, fund_name=fund.name, start=start, end=end, opening_cash=opening_cash,
                         opening_money_held=opening_held, rows=tuple(rows), total_in=total_in, total_out=total_out,
                         closing_cash=cash, closing_money_held=held)
