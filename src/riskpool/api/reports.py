"""Figures and reports (指标与报表), read-only: the institution's own figures, the funds' positions and the
lenders' performance — the same functions as the pages and ``riskpool report`` (``riskpool.figures``,
``riskpool.reports.services``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Optional

from django.db.models import Count, Q, Sum
from django.http import HttpRequest
from ninja import Query, Router

from riskpool.api import common
from riskpool.api.common import OVERSEERS, money, principal, ratio
from riskpool.api.problems import ApiProblem
from riskpool.api.responses import READ
from riskpool.api.schemas import FiguresOut, FundOut, FundPositionOut, PerformanceOut
from riskpool.policy.schema import ParameterNotInForce
from riskpool.reports import ReportError
from riskpool.web import scope

router = Router(tags=["指标与报表 Figures and reports"])

ON = Query(None, description="日期 YYYY-MM-DD（默认今天） / the date (default: today)",
           pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", example="2026-06-30")


def _computed(compute: Any) -> Any:
    """A figure or report; a date its program's parameters do not cover is bad input (422), not an error."""
    try:
        return compute()
    except (ParameterNotInForce, ReportError) as e:
        raise ApiProblem(422, "NOT_IN_FORCE", f"该日期无法计算 / cannot be computed for that date: {e}",
                         field="on") from None


# ----------------------------------------------------------------------------- own figures

def _lender_figures(p: Any, on: dt.date) -> list[dict[str, Any]]:
    from riskpool.figures.lenders import lender_figures
    from riskpool.programs.models import Program
    from riskpool.registry.models import Institution

    lender = Institution.objects.get(pk=p.institution_id)
    programs = Program.objects.filter(agreements__institution_id=p.institution_id,
                                      agreements__role="lender").distinct().order_by("code")
    out = []
    for program in programs:
        f = _computed(lambda: lender_figures(program, lender, on))
        out.append({"program": program.code, "on": on, "outstanding": money(f.outstanding),
                    "npl_outstanding": money(f.npl_outstanding), "npl_ratio": ratio(f.npl_ratio),
                    "financing_this_year": money(f.financing_this_year),
                    "compensation_this_year": money(f.compensation_this_year),
                    "compensation_ratio": ratio(f.compensation_ratio), "compensated_total": money(f.compensated_total),
                    "released_total": money(f.released_total), "compensation_rate": ratio(f.compensation_rate),
                    "approved_unpaid": money(f.approved_unpaid)})
    return out


def _guarantor_figures(p: Any, on: dt.date) -> list[dict[str, Any]]:
    from riskpool.claims.models import Claim
    from riskpool.figures.lenders import exact_ratio, guarantor_compensation
    from riskpool.loans.models import Loan
    from riskpool.programs.models import Program
    from riskpool.registry.models import Institution

    guarantor = Institution.objects.get(pk=p.institution_id)
    programs = Program.objects.filter(Q(agreements__institution_id=p.institution_id, agreements__role="guarantor")
                                      | Q(loans__guarantor_id=p.institution_id)).distinct().order_by("code")
    zero = Decimal(0)
    out = []
    for program in programs:
        live = Loan.objects.filter(program=program, guarantor_id=p.institution_id,
                                   status__in=(Loan.FILED, Loan.CLAIMED), filed_on__lte=on)
        totals = live.aggregate(n=Count("pk"), outstanding=Sum("outstanding_principal"))
        arrears = live.filter(overdue_since__isnull=False).aggregate(n=Count("pk"), out=Sum("outstanding_principal"))
        claims = Claim.objects.filter(loan__program=program, loan__guarantor_id=p.institution_id, submitted_on__lte=on)
        paid = claims.filter(status=Claim.PAID).aggregate(n=Count("pk"), share=Sum("guarantor_share"),
                                                          fund=Sum("paid_amount"))
        comp, fin = _computed(lambda: guarantor_compensation(program, guarantor, on, "calendar_year"))
        out.append({"program": program.code, "on": on, "loans": totals["n"],
                    "outstanding": money(totals["outstanding"] or zero), "in_arrears": arrears["n"],
                    "in_arrears_outstanding": money(arrears["out"] or zero), "claims": claims.count(),
                    "claims_paid": paid["n"], "guarantor_share": money(paid["share"] or zero),
                    "fund_paid": money(paid["fund"] or zero), "financing_this_year": money(fin),
                    "compensation_this_year": money(comp), "compensation_ratio": ratio(exact_ratio(comp, fin))})
    return out


@router.get("/figures", response={200: FiguresOut, **READ}, summary="本机构指标 / Own figures",
            operation_id="own_figures")
