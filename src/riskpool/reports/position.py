"""Fund position — ``fund_position(fund, on)`` (kezhou 第二十三条（六） 余额; leverage: kezhou 第二条, kunshan
第九条, pingluo 第八条). The figures the rules also read (capital, cash, the money held, approved-unpaid,
covered outstanding, the remaining capacity) come from ``riskpool.figures.funds``; the rest from the books."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from riskpool.figures.funds import fund_figures
from riskpool.ledger import services as ledger
from riskpool.registry import contributors
from riskpool.registry.models import Fund
from riskpool.reports.common import covered_loans

POSITION_LABELS = {
    "capital": "财政注资（累计）",
    "income_interest": "存款利息收入（累计）",
    "income_coupons": "债券及固定收益收入（累计）",
    "income": "收益合计（累计）",
    "cash": "银行存款（活期）",
    "deposits": "定期存款",
    "bonds": "国债及保本型固定收益产品",
    "money_held": "资金余额合计（活期+定期+债券）",
    "receivable": "应收追偿款",
    "covered_loans": "在池贷款笔数",
    "outstanding_covered": "在池贷款余额",
    "compensation_payable": "已批准未支付代偿款",
    "management_fee_payable": "应付管理费",
    "compensated": "累计代偿支出",
    "recovered": "累计追偿收回",
    "written_off": "累计核销损失",
    "net_loss": "净损失（代偿−追偿+核销）",
    "management_fee": "累计管理费",
    "net_assets": "资金净额（资产−负债）",
}


@dataclass(frozen=True)
class ProgramCapacity:
    """Leverage headroom of one program the fund backs (放大倍数): base × leverage − covered outstanding."""

    program: str
    leverage: Decimal | None
    leverage_base: str | None  # fund_balance | fund_size
    base_amount: Decimal
    capacity: Decimal
    program_outstanding: Decimal  # this program's covered loans
    covered_outstanding: Decimal  # the fund's covered loans across all its programs (what the filing rule counts)
    remaining: Decimal  # negative: over the limit, no loan can be filed
    article: str
    note: str = ""


@dataclass(frozen=True)
class FundPosition:
    fund: str
    fund_name: str
    on: dt.date
    capital: Decimal
    income_interest: Decimal
    income_coupons: Decimal
    income: Decimal
    cash: Decimal
    deposits: Decimal
    bonds: Decimal
    money_held: Decimal
    receivable: Decimal
    covered_loans: int
    outstanding_covered: Decimal
    programs: tuple[ProgramCapacity, ...]
    compensation_payable: Decimal
    management_fee_payable: Decimal
    compensated: Decimal
    recovered: Decimal
    written_off: Decimal
    net_loss: Decimal
    management_fee: Decimal
    net_assets: Decimal
    contributors: tuple[dict, ...] = ()  # each contributor's position (出资方), where the program names them


def _covered_count(fund: Fund, on: dt.date) -> int:
    """在池笔数: the count total when nothing is dated after ``on``, else counted from the loans at that date."""
    from riskpool.figures import funds, totals
    from riskpool.figures.lenders import AUTO, use_totals

    if use_totals(AUTO, on, funds.latest_date(fund)):
        return totals.count(totals.covered_count(fund.pk))
    return covered_loans(on, fund=fund).count()


def fund_position(fund: Fund, on: dt.date) -> FundPosition:
    """The fund's position at the end of ``on`` (kezhou 第二十三条（六）余额; leverage: kezhou 第二条,
    kunshan 第九条, pingluo 第八条)."""
    f = fund_figures(fund, on)
    b = ledger.balances(fund.book, on)
    lines = tuple(ProgramCapacity(c.program, c.leverage, c.leverage_base, c.base_amount, c.capacity,
                                  c.program_outstanding, f.covered_outstanding, c.remaining, c.article, c.note)
                  for c in f.capacities)
    compensated = b["expenses:compensation"]
    recovered = -b["expenses:compensation_recovered"]
    written_off = b["expenses:write_off"]
    fee_payable = -b["liabilities:management_fee_payable"]
    return FundPosition(
        fund=fund.code, fund_name=fund.name, on=on, capital=f.capital,
        income_interest=-b["income:interest"], income_coupons=-b["income:coupons"],
        income=-(b["income:interest"] + b["income:coupons"]),
        cash=f.cash, deposits=f.deposits, bonds=f.bonds, money_held=f.held, receivable=f.receivable,
        covered_loans=_covered_count(fund, on), outstanding_covered=f.covered_outstanding,
        programs=lines, compensation_payable=f.approved_unpaid, management_fee_payable=fee_payable,
        compensated=compensated, recovered=recovered, written_off=written_off,
        net_loss=compensated - recovered + written_off, management_fee=b["expenses:management_fee"],
        net_assets=f.held + f.receivable - f.approved_unpaid - fee_payable,
        contributors=tuple(contributors.positions(fund, on)),
    )
