"""Lender figures (合作机构指标), defined once, at any date.

What a lender's cooperation is judged on — the sanctions (kezhou 第二十五条（二） NPL ratio, kunshan 第二十三条
compensation ratio), the compensation-rate cap (pingluo 第十五条 担保代偿率), the reports and the stories all read
:func:`lender_figures` / :func:`lenders_figures`. Each figure has one definition (``LenderFigures``'s field
docs) and two ways of reading it:

* **fast** (``source="totals"``), valid when ``on`` is not before the latest business date recorded for the
  program (:func:`latest_date`): nothing dated after ``on`` exists, so today's state is the state at ``on``.
  It reads the running totals (``riskpool.figures.totals``: outstanding, financing, compensation, compensated,
  released) and three small queries — the lender's loans in arrears (the NPL numerator), the loans issued later
  this year than ``on``, and this year's instalments on claims first paid in an earlier year — a number of rows
  bounded by the lenders, the loans in arrears and the exceptions, whatever the book's size.
* **history** (``source="history"``), valid at any date: the loans filed by ``on`` less the repayments dated
  by then, arrears spells rebuilt from the typed history events (``loan.arrears`` / ``loan.cured``), the
  fund's dated payments from its books, release dates from the loans and claims.

``source="auto"`` (the default) takes the fast path whenever it is valid. ``tests/figures`` builds a book
through the services and checks both paths give identical figures.

Ratios are exact Decimals (never rounded here), 0 where the denominator is 0, as ``rules.sanctions`` decides
them; reports round them for display.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from riskpool.audit.history import KINDS
from riskpool.audit.models import HistoryEvent
from riskpool.claims.models import Claim, WriteOff
from riskpool.dbmoney import sum_fen as _sum
from riskpool.dbmoney import yuan as _yuan
from riskpool.figures import totals
from riskpool.figures.models import OpeningFigure
from riskpool.ledger import core as ledger_core
from riskpool.ledger.models import LedgerPosting
from riskpool.loans.models import Loan, Repayment
from riskpool.money import FEN, ZERO
from riskpool.programs.models import Program
from riskpool.registry.models import Agreement, Fund, Institution
from riskpool.rules.sanctions import risk_class

ACTIVE = (Loan.FILED, Loan.CLAIMED)
AUTO, TOTALS, HISTORY = "auto", "totals", "history"
SOURCES = (AUTO, TOTALS, HISTORY)
ARREARS, CURED = "loan.arrears", "loan.cured"
AGREEMENT_STATUS = "agreement.status"
_CHUNK = 2000  # ids per IN (...) list


@dataclass(frozen=True)
class LenderFigures:
    """One lender's figures in one program at the end of ``on`` (amounts in yuan, exact).

    * ``outstanding`` — principal outstanding on the lender's covered loans (在池: filed by ``on``, not released).
    * ``npl_outstanding`` — the part of it on non-performing loans (five-tier class from days past due,
      ``rules.sanctions.risk_class``); ``npl_ratio`` = npl_outstanding ÷ outstanding.
    * ``financing_this_year`` — amounts of the loans issued from 1 January to ``on`` (filed by ``on``);
      ``compensation_this_year`` — the fund's payments to the lender dated in that span (each instalment on its
      date); ``compensation_ratio`` = compensation ÷ financing.
    * ``compensated_total`` — all the fund's payments to the lender dated by ``on``; ``released_total`` — the
      amounts of the lender's loans released by ``on`` (repaid in full or compensated); ``compensation_rate``
      (担保代偿率) = compensated_total ÷ released_total.
    * ``approved_unpaid`` — compensation approved by ``on`` on the lender's claims and not yet paid by then.
    """

    program: str
    lender: str
    on: dt.date
    outstanding: Decimal
    npl_outstanding: Decimal
    npl_ratio: Decimal
    financing_this_year: Decimal
    compensation_this_year: Decimal
    compensation_ratio: Decimal
    compensated_total: Decimal
    released_total: Decimal
    compensation_rate: Decimal
    approved_unpaid: Decimal


def exact_ratio(numerator: Decimal, denominator: Decimal) -> Decimal:
    """numerator ÷ denominator, unrounded; 0 without a denominator (as ``rules.sanctions`` decides)."""
    return numerator / denominator if denominator else Decimal(0)


def _figures(program: Program, lender: Institution, on: dt.date, *, outstanding: Decimal, npl: Decimal,
             financing: Decimal, comp_year: Decimal, comp_total: Decimal, released: Decimal,
             approved_unpaid: Decimal) -> LenderFigures:
    """The one place the ratios are made from their parts."""
    return LenderFigures(
        program=program.code, lender=lender.code, on=on, outstanding=outstanding, npl_outstanding=npl,
        npl_ratio=exact_ratio(npl, outstanding), financing_this_year=financing, compensation_this_year=comp_year,
        compensation_ratio=exact_ratio(comp_year, financing), compensated_total=comp_total, released_total=released,
        compensation_rate=exact_ratio(comp_total, released), approved_unpaid=approved_unpaid)


# ============================================================================ which path

def _latest(dates: Iterable[dt.date | None]) -> dt.date | None:
    known = [d for d in dates if d is not None]
    return max(known) if known else None


# the events that move a figure: what happens to a loan, a claim or the fund's money (not, say, a program
# installed or a borrower registered, which are dated when they are done, not by a business date of the book)
FIGURE_KINDS = tuple(kind for kind, subject in KINDS.items() if subject in ("loan", "claim", "fund"))


def _latest_event(**filters: Any) -> dt.date | None:
    return (HistoryEvent.objects.filter(kind__in=FIGURE_KINDS, **filters).order_by("-on")
            .values_list("on", flat=True).first())


def latest_date(program: Program) -> dt.date | None:
    """The latest business date recorded for the program: its history events, and its funds' (their events and
    the latest date posted to their books, where the compensation payments are)."""
    funds = list(Fund.objects.filter(programs=program).values_list("code", "book__latest_date"))
    return _latest([_latest_event(program=program.code), *(d for _, d in funds),
                    *(_latest_event(fund=code) for code, _ in funds)])


def use_totals(source: str, on: dt.date, latest: dt.date | None) -> bool:
    """Whether to read the running totals: asked for, or ``auto`` and ``on`` is not before ``latest``."""
    if source not in SOURCES:
        raise ValueError(f"source must be one of {', '.join(SOURCES)}, got {source!r}")
    if source == TOTALS:
        return True
    return source == AUTO and (latest is None or on >= latest)


# ============================================================================ public functions

def lender_figures(program: Program, lender: Institution, on: dt.date, *, source: str = AUTO) -> LenderFigures:
    """The lender's figures in the program at the end of ``on`` (see :class:`LenderFigures`)."""
    return _compute(program, [lender], on, source)[lender.pk]


