"""The dashboard (首页): one per role, as at a day (``?on=YYYY-MM-DD``; by default the later of today and the
latest business date posted to any fund's books).

* finance bureau / fund manager — per fund: cash, money held, capital, approved-unpaid, each program's capacity
  under its leverage (a program with none says so), the contributors' positions, the claims in progress, the
  lenders' NPL and compensation ratios against the program's thresholds, and two charts (money held and covered
  outstanding at month ends; compensation paid per month);
* lender — its loans' outstanding, its loans in arrears, its claims in progress, its ratios against the thresholds;
* guarantor — the loans it guarantees, their claims and its share of each;
* industry department — the whitelist entries in progress and listed, per program.

Every read goes through ``riskpool.web.scope``; the figures are ``riskpool.figures`` (one definition, a
history path for past days).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Max
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from riskpool.web import charts, scope
from riskpool.web.views.common import principal_required

ZERO = Decimal(0)
CHART_MONTHS = 12


# ============================================================================ formatting and the day

def money(value: Decimal | None) -> str:
    """Thousands separators and two decimals; empty for None."""
    return "" if value is None else charts.amount(value)


def percent(value: Decimal | None, places: int = 2) -> str:
    if value is None:
        return "—"
    return f"{(Decimal(value) * 100):.{places}f}%"


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class BadDay(ValueError):
    pass


def parse_day(text: str, what: str = "on") -> dt.date:
    """A date written YYYY-MM-DD, in 1900–2200 (as everywhere else, ``riskpool.inputs``)."""
    text = (text or "").strip()
    if not _DAY.fullmatch(text):
        raise BadDay(f"{what}: expected a date YYYY-MM-DD, got {text!r}")
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise BadDay(f"{what}: {text!r} is not a date") from None
    if not 1900 <= day.year <= 2200:
        raise BadDay(f"{what}: {text} is outside 1900–2200")
    return day


def default_day() -> dt.date:
    """The later of today (Asia/Shanghai) and the latest business date posted to any fund's books: stories and
    demonstrations may be dated ahead of the clock, and the dashboard should show them as they stand."""
    from riskpool.ledger.models import Book

    today = timezone.localdate()
    latest = Book.objects.aggregate(m=Max("latest_date"))["m"]
    return max(today, latest) if latest else today


def bad_request(request, detail: str):
    return render(request, "web/error.html", {"status": 400, "title": _("请求有误"), "title_en": "Bad request",
                                              "detail": detail}, status=400)


def month_ends(on: dt.date, months: int) -> list[dt.date]:
    """The last day of each of the ``months - 1`` months before ``on``'s month, then ``on`` itself."""
    out = []
    year, month = on.year, on.month
    for _i in range(months - 1):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        out.append(dt.date(year, month, calendar.monthrange(year, month)[1]))
    return sorted(out) + [on]


# ============================================================================ thresholds and lender rows

def thresholds(policy, on: dt.date) -> dict[str, dict[str, Any] | None]:
    """The program's lender thresholds on ``on``: {npl, compensation: {limit, strict, action, article, text} or
    None (the program sets none, or it is not in force)."""
    from riskpool.policy.schema import ParameterNotInForce

    out: dict[str, dict[str, Any] | None] = {}
    for key, param in (("npl", policy.sanctions.lender_npl_ratio),
                       ("compensation", policy.sanctions.lender_compensation_ratio)):
        if param is None:
            out[key] = None
            continue
        try:
            t = policy.param(param, on)
        except ParameterNotInForce:
            out[key] = None
            continue
        op = ">" if t.strict else "≥"
        action = _("终止合作") if t.action == "terminate" else _("中止合作")
        out[key] = {"limit": t.limit, "strict": t.strict, "action": t.action, "article": param.article,
                    "text": f"{op} {percent(t.limit)} → {action} [{param.article}]"}
    return out


def _breached(ratio_num: Decimal, denominator: Decimal, t: dict[str, Any] | None) -> bool:
    """As ``rules.sanctions`` judges it: compared without dividing, nothing breached without a numerator."""
    if t is None or ratio_num <= 0:
        return False
    bound = t["limit"] * denominator
    return ratio_num > bound if t["strict"] else ratio_num >= bound


