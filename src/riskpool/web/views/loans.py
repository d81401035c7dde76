"""Pages: loans (贷款) — the list, a loan's page, filing (入池备案) with a dry-run check of the filing rule,
and the lender's acts on its loan (repayment, arrears, cure, extension, notices).

Reads go through ``riskpool.web.scope`` (another institution's loan is 404); changes are commands run by
``run`` (the dispatcher, with the logged-in principal)."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from riskpool import inputs
from riskpool.commands import IdempotencyConflict
from riskpool.loans.commands import CompleteNotice, Extend, FileLoan, LoanError, Repay, ReportArrears, ReportCure
from riskpool.loans.models import Loan
from riskpool.money import fen
from riskpool.rules.sanctions import risk_class
from riskpool.web import scope
from riskpool.web.forms_loans import (
    ArrearsForm,
    CureForm,
    ExtendForm,
    LoanFileForm,
    NoticeDoneForm,
    RepayForm,
    today,
)
from riskpool.web.views.common import roles, run

LOAN_ROLES = ("finance_bureau", "fund_manager", "lender", "guarantor")
PAGE_SIZE = 50
# a domain refusal (the rule or the state says no): the request was well formed, but not processable
REFUSED = 422


def money(value: Decimal | None) -> str:
    """Thousands separators and two decimals (1,234,567.80); blank for none."""
    return "" if value is None else f"{fen(Decimal(value)):,.2f}"


def rate(value: Decimal | None) -> str:
    return "" if value is None else f"{(Decimal(value) * 100).normalize():f}%"


class _Rollback(Exception):
    """Ends the dry run of a filing: everything it wrote is rolled back."""


def _reasons(decision: Any) -> list[dict[str, Any]]:
    """A decision's reasons as dicts (code, article, message, blocking), from a Decision or its stored dict."""
    if decision is None:
        return []
    if hasattr(decision, "reasons") and not isinstance(decision, dict):
        return [r.as_dict() for r in decision.reasons]
    return list((decision or {}).get("reasons") or [])


# ----------------------------------------------------------------------------- the list

