"""Reports (报表): read-only queries, each "as at" a date or over a period. Nothing here writes.

Every figure is reproducible: a report for a past date reads only what is dated on or before it, so a
repayment, claim or posting dated later never changes it. What each report shows and which article asks
for it: docs/reports.md.

How the past is rebuilt
-----------------------
* **Books** (cash, deposits, bonds, capital, income, compensation, recoveries): the ledger's balances at the
  end of the date (``ledger.services.balances(book, as_of)``); postings are dated by their business date.
* **A loan's outstanding principal** on a date: its amount less the principal of the repayments dated on or
  before it (``Loan.outstanding_principal`` is only today's value).
* **Covered** (在池) on a date: filed on or before it and not yet released by then. The release date is
  ``Loan.released_on`` (set on full repayment and on compensation); for a compensated or written-off loan
  without one, the first payment date of its claims, else its write-off date. A loan that is no longer
  filed/claimed and has no date at all is taken as released since before any date (it cannot be placed).
* **Days past due** on a date: rebuilt from the audit trail (``loans.report_arrears`` opens an arrears
  spell at its ``overdue_since``; ``loans.report_cure`` closes it on the cure date), by value date like the
  repayments: a late report restates the past, as a back-dated posting does in the books. A loan with no
  audited arrears events uses its stored ``overdue_since``. The five-tier class follows from the days
  (``rules.sanctions.risk_class``).
* **Agreement status** on a date: the last audited ``registry.set_agreement_status`` on or before it;
  "active" before the first; "not_started" / "expired" outside the agreement's term.
* **Claims and recoveries**: by their dates (submitted_on, paid_on, received_on, remitted_on, write-off on).

Sums of money are added in the database in whole fen, as 64-bit integers, and turned back into Decimal
yuan (the ledger's way, exact on SQLite and PostgreSQL alike). Ratios are Decimal, rounded half up to six
places for display; sanction verdicts are decided by the rules on the unrounded figures.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Iterable

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from riskpool.dbmoney import sum_fen as _sum
from riskpool.dbmoney import total as _total
from riskpool.dbmoney import yuan as _yuan

from riskpool.audit.models import AuditEvent
from riskpool.claims.models import Claim, Recovery, WriteOff
from riskpool.ledger import core as ledger_core
from riskpool.ledger import services as ledger
from riskpool.ledger.models import LedgerPosting, LedgerTransaction
from riskpool.loans.models import Loan, Repayment
from riskpool.money import FEN, ZERO, fen
from riskpool.policy.schema import ParameterNotInForce
from riskpool.programs.models import Program
from riskpool.registry.models import Agreement, Fund, Institution
from riskpool.reports import ReportError
from riskpool.rules import fees as fee_rules
from riskpool.rules.decision import Decision
from riskpool.rules.sanctions import check_lender, check_program, risk_class

ACTIVE = (Loan.FILED, Loan.CLAIMED)
RATIO_PLACES = Decimal("0.000001")
_CHUNK = 2000  # ids per IN (...) list

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


# ============================================================================ dates and periods

def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    """First and last day of a calendar month."""
    if not 1 <= month <= 12:
        raise ReportError(f"month must be 1–12, got {month}")
    return dt.date(year, month, 1), dt.date(year, month, _calendar.monthrange(year, month)[1])


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    """First and last day of a calendar quarter (Q1 = January–March)."""
    if not 1 <= quarter <= 4:
        raise ReportError(f"quarter must be 1–4, got {quarter}")
    first = month_bounds(year, 3 * quarter - 2)[0]
    return first, month_bounds(year, 3 * quarter)[1]


def _period(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise ReportError(f"period ends {end.isoformat()}, before it starts {start.isoformat()}")


# ============================================================================ small helpers

def ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    """numerator / denominator to six places (half up); None when the denominator is zero."""
    if not denominator:
        return None
    return (numerator / denominator).quantize(RATIO_PLACES, rounding=ROUND_HALF_UP)


def _chunks(items: list, size: int = _CHUNK) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _reasons_text(decision: Decision) -> str:
    return "; ".join(f"{'✗' if r.blocking else '·'} {r.code} [{r.article}] {r.message}" for r in decision.reasons)


# ============================================================================ loans as at a date

def _with_release_date(qs: QuerySet) -> QuerySet:
    paid = (Claim.objects.filter(loan=OuterRef("pk"), paid_on__isnull=False)
            .order_by("paid_on").values("paid_on")[:1])
    written_off = WriteOff.objects.filter(claim__loan=OuterRef("pk")).order_by("on").values("on")[:1]
    return qs.annotate(release_date=Coalesce("released_on", Subquery(paid), Subquery(written_off)))


def covered_loans(on: dt.date, **filters: Any) -> QuerySet:
    """Loans covered (在池) at the end of ``on``: filed by then and not yet released (see the module doc)."""
    qs = _with_release_date(Loan.objects.filter(filed_on__lte=on, **filters))
    return qs.filter(Q(release_date__gt=on) | Q(release_date__isnull=True, status__in=ACTIVE))


def _outstanding_by(qs: QuerySet, on: dt.date, key: str | None) -> dict[Any, tuple[int, Decimal]]:
    """{key value: (loan count, outstanding principal on ``on``)} for the loans of ``qs``; key None: one total."""
    repayments = Repayment.objects.filter(loan__in=qs.values("pk"), on__lte=on).order_by()
    if key is None:
        agg = qs.aggregate(n=Count("pk"), amount=_sum("amount"))
        filed = {None: (agg["n"], _yuan(agg["amount"]))}
        repaid = {None: _yuan(repayments.aggregate(s=_sum("principal"))["s"])}
    else:
        filed = {r[key]: (r["n"], _yuan(r["amount"]))
                 for r in qs.order_by().values(key).annotate(n=Count("pk"), amount=_sum("amount"))}
        repaid = {r[f"loan__{key}"]: _yuan(r["s"])
                  for r in repayments.values(f"loan__{key}").annotate(s=_sum("principal"))}
    return {k: (n, amount - repaid.get(k, ZERO)) for k, (n, amount) in filed.items() if n}


def _repaid_by_loan(loan_ids: list[int], on: dt.date) -> dict[int, Decimal]:
    out: dict[int, Decimal] = {}
    for ids in _chunks(loan_ids):
        for r in (Repayment.objects.filter(loan_id__in=ids, on__lte=on).order_by().values("loan_id")
                  .annotate(s=_sum("principal"))):
            out[r["loan_id"]] = _yuan(r["s"])
    return out


ARREARS_ACTION, CURE_ACTION = "loans.report_arrears", "loans.report_cure"


def _arrears_spells() -> dict[str, list[tuple[dt.date, dt.date | None]]]:
    """Per loan code: the arrears spells [overdue_since, cured_on) rebuilt from the audit trail."""
    open_since: dict[str, dt.date] = {}
    spells: dict[str, list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
    events = (AuditEvent.objects.filter(action__in=(ARREARS_ACTION, CURE_ACTION), subject__startswith="loan:")
              .order_by("on", "id").values_list("action", "subject", "on", "detail"))
    for action, subject, on, detail in events:
        code = subject.removeprefix("loan:")
        if action == ARREARS_ACTION:
            if code not in open_since:
                open_since[code] = _date((detail or {}).get("overdue_since")) or on
        elif code in open_since:
            spells[code].append((open_since.pop(code), on))
        else:
            spells.setdefault(code, [])
    for code, since in open_since.items():
        spells[code].append((since, None))
    return spells


def _overdue_since_on(code: str, stored: dt.date | None, on: dt.date,
                      spells: dict[str, list[tuple[dt.date, dt.date | None]]]) -> dt.date | None:
    if code not in spells:
        return stored if stored is not None and stored <= on else None
    current = [start for start, cured in spells[code] if start <= on and (cured is None or on < cured)]
    return max(current) if current else None


def _days_past_due(overdue_since: dt.date | None, on: dt.date) -> int:
    return 0 if overdue_since is None or on < overdue_since else (on - overdue_since).days + 1


def arrears_on(qs: QuerySet, on: dt.date) -> list[dict[str, Any]]:
    """The loans of ``qs`` (covered loans) past due on ``on``, one row each, most days past due first."""
    spells = _arrears_spells()
    candidates: list[dict[str, Any]] = list(
        qs.filter(overdue_since__isnull=False).values("id", "code", "overdue_since"))
    seen = {c["id"] for c in candidates}
    for codes in _chunks(sorted(spells)):
        for r in qs.filter(code__in=codes).values("id", "code", "overdue_since"):
            if r["id"] not in seen:
                seen.add(r["id"])
                candidates.append(r)
    past_due = {}
    for c in candidates:
        since = _overdue_since_on(c["code"], c["overdue_since"], on, spells)
        if since is not None:
            past_due[c["id"]] = since
    if not past_due:
        return []
    repaid = _repaid_by_loan(list(past_due), on)
    rows = []
    loans = (Loan.objects.filter(pk__in=list(past_due)).select_related("borrower", "lender", "program")
             .order_by("code"))
    for loan in loans:
        since = past_due[loan.pk]
        days = _days_past_due(since, on)
        cls = risk_class(days)
        rows.append({
            "program": loan.program.code, "lender": loan.lender.code, "loan": loan.code,
            "borrower": loan.borrower.name, "borrower_code": loan.borrower.code,
            "outstanding": loan.amount - repaid.get(loan.pk, ZERO), "overdue_since": since,
            "days_past_due": days, "risk_class": cls.code, "risk_class_name": cls.name,
            "non_performing": cls.non_performing,
        })
    rows.sort(key=lambda r: (-r["days_past_due"], r["loan"]))
    return rows


def agreement_status_on(agreement: Agreement | None, on: dt.date) -> str:
    """A lender agreement's status at the end of ``on`` (see the module doc)."""
    if agreement is None:
        return "none"
    if on < agreement.start:
        return "not_started"
    if on > agreement.end:
        return "expired"
    events = list(AuditEvent.objects.filter(action="registry.set_agreement_status", subject=f"agreement:{agreement.pk}",
                                            on__lte=on).order_by("on", "id").values_list("detail", flat=True))
    if events:
        return (events[-1] or {}).get("status", agreement.status)
    if AuditEvent.objects.filter(action="registry.set_agreement_status", subject=f"agreement:{agreement.pk}").exists():
        return Agreement.ACTIVE  # changed only after ``on``
    if agreement.status != Agreement.ACTIVE and agreement.status_since is not None and agreement.status_since > on:
        return Agreement.ACTIVE
    return agreement.status