def lender_row(program, lender, f, on: dt.date, limits: dict[str, Any]) -> dict[str, Any]:
    """One lender's line: outstanding, NPL ratio and this year's compensation ratio against the thresholds,
    with the rule's verdict (``rules.sanctions.check_lender``) where its parameters are in force."""
    from riskpool.policy.schema import ParameterNotInForce
    from riskpool.rules.sanctions import check_lender

    try:
        verdict = check_lender(program.policy, on, npl_outstanding=f.npl_outstanding,
                               total_outstanding=f.outstanding, annual_compensation=f.compensation_this_year,
                               annual_financing=f.financing_this_year)
        reasons = [{"code": r.code, "article": r.article, "message": r.message, "blocking": r.blocking}
                   for r in verdict.reasons]
    except ParameterNotInForce as e:
        reasons = [{"code": "NOT_IN_FORCE", "article": "", "message": str(e), "blocking": False}]
    npl_breach = _breached(f.npl_outstanding, f.outstanding, limits["npl"])
    comp_breach = _breached(f.compensation_this_year, f.financing_this_year, limits["compensation"])
    return {
        "program": program.code, "program_name": program.name, "lender": lender.code, "lender_name": lender.name,
        "outstanding": money(f.outstanding), "npl_outstanding": money(f.npl_outstanding),
        "npl_ratio": percent(f.npl_ratio), "npl_limit": (limits["npl"] or {}).get("text", ""),
        "npl_breach": npl_breach,
        "financing": money(f.financing_this_year), "compensation": money(f.compensation_this_year),
        "compensation_ratio": percent(f.compensation_ratio),
        "compensation_limit": (limits["compensation"] or {}).get("text", ""), "compensation_breach": comp_breach,
        "reasons": reasons, "breach": npl_breach or comp_breach,
    }


# ============================================================================ claims in progress

def claims_in_progress(qs, on: dt.date) -> list[dict[str, Any]]:
    """Claims submitted by ``on`` that await a step: the step, its description and article, the due date and
    whether it is overdue on ``on``."""
    from riskpool.claims.commands import workflow
    from riskpool.claims.models import Claim

    rows = []
    for c in (qs.filter(submitted_on__lte=on).exclude(next_step="").exclude(status=Claim.REFUSED)
              .order_by("next_due_on", "code")[:200]):
        try:
            step = next((s for s in workflow(c) if s.code == c.next_step), None)
        except Exception:  # a policy whose workflow cannot be read on the date: the code alone
            step = None
        rows.append({
            "code": c.code, "loan": c.loan.code, "lender": c.loan.lender.code, "borrower": c.loan.borrower.name,
            "submitted_on": c.submitted_on, "next_step": c.next_step,
            "next_step_text": step.description if step else "", "article": step.article if step else "",
            "due": c.next_due_on, "overdue": c.next_due_on is not None and c.next_due_on < on,
            "fund_payable": money(c.fund_payable), "status": c.get_status_display(),
        })
    return rows


# ============================================================================ the finance bureau and the manager

def fund_charts(fund, on: dt.date, months: int = CHART_MONTHS) -> dict[str, str]:
    """The fund's money held and covered outstanding at month ends, and compensation paid per month."""
    from riskpool.audit.models import HistoryEvent
    from riskpool.figures.funds import fund_figures

    days = month_ends(on, months)
    labels = [f"{d:%Y-%m}" for d in days]
    held, covered = [], []
    for day in days:
        ff = fund_figures(fund, day)
        held.append(ff.held)
        covered.append(ff.covered_outstanding)
    line = charts.line_chart(labels, [(_("资金余额"), held), (_("在保余额"), covered)],
                             title=_("资金余额与在保余额（月末）"), empty_text=_("无数据"))
    start = dt.date(days[0].year, days[0].month, 1)
    paid: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for day, amount in (HistoryEvent.objects.filter(kind="claim.paid", fund=fund.code, on__gte=start, on__lte=on)
                        .values_list("on", "amount")):
        paid[f"{day:%Y-%m}"] += amount or ZERO
    bars = charts.bar_chart(labels, [paid[label] for label in labels], title=_("每月代偿支付"),
                            empty_text=_("无数据"))
    return {"line": mark_safe(line), "bars": mark_safe(bars), "paid_total": money(sum(paid.values(), ZERO))}