@roles(*LOAN_ROLES)
def loan_list(request: HttpRequest) -> HttpResponse:
    p = request.principal  # type: ignore[attr-defined]
    qs = scope.loans(p)
    programs = sorted({(c, n) for c, n in qs.values_list("program__code", "program__name").distinct()})
    program, status = request.GET.get("program", ""), request.GET.get("status", "")
    if program:
        qs = qs.filter(program__code=program)
    if status in dict(Loan.STATUSES):
        qs = qs.filter(status=status)
    else:
        status = ""
    page = Paginator(qs.order_by("-filed_on", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    on = today()
    rows = [{"loan": loan, "amount": money(loan.amount), "outstanding": money(loan.outstanding_principal),
             "days_past_due": loan.days_past_due(on)} for loan in page.object_list]
    query = urlencode([(k, v) for k, v in (("program", program), ("status", status)) if v])
    return render(request, "web/loans/list.html", {
        "page": page, "rows": rows, "programs": programs, "statuses": Loan.STATUSES, "program": program,
        "status": status, "query": query, "can_file": p.role == "lender"})


# ----------------------------------------------------------------------------- a loan's page

ACTIONS = {
    "repay": (RepayForm, Repay),
    "arrears": (ArrearsForm, ReportArrears),
    "extend": (ExtendForm, Extend),
    "cure": (CureForm, ReportCure),
    "notice": (NoticeDoneForm, CompleteNotice),
}


def _detail(request: HttpRequest, loan: Loan, *, bound: tuple[str, Any] | None = None, error: str = "",
            status: int = 200) -> HttpResponse:
    p = request.principal  # type: ignore[attr-defined]
    on = today()
    is_lender = p.role == "lender" and loan.lender_id == p.institution_id
    forms = {}
    if is_lender:
        forms = {name: cls() for name, (cls, _command) in ACTIONS.items() if name != "notice"}
        if bound is not None:
            forms[bound[0]] = bound[1]
    notices = []
    for n in loan.notices.all():
        notice_form = None
        if is_lender and n.done_on is None:
            notice_form = bound[1] if bound and bound[0] == "notice" and bound[1].data.get("kind") == n.kind \
                else NoticeDoneForm(initial={"kind": n.kind}, auto_id=f"id_notice_{n.pk}_%s")
        notices.append({"notice": n, "overdue": n.overdue(on), "form": notice_form})
    decision = loan.filing_decision or {}
    facts = [
        (gettext("贷款合同编号"), loan.code),
        (gettext("风险补偿项目"), f"{loan.program.name}（{loan.program.code}）"),
        (gettext("政策版本"), f"v{loan.program_version.number}" if loan.program_version else ""),
        (gettext("合作银行"), f"{loan.lender.name}（{loan.lender.code}）"),
        (gettext("担保/保险机构"), f"{loan.guarantor.name}（{loan.guarantor.code}）" if loan.guarantor else
         gettext("（无担保）")),
        (gettext("借款主体"), f"{loan.borrower.name}（{loan.borrower.code}）"),
        (gettext("贷款金额（元）"), money(loan.amount)),
        (gettext("贷款余额（元）"), money(loan.outstanding_principal)),
        (gettext("欠息（元）"), money(loan.unpaid_interest)),
        (gettext("授信敞口（元）"), money(loan.exposure)),
        (gettext("放款日期"), loan.issue_date.isoformat()),
        (gettext("到期日期"), loan.maturity_date.isoformat()),
        (gettext("贷款期限（月）"), f"{loan.term_months}" + (
            gettext("（含展期 %(m)s 个月）") % {"m": loan.extended_months} if loan.extended_months else "")),
        (gettext("贷款年利率"), rate(loan.interest_rate)),
        (gettext("担保/保险费率"), rate(loan.guarantee_fee_rate)),
        (gettext("业务品种"), loan.product_type),
        (gettext("综合融资成本率"), rate(loan.all_in_cost_rate)),
        (gettext("担保函出具日期"), loan.guarantee_letter_date.isoformat() if loan.guarantee_letter_date else ""),
        (gettext("备案日期"), loan.filed_on.isoformat()),
        (gettext("状态"), loan.get_status_display()),
        (gettext("逾期起始日"), loan.overdue_since.isoformat() if loan.overdue_since else ""),
        (gettext("逾期天数"), str(loan.days_past_due(on))),
        (gettext("五级分类"), risk_class(loan.days_past_due(on)).name if loan.status in ("filed", "claimed") else ""),
        (gettext("解除担保日期"), loan.released_on.isoformat() if loan.released_on else ""),
    ]
    facts += [(k, str(v)) for k, v in (loan.facts or {}).items()]
    facts += [(gettext("代偿条件记录") + f"：{k}", str(v)) for k, v in (loan.claim_conditions or {}).items()]
    repayments = [{"on": r.on, "principal": money(r.principal), "interest": money(r.interest)}
                  for r in loan.repayments.all()]
    claims = list(scope.claims(p).filter(loan=loan).order_by("id"))
    return render(request, "web/loans/detail.html", {
        "loan": loan, "facts": facts, "decision": decision, "reasons": _reasons(decision),
        "repayments": repayments, "notices": notices, "claims": claims, "forms": forms, "is_lender": is_lender,
        "error": error, "error_form": bound[0] if bound else "",
    }, status=status)


@roles(*LOAN_ROLES)
def loan_detail(request: HttpRequest, code: str) -> HttpResponse:
    loan = scope.get_or_404(scope.loans(request.principal), code=code)  # type: ignore[attr-defined]
    return _detail(request, loan)


@require_POST
@roles("lender")
def loan_action(request: HttpRequest, code: str, action: str) -> HttpResponse:
    """Repayment, arrears, cure, extension, a notice given: the lender of the loan only (another lender: 404)."""
    if action not in ACTIONS:
        raise Http404("no such action")
    loan = scope.get_or_404(scope.loans(request.principal), code=code)  # type: ignore[attr-defined]
    form_class, command_class = ACTIONS[action]
    form = form_class(request.POST)
    if not form.is_valid():
        return _detail(request, loan, bound=(action, form), status=400)
    try:
        command = command_class.build(loan=loan.code, **form.command_fields())
    except inputs.InputError as e:
        form.put_input_error(e)
        return _detail(request, loan, bound=(action, form), status=400)
    try:
        run(request, command, key=form.idempotency_key)
    except LoanError as e:
        return _detail(request, loan, bound=(action, form), error=str(e), status=REFUSED)
    except IdempotencyConflict:
        return _detail(request, loan, bound=(action, form.__class__(initial={"kind": form.data.get("kind", "")})),
                       error=gettext("此表单已提交过其他内容，请核对后重新提交。"), status=409)
    messages.success(request, {
        "repay": gettext("已登记还款。"), "arrears": gettext("已报告逾期。"), "extend": gettext("已登记展期。"),
        "cure": gettext("已报告逾期结清。"), "notice": gettext("已登记通知完成。")}[action])
    return redirect("web:loan", code=loan.code)


# ----------------------------------------------------------------------------- filing

def _lender_choices(p: Any) -> tuple[list[Any], list[tuple[Any, list[str]]]]:
    """The programs the lender has an agreement in, and the guarantors with agreements in those programs."""
    from riskpool.programs.models import Program
    from riskpool.registry.models import Agreement, Institution

    programs = list(Program.objects.filter(agreements__institution_id=p.institution_id,
                                           agreements__role="lender").distinct().order_by("code"))
    rows = Agreement.objects.filter(program__in=programs, role=Institution.GUARANTOR).select_related(
        "institution", "program").order_by("institution__code")
    guarantors: dict[str, tuple[Any, list[str]]] = {}
    for a in rows:
        guarantors.setdefault(a.institution.code, (a.institution, []))[1].append(a.program.code)
    return programs, list(guarantors.values())


def _dry_run(request: HttpRequest, command: FileLoan) -> tuple[list[dict[str, Any]], bool, str]:
    """The filing rule on this loan, without writing: the command runs in a transaction rolled back at once.
    Returns (every reason — passed ones too —, approved, the refusal's message)."""
    from riskpool.loans.models import Loan as LoanModel

    reasons: list[dict[str, Any]] = []
    try:
        with transaction.atomic():
            run(request, command)
            filed = LoanModel.objects.filter(code=command.code).values_list("filing_decision", flat=True).first()
            reasons = _reasons(filed)
            raise _Rollback
    except _Rollback:
        return reasons, True, ""
    except LoanError as e:
        return _reasons(e.decision), False, str(e)


@require_http_methods(["GET", "POST"])
@roles("lender")
def loan_file(request: HttpRequest) -> HttpResponse:
    p = request.principal  # type: ignore[attr-defined]
    programs, guarantors = _lender_choices(p)
    ctx: dict[str, Any] = {"programs": programs}
    if request.method == "GET":
        form = LoanFileForm(programs=programs, guarantors=guarantors)
        return render(request, "web/loans/file.html", {**ctx, "form": form})
    form = LoanFileForm(request.POST, programs=programs, guarantors=guarantors)
    checking = "check" in request.POST
    ctx.update(form=form, checking=checking)
    if not form.is_valid():
        return render(request, "web/loans/file.html", ctx, status=400)
    try:
        command = FileLoan.build(**form.command_fields(p.institution))
    except inputs.InputError as e:
        form.put_input_error(e)
        return render(request, "web/loans/file.html", ctx, status=400)
    if checking:
        reasons, approved, message = _dry_run(request, command)
        ctx.update(checked=True, reasons=reasons, approved=approved, message=message)
        return render(request, "web/loans/file.html", ctx)
    try:
        run(request, command, key=form.idempotency_key)
    except LoanError as e:
        ctx.update(refused=True, reasons=_reasons(e.decision), message=str(e))
        return render(request, "web/loans/file.html", ctx, status=REFUSED)
    except IdempotencyConflict:
        data = request.POST.copy()
        data["key"] = LoanFileForm(programs=programs, guarantors=guarantors).initial["key"]
        ctx.update(form=LoanFileForm(data, programs=programs, guarantors=guarantors),
                   message=gettext("此表单已提交过其他内容，请核对后重新提交。"), refused=True, reasons=[])
        return render(request, "web/loans/file.html", ctx, status=409)
    messages.success(request, gettext("贷款 %(code)s 已备案。") % {"code": command.code})
    return redirect(reverse("web:loan", kwargs={"code": command.code}))


urlpatterns = [
    path("", loan_list, name="loans"),
    path("file/", loan_file, name="loan_file"),
    # a loan code is the lender's contract number: it may hold a slash, so it comes last
    path("act/<slug:action>/<path:code>", loan_action, name="loan_action"),
    path("<path:code>/", loan_detail, name="loan"),
]
