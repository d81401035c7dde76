"""Loan services: filing (入池备案) checked by the rules against stored totals, repayments, arrears, the
five-tier class, and the notices that fall due. Each change is audited and idempotent."""

from __future__ import annotations

import calendar as _cal
import datetime as dt
from decimal import Decimal
from typing import Any

from riskpool.audit.services import audited
from riskpool.calendar import CalendarError, default_calendar
from riskpool.dbmoney import total
from riskpool.loans.models import Loan, Notice, Repayment
from riskpool.money import ZERO, fmt
from riskpool.programs.models import Program
from riskpool.registry import services as registry
from riskpool.registry.models import Borrower, Fund, Institution
from riskpool.rules import deadlines
from riskpool.rules.decision import Decision
from riskpool.rules.facts import FilingFacts, LoanApplication
from riskpool.rules.filing import file_loan as filing_rule
from riskpool.rules.sanctions import RiskClass, risk_class

ACTIVE = (Loan.FILED, Loan.CLAIMED)


class LoanError(ValueError):
    def __init__(self, message: str, article: str = "", decision: Decision | None = None):
        self.article, self.decision = article, decision
        super().__init__(message + (f" ({article})" if article else ""))


def add_months(d: dt.date, months: int) -> dt.date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return dt.date(year, month, min(d.day, _cal.monthrange(year, month)[1]))


def fund_of(program: Program) -> Fund:
    fund = program.funds.first()
    if fund is None:
        raise LoanError(f"program {program.code} is not backed by any fund yet")
    return fund


def covered_outstanding(fund: Fund, exclude: Loan | None = None) -> Decimal:
    qs = Loan.objects.filter(fund=fund, status__in=ACTIVE)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return total(qs, "outstanding_principal")


def borrower_outstanding(program: Program, borrower: Borrower) -> Decimal:
    return total(Loan.objects.filter(program=program, borrower=borrower, status__in=ACTIVE), "outstanding_principal")


def file_loan(*, code: str, program: Program, lender: Institution, borrower: Borrower, amount: Decimal,
              issue_date: dt.date, term_months: int, actor: str, guarantor: Institution | None = None,
              guarantee_fee_rate: Decimal = ZERO, product_type: str = "loan", all_in_cost_rate: Decimal | None = None,
              exposure: Decimal | None = None, guarantee_letter_date: dt.date | None = None,
              other_fees: Decimal = ZERO, on: dt.date | None = None, key: str | None = None) -> Loan:
    """File a loan; the filing rule decides on the filing date against the stored totals. Refused: LoanError."""
    on = on or issue_date
    policy = program.policy
    fund = fund_of(program)
    facts = FilingFacts(
        loan=LoanApplication(amount=amount, issue_date=issue_date, term_months=term_months,
                             guarantee_fee_rate=guarantee_fee_rate, product_type=product_type,
                             all_in_cost_rate=all_in_cost_rate, has_guarantor=guarantor is not None,
                             other_fees=other_fees),
        borrower_whitelisted=registry.is_whitelisted(program, borrower),
        borrower_outstanding=borrower_outstanding(program, borrower),
        fund_balance=registry.fund_money(fund, on),
        fund_size=registry.fund_capital(fund, on),
        covered_outstanding=covered_outstanding(fund),
        lender_status=registry.lender_status(lender, program, on),
    )
    if exposure is None:
        # 单个融资机构授信敞口 (kunshan 第十一条): the borrower's covered outstanding at this lender, this loan included
        exposure = amount + total(Loan.objects.filter(program=program, borrower=borrower, lender=lender,
                                                      status__in=ACTIVE), "outstanding_principal")
    decision = filing_rule(policy, on, facts)
    if not decision.approved:
        raise LoanError(f"loan {code} refused: " + "; ".join(
            f"{r.code} [{r.article}] {r.message}" for r in decision.reasons if r.blocking), decision=decision)

    def run() -> dict[str, Any]:
        loan = Loan.objects.create(
            code=code, program=program, fund=fund, lender=lender, guarantor=guarantor, borrower=borrower,
            amount=amount, exposure=exposure, issue_date=issue_date, maturity_date=add_months(issue_date, term_months),
            term_months=term_months, guarantee_fee_rate=guarantee_fee_rate, product_type=product_type,
            all_in_cost_rate=all_in_cost_rate, guarantee_letter_date=guarantee_letter_date, filed_on=on,
            outstanding_principal=amount, filing_decision=decision.as_dict())
        _schedule(loan, {"guarantee_letter_issued": guarantee_letter_date, "maturity": loan.maturity_date},
                  done={"guarantee_letter_issued": issue_date})
        return {"loan": loan.pk}

    result = audited(key=key, action="loans.file_loan", actor=actor, on=on, subject=f"loan:{code}",
                     request={"program": program.code, "lender": lender.code, "borrower": borrower.code,
                              "amount": amount, "issue_date": issue_date, "term_months": term_months}, run=run)
    return Loan.objects.get(pk=result["loan"])