def _lenders_of(program: Program) -> list[Institution]:
    ids = set(Agreement.objects.filter(program=program, role=Institution.LENDER).values_list("institution_id", flat=True))
    ids |= set(Loan.objects.filter(program=program).values_list("lender_id", flat=True).distinct())
    return list(Institution.objects.filter(pk__in=ids).order_by("code"))


def _paid_memo(code: str) -> str:
    """The memo ``ledger.core.compensation_paid`` writes for a claim (derived from it, not copied)."""
    return ledger_core.compensation_paid(dt.date(2000, 1, 1), FEN, code).memo


def claim_payments(claims: QuerySet) -> dict[int, list[tuple[dt.date, Decimal]]]:
    """Per claim id: the fund's payments on it, (date, amount) in date order.

    A claim may be paid in instalments when the fund's cash runs short (``Claim.paid_on`` is the first
    payment, ``paid_amount`` the total so far), so the dated payments come from the books: the
    ``compensation_paid`` transactions with the claim's memo that have not been reversed. A claim with no
    such transaction (booked some other way) falls back to one payment of ``paid_amount`` on ``paid_on``.
    """
    info = list(claims.order_by().values_list("pk", "code", "loan__fund__book_id", "paid_on", "paid_amount"))
    by_key: dict[tuple[int, str], list[tuple[dt.date, Decimal]]] = defaultdict(list)
    for chunk in _chunks(info):
        rows = (LedgerPosting.objects.filter(
            account="liabilities:compensation_payable", amount__gt=0,
            transaction__kind=ledger_core.COMPENSATION_PAID, transaction__reversed_by__isnull=True,
            transaction__book_id__in={book for _, _, book, _, _ in chunk},
            transaction__memo__in=[_paid_memo(code) for _, code, _, _, _ in chunk])
            .order_by("transaction__date", "transaction_id")
            .values_list("transaction__book_id", "transaction__memo", "transaction__date", "amount"))
        for book, memo, day, amount in rows:
            by_key[(book, memo)].append((day, amount))
    out: dict[int, list[tuple[dt.date, Decimal]]] = {}
    for pk, code, book, paid_on, paid_amount in info:
        booked = by_key.get((book, _paid_memo(code)))
        out[pk] = booked if booked else ([(paid_on, paid_amount)] if paid_on is not None and paid_amount else [])
    return out