def lenders_figures(program: Program, on: dt.date, *, source: str = AUTO) -> dict[int, LenderFigures]:
    """{lender id: figures} for every lender of the program (an agreement, or a loan filed), in code order."""
    return _compute(program, lenders_of(program), on, source)


def rate_cap_history(program: Program, lender: Institution, on: dt.date, *, claim: Claim | None = None,
                     loan: Loan | None = None, source: str = AUTO) -> tuple[Decimal, Decimal]:
    """(cumulative compensation, cumulative released guarantees) the compensation-rate cap (pingluo 第十五条)
    counts before deciding a claim: what the fund paid the lender by ``on`` plus what it has approved and not
    yet paid (so two claims approved before either is paid cannot both use the same headroom), and the
    lender's loans released by ``on`` — leaving out ``claim`` itself and ``loan``'s own guarantee (the rule
    adds the claimed loan's guarantee, ``claim_releases_its_guarantee``)."""
    f = lender_figures(program, lender, on, source=source)
    compensated, released = f.compensated_total + f.approved_unpaid, f.released_total
    if claim is not None and claim.pk is not None:
        own = claim_payments(Claim.objects.filter(pk=claim.pk)).get(claim.pk, [])
        paid = paid_between(own, None, on)
        compensated -= paid
        if claim.approved_on is not None and claim.approved_on <= on and claim.status != Claim.REFUSED:
            compensated -= max(ZERO, claim.fund_payable - paid)
    if loan is not None and loan.pk is not None:
        row = with_release_date(Loan.objects.filter(pk=loan.pk)).values_list("release_date", "filed_on").first()
        if row is not None and row[0] is not None and row[0] <= on and row[1] <= on:
            released -= loan.amount
    return compensated, released