def figures(request: HttpRequest, on: Optional[str] = ON):
    """本机构自己的指标：合作银行为每个项目的在池余额、不良率、代偿率等；担保机构为所担保贷款及代偿分担。

    The institution's own figures at the end of ``on``: for a lender, per program it has an agreement in,
    outstanding, NPL ratio, compensation ratio and rate (``riskpool.figures.lenders.lender_figures``); for a
    guarantor, the loans it guarantees and its shares of paid claims. Other roles get empty lists (the bureau
    and the fund manager read ``/funds`` and ``/reports/performance``)."""
    p = principal(request)
    day = common.parse_day(on)
    body: dict[str, Any] = {"institution": p.institution, "role": p.role, "on": day, "lender": [], "guarantor": []}
    if p.role == "lender":
        body["lender"] = _lender_figures(p, day)
    elif p.role == "guarantor":
        body["guarantor"] = _guarantor_figures(p, day)
    return FiguresOut(**body)


# ----------------------------------------------------------------------------- funds (bureau and manager)

@router.get("/funds", response={200: list[FundOut], **READ}, summary="资金 / Funds", operation_id="list_funds")
def funds(request: HttpRequest):
    """风险补偿资金列表（财政局、资金管理人）。The funds (the finance bureau and the fund manager only)."""
    p = principal(request)
    common.require_role(p, OVERSEERS, "funds")
    return [FundOut(code=f.code, name=f.name, programs=sorted(f.programs.values_list("code", flat=True)))
            for f in scope.funds(p).order_by("code")]


@router.get("/funds/{code}/position", response={200: FundPositionOut, **READ},
            summary="资金状况 / A fund's position", operation_id="fund_position")
def fund_position(request: HttpRequest, code: str, on: Optional[str] = ON):
    """资金状况表（克州 第二十三条（六）；放大倍数）。A fund's position at the end of ``on`` (fund_position)."""
    from riskpool.reports.services import fund_position as position

    p = principal(request)
    common.require_role(p, OVERSEERS, "funds")
    fund = scope.get_or_404(scope.funds(p).select_related("book"), code=code)
    day = common.parse_day(on)
    f = _computed(lambda: position(fund, day))
    amounts = ("capital", "income_interest", "income_coupons", "income", "cash", "deposits", "bonds", "money_held",
               "receivable", "outstanding_covered", "compensation_payable", "management_fee_payable", "compensated",
               "recovered", "written_off", "net_loss", "management_fee", "net_assets")
    return FundPositionOut(
        fund=f.fund, fund_name=f.fund_name, on=f.on, covered_loans=f.covered_loans,
        **{a: money(getattr(f, a)) for a in amounts},
        programs=[{"program": c.program, "leverage": ratio(c.leverage), "leverage_base": c.leverage_base,
                   "base_amount": money(c.base_amount), "capacity": money(c.capacity),
                   "program_outstanding": money(c.program_outstanding),
                   "covered_outstanding": money(c.covered_outstanding), "remaining": money(c.remaining),
                   "article": c.article, "note": c.note} for c in f.programs],
        contributors=common.jsonable(list(f.contributors)))


# ----------------------------------------------------------------------------- reports (bureau and manager)

@router.get("/reports/performance", response={200: PerformanceOut, **READ},
            summary="合作机构履约情况 / Lender performance", operation_id="lender_performance")
def performance(request: HttpRequest,
                program: str = Query(..., min_length=1, max_length=60, description="项目代码 / the program"),
                on: Optional[str] = ON):
    """每家合作银行的不良率、本年代偿率、担保代偿率、合作状态及规则结论（克州 第二十五条（二），昆山 第二十三条）。

    Per lender: NPL ratio, this year's compensation ratio, compensation rate, agreement status and the rule's
    verdict; then the program-wide line (lender_performance). The bureau and the fund manager only."""
    from riskpool.programs.models import Program
    from riskpool.reports.services import lender_performance

    p = principal(request)
    common.require_role(p, OVERSEERS, "reports")
    found = scope.get_or_404(Program.objects.all(), code=program)
    day = common.parse_day(on)
    r = _computed(lambda: lender_performance(found, day))
    return PerformanceOut(
        program=r.program, on=r.on, year_start=r.year_start, year_compensation=money(r.year_compensation),
        year_financing=money(r.year_financing), year_compensation_ratio=ratio(r.year_compensation_ratio),
        program_verdict=common.decision(r.program_verdict),
        lenders=[{"lender": x.lender, "lender_name": x.lender_name, "agreement_status": x.agreement_status,
                  "loans": x.loans, "outstanding": money(x.outstanding), "npl_outstanding": money(x.npl_outstanding),
                  "npl_ratio": ratio(x.npl_ratio), "year_compensation": money(x.year_compensation),
                  "year_financing": money(x.year_financing),
                  "year_compensation_ratio": ratio(x.year_compensation_ratio),
                  "cumulative_compensation": money(x.cumulative_compensation),
                  "cumulative_released": money(x.cumulative_released),
                  "compensation_rate": ratio(x.compensation_rate), "verdict": common.decision(x.verdict)}
                 for x in r.lenders])