def _paid(payments: list[tuple[dt.date, Decimal]], start: dt.date | None, end: dt.date) -> Decimal:
    return sum((a for day, a in payments if (start is None or day >= start) and day <= end), ZERO)


# ============================================================================ 1. fund position

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


def fund_position(fund: Fund, on: dt.date) -> FundPosition:
    """The fund's position at the end of ``on`` (kezhou 第二十三条（六）余额; leverage: kezhou 第二条,
    kunshan 第九条, pingluo 第八条)."""
    b = ledger.balances(fund.book, on)
    cash, deposits, bonds = b["assets:cash"], b["assets:deposits"], b["assets:bonds"]
    money_held = cash + deposits + bonds
    capital = -b["equity:capital"]
    by_program = _outstanding_by(covered_loans(on, fund=fund), on, "program_id")
    covered_count = sum(n for n, _ in by_program.values())
    covered_total = sum((o for _, o in by_program.values()), ZERO)
    lines = []
    for program in fund.programs.order_by("code"):
        policy = program.policy
        outstanding = by_program.get(program.pk, (0, ZERO))[1]
        try:
            leverage = policy.param(policy.filing.leverage, on)
            base_kind = policy.param(policy.filing.leverage_base, on)
        except ParameterNotInForce as e:
            lines.append(ProgramCapacity(program.code, None, None, ZERO, ZERO, outstanding, covered_total,
                                         ZERO, policy.filing.leverage.article, f"not in force: {e}"))
            continue
        base = money_held if base_kind == "fund_balance" else capital
        capacity = fen(base * leverage)
        lines.append(ProgramCapacity(program.code, leverage, base_kind, base, capacity, outstanding, covered_total,
                                     capacity - covered_total, policy.filing.leverage.article))
    compensated = b["expenses:compensation"]
    recovered = -b["expenses:compensation_recovered"]
    written_off = b["expenses:write_off"]
    payable = -b["liabilities:compensation_payable"]
    fee_payable = -b["liabilities:management_fee_payable"]
    receivable = b["assets:receivable"]
    return FundPosition(
        fund=fund.code, fund_name=fund.name, on=on, capital=capital,
        income_interest=-b["income:interest"], income_coupons=-b["income:coupons"],
        income=-(b["income:interest"] + b["income:coupons"]),
        cash=cash, deposits=deposits, bonds=bonds, money_held=money_held, receivable=receivable,
        covered_loans=covered_count, outstanding_covered=covered_total, programs=tuple(lines),
        compensation_payable=payable, management_fee_payable=fee_payable, compensated=compensated,
        recovered=recovered, written_off=written_off, net_loss=compensated - recovered + written_off,
        management_fee=b["expenses:management_fee"], net_assets=money_held + receivable - payable - fee_payable,
    )


