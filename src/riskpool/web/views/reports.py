"""Pages: reports (报表), for the finance bureau and the fund manager (others: 403).

``reports`` lists the reports, each with its form; ``report`` (the kind in the URL) shows one as HTML tables and,
with ``?format=csv`` or ``?format=xlsx``, downloads it — the same report functions
(``riskpool.reports.services``) and writers (``riskpool.reports.export``) the command line uses
(``riskpool report ...``, ``riskpool.reports.commands``). CSV holds one sheet (``?sheet=NAME``, the first by
default) in UTF-8 with a byte-order mark; XLSX holds them all.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from riskpool.web import scope
from riskpool.web.views.common import roles
from riskpool.web.views.dashboard import BadDay, default_day, parse_day

OVERSEERS = ("finance_bureau", "fund_manager")
FORMATS = ("html", "csv", "xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Report:
    kind: str
    title: Any  # lazy translation
    article: str
    fields: tuple[str, ...]
    build: Callable[[dict[str, Any]], Any]
    subject: Callable[[dict[str, Any]], str]  # for the file name


def _position(a):
    from riskpool.reports import services
    return services.fund_position(a["fund"], a["on"])


def _performance(a):
    from riskpool.reports import services
    return services.lender_performance(a["program"], a["on"])


def _bad_loans(a):
    from riskpool.reports import services
    return services.bad_loan_register(a["program"], a["on"])


def _quarterly(a):
    from riskpool.reports import services
    return services.quarterly_report(a["fund"], a["year"], a["quarter"])


def _lender_return(a):
    from riskpool.reports import services
    return services.lender_return(a["program"], a["lender"], a["start"], a["end"])


def _usage(a):
    from riskpool.reports import services
    return services.usage_register(a["fund"], a["start"], a["end"])


REPORTS: dict[str, Report] = {r.kind: r for r in (
    Report("position", gettext_lazy("资金状况表"), "克州 第二十三条（六）", ("fund", "on"), _position,
           lambda a: f"{a['fund'].code}-{a['on']}"),
    Report("performance", gettext_lazy("合作机构履约情况"), "克州 第二十五条（二）· 昆山 第二十三条",
           ("program", "on"), _performance, lambda a: f"{a['program'].code}-{a['on']}"),
    Report("bad-loans", gettext_lazy("不良授信台账"), "昆山 第二十二条", ("program", "on"), _bad_loans,
           lambda a: f"{a['program'].code}-{a['on']}"),
    Report("quarterly", gettext_lazy("季度报告"), "克州 第二十三条（六）", ("fund", "year", "quarter"), _quarterly,
           lambda a: f"{a['fund'].code}-{a['year']}-Q{a['quarter']}"),
    Report("lender-return", gettext_lazy("合作机构报表"), "克州 第二十三条（四）（七）", ("program", "lender", "period"),
           _lender_return, lambda a: f"{a['program'].code}-{a['lender'].code}-{a['period']}"),
    Report("usage", gettext_lazy("资金使用情况台账"), "平罗 第十九条", ("fund", "start", "end"), _usage,
           lambda a: f"{a['fund'].code}-{a['start']}-{a['end']}"),
)}

FIELD_LABELS = {"fund": gettext_lazy("资金"), "program": gettext_lazy("产品/办法"),
                "lender": gettext_lazy("合作机构"), "on": gettext_lazy("日期"), "year": gettext_lazy("年度"),
                "quarter": gettext_lazy("季度"), "period": gettext_lazy("月份或季度"),
                "start": gettext_lazy("起始日"), "end": gettext_lazy("截止日")}

SHEET_TITLES = {"position": gettext_lazy("资金状况"), "capacity": gettext_lazy("放大倍数与剩余额度"),
                "contributors": gettext_lazy("出资方"), "summary": gettext_lazy("汇总"),
                "filed": gettext_lazy("本期入池贷款"), "arrears": gettext_lazy("逾期贷款"),
                "recoveries": gettext_lazy("追偿"), "quarter": gettext_lazy("本季情况"),
                "programs": gettext_lazy("各产品/办法"), "lenders": gettext_lazy("合作机构"),
                "program": gettext_lazy("整体"), "reasons": gettext_lazy("判断依据"), "claims": gettext_lazy("代偿"),
                "totals": gettext_lazy("合计"), "usage": gettext_lazy("资金使用")}


# headers the report modules leave unlabelled (export.LABELS and POSITION_LABELS have the rest)
COLUMN_LABELS = {
    "item": gettext_lazy("项目"), "label": gettext_lazy("名称"), "value": gettext_lazy("数值"),
    "note": gettext_lazy("说明"), "opening": gettext_lazy("期初"), "closing": gettext_lazy("期末"),
    "loans": gettext_lazy("在池笔数"), "npl_ratio": gettext_lazy("不良率"),
    "year_start": gettext_lazy("年初"), "year_compensation": gettext_lazy("本年代偿"),
    "year_financing": gettext_lazy("本年融资"), "year_compensation_ratio": gettext_lazy("本年代偿率"),
    "cumulative_compensation": gettext_lazy("累计代偿"), "cumulative_released": gettext_lazy("累计解除担保"),
    "compensation_rate": gettext_lazy("担保代偿率"), "outcome": gettext_lazy("结论"),
    "action": gettext_lazy("措施"), "reasons": gettext_lazy("依据"), "code": gettext_lazy("代码"),
    "article": gettext_lazy("条款"), "message": gettext_lazy("说明"), "blocking": gettext_lazy("构成阻断"),
    "leverage": gettext_lazy("放大倍数"), "leverage_base": gettext_lazy("放大基数"),
    "base_amount": gettext_lazy("基数金额"), "capacity": gettext_lazy("额度"),
    "program_outstanding": gettext_lazy("本产品在保余额"), "covered_outstanding": gettext_lazy("在保余额（全部产品）"),
    "remaining": gettext_lazy("剩余额度"),
}


# ============================================================================ reading the form

_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_QUARTER = re.compile(r"(\d{4})-?[Qq]([1-4])")


def _choices(p) -> dict[str, list[tuple[str, str]]]:
    from riskpool.programs.models import Program
    from riskpool.registry.models import Institution

    return {
        "fund": [(f.code, f"{f.name} ({f.code})") for f in scope.funds(p).order_by("code")],
        "program": [(x.code, f"{x.name} ({x.code})") for x in Program.objects.order_by("code")],
        "lender": [(i.code, f"{i.name} ({i.code})")
                   for i in Institution.objects.filter(kind=Institution.LENDER).order_by("code")],
        "quarter": [(str(q), f"Q{q}") for q in range(1, 5)],
    }


def parse(p, report: Report, data) -> tuple[dict[str, Any], dict[str, str]]:
    """The report's arguments from the query, and the errors by field (empty: all good)."""
    from riskpool.loans.models import Loan
    from riskpool.programs.models import Program
    from riskpool.registry.models import Agreement, Institution

    args: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in report.fields:
        text = (data.get(name) or "").strip()
        if not text:
            errors[name] = _("必填。")
            continue
        if name == "fund":
            fund = scope.funds(p).filter(code=text).first()
            if fund is None:
                errors[name] = _("没有这个资金：") + text
            args[name] = fund
        elif name == "program":
            program = Program.objects.filter(code=text).first()
            if program is None:
                errors[name] = _("没有这个产品/办法：") + text
            args[name] = program
        elif name == "lender":
            lender = Institution.objects.filter(code=text, kind=Institution.LENDER).first()
            if lender is None:
                errors[name] = _("没有这个合作机构：") + text
            args[name] = lender
        elif name in ("on", "start", "end"):
            try:
                args[name] = parse_day(text, name)
            except BadDay:
                errors[name] = _("日期格式应为 YYYY-MM-DD。") + f" ({text})"
        elif name == "year":
            if not re.fullmatch(r"\d{4}", text) or not 1900 <= int(text) <= 2200:
                errors[name] = _("年度应为 1900–2200 之间的四位数。")
            else:
                args[name] = int(text)
        elif name == "quarter":
            if text not in ("1", "2", "3", "4"):
                errors[name] = _("季度应为 1–4。")
            else:
                args[name] = int(text)
        elif name == "period":
            m, q = _MONTH.fullmatch(text), _QUARTER.fullmatch(text)
            from riskpool.reports.common import month_bounds, quarter_bounds

            if q:
                args["start"], args["end"] = quarter_bounds(int(q.group(1)), int(q.group(2)))
                args[name] = f"{q.group(1)}-Q{q.group(2)}"
            elif m and 1 <= int(m.group(2)) <= 12:
                args["start"], args["end"] = month_bounds(int(m.group(1)), int(m.group(2)))
                args[name] = f"{m.group(1)}-{int(m.group(2)):02d}"
            else:
                errors[name] = _("应为月份 YYYY-MM 或季度 YYYY-Qn。") + f" ({text})"
    if "start" in report.fields and "start" in args and "end" in args and args["end"] < args["start"]:
        errors["end"] = _("截止日早于起始日。")
    if not errors and "lender" in report.fields:
        lender, program = args["lender"], args["program"]
        if not (Agreement.objects.filter(institution=lender, program=program).exists()
                or Loan.objects.filter(lender=lender, program=program).exists()):
            errors["lender"] = _("该合作机构在此产品/办法中没有合作协议，也没有贷款。")
    return args, errors