def window_start(window: str, on: dt.date) -> dt.date | None:
    """First day of a cap's or threshold's window ending on ``on`` (None: program to date)."""
    if window == "calendar_year":
        return dt.date(on.year, 1, 1)
    if window == "rolling_12_months":
        try:
            return on.replace(year=on.year - 1) + dt.timedelta(days=1)
        except ValueError:  # 29 February
            return dt.date(on.year - 1, 3, 1)
    return None


def cap_history(program: Program, loan: Loan, on: dt.date, *, per: str, window: str,
                claim: Claim | None = None) -> tuple[Decimal, Decimal]:
    """(compensation, released guarantees) the compensation-rate cap counts, for its party (``per``: the loan's
    lender, its guarantor, or the whole program) over its ``window`` ending on ``on``: the fund's payments dated
    in the window plus what it approved in the window and has not yet paid, and the guarantees released in the
    window — leaving out ``claim`` itself and the loan's own guarantee (the rule adds it). The lender's cap
    over the program to date (pingluo 第十五条) reads the running totals (:func:`rate_cap_history`)."""
    if per == "lender" and window == "program_to_date":
        return rate_cap_history(program, loan.lender, on, claim=claim, loan=loan)
    party: dict[str, Any] = {}
    if per == "lender":
        party = {"lender_id": loan.lender_id}
    elif per == "guarantor":
        if loan.guarantor_id is None:
            return ZERO, ZERO
        party = {"guarantor_id": loan.guarantor_id}
    start = window_start(window, on)
    claims = Claim.objects.filter(**{f"loan__{k}": v for k, v in party.items()}, loan__program=program)
    if claim is not None and claim.pk is not None:
        claims = claims.exclude(pk=claim.pk)
    payments = claim_payments(claims)
    compensated = sum((paid_between(p, start, on) for p in payments.values()), ZERO)
    for pk, approved_on, payable, status in claims.filter(approved_on__isnull=False, approved_on__lte=on).values_list(
            "pk", "approved_on", "fund_payable", "status"):
        if status != Claim.REFUSED and (start is None or approved_on >= start):
            compensated += max(ZERO, payable - paid_between(payments.get(pk, []), None, on))
    loans = with_release_date(Loan.objects.filter(program=program, filed_on__lte=on, **party).exclude(pk=loan.pk))
    loans = loans.filter(release_date__lte=on, **({"release_date__gte": start} if start else {}))
    released = sum(loans.values_list("amount", flat=True), ZERO)
    _, past_released, past_comp = opening_sums(program, on, start=start, **party).get(None, (ZERO, ZERO, ZERO))
    return compensated + past_comp, released + past_released


def lenders_of(program: Program) -> list[Institution]:
    """The program's lenders: those with an agreement in it and those with a loan filed in it, by code."""
    ids = set(Agreement.objects.filter(program=program, role=Institution.LENDER).values_list("institution_id",
                                                                                           flat=True))
    # a lender that filed a loan in the program has a financing total (riskpool.figures.totals): read from
    # those names, not from a DISTINCT over the program's loans (a million rows in a province)
    ids |= totals.named_ids(f"financing:program:{program.pk}:lender:")
    return list(Institution.objects.filter(pk__in=ids).order_by("code"))


def _compute(program: Program, lenders: list[Institution], on: dt.date, source: str) -> dict[int, LenderFigures]:
    if not lenders:
        return {}
    fast = use_totals(source, on, latest_date(program) if source == AUTO else None)
    figures = (_from_totals if fast else _from_history)(program, lenders, on)
    policy = program.policy
    window = policy.sanctions.compensation_window(policy, on)
    if window != "calendar_year":  # the compensation ratio's span is the policy's window, not the year
        for lender in lenders:
            comp, fin = windowed_compensation(program, lender, on, window)
            f = figures[lender.pk]
            figures[lender.pk] = dataclasses.replace(f, compensation_this_year=comp, financing_this_year=fin,
                                                     compensation_ratio=exact_ratio(comp, fin))
    return figures