# ============================================================================ 2. lender's return

@dataclass(frozen=True)
class LenderReturn:
    """A lender's monthly or quarterly return (kezhou 第二十三条（四）（七）: 审批、投放、贷后、追偿及代偿情况)."""

    program: str
    lender: str
    lender_name: str
    start: dt.date
    end: dt.date
    agreement_status: str
    filed_count: int
    filed_amount: Decimal
    filed: tuple[dict[str, Any], ...]
    repaid_principal: Decimal
    repaid_interest: Decimal
    repaid_in_full: int
    outstanding_count: int
    outstanding: Decimal
    arrears: tuple[dict[str, Any], ...]
    arrears_outstanding: Decimal
    npl_outstanding: Decimal
    claims_submitted: int
    claims_submitted_loss: Decimal
    claims_paid: int  # claims first paid in the period
    compensation_received: Decimal  # every payment in the period, instalments of earlier claims included
    recoveries: tuple[dict[str, Any], ...]
    recoveries_net: Decimal
    recoveries_to_fund: Decimal
    remitted_to_fund: Decimal
    remittance_outstanding: Decimal
    remittance_overdue: Decimal


def _recovery_rows(qs: QuerySet, on: dt.date) -> list[dict[str, Any]]:
    rows = []
    for r in qs.select_related("claim__loan__lender", "claim__loan__borrower").order_by("received_on", "id"):
        remitted = r.remitted_on is not None and r.remitted_on <= on
        if remitted:
            state = "remitted"
        elif r.to_fund == 0:
            state = "nothing_due"
        elif r.remit_due_on is not None and r.remit_due_on < on:
            state = "overdue"
        else:
            state = "due"
        rows.append({
            "claim": r.claim.code, "loan": r.claim.loan.code, "lender": r.claim.loan.lender.code,
            "borrower": r.claim.loan.borrower.name, "received_on": r.received_on, "gross": r.gross,
            "costs": r.costs, "net": r.gross - r.costs, "to_fund": r.to_fund, "to_lender": r.to_lender,
            "to_guarantor": r.to_guarantor, "remit_due_on": r.remit_due_on,
            "remitted_on": r.remitted_on if remitted else None, "remittance": state,
            "after_write_off": r.after_write_off,
        })
    return rows