# ============================================================================ rendering

def _cell(value: Any, column: str) -> dict[str, Any]:
    from riskpool.reports import export

    if isinstance(value, bool):
        return {"text": _("是") if value else _("否"), "num": False}
    if isinstance(value, Decimal) and not column.endswith(("ratio", "rate")) and value.as_tuple().exponent == -2:
        return {"text": f"{value:,.2f}", "num": True}
    return {"text": export.text_value(value, column),
            "num": isinstance(value, (int, Decimal)) and not isinstance(value, bool)}


def sheet_tables(sheets: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    from riskpool.reports import export
    from riskpool.reports.services import POSITION_LABELS

    tables = []
    for name, rows in sheets.items():
        cols = export.columns(rows)
        tables.append({
            "name": name, "title": SHEET_TITLES.get(name, name),
            "columns": [{"key": c, "label": POSITION_LABELS.get(c) or export.LABELS.get(c) or COLUMN_LABELS.get(c) or c} for c in cols],
            "rows": [[_cell(row.get(c), c) for c in cols] for row in rows],
        })
    return tables


def _forms(p, data=None, errors=None, only: str | None = None) -> list[dict[str, Any]]:
    choices = _choices(p)
    today = default_day()
    defaults = {"on": today.isoformat(), "start": today.replace(day=1).isoformat(), "end": today.isoformat(),
                "year": str(today.year), "quarter": str((today.month - 1) // 3 + 1),
                "period": f"{today.year}-{today.month:02d}"}
    forms = []
    for report in REPORTS.values():
        if only and report.kind != only:
            continue
        fields = []
        for name in report.fields:
            value = (data.get(name, "") if data is not None else defaults.get(name, ""))
            fields.append({"name": name, "label": FIELD_LABELS[name], "value": value,
                           "choices": choices.get(name), "error": (errors or {}).get(name, ""),
                           "type": "date" if name in ("on", "start", "end") else "text"})
        forms.append({"kind": report.kind, "title": report.title, "article": report.article, "fields": fields})
    return forms


@roles(*OVERSEERS)
def report_list(request):
    return render(request, "web/reports/list.html", {"forms": _forms(request.principal)})


def _download(report: Report, args: dict[str, Any], sheets: dict[str, list], fmt: str, sheet: str | None):
    from riskpool.reports import export

    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{report.kind}-{report.subject(args)}")
    if fmt == "xlsx":
        buffer = io.BytesIO()
        export.to_xlsx(sheets, buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{stem}.xlsx"'
        return response
    name = sheet or next(iter(sheets))
    text = "\ufeff" + export.csv_text(sheets[name])
    response = HttpResponse(text.encode("utf-8"), content_type="text/csv; charset=utf-8")
    suffix = "" if name == next(iter(sheets)) else f"-{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}"
    response["Content-Disposition"] = f'attachment; filename="{stem}{suffix}.csv"'
    return response


@roles(*OVERSEERS)
def report_view(request, kind: str):
    from riskpool.reports import ReportError, export

    report = REPORTS.get(kind)
    if report is None:
        raise Http404("no such report")
    p = request.principal
    fmt = request.GET.get("format", "html")
    page = {"report": report, "kind": kind}
    if not any(name in request.GET for name in report.fields):
        return render(request, "web/reports/report.html", {**page, "forms": _forms(p, only=kind)})
    args, errors = parse(p, report, request.GET)
    if fmt not in FORMATS:
        errors["format"] = _("格式应为 csv 或 xlsx。")
    if errors:
        return render(request, "web/reports/report.html",
                      {**page, "forms": _forms(p, request.GET, errors, only=kind), "errors": errors}, status=400)
    try:
        sheets = export.flatten(report.build(args))
    except ReportError as e:
        return render(request, "web/reports/report.html",
                      {**page, "forms": _forms(p, request.GET, only=kind), "failure": str(e)}, status=400)
    sheet = request.GET.get("sheet") or None
    if sheet is not None and sheet not in sheets:
        return render(request, "web/reports/report.html",
                      {**page, "forms": _forms(p, request.GET, only=kind),
                       "failure": _("没有这个工作表：") + sheet}, status=400)
    if fmt != "html":
        return _download(report, args, sheets, fmt, sheet)
    query = request.GET.copy()
    query.pop("format", None)
    query.pop("sheet", None)
    return render(request, "web/reports/report.html", {
        **page, "forms": _forms(p, request.GET, only=kind), "tables": sheet_tables(sheets),
        "query": query.urlencode(), "subject": report.subject(args)})


urlpatterns = [
    path("", report_list, name="reports"),
    path("<slug:kind>/", report_view, name="report"),
]