def guarantor_compensation(program: Program, guarantor: Institution, on: dt.date,
                           window: str) -> tuple[Decimal, Decimal]:
    """(the fund's payments on the loans ``guarantor`` guarantees, the amounts of those loans issued) over
    ``window`` ending on ``on`` (``sanctions.guarantor_compensation_ratio``)."""
    start = window_start(window, on)
    loans = Loan.objects.filter(program=program, guarantor=guarantor, filed_on__lte=on, issue_date__lte=on)
    if start is not None:
        loans = loans.filter(issue_date__gte=start)
    financing = sum(loans.values_list("amount", flat=True), ZERO)
    payments = claim_payments(Claim.objects.filter(loan__program=program, loan__guarantor=guarantor))
    past_fin, _, past_comp = opening_sums(program, on, start=start, guarantor_id=guarantor.pk).get(
        None, (ZERO, ZERO, ZERO))
    return sum((paid_between(p, start, on) for p in payments.values()), past_comp), financing + past_fin


def windowed_compensation(program: Program, lender: Institution, on: dt.date, window: str) -> tuple[Decimal, Decimal]:
    """(the fund's payments to ``lender``, the amounts of its loans issued) over ``window`` ending on ``on`` —
    what a compensation-ratio threshold counts when its window is not the calendar year."""
    start = window_start(window, on)
    loans = Loan.objects.filter(program=program, lender=lender, filed_on__lte=on, issue_date__lte=on)
    if start is not None:
        loans = loans.filter(issue_date__gte=start)
    financing = sum(loans.values_list("amount", flat=True), ZERO)
    payments = claim_payments(Claim.objects.filter(loan__program=program, loan__lender=lender))
    past_fin, _, past_comp = opening_sums(program, on, start=start, lender_id=lender.pk).get(
        None, (ZERO, ZERO, ZERO))
    return sum((paid_between(p, start, on) for p in payments.values()), past_comp), financing + past_fin


# ============================================================================ the fast path

def _from_totals(program: Program, lenders: list[Institution], on: dt.date) -> dict[int, LenderFigures]:
    pid, year = program.pk, on.year
    year_start, year_end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    ids = [lender.pk for lender in lenders]
    names = {lid: (totals.lender_outstanding(pid, lid), totals.financing(pid, lid, year),
                   totals.compensation(pid, lid, year), totals.compensated(pid, lid), totals.released(pid, lid))
             for lid in ids}
    value = totals.get_many(n for group in names.values() for n in group)
    # the NPL numerator: only the lender's covered loans in arrears
    npl: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for lid, since, outstanding in (Loan.objects.filter(program=program, lender_id__in=ids, status__in=ACTIVE,
                                                        overdue_since__isnull=False, overdue_since__lte=on)
                                    .values_list("lender_id", "overdue_since", "outstanding_principal")):
        if risk_class(days_past_due(since, on)).non_performing:
            npl[lid] += outstanding
    # financing counts loans issued by ``on``; a loan filed ahead of its issue date is in its year's total already
    later = {r["lender_id"]: _yuan(r["s"]) for r in (
        Loan.objects.filter(program=program, lender_id__in=ids, issue_date__gt=on, issue_date__lte=year_end)
        .order_by().values("lender_id").annotate(s=_sum("amount")))}
    # the totals date a claim's payments by its first payment; this year's instalments on claims first paid in
    # an earlier year belong to this year
    code_to_id = {lender.code: lender.pk for lender in lenders}
    carried: dict[int, Decimal] = defaultdict(lambda: ZERO)
    earlier = Claim.objects.filter(loan__program=program, paid_on__lt=year_start).values("code")
    for code, amount in (HistoryEvent.objects.filter(kind="claim.paid", program=program.code,
                                                     lender__in=list(code_to_id), on__gte=year_start, on__lte=on,
                                                     claim__in=Subquery(earlier))
                         .values_list("lender", "amount")):
        carried[code_to_id[code]] += amount or ZERO
    # approved and not yet paid: only the claims awaiting payment
    unpaid: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for lid, payable, paid in (Claim.objects.filter(loan__program=program, loan__lender_id__in=ids,
                                                    approved_on__isnull=False, approved_on__lte=on)
                               .exclude(next_step="").exclude(status=Claim.REFUSED)
                               .values_list("loan__lender_id", "fund_payable", "paid_amount")):
        unpaid[lid] += max(ZERO, payable - paid)
    out = {}
    for lender in lenders:
        o, fin, comp, comp_total, rel = (value[n] for n in names[lender.pk])
        out[lender.pk] = _figures(program, lender, on, outstanding=o, npl=npl[lender.pk],
                                  financing=fin - later.get(lender.pk, ZERO), comp_year=comp + carried[lender.pk],
                                  comp_total=comp_total, released=rel, approved_unpaid=unpaid[lender.pk])
    return out


