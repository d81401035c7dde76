"""Sanctions and thresholds (奖惩): lender NPL ratio (kezhou-industry 第二十五条（二）), compensation
ratio of a lender or the whole program (kunshan-kunyurong 第二十三条), delisting and blacklisting
(kezhou 第二十五条（一）), and the five-tier risk class by days past due (五级分类, 2023 rules)."""

from __future__ import annotations

import calendar
import datetime as dt
import functools
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources

import yaml

from riskpool.money import fmt
from riskpool.policy.schema import Param, Program, Threshold
from riskpool.rules.decision import Decision, Reason, decide


@dataclass(frozen=True)
class RiskClass:
    code: str
    name: str
    min_days: int
    max_days: int | None
    non_performing: bool


@functools.cache
def _risk_classes() -> tuple[str, tuple[RiskClass, ...]]:
    data = yaml.safe_load((resources.files("riskpool.data") / "risk-classes-2023.yaml").read_text("utf-8"))
    return data["source"], tuple(RiskClass(**c) for c in data["classes"])


RISK_CLASS_SOURCE = _risk_classes()[0]


def risk_class(days_past_due: int) -> RiskClass:
    """The least severe class a loan with this many days past due can have."""
    if days_past_due < 0:
        raise ValueError(f"days past due cannot be negative, got {days_past_due}")
    for c in _risk_classes()[1]:
        if days_past_due >= c.min_days and (c.max_days is None or days_past_due <= c.max_days):
            return c
    raise AssertionError("the risk-class table leaves a gap")  # checked by tests


def npl_ratio(outstanding_by_days_past_due: list[tuple[Decimal, int]]) -> tuple[Decimal, Decimal, Decimal]:
    """(non-performing outstanding, total outstanding, ratio) from (outstanding, days past due) pairs."""
    total = sum((o for o, _ in outstanding_by_days_past_due), Decimal(0))
    npl = sum((o for o, d in outstanding_by_days_past_due if risk_class(d).non_performing), Decimal(0))
    return npl, total, (npl / total if total else Decimal(0))


def _breach(param: Param[Threshold], threshold: Threshold, code: str, what: str, numerator: Decimal,
            denominator: Decimal) -> list[Reason]:
    ratio = numerator / denominator if denominator else Decimal(0)
    # compared without dividing, so that compensation in a year with no new financing still counts
    bound = threshold.limit * denominator
    breached = numerator > 0 and (numerator > bound if threshold.strict else numerator >= bound)
    op = ">" if threshold.strict else "≥"
    shown = f"{ratio * 100:.2f}%" if denominator else "undefined (nothing to divide by)"
    message = (f"{what} {fmt(numerator)} / {fmt(denominator)} = {shown}; "
               f"{threshold.action} when {op} {threshold.limit * 100}%")
    return [Reason(code, param.article, message, blocking=breached)]


def check_lender(program: Program, on: dt.date, *, npl_outstanding: Decimal = Decimal(0),
                 total_outstanding: Decimal = Decimal(0), annual_compensation: Decimal = Decimal(0),
                 annual_financing: Decimal = Decimal(0)) -> Decision:
    """Refused = the lender must be terminated or suspended; ``details.action`` says which."""
    s = program.sanctions
    reasons: list[Reason] = []
    actions: list[str] = []
    if s.lender_npl_ratio is not None:
        t = program.param(s.lender_npl_ratio, on)
        r = _breach(s.lender_npl_ratio, t, "LENDER_NPL_RATIO", "non-performing / outstanding",
                    npl_outstanding, total_outstanding)
        reasons += r
        actions += [t.action] if r[0].blocking else []
    if s.lender_compensation_ratio is not None:
        t = program.param(s.lender_compensation_ratio, on)
        r = _breach(s.lender_compensation_ratio, t, "LENDER_COMPENSATION_RATIO",
                    f"compensation / financing {_SPAN[t.window]}", annual_compensation, annual_financing)
        reasons += r
        actions += [t.action] if r[0].blocking else []
    decision = decide(reasons)
    return Decision(decision.outcome, decision.reasons, details={"action": _worst(actions)})