def lender_return(program: Program, lender: Institution, start: dt.date, end: dt.date) -> LenderReturn:
    """What the lender reports for [start, end]: filings, repayments, outstanding and arrears at the end,
    claims and compensation, recoveries and their remittance to the fund."""
    _period(start, end)
    loans = Loan.objects.filter(program=program, lender=lender)
    filed_qs = loans.filter(filed_on__gte=start, filed_on__lte=end).select_related("borrower", "guarantor")
    filed = tuple({
        "loan": l.code, "borrower": l.borrower.name, "borrower_code": l.borrower.code, "amount": l.amount,
        "issue_date": l.issue_date, "filed_on": l.filed_on, "maturity_date": l.maturity_date,
        "term_months": l.term_months, "guarantor": l.guarantor.code if l.guarantor else "",
        "product_type": l.product_type,
    } for l in filed_qs.order_by("filed_on", "code"))
    repayments = Repayment.objects.filter(loan__program=program, loan__lender=lender, on__gte=start, on__lte=end)
    sums = repayments.aggregate(p=_sum("principal"), i=_sum("interest"))
    repaid_in_full = loans.filter(status=Loan.REPAID, released_on__gte=start, released_on__lte=end).count()
    covered = covered_loans(end, program=program, lender=lender)
    count, outstanding = _outstanding_by(covered, end, None).get(None, (0, ZERO))
    arrears = arrears_on(covered, end)
    claims = Claim.objects.filter(loan__program=program, loan__lender=lender)
    submitted = claims.filter(submitted_on__gte=start, submitted_on__lte=end)
    payments = claim_payments(claims.filter(paid_on__isnull=False, paid_on__lte=end))
    recs = Recovery.objects.filter(claim__loan__program=program, claim__loan__lender=lender)
    in_period = recs.filter(received_on__gte=start, received_on__lte=end)
    rec_sums = in_period.aggregate(g=_sum("gross"), c=_sum("costs"), f=_sum("to_fund"))
    remitted = _total(recs.filter(remitted_on__gte=start, remitted_on__lte=end), "to_fund")
    unremitted = recs.filter(received_on__lte=end).filter(Q(remitted_on__isnull=True) | Q(remitted_on__gt=end))
    return LenderReturn(
        program=program.code, lender=lender.code, lender_name=lender.name, start=start, end=end,
        agreement_status=agreement_status_on(
            Agreement.objects.filter(institution=lender, program=program, role=Institution.LENDER).first(), end),
        filed_count=len(filed), filed_amount=sum((r["amount"] for r in filed), ZERO), filed=filed,
        repaid_principal=_yuan(sums["p"]), repaid_interest=_yuan(sums["i"]), repaid_in_full=repaid_in_full,
        outstanding_count=count, outstanding=outstanding, arrears=tuple(arrears),
        arrears_outstanding=sum((r["outstanding"] for r in arrears), ZERO),
        npl_outstanding=sum((r["outstanding"] for r in arrears if r["non_performing"]), ZERO),
        claims_submitted=submitted.count(), claims_submitted_loss=_total(submitted, "loss_base"),
        claims_paid=claims.filter(paid_on__gte=start, paid_on__lte=end).count(),
        compensation_received=sum((_paid(p, start, end) for p in payments.values()), ZERO),
        recoveries=tuple(_recovery_rows(in_period, end)),
        recoveries_net=_yuan(rec_sums["g"]) - _yuan(rec_sums["c"]), recoveries_to_fund=_yuan(rec_sums["f"]),
        remitted_to_fund=remitted, remittance_outstanding=_total(unremitted, "to_fund"),
        remittance_overdue=_total(unremitted.filter(remit_due_on__lt=end), "to_fund"),
    )