# ============================================================================ the history path

def _from_history(program: Program, lenders: list[Institution], on: dt.date) -> dict[int, LenderFigures]:
    year_start = dt.date(on.year, 1, 1)
    ids = [lender.pk for lender in lenders]
    covered = covered_loans(on, program=program, lender_id__in=ids)
    outstanding = outstanding_by(covered, on, "lender_id")
    code_to_id = {lender.code: lender.pk for lender in lenders}
    npl: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for row in arrears_on(covered, on, program=program):
        if row["non_performing"]:
            npl[code_to_id[row["lender"]]] += row["outstanding"]
    loans = Loan.objects.filter(program=program, lender_id__in=ids, filed_on__lte=on).order_by()
    financing = {r["lender_id"]: _yuan(r["s"]) for r in loans.filter(issue_date__gte=year_start, issue_date__lte=on)
                 .values("lender_id").annotate(s=_sum("amount"))}
    released = {r["lender_id"]: _yuan(r["s"]) for r in with_release_date(loans).filter(release_date__lte=on)
                .values("lender_id").annotate(s=_sum("amount"))}
    claims = Claim.objects.filter(loan__program=program, loan__lender_id__in=ids).filter(
        Q(paid_on__isnull=False, paid_on__lte=on) | Q(approved_on__isnull=False, approved_on__lte=on))
    info = {pk: (lid, payable, approved_on, status) for pk, lid, payable, approved_on, status in
            claims.order_by().values_list("pk", "loan__lender_id", "fund_payable", "approved_on", "status")}
    comp_total: dict[int, Decimal] = defaultdict(lambda: ZERO)
    comp_year: dict[int, Decimal] = defaultdict(lambda: ZERO)
    unpaid: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for claim_id, payments in claim_payments(claims).items():
        lid, payable, approved_on, status = info[claim_id]
        paid = paid_between(payments, None, on)
        comp_total[lid] += paid
        comp_year[lid] += paid_between(payments, year_start, on)
        if approved_on is not None and approved_on <= on and status != Claim.REFUSED:
            unpaid[lid] += max(ZERO, payable - paid)
    # the business before the fund's opening position (riskpool.opening), each year's figures on their date
    for lid, (_, past_released, past_comp) in opening_sums(program, on, by="lender_id", lender_id__in=ids).items():
        comp_total[lid] += past_comp
        released[lid] = released.get(lid, ZERO) + past_released
    for lid, (past_fin, _, past_comp) in opening_sums(program, on, start=year_start, by="lender_id",
                                                      lender_id__in=ids).items():
        comp_year[lid] += past_comp
        financing[lid] = financing.get(lid, ZERO) + past_fin
    out = {}
    for lender in lenders:
        out[lender.pk] = _figures(program, lender, on, outstanding=outstanding.get(lender.pk, (0, ZERO))[1],
                                  npl=npl[lender.pk], financing=financing.get(lender.pk, ZERO),
                                  comp_year=comp_year[lender.pk], comp_total=comp_total[lender.pk],
                                  released=released.get(lender.pk, ZERO), approved_unpaid=unpaid[lender.pk])
    return out