def capacity_rows(ff) -> list[dict[str, Any]]:
    rows = []
    for c in ff.capacities:
        if c.leverage is None:
            note = (_("本办法未设放大倍数：不限额") if c.note.startswith("the program sets no leverage")
                    else _("放大倍数在该日未生效") + f"（{c.note}）")
            rows.append({"program": c.program, "leverage": None, "note": note,
                         "program_outstanding": money(c.program_outstanding)})
            continue
        used = ff.covered_outstanding / c.capacity if c.capacity else None
        rows.append({
            "program": c.program, "leverage": f"{c.leverage.normalize():f}", "article": c.article,
            "base": _("资金余额") if c.leverage_base == "fund_balance" else _("资金规模（注资）"),
            "base_amount": money(c.base_amount), "capacity": money(c.capacity),
            "covered": money(ff.covered_outstanding), "program_outstanding": money(c.program_outstanding),
            "remaining": money(c.remaining), "over": c.remaining < 0, "used": percent(used),
        })
    return rows


def contributor_rows(fund, on: dt.date) -> list[dict[str, Any]]:
    from riskpool.registry import contributors
    from riskpool.registry.models import Contributor

    if not Contributor.objects.filter(fund=fund).exists():
        return []
    rows = []
    for r in contributors.positions(fund, on):
        rows.append({"contributor": r["contributor"], "name": r["name"], "share": percent(r["share"]),
                     **{k: money(r[k]) for k in ("capital", "income", "compensation", "recovered",
                                                 "management_fee", "compensation_payable", "held")}})
    return rows


def overseer(p, on: dt.date) -> dict[str, Any]:
    from riskpool.figures.funds import fund_figures
    from riskpool.figures.lenders import lenders_figures, lenders_of

    funds = []
    for fund in scope.funds(p).order_by("code"):
        ff = fund_figures(fund, on)
        programs = list(fund.programs.order_by("code"))
        lenders = []
        for program in programs:
            limits = thresholds(program.policy, on)
            figures = lenders_figures(program, on)
            for lender in lenders_of(program):
                lenders.append(lender_row(program, lender, figures[lender.pk], on, limits))
        funds.append({
            "code": fund.code, "name": fund.name,
            "figures": {"cash": money(ff.cash), "held": money(ff.held), "capital": money(ff.capital),
                        "approved_unpaid": money(ff.approved_unpaid),
                        "covered_outstanding": money(ff.covered_outstanding),
                        "receivable": money(ff.receivable)},
            "capacities": capacity_rows(ff),
            "contributors": contributor_rows(fund, on),
            "claims": claims_in_progress(scope.claims(p).filter(loan__fund=fund), on),
            "lenders": lenders,
            "charts": fund_charts(fund, on),
        })
    return {"funds": funds}


# ============================================================================ a lender

def lender_programs(inst):
    from riskpool.loans.models import Loan
    from riskpool.programs.models import Program
    from riskpool.registry.models import Agreement

    ids = set(Agreement.objects.filter(institution=inst).values_list("program_id", flat=True))
    ids |= set(Loan.objects.filter(lender=inst).order_by().values_list("program_id", flat=True).distinct())
    return list(Program.objects.filter(pk__in=ids).order_by("code"))


def agreement_status_text(status: str) -> str:
    return {"active": _("合作中"), "suspended": _("中止"), "terminated": _("终止"), "none": _("无合作协议"),
            "not_started": _("协议未开始"), "expired": _("协议已到期")}.get(status, status)


def lender(p, on: dt.date) -> dict[str, Any]:
    from riskpool.figures.lenders import agreement_status_on, arrears_on, covered_loans, lender_figures
    from riskpool.registry.models import Agreement, Institution

    inst = Institution.objects.get(pk=p.institution_id)
    rows = []
    for program in lender_programs(inst):
        f = lender_figures(program, inst, on)
        row = lender_row(program, inst, f, on, thresholds(program.policy, on))
        agreement = Agreement.objects.filter(program=program, institution=inst, role=Institution.LENDER).first()
        row["agreement_status"] = agreement_status_text(agreement_status_on(agreement, on))
        rows.append(row)
    own = scope.loans(p)
    covered = covered_loans(on, lender_id=inst.pk)
    arrears = [{**r, "outstanding": money(r["outstanding"])} for r in arrears_on(covered, on)]
    loans = loan_rows(own.filter(filed_on__lte=on), on)
    return {"institution": inst, "programs": rows, "arrears": arrears, "loans": loans,
            "claims": claims_in_progress(scope.claims(p), on)}