# ============================================================================ 3. quarterly report

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
        returns = [lender_return(program, lender, start, end) for lender in _lenders_of(program)]
        lender_lines += returns
        start_out = _outstanding_by(covered_loans(start - dt.timedelta(days=1), program=program),
                                    start - dt.timedelta(days=1), None).get(None, (0, ZERO))[1]
        end_out = _outstanding_by(covered_loans(end, program=program), end, None).get(None, (0, ZERO))[1]
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


# ============================================================================ 4. lender performance

@dataclass(frozen=True)
class LenderLine:
    lender: str
    lender_name: str
    agreement_status: str
    loans: int
    outstanding: Decimal
    npl_outstanding: Decimal
    npl_ratio: Decimal | None
    year_compensation: Decimal
    year_financing: Decimal
    year_compensation_ratio: Decimal | None
    cumulative_compensation: Decimal
    cumulative_released: Decimal
    compensation_rate: Decimal | None  # 担保代偿率: cumulative compensation ÷ cumulative released guarantees
    verdict: Decision  # rules.sanctions.check_lender


@dataclass(frozen=True)
class LenderPerformance:
    """Per lender on a date: NPL ratio (kezhou 第二十五条（二）), this year's compensation ratio (kunshan
    第二十三条), compensation rate (pingluo 第十五条), agreement status and the rule's verdict."""

    program: str
    on: dt.date
    year_start: dt.date
    lenders: tuple[LenderLine, ...]
    year_compensation: Decimal
    year_financing: Decimal
    year_compensation_ratio: Decimal | None
    program_verdict: Decision  # rules.sanctions.check_program