def check_program(program: Program, on: dt.date, *, annual_compensation: Decimal,
                  annual_financing: Decimal) -> Decision:
    s = program.sanctions
    reasons: list[Reason] = []
    action = None
    if s.program_compensation_ratio is not None:
        t = program.param(s.program_compensation_ratio, on)
        reasons = _breach(s.program_compensation_ratio, t, "PROGRAM_COMPENSATION_RATIO",
                          f"program-wide compensation / financing {_SPAN[t.window]}", annual_compensation,
                          annual_financing)
        action = t.action if reasons[0].blocking else None
    decision = decide(reasons)
    return Decision(decision.outcome, decision.reasons, details={"action": action})


def check_guarantor(program: Program, on: dt.date, *, compensation: Decimal, financing: Decimal) -> Decision:
    """A partner guarantor's compensation ratio over the threshold's window (``sanctions.guarantor_compensation_
    ratio``); refused = suspend or terminate its agreement, ``details.action`` says which."""
    s = program.sanctions
    if s.guarantor_compensation_ratio is None:
        return Decision("approved", (), details={"action": None})
    t = program.param(s.guarantor_compensation_ratio, on)
    reasons = _breach(s.guarantor_compensation_ratio, t, "GUARANTOR_COMPENSATION_RATIO",
                      f"compensation on its guarantees / loans it guaranteed {_SPAN[t.window]}", compensation,
                      financing)
    decision = decide(reasons)
    return Decision(decision.outcome, decision.reasons, details={"action": t.action if reasons[0].blocking else None})


_SPAN = {"calendar_year": "this year", "rolling_12_months": "in the last 12 months",
         "program_to_date": "since the program began"}


def _worst(actions: list[str]) -> str | None:
    return "terminate" if "terminate" in actions else ("suspend" if actions else None)


def after_compensation(program: Program, on: dt.date, *, malicious_evasion: bool = False) -> Decision:
    """What happens to a borrower the fund compensated for: delisting, blacklisting."""
    s = program.sanctions
    reasons: list[Reason] = []
    if s.delist_borrower_compensated_this_year is not None and program.param(s.delist_borrower_compensated_this_year, on):
        reasons.append(Reason("DELIST_COMPENSATED_BORROWER", s.delist_borrower_compensated_this_year.article,
                              "compensated this year: removed from the whitelist"))
    if malicious_evasion and s.blacklist_malicious_evaders is not None and program.param(
            s.blacklist_malicious_evaders, on):
        reasons.append(Reason("BLACKLIST", s.blacklist_malicious_evaders.article,
                              "malicious evasion of debt: the firm and its managers go on the blacklist"))
    delist = any(r.code == "DELIST_COMPENSATED_BORROWER" for r in reasons)
    return decide(reasons, delist=delist, blacklist=any(r.code == "BLACKLIST" for r in reasons),
                  relist_barred_until=relisting_barred_until(program, on) if delist else None)


def relisting_barred_until(program: Program, paid_on: dt.date) -> dt.date | None:
    """The last day a borrower delisted after a payment on ``paid_on`` may not be listed again (kezhou
    第二十五条（一）: "当年…取消白名单支持资格" — at least the rest of that year); None: no bar."""
    param = program.sanctions.relisting_bar_after_delisting
    if param is None:
        return None
    bar = program.param(param, paid_on)
    if bar.until == "end_of_year":
        return dt.date(paid_on.year, 12, 31)
    y, m = divmod(paid_on.month - 1 + bar.months, 12)
    year, month = paid_on.year + y, m + 1
    return dt.date(year, month, min(paid_on.day, calendar.monthrange(year, month)[1])) - dt.timedelta(days=1)