def loan_rows(qs, on: dt.date, limit: int = 100) -> list[dict[str, Any]]:
    """The loans of ``qs`` (newest first, at most ``limit``) with their outstanding principal on ``on``."""
    from riskpool.figures.lenders import repaid_by_loan

    loans = list(qs.order_by("-filed_on", "-id")[:limit])
    repaid = repaid_by_loan([loan.pk for loan in loans], on)
    return [{"code": loan.code, "program": loan.program.code, "lender": loan.lender.code,
             "borrower": loan.borrower.name, "amount": money(loan.amount),
             "outstanding": money(loan.amount - repaid.get(loan.pk, ZERO)), "issue_date": loan.issue_date,
             "maturity_date": loan.maturity_date, "status": loan.get_status_display(),
             "in_arrears": loan.overdue_since is not None and loan.overdue_since <= on} for loan in loans]


# ============================================================================ a guarantor

def guarantor(p, on: dt.date) -> dict[str, Any]:
    from riskpool.claims.models import Claim

    loans = loan_rows(scope.loans(p).filter(filed_on__lte=on), on)
    claims = []
    share_total = ZERO
    for c in scope.claims(p).filter(submitted_on__lte=on).order_by("-submitted_on", "code")[:200]:
        if c.status != Claim.REFUSED:
            share_total += c.guarantor_share
        claims.append({"code": c.code, "loan": c.loan.code, "lender": c.loan.lender.code,
                       "borrower": c.loan.borrower.name, "submitted_on": c.submitted_on,
                       "status": c.get_status_display(), "next_step": c.next_step, "due": c.next_due_on,
                       "overdue": bool(c.next_step) and c.next_due_on is not None and c.next_due_on < on,
                       "loss_base": money(c.loss_base), "guarantor_share": money(c.guarantor_share),
                       "fund_share": money(c.fund_share), "lender_share": money(c.lender_share)})
    return {"loans": loans, "claims": claims, "share_total": money(share_total)}


# ============================================================================ an industry department

def whitelist_next_step(entry, on: dt.date) -> tuple[str, str]:
    """(step code, description) of the first step of the entry's current round not yet approved."""
    try:
        policy = entry.program.policy
        steps = policy.param(policy.whitelist.steps, on)
    except Exception:  # not in force on the date
        return "", ""
    done = {s.step for s in entry.steps.all() if s.cycle == entry.cycle and s.approved}
    step = next((s for s in steps if s.code not in done), None)
    return (step.code, step.description) if step else ("", "")


def department(p, on: dt.date) -> dict[str, Any]:
    from riskpool.programs.models import Program
    from riskpool.registry.models import WhitelistEntry

    entries = scope.whitelist(p).prefetch_related("steps")
    programs = []
    for program in Program.objects.order_by("code"):
        mine = entries.filter(program=program)
        in_progress = []
        for e in mine.filter(status=WhitelistEntry.IN_PROGRESS).order_by("borrower__code")[:200]:
            code, text = whitelist_next_step(e, on)
            in_progress.append({"borrower": e.borrower.code, "name": e.borrower.name, "cycle": e.cycle,
                                "next_step": code, "next_step_text": text})
        listed = [{"borrower": e.borrower.code, "name": e.borrower.name, "listed_on": e.listed_on}
                  for e in mine.filter(status=WhitelistEntry.LISTED).order_by("-listed_on", "borrower__code")[:200]]
        programs.append({"code": program.code, "name": program.name, "in_progress": in_progress, "listed": listed,
                         "in_progress_count": mine.filter(status=WhitelistEntry.IN_PROGRESS).count(),
                         "listed_count": mine.filter(status=WhitelistEntry.LISTED).count()})
    return {"programs": programs}


# ============================================================================ the page

TEMPLATES = {"finance_bureau": "overseer", "fund_manager": "overseer", "lender": "lender", "guarantor": "guarantor",
             "industry_department": "industry_department"}
BUILDERS = {"finance_bureau": overseer, "fund_manager": overseer, "lender": lender, "guarantor": guarantor,
            "industry_department": department}


@principal_required
def dashboard(request):
    p = request.principal
    if "on" in request.GET:
        try:
            on = parse_day(request.GET["on"])
        except BadDay as e:
            return bad_request(request, _("日期格式应为 YYYY-MM-DD。") + f" ({e})")
    else:
        on = default_day()
    context = {"on": on, "role": p.role, "template": f"web/dashboard/{TEMPLATES[p.role]}.html",
               "previous_month_end": dt.date(on.year, on.month, 1) - dt.timedelta(days=1)}
    context.update(BUILDERS[p.role](p, on))
    return render(request, "web/dashboard.html", context)


urlpatterns = [path("", dashboard, name="dashboard")]
