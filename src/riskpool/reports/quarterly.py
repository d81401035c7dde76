"""Quarterly report to the finance bureau — ``quarterly_report(fund, year, quarter)`` (kezhou 第二十三条（六）:
资金运营、风险补偿、余额; 第二十一条 fee)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from riskpool.dbmoney import sum_fen as _sum
from riskpool.dbmoney import total as _total
from riskpool.dbmoney import yuan as _yuan
from riskpool.ledger import core as ledger_core
from riskpool.ledger.models import LedgerPosting
from riskpool.money import ZERO
from riskpool.policy.schema import ParameterNotInForce
from riskpool.registry.models import Fund
from riskpool.reports.common import covered_loans, lenders_of, outstanding_by, quarter_bounds
from riskpool.reports.lender_return import LenderReturn, lender_return
from riskpool.reports.position import FundPosition, fund_position
from riskpool.rules import fees as fee_rules
from riskpool.rules.decision import Decision


@dataclass(frozen=True)
class QuarterProgramLine:
    program: str
    filed_count: int
    filed_amount: Decimal
    repaid_principal: Decimal
    outstanding_start: Decimal
    outstanding_end: Decimal
    claims_submitted: int
    claims_paid: int
    compensation_paid: Decimal
    recoveries_to_fund: Decimal
    capacity_end: Decimal
    remaining_capacity_end: Decimal


@dataclass(frozen=True)
class QuarterlyReport:
    """The fund manager's quarterly report to the finance bureau (kezhou 第二十三条（六）: 资金运营、风险补偿、余额)."""

    fund: str
    fund_name: str
    year: int
    quarter: int
    start: dt.date
    end: dt.date
    opening: FundPosition  # at the end of the day before the quarter
    closing: FundPosition  # at the end of the quarter
    capital_injected: Decimal
    income_interest: Decimal
    income_coupons: Decimal
    income: Decimal
    compensation_approved: Decimal
    compensation_paid: Decimal
    recoveries: Decimal  # recognised for the fund (应收 or received)
    recoveries_received: Decimal  # cash received
    written_off: Decimal
    management_fee_accrued: Decimal
    management_fee_paid: Decimal
    income_year_to_date: Decimal
    management_fee_rule: Decision | None  # the fee the rule gives on this year's income to the quarter's end
    programs: tuple[QuarterProgramLine, ...]
    lenders: tuple[LenderReturn, ...]


def _flows(book, start: dt.date, end: dt.date) -> dict[str, tuple[Decimal, Decimal]]:
    """{account: (debits, credits)} posted in [start, end], both as positive amounts."""
    out = {a: (ZERO, ZERO) for a in ledger_core.CHART}
    rows = (LedgerPosting.objects.filter(transaction__book=book, transaction__date__gte=start,
                                         transaction__date__lte=end)
            .order_by().values("account").annotate(d=_sum("amount", Q(amount__gt=0)), c=_sum("amount", Q(amount__lt=0))))
    for r in rows:
        out[r["account"]] = (_yuan(r["d"]), -_yuan(r["c"]))
    return out


def _net(flows: dict[str, tuple[Decimal, Decimal]], account: str) -> Decimal:
    """Net movement in the account's normal direction (a credit-normal account's credits count positive)."""
    d, c = flows[account]
    return (d - c) * ledger_core.normal_sign(account) + ZERO  # + ZERO: never "-0.00"


def quarterly_report(fund: Fund, year: int, quarter: int) -> QuarterlyReport:
    start, end = quarter_bounds(year, quarter)
    opening = fund_position(fund, start - dt.timedelta(days=1))
    closing = fund_position(fund, end)
    flows = _flows(fund.book, start, end)
    ytd = _flows(fund.book, dt.date(year, 1, 1), end)
    income_ytd = _net(ytd, "income:interest") + _net(ytd, "income:coupons")
    fee_decision = None
    for program in fund.programs.order_by("code"):
        policy = program.policy
        if policy.fees.management_fee_rate_of_income is not None:
            try:
                fee_decision = fee_rules.management_fee(policy, end, annual_income=income_ytd)
            except ParameterNotInForce:
                fee_decision = None
            break
    capacities = {c.program: c for c in closing.programs}
    program_lines, lender_lines = [], []
    for program in fund.programs.order_by("code"):
        returns = [lender_return(program, lender, start, end) for lender in lenders_of(program)]
        lender_lines += returns
        start_out = outstanding_by(covered_loans(start - dt.timedelta(days=1), program=program),
                                    start - dt.timedelta(days=1), None).get(None, (0, ZERO))[1]
        end_out = outstanding_by(covered_loans(end, program=program), end, None).get(None, (0, ZERO))[1]
        cap = capacities.get(program.code)
        program_lines.append(QuarterProgramLine(
            program=program.code, filed_count=sum(r.filed_count for r in returns),
            filed_amount=sum((r.filed_amount for r in returns), ZERO),
            repaid_principal=sum((r.repaid_principal for r in returns), ZERO),
            outstanding_start=start_out, outstanding_end=end_out,
            claims_submitted=sum(r.claims_submitted for r in returns), claims_paid=sum(r.claims_paid for r in returns),
            compensation_paid=sum((r.compensation_received for r in returns), ZERO),
            recoveries_to_fund=sum((r.recoveries_to_fund for r in returns), ZERO),
            capacity_end=cap.capacity if cap else ZERO, remaining_capacity_end=cap.remaining if cap else ZERO))
    interest, coupons = _net(flows, "income:interest"), _net(flows, "income:coupons")
    received = _total(LedgerPosting.objects.filter(
        transaction__book=fund.book, transaction__date__gte=start, transaction__date__lte=end,
        transaction__kind=ledger_core.RECOVERY_RECEIVED, account="assets:cash"), "amount")
    return QuarterlyReport(
        fund=fund.code, fund_name=fund.name, year=year, quarter=quarter, start=start, end=end,
        opening=opening, closing=closing, capital_injected=_net(flows, "equity:capital"),
        income_interest=interest, income_coupons=coupons, income=interest + coupons,
        compensation_approved=_net(flows, "expenses:compensation"),
        compensation_paid=flows["liabilities:compensation_payable"][0],
        recoveries=-_net(flows, "expenses:compensation_recovered"), recoveries_received=received,
        written_off=_net(flows, "expenses:write_off"),
        management_fee_accrued=_net(flows, "expenses:management_fee"),
        management_fee_paid=flows["liabilities:management_fee_payable"][0],
        income_year_to_date=income_ytd, management_fee_rule=fee_decision,
        programs=tuple(program_lines), lenders=tuple(lender_lines))
