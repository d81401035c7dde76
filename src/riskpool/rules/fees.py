"""Fees: the fund manager's management fee (kezhou-industry 第二十一条/第二十二条) and the
guarantee-fee subsidy (pingluo-puhui-yidai 第十三条)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from riskpool.money import ZERO, fen, fmt
from riskpool.policy.schema import Program
from riskpool.rules.decision import Decision, Reason, decide


def management_fee(program: Program, on: dt.date, *, annual_income: Decimal, audit_cost: Decimal = ZERO) -> Decision:
    """Fee = rate × the year's total income (negative income earns no fee); the audit is paid from it."""
    f = program.fees
    if f.management_fee_rate_of_income is None:
        return decide([Reason("NO_MANAGEMENT_FEE", program.effective.article,
                              "the program sets no management fee out of income", blocking=False)],
                      {"fee": ZERO, "audit": ZERO, "manager_net": ZERO})
    rate = program.param(f.management_fee_rate_of_income, on)
    fee = fen(max(ZERO, annual_income) * rate)
    reasons = [Reason("MANAGEMENT_FEE", f.management_fee_rate_of_income.article,
                      f"{rate * 100}% of the year's income {fmt(annual_income)} = {fmt(fee)}", blocking=False)]
    audit_inside = f.audit_paid_from_management_fee is not None and program.param(f.audit_paid_from_management_fee, on)
    if audit_inside:
        ok = audit_cost <= fee
        reasons.append(Reason("AUDIT_FROM_FEE", f.audit_paid_from_management_fee.article,
                              f"audit {fmt(audit_cost)} is paid out of the fee {fmt(fee)}"
                              + ("" if ok else ": it exceeds the fee and cannot be charged to the fund"),
                              blocking=not ok))
    net = fee - audit_cost if audit_inside else fee
    return decide(reasons, {"fee": fee, "audit": audit_cost if audit_inside else ZERO, "manager_net": net})


def guarantee_fee_subsidy(program: Program, on: dt.date, *, guaranteed_amount: Decimal, fee_rate: Decimal,
                          term_months: int, borrower_already_subsidised: bool) -> Decision:
    """Subsidy = amount × min(fee rate, cap) × min(term, 12)/12, once per borrower (the first year only)."""
    f = program.fees
    if f.guarantee_fee_subsidy is None:
        return decide([Reason("NO_SUBSIDY", program.effective.article, "the program pays no guarantee-fee subsidy")],
                      {"subsidy": ZERO})
    spec = program.param(f.guarantee_fee_subsidy, on)
    article = f.guarantee_fee_subsidy.article
    if spec.once_per_borrower and borrower_already_subsidised:
        return decide([Reason("SUBSIDY_ALREADY_GRANTED", article,
                              "the borrower has already had its one year of subsidy")], {"subsidy": ZERO})
    rate = min(fee_rate, spec.rate_max)
    months = min(term_months, 12) if spec.first_year_only else term_months
    subsidy = fen(guaranteed_amount * rate * Decimal(months) / Decimal(12))
    return decide([Reason("GUARANTEE_FEE_SUBSIDY", article,
                          f"{fmt(guaranteed_amount)} × {rate * 100}% × {months}/12 = {fmt(subsidy)}"
                          + (f" (fee {fee_rate * 100}% above the {spec.rate_max * 100}% cap)"
                             if fee_rate > spec.rate_max else ""), blocking=False)], {"subsidy": subsidy})