def lender_performance(program: Program, on: dt.date) -> LenderPerformance:
    policy = program.policy
    year_start = dt.date(on.year, 1, 1)
    covered = covered_loans(on, program=program)
    outstanding = _outstanding_by(covered, on, "lender_id")
    npl: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in arrears_on(covered, on):
        if row["non_performing"]:
            npl[row["lender"]] += row["outstanding"]
    loans = Loan.objects.filter(program=program, filed_on__lte=on).order_by()
    financing = {r["lender_id"]: _yuan(r["s"]) for r in loans.filter(issue_date__gte=year_start, issue_date__lte=on)
                 .values("lender_id").annotate(s=_sum("amount"))}
    released = {r["lender_id"]: _yuan(r["s"]) for r in _with_release_date(loans).filter(release_date__lte=on)
                .values("lender_id").annotate(s=_sum("amount"))}
    paid = Claim.objects.filter(loan__program=program, paid_on__isnull=False, paid_on__lte=on)
    lender_of = dict(paid.order_by().values_list("pk", "loan__lender_id"))
    comp_total: dict[int, Decimal] = defaultdict(lambda: ZERO)
    comp_year: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for claim_id, payments in claim_payments(paid).items():
        comp_total[lender_of[claim_id]] += _paid(payments, None, on)
        comp_year[lender_of[claim_id]] += _paid(payments, year_start, on)
    agreements = {a.institution_id: a for a in Agreement.objects.filter(program=program, role=Institution.LENDER)}
    lines = []
    for lender in _lenders_of(program):
        count, total = outstanding.get(lender.pk, (0, ZERO))
        bad = npl[lender.code]
        cy, fy = comp_year.get(lender.pk, ZERO), financing.get(lender.pk, ZERO)
        ct, rel = comp_total.get(lender.pk, ZERO), released.get(lender.pk, ZERO)
        verdict = _rule(lambda: check_lender(policy, on, npl_outstanding=bad, total_outstanding=total,
                                             annual_compensation=cy, annual_financing=fy))
        lines.append(LenderLine(
            lender=lender.code, lender_name=lender.name,
            agreement_status=agreement_status_on(agreements.get(lender.pk), on), loans=count, outstanding=total,
            npl_outstanding=bad, npl_ratio=ratio(bad, total), year_compensation=cy, year_financing=fy,
            year_compensation_ratio=ratio(cy, fy), cumulative_compensation=ct, cumulative_released=rel,
            compensation_rate=ratio(ct, rel), verdict=verdict))
    year_comp = sum(comp_year.values(), ZERO)
    year_fin = sum(financing.values(), ZERO)
    return LenderPerformance(
        program=program.code, on=on, year_start=year_start, lenders=tuple(lines), year_compensation=year_comp,
        year_financing=year_fin, year_compensation_ratio=ratio(year_comp, year_fin),
        program_verdict=_rule(lambda: check_program(policy, on, annual_compensation=year_comp,
                                                    annual_financing=year_fin)))


def _rule(run):
    try:
        return run()
    except ParameterNotInForce as e:
        raise ReportError(f"the program's thresholds are not in force on that date: {e}") from None


# ============================================================================ 5. bad-loan register

@dataclass(frozen=True)
class BadLoanRegister:
    """不良授信台账 (kunshan 第二十二条): every claimed or compensated loan with the fund's payment, the
    recoveries, their split and remittance, and the write-off — as at ``on``."""

    program: str
    on: dt.date
    claims: tuple[dict[str, Any], ...]
    recoveries: tuple[dict[str, Any], ...]
    total_paid: Decimal
    total_recovered_to_fund: Decimal
    total_remitted_to_fund: Decimal
    net_loss_to_fund: Decimal


def _claim_status_on(claim: Claim, on: dt.date, write_off: WriteOff | None) -> str:
    if write_off is not None and write_off.on <= on or claim.written_off_on is not None and claim.written_off_on <= on:
        return "written_off"
    if claim.paid_on is not None and claim.paid_on <= on:
        return "paid"
    approved_on = getattr(claim, "approved_on", None)
    if approved_on is not None and approved_on <= on:
        return "approved"
    if claim.status == Claim.REFUSED:
        steps = [s.done_on for s in claim.steps.all() if not s.approved]
        if not steps or min(steps) <= on:
            return "refused"
    return "open"