# ============================================================================ the opening position

def opening_sums(program: Program, on: dt.date, *, start: dt.date | None = None, by: str | None = None,
                 **party: Any) -> dict[Any, tuple[Decimal, Decimal, Decimal]]:
    """The opening figures (``figures.models.OpeningFigure``: the business before the fund adopted riskpool,
    riskpool.opening) of ``program`` dated in [start, on] (start None: from the beginning), for ``party``
    (lender_id=…, guarantor_id=…), summed per ``by`` (None: one total): {key: (financing, released,
    compensation)}. Each year's figures are dated at the end of that year, or on the opening date for its year
    (docs/interpretations.md, "Opening position")."""
    qs = OpeningFigure.objects.filter(program=program, dated__lte=on, **party)
    if start is not None:
        qs = qs.filter(dated__gte=start)
    sums = dict(fin=_sum("financing"), rel=_sum("released"), comp=_sum("compensation"))
    rows = qs.order_by().values(by).annotate(**sums) if by else [qs.aggregate(**sums)]
    out: dict[Any, tuple[Decimal, Decimal, Decimal]] = {}
    for r in rows:
        if r["fin"] is None and r["rel"] is None and r["comp"] is None:
            continue  # no opening figure
        out[r[by] if by else None] = (_yuan(r["fin"]), _yuan(r["rel"]), _yuan(r["comp"]))
    return out


# ============================================================================ loans as at a date

def chunks(items: list, size: int = _CHUNK) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def with_release_date(qs: QuerySet) -> QuerySet:
    """``qs`` annotated with ``release_date``: ``released_on``, else its claim's first payment, else its
    write-off date."""
    paid = (Claim.objects.filter(loan=OuterRef("pk"), paid_on__isnull=False)
            .order_by("paid_on").values("paid_on")[:1])
    written_off = WriteOff.objects.filter(claim__loan=OuterRef("pk")).order_by("on").values("on")[:1]
    return qs.annotate(release_date=Coalesce("released_on", Subquery(paid), Subquery(written_off)))


def covered_loans(on: dt.date, **filters: Any) -> QuerySet:
    """Loans covered (在池) at the end of ``on``: filed by then and not yet released. A loan no longer
    filed/claimed with no release date at all is taken as released since before any date."""
    qs = with_release_date(Loan.objects.filter(filed_on__lte=on, **filters))
    return qs.filter(Q(release_date__gt=on) | Q(release_date__isnull=True, status__in=ACTIVE))


def outstanding_by(qs: QuerySet, on: dt.date, key: str | None) -> dict[Any, tuple[int, Decimal]]:
    """{key value: (loan count, outstanding principal on ``on``)} for the loans of ``qs``; key None: one total.
    Outstanding on a date = amount − the principal of the repayments dated on or before it."""
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


def repaid_by_loan(loan_ids: list[int], on: dt.date) -> dict[int, Decimal]:
    out: dict[int, Decimal] = {}
    for ids in chunks(loan_ids):
        for r in (Repayment.objects.filter(loan_id__in=ids, on__lte=on).order_by().values("loan_id")
                  .annotate(s=_sum("principal"))):
            out[r["loan_id"]] = _yuan(r["s"])
    return out


Spells = dict[str, list[tuple[dt.date, "dt.date | None"]]]


def arrears_spells(program: Program | None = None) -> Spells:
    """Per loan code: the arrears spells [overdue_since, cured on) from the history events ``loan.arrears``
    (its ``data.overdue_since``, by value date: a late report counts from the day the arrears began) and
    ``loan.cured``. A loan with events but no spell maps to []."""
    events = HistoryEvent.objects.filter(kind__in=(ARREARS, CURED)).exclude(loan="")
    if program is not None:
        events = events.filter(program=program.code)
    open_since: dict[str, dt.date] = {}
    spells: Spells = defaultdict(list)
    for kind, code, on, data in events.order_by("on", "id").values_list("kind", "loan", "on", "data"):
        if kind == ARREARS:
            if code not in open_since:
                since = (data or {}).get("overdue_since")
                open_since[code] = dt.date.fromisoformat(str(since)[:10]) if since else on
        elif code in open_since:
            spells[code].append((open_since.pop(code), on))
        else:
            spells.setdefault(code, [])
    for code, since in open_since.items():
        spells[code].append((since, None))
    return spells


