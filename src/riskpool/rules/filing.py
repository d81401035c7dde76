"""Filing limits (入池备案): may this loan be covered by the program's fund on this date?

Each check reads one parameter of the policy file's ``filing`` section and cites its article:
loan window, leverage, per-borrower cap, single-loan cap, term, guarantee fee, product type and
all-in cost, the loan rate against a reference rate (LPR + spread, or a multiple of it), guarantor,
whitelist and lender status. A parameter the policy leaves out is no check at all.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from riskpool.money import fen, fmt
from riskpool.policy.schema import Program
from riskpool.rates import RateError, RateTable, default_rates
from riskpool.rules.decision import Decision, Reason, decide
from riskpool.rules.facts import FilingFacts


def _pct(r: Decimal) -> str:
    return f"{(r * 100).normalize():f}%"


def file_loan(program: Program, on: dt.date, facts: FilingFacts, *, borrower_restructured: bool = False,
              rates: RateTable | None = None) -> Decision:
    """``borrower_restructured``: the borrower has a loan restructured by an extension that the policy calls
    a restructuring (``filing.extension.sets_condition``, pingluo 第十一条6): it files no new covered loan.
    ``rates``: the reference rates (default: the shipped LPR fixings and those an administrator loaded)."""
    f = program.filing
    if on < program.effective.start or (program.effective.end is not None and on > program.effective.end):
        return decide([Reason("PROGRAM_NOT_IN_FORCE", program.effective.article,
                              f"{program.id} is in force {program.effective.start} to {program.effective.end or '—'}; "
                              f"nothing can be filed on {on}")])
    p = lambda param: program.param(param, on)  # noqa: E731 - the value in force on the filing date
    loan = facts.loan
    reasons: list[Reason] = []

    def check(ok: bool, code: str, article: str, message: str) -> None:
        reasons.append(Reason(code, article, message, blocking=not ok))

    if f.loan_window is not None:
        window = p(f.loan_window)
        check(window.start <= loan.issue_date <= window.last_day, "LOAN_WINDOW", f.loan_window.article,
              f"loan issued {loan.issue_date}; covered loans are issued {window.start} to {window.last_day}")

    size = facts.fund_size if facts.fund_size is not None else facts.fund_balance
    after = facts.covered_outstanding + loan.amount
    capacity = None
    if f.leverage is not None and f.leverage_base is not None:
        base = facts.fund_balance if p(f.leverage_base) == "fund_balance" else size
        leverage = p(f.leverage)
        capacity = fen(base * leverage)
        check(after <= capacity, "LEVERAGE", f.leverage.article,
              f"covered outstanding after filing {fmt(after)} vs fund {fmt(base)} × {leverage} = {fmt(capacity)}")

    for name, spec in program.facts.items():
        value = loan.facts.get(name)
        if value is None:
            reasons.append(Reason("FACT_MISSING", spec.article, f"`{name}` is needed ({spec.description})"))
        elif spec.type == "category" and value not in (spec.values or []):
            check(False, "FACT_VALUE", spec.article,
                  f"`{name}` = {value!r} is not one of {', '.join(spec.values or [])}")
        elif spec.type == "number" and isinstance(value, str):
            check(False, "FACT_VALUE", spec.article, f"`{name}` = {value!r} is not a number")
    unknown = sorted(set(loan.facts) - set(program.facts))
    if unknown:
        check(False, "FACT_UNDECLARED", program.effective.article,
              f"{', '.join(unknown)}: not a fact {program.id} declares ({', '.join(program.facts) or 'none'})")

    if f.per_borrower_cap is not None:
        cap_spec = p(f.per_borrower_cap)
        limits = []
        if cap_spec.fund_share is not None:
            limits.append(fen(size * cap_spec.fund_share))
        if cap_spec.absolute is not None:
            limits.append(cap_spec.absolute)
        cap = min(limits)
        total = facts.borrower_outstanding + loan.amount
        check(total <= cap, "PER_BORROWER_CAP", f.per_borrower_cap.article,
              f"borrower's covered outstanding after filing {fmt(total)} vs cap {fmt(cap)}")

    if f.single_loan_max is not None:
        limit = p(f.single_loan_max)
        check(loan.amount <= limit, "SINGLE_LOAN_MAX", f.single_loan_max.article,
              f"loan {fmt(loan.amount)} vs single-loan maximum {fmt(limit)} (inclusive)")

    if f.term_months is not None:
        term = p(f.term_months)
        ok = (term.min is None or loan.term_months >= term.min) and (term.max is None or loan.term_months <= term.max)
        check(ok, "TERM", f.term_months.article,
              f"term {loan.term_months} months vs allowed {term.min or 1}–{term.max or '∞'} months")

    if f.guarantee_fee_rate_max is not None:
        limit = p(f.guarantee_fee_rate_max)
        check(loan.guarantee_fee_rate <= limit, "GUARANTEE_FEE", f.guarantee_fee_rate_max.article,
              f"guarantee fee {_pct(loan.guarantee_fee_rate)} vs at most {_pct(limit)}")

    if f.product_types is not None:
        allowed = p(f.product_types)
        check(loan.product_type in allowed, "PRODUCT_TYPE", f.product_types.article,
              f"product {loan.product_type!r}; allowed: {', '.join(allowed)}")

    if f.all_in_cost_rate_max is not None:
        caps = p(f.all_in_cost_rate_max)
        if loan.product_type in caps:
            cap = caps[loan.product_type]
            if loan.all_in_cost_rate is None:
                reasons.append(Reason("FACT_MISSING", f.all_in_cost_rate_max.article,
                                      f"all_in_cost_rate is needed for {loan.product_type} (cap {_pct(cap)})"))
            else:
                check(loan.all_in_cost_rate <= cap, "ALL_IN_COST", f.all_in_cost_rate_max.article,
                      f"all-in cost {_pct(loan.all_in_cost_rate)} vs at most {_pct(cap)} for {loan.product_type}")

    if f.loan_rate_max is not None:
        limit = p(f.loan_rate_max)
        reference = limit.reference if limit.reference != "by_term" else (
            "lpr_1y" if loan.term_months <= 60 else "lpr_5y")
        name = {"lpr_1y": "1-year LPR", "lpr_5y": "over-5-year LPR"}[reference or "lpr_1y"]
        try:
            table = rates or default_rates()
            fixing = table.fixing(loan.issue_date)
            ref = getattr(fixing, reference or "lpr_1y")
        except RateError as e:
            reasons.append(Reason("FACT_MISSING", f.loan_rate_max.article, f"reference rate: {e}"))
        else:
            if limit.spread_bp is not None:
                ceiling = ref + Decimal(limit.spread_bp) / 10000
                how = f"{name} {_pct(ref)} (fixed {fixing.on}) + {limit.spread_bp} bp"
            else:
                ceiling = ref * (limit.multiple or Decimal(1))
                how = f"{name} {_pct(ref)} (fixed {fixing.on}) × {limit.multiple}"
            if loan.interest_rate is None:
                reasons.append(Reason("FACT_MISSING", f.loan_rate_max.article,
                                      f"interest_rate is needed: the loan rate may be at most {how} = {_pct(ceiling)}"))
            else:
                check(loan.interest_rate <= ceiling, "LOAN_RATE", f.loan_rate_max.article,
                      f"loan rate {_pct(loan.interest_rate)} vs at most {how} = {_pct(ceiling)}")

    if f.other_fees_allowed is not None and not p(f.other_fees_allowed):
        check(loan.other_fees == 0, "OTHER_FEES", f.other_fees_allowed.article,
              f"fees besides interest and the guarantee fee: {fmt(loan.other_fees)}; none may be charged")

    if f.guarantor_required is not None and p(f.guarantor_required):
        check(loan.has_guarantor, "GUARANTOR_REQUIRED", f.guarantor_required.article,
              "a guaranteed loan needs a guarantor" + ("" if loan.has_guarantor else "; none given"))

    if f.whitelist_required is not None and p(f.whitelist_required):
        if facts.borrower_whitelisted is None:
            reasons.append(Reason("FACT_MISSING", f.whitelist_required.article,
                                  "borrower_whitelisted is needed: the program lends only to whitelisted borrowers"))
        else:
            check(facts.borrower_whitelisted, "WHITELIST", f.whitelist_required.article,
                  "borrower is " + ("" if facts.borrower_whitelisted else "not ") + "on the whitelist")

    if borrower_restructured and f.extension is not None and p(f.extension).sets_condition:
        check(False, "RESTRUCTURED_BORROWER", f.extension.article,
              "the borrower has a loan restructured by an extension: a restructured borrower files no new "
              "covered loan")

    threshold = program.sanctions.guarantor_compensation_ratio
    if threshold is not None and facts.guarantor_status is not None:
        check(facts.guarantor_status == "active", "GUARANTOR_STATUS", threshold.article,
              f"guarantor status: {facts.guarantor_status}")

    if f.lender_must_be_active is not None and p(f.lender_must_be_active):
        check(facts.lender_status == "active", "LENDER_STATUS", f.lender_must_be_active.article,
              f"lender status: {facts.lender_status}")

    amounts = {"covered_outstanding_after": after}
    if capacity is not None:
        amounts = {"capacity": capacity, **amounts}
    return decide(reasons, amounts)