def _schedule(loan: Loan, events: dict[str, dt.date | None], done: dict[str, dt.date] | None = None) -> list[Notice]:
    """Create the lender's notices for the deadlines that count from these events (policy file `deadlines`)."""
    policy = loan.program.policy
    created = []
    for name, param in policy.deadlines.items():
        spec = policy.param(param, loan.filed_on)
        event_date = events.get(spec.event)
        if event_date is None or spec.actor not in ("lender", "guarantor"):
            continue
        note, opens_on = "", None
        try:
            due = deadlines.due_date(policy, name, event_date, default_calendar())
            due_on = due.date
        except CalendarError as e:
            due_on, note = event_date, f"working days not yet known: {e}"[:300]
        if spec.direction == "before":  # a window that opens N days before the event and closes on it
            opens_on, due_on = (None if note else due_on), event_date
        created.append(Notice.objects.create(
            loan=loan, kind=name, article=param.article, actor=spec.actor, opens_on=opens_on, due_on=due_on,
            done_on=(done or {}).get(spec.event), note=note))
    return created


def repay(loan: Loan, *, on: dt.date, principal: Decimal = ZERO, interest: Decimal = ZERO, actor: str,
          key: str | None = None) -> Loan:
    """A repayment report; a loan repaid in full is released (its guarantee ends)."""
    if loan.status not in ACTIVE:
        raise LoanError(f"loan {loan.code} is {loan.status}: no repayment can be reported")
    if principal > loan.outstanding_principal:
        raise LoanError(f"loan {loan.code}: repayment {fmt(principal)} exceeds outstanding "
                        f"{fmt(loan.outstanding_principal)}")

    def run() -> dict[str, Any]:
        Repayment.objects.create(loan=loan, on=on, principal=principal, interest=interest)
        loan.outstanding_principal -= principal
        loan.unpaid_interest = max(ZERO, loan.unpaid_interest - interest)
        if loan.outstanding_principal == 0:
            loan.status, loan.released_on, loan.overdue_since = Loan.REPAID, on, None
            loan.notices.filter(done_on__isnull=True, kind__in=_maturity_notices(loan)).update(done_on=on)
        loan.save()
        return {"outstanding": str(loan.outstanding_principal)}

    audited(key=key, action="loans.repay", actor=actor, on=on, subject=f"loan:{loan.code}",
            request={"principal": principal, "interest": interest}, run=run)
    loan.refresh_from_db()
    return loan


def _maturity_notices(loan: Loan) -> list[str]:
    policy = loan.program.policy
    return [n for n, p in policy.deadlines.items() if policy.param(p, loan.filed_on).event == "maturity"]