def overdue_since_on(code: str, stored: dt.date | None, on: dt.date, spells: Spells) -> dt.date | None:
    """When the loan's current arrears began, as at ``on``; a loan without events uses its stored date."""
    if code not in spells:
        return stored if stored is not None and stored <= on else None
    current = [start for start, cured in spells[code] if start <= on and (cured is None or on < cured)]
    return max(current) if current else None


def days_past_due(overdue_since: dt.date | None, on: dt.date) -> int:
    return 0 if overdue_since is None or on < overdue_since else (on - overdue_since).days + 1


def arrears_on(qs: QuerySet, on: dt.date, *, program: Program | None = None) -> list[dict[str, Any]]:
    """The loans of ``qs`` (covered loans) past due on ``on``, one row each, most days past due first.
    ``program``: read only that program's arrears events (all of ``qs`` must be in it)."""
    spells = arrears_spells(program)
    candidates: list[dict[str, Any]] = list(
        qs.filter(overdue_since__isnull=False).values("id", "code", "overdue_since"))
    seen = {c["id"] for c in candidates}
    for codes in chunks(sorted(spells)):
        for r in qs.filter(code__in=codes).values("id", "code", "overdue_since"):
            if r["id"] not in seen:
                seen.add(r["id"])
                candidates.append(r)
    past_due = {}
    for c in candidates:
        since = overdue_since_on(c["code"], c["overdue_since"], on, spells)
        if since is not None:
            past_due[c["id"]] = since
    if not past_due:
        return []
    repaid = repaid_by_loan(list(past_due), on)
    rows = []
    loans = (Loan.objects.filter(pk__in=list(past_due)).select_related("borrower", "lender", "program")
             .order_by("code"))
    for loan in loans:
        since = past_due[loan.pk]
        days = days_past_due(since, on)
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


# ============================================================================ payments and agreements

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
    for chunk in chunks(info):
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


def paid_between(payments: list[tuple[dt.date, Decimal]], start: dt.date | None, end: dt.date) -> Decimal:
    """What of ``payments`` is dated in [start, end] (start None: from the beginning)."""
    return sum((a for day, a in payments if (start is None or day >= start) and day <= end), ZERO)


def agreement_status_on(agreement: Agreement | None, on: dt.date) -> str:
    """A lender agreement's status at the end of ``on``: the last ``agreement.status`` history event on or
    before it (sanctions applied inside other commands included); "active" before the first change;
    "not_started" / "expired" outside the agreement's term; "none" without an agreement."""
    if agreement is None:
        return "none"
    if on < agreement.start:
        return "not_started"
    if on > agreement.end:
        return "expired"
    events = HistoryEvent.objects.filter(kind=AGREEMENT_STATUS, agreement=agreement.pk)
    last = events.filter(on__lte=on).order_by("-on", "-id").values_list("data", flat=True).first()
    if last is not None:
        return (last or {}).get("status", agreement.status)
    if events.exists():
        return Agreement.ACTIVE  # changed only after ``on``
    if agreement.status != Agreement.ACTIVE and agreement.status_since is not None and agreement.status_since > on:
        return Agreement.ACTIVE
    return agreement.status


__all__ = [
    "LenderFigures", "lender_figures", "lenders_figures", "rate_cap_history", "latest_date", "use_totals",
    "lenders_of", "exact_ratio", "covered_loans", "with_release_date", "outstanding_by", "repaid_by_loan",
    "arrears_spells", "arrears_on", "days_past_due", "claim_payments", "paid_between", "agreement_status_on",
    "opening_sums",
    "AUTO", "TOTALS", "HISTORY",
]