def bad_loan_register(program: Program, on: dt.date) -> BadLoanRegister:
    claims = (Claim.objects.filter(loan__program=program, submitted_on__lte=on)
              .select_related("loan__borrower", "loan__lender", "loan__guarantor")
              .prefetch_related("steps").order_by("submitted_on", "code"))
    write_offs = {w.claim_id: w for w in WriteOff.objects.filter(claim__loan__program=program)}
    payments = claim_payments(claims.filter(paid_on__isnull=False, paid_on__lte=on))
    recs = _recovery_rows(Recovery.objects.filter(claim__loan__program=program, received_on__lte=on), on)
    per_claim: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in recs:
        per_claim[r["claim"]].append(r)
    rows = []
    for c in claims:
        loan = c.loan
        w = write_offs.get(c.pk)
        status = _claim_status_on(c, on, w)
        approved_on = getattr(c, "approved_on", None)
        paid = c.paid_on is not None and c.paid_on <= on
        paid_amount = _paid(payments.get(c.pk, []), None, on)
        approved = approved_on is not None and approved_on <= on or paid
        mine = per_claim.get(c.code, [])
        to_fund = sum((r["to_fund"] for r in mine), ZERO)
        remitted = sum((r["to_fund"] for r in mine if r["remittance"] == "remitted"), ZERO)
        written = w is not None and w.on <= on
        rows.append({
            "claim": c.code, "loan": loan.code, "borrower": loan.borrower.name, "borrower_code": loan.borrower.code,
            "lender": loan.lender.code, "guarantor": loan.guarantor.code if loan.guarantor else "",
            "principal": loan.amount, "issue_date": loan.issue_date, "submitted_on": c.submitted_on,
            "status": status, "loss_base": c.loss_base, "fund_share": c.fund_share, "lender_share": c.lender_share,
            "guarantor_share": c.guarantor_share, "fund_payable": c.fund_payable,
            "approved_on": approved_on if approved_on is not None and approved_on <= on else None,
            "paid_amount": paid_amount, "paid_on": c.paid_on if paid else None,
            "approved_unpaid": c.fund_payable - paid_amount if approved else ZERO,
            "recoveries": len(mine), "recovered_net": sum((r["net"] for r in mine), ZERO),
            "recovered_to_fund": to_fund, "remitted_to_fund": remitted,
            "remittance_outstanding": to_fund - remitted,
            "remittance_overdue": sum((r["to_fund"] for r in mine if r["remittance"] == "overdue"), ZERO),
            "fund_net_loss": paid_amount - to_fund,
            "written_off_on": w.on if written else (c.written_off_on if c.written_off_on and c.written_off_on <= on
                                                    else None),
            "write_off_amount": w.amount if written else ZERO,
            "write_off_evidence": f"{w.get_evidence_display()} {w.evidence_ref}".strip() if written else "",
            "write_off_article": w.article if written else "",
        })
    known = {r["claim"] for r in rows}
    recs = [r for r in recs if r["claim"] in known]
    total_paid = sum((r["paid_amount"] for r in rows), ZERO)
    to_fund = sum((r["recovered_to_fund"] for r in rows), ZERO)
    return BadLoanRegister(
        program=program.code, on=on, claims=tuple(rows), recoveries=tuple(recs), total_paid=total_paid,
        total_recovered_to_fund=to_fund, total_remitted_to_fund=sum((r["remitted_to_fund"] for r in rows), ZERO),
        net_loss_to_fund=total_paid - to_fund)


# ============================================================================ 6. usage register

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
    _period(start, end)
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


__all__ = [
    "ReportError", "month_bounds", "quarter_bounds", "ratio", "covered_loans", "arrears_on", "agreement_status_on",
    "claim_payments",
    "FundPosition", "ProgramCapacity", "fund_position", "LenderReturn", "lender_return", "QuarterlyReport",
    "QuarterProgramLine", "quarterly_report", "LenderLine", "LenderPerformance", "lender_performance",
    "BadLoanRegister", "bad_loan_register", "UsageRegister", "usage_register", "KIND_LABELS", "POSITION_LABELS",
]