def extend(loan: Loan, *, on: dt.date, months: int, actor: str, key: str | None = None) -> Loan:
    """Extension (展期): kezhou 第十一条 grants it to an eligible borrower; where the policy says an extension
    is a restructuring (pingluo 第十一条6) it sets that claim condition and marks the borrower."""
    policy = loan.program.policy
    param = policy.filing.extension
    if param is None or not policy.param(param, on).allowed:
        raise LoanError(f"{loan.program.code} allows no extension", param.article if param else "")
    spec = policy.param(param, on)
    if loan.status not in ACTIVE:
        raise LoanError(f"loan {loan.code} is {loan.status}: it cannot be extended")
    if months < 1:
        raise LoanError(f"loan {loan.code}: an extension adds at least one month, not {months}")
    new_term = loan.term_months + months
    term = policy.filing.term_months
    if spec.within_term_limit and term is not None:
        limit = policy.param(term, on).max
        if limit is not None and new_term > limit:
            raise LoanError(f"loan {loan.code}: extended term {new_term} months exceeds {limit} months", term.article)

    def run() -> dict[str, Any]:
        loan.term_months, loan.extended_months = new_term, loan.extended_months + months
        loan.maturity_date = add_months(loan.issue_date, new_term)
        if spec.sets_condition:
            loan.claim_conditions = {**loan.claim_conditions, spec.sets_condition: True}
            facts = dict(loan.borrower.facts)
            facts["restructurings"] = sorted(set(facts.get("restructurings") or []) | {"extension"})
            loan.borrower.facts = facts
            loan.borrower.save()
        loan.save()
        loan.notices.filter(done_on__isnull=True, kind__in=_maturity_notices(loan)).delete()
        _schedule(loan, {"maturity": loan.maturity_date})
        return {"maturity": loan.maturity_date.isoformat()}

    audited(key=key, action="loans.extend", actor=actor, on=on, subject=f"loan:{loan.code}",
            request={"months": months}, run=run)
    loan.refresh_from_db()
    return loan


def report_arrears(loan: Loan, *, on: dt.date, overdue_since: dt.date, unpaid_interest: Decimal = ZERO, actor: str,
                   key: str | None = None) -> Loan:
    """Arrears (逾期 / 欠息) reported by the lender: starts the overdue clock and the notices that follow it."""
    if loan.status not in ACTIVE:
        raise LoanError(f"loan {loan.code} is {loan.status}: arrears cannot be reported")
    if overdue_since > on:
        raise LoanError(f"loan {loan.code}: overdue since {overdue_since} is after the report date {on}")

    def run() -> dict[str, Any]:
        first = loan.overdue_since is None
        loan.overdue_since = loan.overdue_since or overdue_since
        loan.unpaid_interest = unpaid_interest
        loan.save()
        if first:
            _schedule(loan, {"first_overdue": overdue_since, "risk_event": overdue_since})
        return {"overdue_since": loan.overdue_since.isoformat()}

    audited(key=key, action="loans.report_arrears", actor=actor, on=on, subject=f"loan:{loan.code}",
            request={"overdue_since": overdue_since, "unpaid_interest": unpaid_interest}, run=run)
    loan.refresh_from_db()
    return loan


def report_cure(loan: Loan, *, on: dt.date, actor: str, key: str | None = None) -> Loan:
    """The arrears were paid up: the loan is current again."""
    def run() -> dict[str, Any]:
        loan.overdue_since, loan.unpaid_interest = None, ZERO
        loan.save()
        return {}

    audited(key=key, action="loans.report_cure", actor=actor, on=on, subject=f"loan:{loan.code}", request={}, run=run)
    loan.refresh_from_db()
    return loan


def complete_notice(loan: Loan, kind: str, *, on: dt.date, actor: str) -> Notice:
    notice = loan.notices.filter(kind=kind, done_on__isnull=True).first()
    if notice is None:
        raise LoanError(f"loan {loan.code} has no open notice {kind!r}")
    if notice.opens_on and on < notice.opens_on:
        raise LoanError(f"notice {kind} of loan {loan.code} may only be given from {notice.opens_on}", notice.article)

    def run() -> dict[str, Any]:
        notice.done_on = on
        notice.save()
        return {"notice": notice.pk}

    audited(key=None, action="loans.complete_notice", actor=actor, on=on, subject=f"loan:{loan.code}",
            request={"kind": kind}, run=run)
    return notice


def classify(loan: Loan, on: dt.date) -> RiskClass:
    """The five-tier class by days past due (五级分类)."""
    return risk_class(loan.days_past_due(on))


def overdue_notices(on: dt.date) -> list[Notice]:
    return [n for n in Notice.objects.filter(done_on__isnull=True, due_on__lt=on).select_related("loan")]
