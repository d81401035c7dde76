"""Pages: the whitelist (白名单 / 名录库) — its entries per program, an entry's steps with who did them, when and
under which article, its recommendation form (推荐表), the next step and a form for the role that does it;
and the first step for a firm (推荐 / 申请), registering the firm first if it is unknown.

The steps, their roles and the recommendation form are the program's policy file (``whitelist``); who may do a
step (and four eyes) is the dispatcher's (``riskpool.accounts.authorize``)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from riskpool import inputs
from riskpool.accounts.authorize import STEP_ROLES
from riskpool.commands import IdempotencyConflict
from riskpool.identity import IdentityError, check_resident_id, check_uscc
from riskpool.policy.schema import ParameterNotInForce
from riskpool.registry.commands import (
    NATURAL_PERSON_KINDS,
    RegisterBorrower,
    RegistryError,
    WhitelistStepCommand,
)
from riskpool.registry.models import Borrower, WhitelistEntry
from riskpool.web import scope
from riskpool.web.forms_loans import BORROWER_KINDS, RecommendForm, WhitelistStepForm, recommendation_values, today
from riskpool.web.views.common import principal_required, run

PAGE_SIZE = 50
REFUSED = 422  # a domain refusal: the request was well formed, the rules say no

ACTOR_NAMES = {
    "borrower": "借款主体（由行业主管部门登记）", "industry_department": "行业主管部门",
    "county_department": "县（市）行业主管部门", "prefecture_department": "州（市）行业主管部门",
    "expert_panel": "评审专家库（由财政局登记）", "finance_bureau": "财政局", "fund_manager": "资金管理人",
    "lender": "合作银行", "guarantor": "担保/保险机构", "government": "人民政府（由财政局登记）",
}


# ----------------------------------------------------------------------------- the program's procedure

def _steps(policy: Any, on: dt.date) -> list[Any]:
    if policy.whitelist is None:
        return []
    try:
        return list(policy.param(policy.whitelist.steps, on))
    except ParameterNotInForce:
        return []


def _form_fields(policy: Any, on: dt.date) -> list[Any]:
    if policy.whitelist is None or policy.whitelist.form is None:
        return []
    try:
        return list(policy.param(policy.whitelist.form, on))
    except ParameterNotInForce:
        return []


def _next_step(entry: WhitelistEntry, steps: list[Any], done_in_cycle: int, on: dt.date) -> tuple[Any, str]:
    """(the next step's spec or None, why there is none / 'new_round' when it starts a new round)."""
    if not steps:
        return None, "no_procedure"
    if entry.status == WhitelistEntry.LISTED:
        return None, "listed"
    if entry.status in (WhitelistEntry.REJECTED, WhitelistEntry.REMOVED):
        if entry.barred_until is not None and on <= entry.barred_until:
            return None, "barred"
        return steps[0], "new_round"
    if done_in_cycle < len(steps):
        return steps[done_in_cycle], ""
    return None, "complete"


def _may_do(p: Any, spec: Any) -> bool:
    return spec is not None and p.role in STEP_ROLES.get(spec.actor, frozenset())


def _actor_name(actor: str) -> str:
    return gettext(ACTOR_NAMES.get(actor, actor))


# ----------------------------------------------------------------------------- the list

@principal_required
def whitelist_list(request: HttpRequest) -> HttpResponse:
    p = request.principal  # type: ignore[attr-defined]
    qs = scope.whitelist(p)
    programs = sorted({(c, n) for c, n in qs.values_list("program__code", "program__name").distinct()})
    program, status = request.GET.get("program", ""), request.GET.get("status", "")
    if program:
        qs = qs.filter(program__code=program)
    if status in dict(WhitelistEntry.STATUSES):
        qs = qs.filter(status=status)
    else:
        status = ""
    qs = qs.order_by("program__code", "borrower__code").prefetch_related("steps")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    on = today()
    policies: dict[str, Any] = {}
    rows = []
    for entry in page.object_list:
        policy = policies.setdefault(entry.program.code, entry.program.policy)
        steps = _steps(policy, on)
        done = sum(1 for s in entry.steps.all() if s.cycle == entry.cycle)
        spec, _why = _next_step(entry, steps, done, on)
        rows.append({"entry": entry, "next": spec, "next_actor": _actor_name(spec.actor) if spec else "",
                     "mine": _may_do(p, spec)})
    query = urlencode([(k, v) for k, v in (("program", program), ("status", status)) if v])
    return render(request, "web/whitelist/list.html", {
        "page": page, "rows": rows, "programs": programs, "statuses": WhitelistEntry.STATUSES,
        "program": program, "status": status, "query": query, "can_recommend": bool(_first_step_programs(p))})


# ----------------------------------------------------------------------------- an entry

def _entry_page(request: HttpRequest, entry: WhitelistEntry, *, form: WhitelistStepForm | None = None,
                error: str = "", status: int = 200) -> HttpResponse:
    p = request.principal  # type: ignore[attr-defined]
    on = today()
    policy = entry.program.policy
    steps = _steps(policy, on)
    specs = {s.code: s for s in steps}
    recorded = list(entry.steps.all().order_by("id"))
    done = sum(1 for s in recorded if s.cycle == entry.cycle)
    spec, why = _next_step(entry, steps, done, on)
    fields = _form_fields(policy, on)
    labels = {f.code: f.label for f in fields}
    form_rows = []
    for code, value in (entry.form or {}).items():
        shown = {True: gettext("是"), False: gettext("否")}.get(value, value) if isinstance(value, bool) else value
        form_rows.append((labels.get(code, code), shown))
    history = [{"step": s, "spec": specs.get(s.step)} for s in recorded]
    may_do = _may_do(p, spec)
    recommendation = fields if spec is not None and steps and spec.code == steps[0].code else []
    if may_do and form is None:
        form = WhitelistStepForm(initial={"step": spec.code}, recommendation=recommendation,
                                 recommendation_initial=entry.form or {})
    return render(request, "web/whitelist/entry.html", {
        "entry": entry, "steps": steps, "history": history, "form_rows": form_rows,
        "kind": dict(BORROWER_KINDS).get(entry.borrower.kind, entry.borrower.kind),
        "form_title": policy.whitelist.form.description if policy.whitelist and policy.whitelist.form else "",
        "form_article": policy.whitelist.form.article if policy.whitelist and policy.whitelist.form else "",
        "next": spec, "why": why, "next_actor": _actor_name(spec.actor) if spec else "", "may_do": may_do,
        "form": form if may_do else None, "error": error,
    }, status=status)


def _entry(request: HttpRequest, program: str, borrower: str) -> WhitelistEntry:
    return scope.get_or_404(scope.whitelist(request.principal), program__code=program,  # type: ignore[attr-defined]
                            borrower__code=borrower)


@principal_required
def whitelist_entry(request: HttpRequest, program: str, borrower: str) -> HttpResponse:
    return _entry_page(request, _entry(request, program, borrower))


def _refusal(e: Exception) -> str:
    """A refusal's text for the page; four eyes (四眼原则) in words."""
    text = str(e)
    if "four eyes" in text:
        return gettext("四眼原则：同一用户不能连续办理本条目的两个步骤，也不能审核自己提交的申请；请由本机构另一名用户办理。") \
            + f"（{text}）"
    return text


@require_POST
@principal_required
def whitelist_step(request: HttpRequest, program: str, borrower: str) -> HttpResponse:
    """The next step of an entry: approve or reject with a note (the role the step needs; four eyes)."""
    entry = _entry(request, program, borrower)
    policy = entry.program.policy
    steps = _steps(policy, today())
    first = bool(steps) and request.POST.get("step") == steps[0].code
    recommendation = _form_fields(policy, today()) if first else []
    form = WhitelistStepForm(request.POST, recommendation=recommendation)
    if not form.is_valid():
        return _entry_page(request, entry, form=form, status=400)
    values = recommendation_values(form, recommendation) if recommendation else None
    approved = form.approved(request.POST)
    if not approved and not (form.cleaned_data.get("note") or "").strip():
        form.add_error("note", gettext("不同意时请填写意见。"))
    if form.errors:
        return _entry_page(request, entry, form=form, status=400)
    try:
        command = WhitelistStepCommand.build(on=form.cleaned_data["on"], program=entry.program.code,
                                             borrower=entry.borrower.code, step=form.cleaned_data["step"],
                                             approved=approved, note=form.cleaned_data.get("note") or "",
                                             form=values or None)
    except inputs.InputError as e:
        form.put_input_error(e)
        return _entry_page(request, entry, form=form, status=400)
    try:
        run(request, command, key=form.idempotency_key)
    except PermissionDenied as e:
        return _entry_page(request, entry, form=form, error=_refusal(e), status=403)
    except RegistryError as e:
        return _entry_page(request, entry, form=form, error=str(e), status=REFUSED)
    except IdempotencyConflict:
        return _entry_page(request, entry, error=gettext("此表单已提交过其他内容，请核对后重新提交。"), status=409)
    messages.success(request, gettext("已办理：%(step)s") % {"step": command.step} if approved
                     else gettext("已退回：%(step)s") % {"step": command.step})
    return redirect("web:whitelist_entry", program=entry.program.code, borrower=entry.borrower.code)


# ----------------------------------------------------------------------------- a firm's first step

def _first_step_programs(p: Any) -> list[tuple[Any, Any, Any]]:
    """(program, policy, first step) of every program whose first whitelist step this principal's role does."""
    from riskpool.programs.models import Program

    out = []
    on = today()
    for program in Program.objects.order_by("code"):
        policy = program.policy
        steps = _steps(policy, on)
        if steps and _may_do(p, steps[0]):
            out.append((program, policy, steps[0]))
    return out


def _normalised_code(code: str, kind: str) -> str:
    code = code.strip()
    return check_resident_id(code) if kind in NATURAL_PERSON_KINDS else check_uscc(code)


@require_http_methods(["GET", "POST"])
@principal_required
def whitelist_new(request: HttpRequest) -> HttpResponse:
    p = request.principal  # type: ignore[attr-defined]
    choices = _first_step_programs(p)
    if not choices:
        raise PermissionDenied(gettext("您的角色不办理任何项目白名单的第一步。"))
    by_code = {program.code: (program, policy, step) for program, policy, step in choices}
    code = (request.POST if request.method == "POST" else request.GET).get("program") or choices[0][0].code
    if code not in by_code:
        raise Http404("no such program")
    program, policy, first = by_code[code]
    fields = _form_fields(policy, today())
    ctx: dict[str, Any] = {"choices": [c[0] for c in choices], "program": program, "first": first,
                           "first_actor": _actor_name(first.actor),
                           "form_title": policy.whitelist.form.description if policy.whitelist.form else "",
                           "form_article": policy.whitelist.form.article if policy.whitelist.form else ""}
    if request.method == "GET":
        ctx["form"] = RecommendForm(initial={"program": code}, recommendation=fields)
        return render(request, "web/whitelist/new.html", ctx)
    form = RecommendForm(request.POST, recommendation=fields)
    ctx["form"] = form
    if not form.is_valid():
        return render(request, "web/whitelist/new.html", ctx, status=400)
    values = recommendation_values(form, fields) if fields else None
    d = dict(form.cleaned_data)  # add_error below drops a field from form.cleaned_data
    borrower_code = d["borrower"].strip()
    known = Borrower.objects.filter(code=borrower_code).first()
    if known is None:  # a code already registered is taken as it is (it was checked when it was registered)
        try:
            borrower_code = _normalised_code(borrower_code, d["kind"])
            known = Borrower.objects.filter(code=borrower_code).first()
        except IdentityError as e:
            form.add_error("borrower", gettext("证件号码无效：%(error)s") % {"error": e})
    if known is None and not (d.get("name") or "").strip():
        form.add_error("name", gettext("该借款主体尚未登记：请填写名称（及准入事实），将先行登记。"))
    if form.errors:
        return render(request, "web/whitelist/new.html", ctx, status=400)
    try:
        commands = []
        if known is None:
            commands.append((RegisterBorrower.build(on=d["on"], code=borrower_code, name=d["name"].strip(),
                                                    kind=d["kind"], facts=d.get("facts") or {}), "register"))
        commands.append((WhitelistStepCommand.build(on=d["on"], program=program.code, borrower=borrower_code,
                                                    step=first.code, approved=True, note=d.get("note") or "",
                                                    form=values or None), "step"))
    except inputs.InputError as e:
        form.put_input_error(e)
        return render(request, "web/whitelist/new.html", ctx, status=400)
    try:
        with transaction.atomic():  # the registration stands only with the step it was made for
            for command, suffix in commands:
                run(request, command, key=f"{form.idempotency_key}:{suffix}")
    except PermissionDenied as e:
        ctx["error"] = _refusal(e)
        return render(request, "web/whitelist/new.html", ctx, status=403)
    except RegistryError as e:
        ctx["error"] = str(e)
        return render(request, "web/whitelist/new.html", ctx, status=REFUSED)
    except IdempotencyConflict:
        ctx["error"] = gettext("此表单已提交过其他内容，请核对后重新提交。")
        ctx["form"] = RecommendForm(initial={"program": code}, recommendation=fields)
        return render(request, "web/whitelist/new.html", ctx, status=409)
    messages.success(request, gettext("已办理：%(step)s") % {"step": first.code})
    return redirect(reverse("web:whitelist_entry", kwargs={"program": program.code, "borrower": borrower_code}))


urlpatterns = [
    path("", whitelist_list, name="whitelist"),
    path("new/", whitelist_new, name="whitelist_new"),
    path("step/<slug:program>/<path:borrower>", whitelist_step, name="whitelist_step"),
    path("<slug:program>/<path:borrower>/", whitelist_entry, name="whitelist_entry"),
]
