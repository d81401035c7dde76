"""Pages: compensation claims (代偿) — the list, one claim (the rules' decision with its reasons and articles,
the workflow with who did each step, when and by which due date, and the form of the step that falls to the
viewer), and the lender's submission with its documents.

Reads go through ``riskpool.web.scope`` (another institution's claim or loan is 404); every change is one
command run by the dispatcher under the logged-in principal, with an idempotency key generated when the form
was drawn (a double submit acts once). The dispatcher decides who may act: a refusal for the role is 403 and
a four-eyes refusal (四眼原则) is shown on the claim page with that status; the domain's refusals (ClaimError
with its decision's reasons, InputError naming the field) re-render the page with status 400 and change
nothing. Uploads are checked while they arrive (``riskpool.web.uploads``) and stored with the command's
transaction: a refused request leaves neither a claim nor a file.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from riskpool import inputs
from riskpool.accounts.authorize import STEP_ROLES, NotAllowed, NotFound
from riskpool.claims import commands as cc
from riskpool.claims.commands import ClaimError, workflow
from riskpool.claims.models import Claim, WriteOff
from riskpool.commands import IdempotencyConflict, dispatch
from riskpool.commands.dispatcher import CommandError
from riskpool.policy.schema import ParameterNotInForce
from riskpool.web import scope, uploads
from riskpool.web.models import ClaimDocument
from riskpool.web.views.common import principal_required, roles

# ----------------------------------------------------------------------------- shared helpers

#: who a workflow step's actor is, as the pages say it (the steps of bodies without a login are recorded by
#: the finance bureau: accounts.authorize.STEP_ROLES)
ACTOR_NAMES = {
    "lender": "合作银行", "guarantor": "担保/保险机构", "fund_manager": "资金管理人", "finance_bureau": "财政局",
    "government": "人民政府（由财政局录入）", "expert_panel": "专家评审（由财政局录入）",
    "industry_department": "行业主管部门", "county_department": "县级主管部门（由行业主管部门录入）",
    "prefecture_department": "州级主管部门（由行业主管部门录入）", "borrower": "借款企业（由行业主管部门录入）",
}
OUTCOMES = {"approved": "符合代偿条件", "refused": "不予代偿", "incomplete": "条件或材料不全"}
STATUS_BADGE = {Claim.OPEN: "warn", Claim.REFUSED: "bad", Claim.PAID: "ok"}
AMOUNT_LABELS = [
    ("principal_loss", "本金损失"), ("interest_loss", "利息损失"), ("loss_base", "认定损失（补偿基数）"),
    ("fund_share", "风险补偿资金承担"), ("guarantor_share", "担保机构承担"), ("lender_share", "合作银行承担"),
    ("fund_payable", "风险补偿资金应付"), ("forfeited", "超出补偿率上限、资金不予支付"),
    ("unfunded", "超出资金余额（有限责任）"),
]
PARTIES = {"fund": "风险补偿资金", "lender": "合作银行", "guarantor": "担保机构"}
EXCESS_LABELS = {"lender": "超限部分由合作银行承担", "guarantor": "超限部分由担保机构承担",
                 "fund": "超限部分由风险补偿资金承担"}
FIELD_LABELS = {
    "on": "日期", "code": "代偿申请编号", "recoveries": "已追回金额", "third_party_payouts": "第三方代偿/赔付金额",
    "unpaid_interest": "未付利息", "negotiated_guarantor_share": "协商担保比例", "gross": "追偿所得",
    "costs": "追偿费用", "evidence": "核销依据", "evidence_ref": "依据文号", "reason": "理由", "step": "步骤",
    "recovery": "追偿记录", "conditions": "条件", "documents": "材料", "loan": "贷款", "claim": "代偿申请",
}


def money(value: Any) -> str:
    """Thousands separators, two decimals: ``1,345,000.00``."""
    if value in (None, ""):
        return ""
    return f"{Decimal(value):,.2f}"


def iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def today() -> dt.date:
    return timezone.localdate()


def new_key() -> str:
    return str(uuid.uuid4())


def url_or_none(name: str, *args: Any) -> str | None:
    """A link to another area's page, where that page exists."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def param(policy, p, on: dt.date):
    """A dated policy parameter on ``on`` (or on the program's start, for a day before it)."""
    try:
        return policy.param(p, on)
    except ParameterNotInForce:
        return policy.param(p, policy.effective.start)


def who(usernames: list[str]) -> dict[str, str]:
    """user name → its institution's name, for the users who did steps (an operator without a login: itself)."""
    from riskpool.accounts.models import Membership

    rows = Membership.objects.filter(user__username__in=set(usernames)).select_related("institution", "user")
    return {m.user.username: m.institution.name for m in rows}


def field_of(e: inputs.InputError) -> str:
    last = (e.path or "").split(".")[-1]
    return last if last in FIELD_LABELS else ("conditions" if "conditions" in (e.path or "") else last)


def input_problem(e: inputs.InputError) -> dict[str, Any]:
    name = field_of(e)
    label = _(FIELD_LABELS[name]) if name in FIELD_LABELS else name
    return {"message": _("填写有误：%(field)s") % {"field": label} + f" — {e}", "reasons": [], "field": name}


def claim_problem(e: ClaimError) -> dict[str, Any]:
    reasons = []
    if e.decision is not None:
        reasons = [r for r in e.decision.as_dict()["reasons"] if r.get("blocking")]
    return {"message": _("未能办理：") + str(e), "reasons": reasons, "article": e.article}


def not_allowed_problem(e: NotAllowed) -> dict[str, Any]:
    text = str(e)
    if "four eyes" in text:
        return {"message": _("四眼原则：同一用户不能既提交或办理上一步，又办理这一步；请由本机构另一位用户办理。")
                + f" ({text})", "reasons": [], "article": e.article, "four_eyes": True}
    return {"message": _("您的机构或角色不能办理这一步。") + f" ({text})", "reasons": [], "article": e.article}


REFUSALS = (inputs.InputError, ClaimError, NotAllowed, IdempotencyConflict, CommandError)


def refusal_problem(e: Exception) -> tuple[int, dict[str, Any]]:
    """(HTTP status, the problem shown on the form) for a refused claim form (one of :data:`REFUSALS`)."""
    if isinstance(e, inputs.InputError):
        return 400, input_problem(e)
    if isinstance(e, ClaimError):
        return 400, claim_problem(e)
    if isinstance(e, NotAllowed):
        return 403, not_allowed_problem(e)
    if isinstance(e, IdempotencyConflict):
        return 409, {"message": _("这张表单已经提交过：请刷新页面后重新填写。") + f" ({e})", "reasons": []}
    return 400, {"message": str(e), "reasons": []}


def run_command(request: HttpRequest, command: Any, key: str) -> dict[str, Any]:
    """Dispatch for the logged-in principal; another institution's record is 404. ``NotAllowed`` is the
    caller's to show (four eyes on the page)."""
    try:
        return dispatch(command, principal=request.principal, key=key)  # type: ignore[attr-defined]
    except NotFound:
        raise Http404("not found") from None


def posted_key(request: HttpRequest) -> str:
    key = (request.POST.get("key") or "").strip()
    if not key or len(key) > 200:
        raise inputs.InputError("key", key, "the form's key: reload the page and submit again")
    return key


def posted_date(request: HttpRequest, name: str = "on") -> dt.date:
    return inputs.date((request.POST.get(name) or "").strip(), name)


def yes_no(value: str | None, name: str) -> bool | None:
    if value in (None, ""):
        return None
    if value == "yes":
        return True
    if value == "no":
        return False
    raise inputs.InputError(f"conditions.{name}", value, "yes or no")


def optional_amount(request: HttpRequest, name: str) -> str | None:
    value = (request.POST.get(name) or "").strip().replace(",", "")
    return value or None


# ----------------------------------------------------------------------------- documents of a claim

def required_documents(policy, on: dt.date) -> list[Any]:
    return list(param(policy, policy.claims.documents, on))


def conditions_of(policy, on: dt.date) -> list[dict[str, Any]]:
    """The claim's yes/no facts: preconditions (must be yes) and refusal grounds (must be no)."""
    rows = []
    for kind, p in (("precondition", policy.claims.preconditions), ("refusal", policy.claims.refusals)):
        for cond in param(policy, p, on):
            rows.append({"kind": kind, "fact": cond.fact, "code": cond.code, "article": cond.article,
                         "description": cond.description})
    return rows


def uploaded_files(request: HttpRequest, documents: list[Any]) -> list[tuple[str, uploads.CheckedFile]]:
    """(document code, file) for each file posted as ``doc_<code>``; another field name is refused."""
    codes = {d.code for d in documents}
    out = []
    for name in request.FILES:
        code = name.removeprefix("doc_")
        if not name.startswith("doc_") or code not in codes:
            raise inputs.InputError("documents", name, f"one of the program's documents: {', '.join(sorted(codes))}")
        for f in request.FILES.getlist(name):
            out.append((code, f))
    return out


def record_documents(request: HttpRequest, claim: Claim, stored: list[uploads.Stored],
                     files: list[tuple[str, uploads.CheckedFile]]) -> list[uploads.Stored]:
    """The rows of the files stored for ``claim``; returns the stored files no row keeps (an idempotent retry
    of the same request: the first one's files are the record)."""
    unused = []
    for (code, f), s in zip(files, stored):
        _row, created = ClaimDocument.objects.get_or_create(
            claim=claim, document=code, sha256=f.sha256,
            defaults=dict(loan_code=claim.loan.code, original_name=f.name[:255], content_type=f.content_type,
                          size=f.size, stored_path=s.relative, uploaded_by=request.user.username))
        if not created:
            unused.append(s)
    return unused


def upload_refusal_problem(refusal: uploads.Refusal) -> dict[str, Any]:
    return {"message": _("上传被拒绝：") + refusal.zh + " " + refusal.en, "reasons": [], "field": refusal.field,
            "upload": True}


# ----------------------------------------------------------------------------- the list

@principal_required
def claims_list(request: HttpRequest) -> HttpResponse:
    p = request.principal  # type: ignore[attr-defined]
    qs = scope.claims(p).select_related("loan__lender", "loan__program", "program_version")
    status = request.GET.get("status") or ""
    if status in dict(Claim.STATUSES):
        qs = qs.filter(status=status)
    else:
        status = ""
    page = Paginator(qs.order_by("-submitted_on", "-id"), 50).get_page(request.GET.get("page"))
    on = today()
    step_names: dict[tuple[int | None, str], str] = {}
    rows = []
    for c in page.object_list:
        step = ""
        if c.next_step:
            key = (c.program_version_id or c.loan.program_version_id, c.next_step)
            if key not in step_names:
                spec = next((s for s in workflow(c) if s.code == c.next_step), None)
                step_names[key] = spec.description if spec else c.next_step
            step = step_names[key]
        rows.append({
            "code": c.code, "url": reverse("web:claim", args=[c.code]), "loan": c.loan.code,
            "program": c.loan.program.name, "lender": c.loan.lender.name, "status": _(c.get_status_display()),
            "status_code": c.status, "badge": STATUS_BADGE.get(c.status, ""), "next_step": c.next_step,
            "next_step_name": step, "due": iso(c.next_due_on),
            "overdue": bool(c.next_step and c.next_due_on and c.next_due_on < on),
            "payable": money(c.fund_payable), "paid": money(c.paid_amount), "submitted": iso(c.submitted_on),
        })
    return render(request, "web/claims/list.html", {
        "rows": rows, "page": page, "status": status, "statuses": [(k, _(v)) for k, v in Claim.STATUSES],
        "today": iso(on)})


# ----------------------------------------------------------------------------- the claim page

def _deadline_text(policy, name: str | None, on: dt.date) -> str:
    if not name or name not in policy.deadlines:
        return ""
    spec = param(policy, policy.deadlines[name], on)
    if spec.unit == "calendar_days":
        return _("%(days)s个自然日") % {"days": spec.days}
    return _("%(days)s个工作日") % {"days": spec.days}


def _workflow_rows(claim: Claim, policy, steps, names: dict[str, str], on: dt.date) -> list[dict[str, Any]]:
    done = list(claim.steps.all())
    rows = []
    for i, spec in enumerate(steps):
        records = [{"who": s.actor, "institution": names.get(s.actor, ""), "done_on": iso(s.done_on),
                    "due_on": iso(s.due_on), "overdue": s.overdue, "approved": s.approved, "reason": s.reason,
                    "article": s.article} for s in done if s.step == spec.code]
        pending = claim.next_step == spec.code and claim.status in (Claim.OPEN, Claim.PAID)
        rows.append({
            "n": i + 1, "code": spec.code, "description": spec.description,
            "actor": _(ACTOR_NAMES[spec.actor]) if spec.actor in ACTOR_NAMES else spec.actor,
            "article": spec.article, "deadline": _deadline_text(policy, spec.deadline, claim.submitted_on),
            "records": records, "pending": pending, "due": iso(claim.next_due_on) if pending else "",
            "overdue": bool(pending and claim.next_due_on and claim.next_due_on < on),
        })
    return rows


def _decision(claim: Claim) -> dict[str, Any]:
    d = claim.decision or {}
    amounts = d.get("amounts") or {}
    shown = [{"label": _(label), "value": money(amounts[k])} for k, label in AMOUNT_LABELS if k in amounts]
    for k, v in amounts.items():
        if k.startswith("excess_"):
            party = k.removeprefix("excess_")
            shown.append({"label": _(EXCESS_LABELS.get(party, party)), "value": money(v)})
    ratios = (d.get("details") or {}).get("ratios") or {}
    outcome = d.get("outcome", "")
    return {"outcome": outcome, "outcome_label": _(OUTCOMES[outcome]) if outcome in OUTCOMES else outcome,
            "reasons": d.get("reasons") or [], "amounts": shown,
            "ratios": [{"party": _(PARTIES[k]) if k in PARTIES else k,
                        "ratio": f"{Decimal(v) * 100:.2f}%"} for k, v in ratios.items()]}


def _contributors(claim: Claim) -> list[dict[str, str]]:
    parts = claim.contributor_parts or {}
    if not parts:
        return []
    from riskpool.registry.models import Contributor

    names = dict(Contributor.objects.filter(fund_id=claim.loan.fund_id).values_list("code", "name"))
    approved, paid = parts.get("approved") or {}, parts.get("paid") or {}
    return [{"code": k, "name": names.get(k, k), "approved": money(v), "paid": money(paid.get(k, 0))}
            for k, v in approved.items()]


def _forms(request: HttpRequest, claim: Claim, steps, earlier: list[str]) -> dict[str, Any]:
    """Which forms the viewer gets: the next step's, only for the role the step needs."""
    p = request.principal  # type: ignore[attr-defined]
    codes = [s.code for s in steps]
    final = steps[-1]
    spec = steps[codes.index(claim.next_step)] if claim.next_step in codes else None
    loan = claim.loan
    four_eyes = bool(earlier) and p.username in (earlier[0], earlier[-1])
    own = {"lender": loan.lender_id, "guarantor": loan.guarantor_id}

    def may(step) -> bool:
        if p.role not in STEP_ROLES.get(step.actor, ()):
            return False
        return step.actor not in own or own[step.actor] == p.institution_id

    forms: dict[str, Any] = {"key": new_key(), "on": iso(today()), "four_eyes": False}
    if spec is not None and may(spec):
        if claim.status == Claim.OPEN and spec.code != final.code:
            forms["review"] = {"step": spec.code, "description": spec.description, "article": spec.article}
        elif spec.code == final.code and claim.status in (Claim.OPEN, Claim.PAID) and claim.approved_on:
            forms["pay"] = {"step": spec.code, "description": spec.description, "article": spec.article,
                            "owed": money(claim.fund_payable - claim.paid_amount)}
        if ("review" in forms or "pay" in forms) and four_eyes:  # another user must do it: no form, a note
            forms.pop("review", None)
            forms.pop("pay", None)
            forms["four_eyes"] = True
    if p.role == "lender" and loan.lender_id == p.institution_id:
        if claim.status == Claim.OPEN and claim.next_step != final.code:
            forms["supplement"] = True
        if claim.status == Claim.PAID:
            forms["record_recovery"] = True
            forms["remit"] = True
    if p.role == "fund_manager" and claim.status == Claim.PAID and claim.written_off_on is None:
        forms["write_off"] = {"evidence": [(k, _(v)) for k, v in WriteOff.EVIDENCE]}
    return forms


def claim_context(request: HttpRequest, claim: Claim, problems: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    on = today()
    policy = claim.policy
    steps = workflow(claim)
    loan = claim.loan
    earlier = list(claim.steps.order_by("id").values_list("actor", flat=True))
    names = who(earlier)
    given = claim.facts or {}
    conditions = []
    for c in conditions_of(policy, claim.submitted_on):
        value = {**(given.get("conditions") or {}), **(loan.claim_conditions or {})}.get(c["fact"])
        conditions.append({**c, "value": value, "fixed": c["fact"] in (loan.claim_conditions or {})})
    docs_given = set(given.get("documents") or [])
    uploaded = list(claim.uploaded_documents.all())
    documents = [{"code": d.code, "name": d.name, "article": d.article, "given": d.code in docs_given,
                  "files": [{"name": u.original_name, "size": uploads.human_size(u.size), "type": u.content_type,
                             "url": reverse("web:claim_document", args=[u.pk]), "by": u.uploaded_by,
                             "at": timezone.localtime(u.uploaded_at).strftime("%Y-%m-%d %H:%M"),
                             "sha256": u.sha256} for u in uploaded if u.document == d.code]}
                 for d in required_documents(policy, claim.submitted_on)]
    recoveries = [{"id": r.pk, "received_on": iso(r.received_on), "gross": money(r.gross), "costs": money(r.costs),
                   "to_fund": money(r.to_fund), "to_lender": money(r.to_lender),
                   "to_guarantor": money(r.to_guarantor), "remit_due_on": iso(r.remit_due_on),
                   "remitted_on": iso(r.remitted_on), "overdue": r.overdue_on(on),
                   "to_remit": r.to_fund > 0 and r.remitted_on is None}
                  for r in claim.recoveries.order_by("id")]
    write_off = WriteOff.objects.filter(claim=claim).first()
    code = claim.code
    return {
        "claim": claim, "loan": loan, "program": loan.program, "policy_name": policy.name,
        "status_label": _(claim.get_status_display()), "badge": STATUS_BADGE.get(claim.status, ""),
        "submitted_on": iso(claim.submitted_on), "approved_on": iso(claim.approved_on), "paid_on": iso(claim.paid_on),
        "written_off_on": iso(claim.written_off_on), "next_due_on": iso(claim.next_due_on),
        "next_overdue": bool(claim.next_step and claim.next_due_on and claim.next_due_on < on),
        "next_step_name": next((s.description for s in steps if s.code == claim.next_step), claim.next_step),
        "paid_amount": money(claim.paid_amount), "fund_payable": money(claim.fund_payable),
        "unfunded": money(claim.unfunded),
        "decision": _decision(claim), "contributors": _contributors(claim),
        "steps": _workflow_rows(claim, policy, steps, names, on),
        "conditions": conditions, "documents": documents,
        "recoveries": recoveries,
        "recoveries_given": money(given.get("recoveries") or 0),
        "third_party_payouts": money(given.get("third_party_payouts") or 0),
        "unpaid_interest": money(loan.unpaid_interest if given.get("unpaid_interest") is None
                                 else given["unpaid_interest"]),
        "write_off": None if write_off is None else {
            "on": iso(write_off.on), "evidence": _(write_off.get_evidence_display()), "ref": write_off.evidence_ref,
            "amount": money(write_off.amount), "article": write_off.article},
        "forms": _forms(request, claim, steps, earlier),
        "problems": problems or [],
        "loan_url": url_or_none("web:loan", loan.code),
        "notice_url": reverse("web:notice_compensation", args=[code])
        if claim.approved_on and claim.fund_payable > 0 else None,
        "overdue_notice_url": reverse("web:notice_overdue", args=[loan.code]) if loan.overdue_since else None,
        "max_upload": uploads.human_size(uploads.max_bytes()),
        "today": iso(on),
    }


def _claim_command(request: HttpRequest, claim: Claim, action: str,
                   files: list[tuple[str, uploads.CheckedFile]]) -> Any:
    """The command a claim-page form asks for (InputError for a missing or malformed field)."""
    on = posted_date(request)
    code = claim.code
    post = request.POST
    if action == "review":
        decision = post.get("decision")
        if decision not in ("approve", "refuse"):
            raise inputs.InputError("decision", decision, "approve or refuse")
        reason = (post.get("reason") or "").strip()
        if decision == "refuse" and not reason:
            raise inputs.InputError("reason", reason, "the reason for the refusal (不予通过的理由)")
        return cc.Review.build(on=on, claim=code, step=(post.get("step") or "").strip(),
                               approved=decision == "approve", reason=reason)
    if action == "pay":
        return cc.Pay.build(on=on, claim=code)
    if action == "supplement":
        conditions = {}
        for c in conditions_of(claim.policy, claim.submitted_on):
            value = yes_no(post.get(f"cond_{c['fact']}"), c["fact"])
            if value is not None:
                conditions[c["fact"]] = value
        documents = sorted({code_ for code_, _f in files})
        if not conditions and not documents:
            raise inputs.InputError("documents", "", "at least one condition or document to supplement")
        return cc.Supplement.build(on=on, claim=code, conditions=conditions, documents=documents)
    if action == "record_recovery":
        return cc.RecordRecovery.build(on=on, claim=code, gross=optional_amount(request, "gross") or "",
                                       costs=optional_amount(request, "costs") or "0")
    if action == "remit_recovery":
        return cc.RemitRecovery.build(on=on, claim=code, recovery=(post.get("recovery") or "").strip())
    if action == "write_off":
        return cc.WriteOffClaim.build(on=on, claim=code, evidence=(post.get("evidence") or "").strip(),
                                      evidence_ref=(post.get("evidence_ref") or "").strip())
    raise inputs.InputError("action", action, "one of the claim page's forms")


DONE_MESSAGES = {
    "review": "已办理：%(step)s", "pay": "已支付风险补偿资金", "supplement": "已补充材料，规则已重新评估",
    "record_recovery": "已登记追偿所得", "remit_recovery": "已登记划回资金专户", "write_off": "已核销",
}


@csrf_exempt  # the body is parsed under the upload checks first; CSRF is checked right after (csrf_protect)
@principal_required
def claim_page(request: HttpRequest, code: str) -> HttpResponse:
    claim = scope.get_or_404(scope.claims(request.principal), code=code)  # type: ignore[attr-defined]
    handler = None
    if request.method == "POST":
        handler, refusal = uploads.guard(request, max_files=len(required_documents(claim.policy,
                                                                                   claim.submitted_on)))
        if refusal is not None:  # declared too large: answered without reading the body
            return render(request, "web/claims/detail.html",
                          claim_context(request, claim, [upload_refusal_problem(refusal)]), status=400)
    return _claim_page(request, claim, handler)


@csrf_protect
def _claim_page(request: HttpRequest, claim: Claim, handler) -> HttpResponse:
    if request.method != "POST":
        return render(request, "web/claims/detail.html", claim_context(request, claim))
    request.POST  # noqa: B018 - parsed under the upload checks (csrf_protect has read it already)
    refusal = handler.refusal if handler is not None else None
    if refusal is not None:
        return render(request, "web/claims/detail.html",
                      claim_context(request, claim, [upload_refusal_problem(refusal)]), status=400)
    action = request.POST.get("action") or ""
    status, problem = 400, None
    stored: list[uploads.Stored] = []
    try:
        key = posted_key(request)
        files = uploaded_files(request, required_documents(claim.policy, claim.submitted_on)) \
            if action == "supplement" else []
        command = _claim_command(request, claim, action, files)
        stored = [uploads.store(f) for _code, f in files]
        with transaction.atomic():
            run_command(request, command, key)
            unused = record_documents(request, claim, stored, files)
        uploads.discard(unused)
        stored = []
    except REFUSALS as e:
        status, problem = refusal_problem(e)
    finally:
        uploads.discard(stored)  # refused: the files this request wrote go too
    if problem is not None:
        claim = scope.get_or_404(scope.claims(request.principal), pk=claim.pk)  # type: ignore[attr-defined]
        return render(request, "web/claims/detail.html", claim_context(request, claim, [problem]), status=status)
    step = next((s.description for s in workflow(claim) if s.code == request.POST.get("step")), "")
    messages.success(request, _(DONE_MESSAGES[action]) % {"step": step})
    return redirect("web:claim", claim.code)


# ----------------------------------------------------------------------------- the lender's submission

def submit_context(request: HttpRequest, loan, problems: list[dict[str, Any]] | None = None,
                   values: dict[str, Any] | None = None) -> dict[str, Any]:
    on = today()
    policy = loan.policy
    fixed = loan.claim_conditions or {}
    values = values or {}
    conditions = [{**c, "fixed": c["fact"] in fixed, "fixed_value": fixed.get(c["fact"]),
                   "value": values.get(f"cond_{c['fact']}", "")} for c in conditions_of(policy, on)]
    live = loan.claims.filter(status__in=(Claim.OPEN, Claim.PAID)).first()
    negotiable = policy.sharing.negotiated_guarantor_share_max is not None and loan.guarantor_id is not None
    return {
        "loan": loan, "program": loan.program, "policy_name": policy.name, "conditions": conditions,
        "documents": required_documents(policy, on), "problems": problems or [], "values": values,
        "key": new_key(), "on": values.get("on") or iso(on), "live": live,
        "live_url": reverse("web:claim", args=[live.code]) if live else None,
        "can_submit": loan.status == loan.FILED and live is None,
        "loan_status": _(loan.get_status_display()), "outstanding": money(loan.outstanding_principal),
        "unpaid_interest": money(loan.unpaid_interest), "amount": money(loan.amount),
        "overdue_since": iso(loan.overdue_since), "negotiable": negotiable,
        "negotiable_max": f"{param(policy, policy.sharing.negotiated_guarantor_share_max, on)}" if negotiable else "",
        "max_upload": uploads.human_size(uploads.max_bytes()),
        "loan_url": url_or_none("web:loan", loan.code),
    }


def _submit_command(request: HttpRequest, loan) -> tuple[Any, list[tuple[str, uploads.CheckedFile]]]:
    post = request.POST
    on = posted_date(request)
    policy = loan.policy
    fixed = loan.claim_conditions or {}
    conditions = {}
    for c in conditions_of(policy, on):
        if c["fact"] in fixed:
            continue
        value = yes_no(post.get(f"cond_{c['fact']}"), c["fact"])
        if value is None:
            raise inputs.InputError(f"conditions.{c['fact']}", "", f"yes or no for {c['code']} ({c['description']})")
        conditions[c["fact"]] = value
    files = uploaded_files(request, required_documents(policy, on))
    fields: dict[str, Any] = {
        "on": on, "loan": loan.code, "conditions": conditions, "documents": sorted({c for c, _f in files}),
        "recoveries": optional_amount(request, "recoveries") or "0",
        "third_party_payouts": optional_amount(request, "third_party_payouts") or "0",
        "unpaid_interest": optional_amount(request, "unpaid_interest"),
    }
    share = (post.get("negotiated_guarantor_share") or "").strip()
    if share:
        fields["negotiated_guarantor_share"] = share
    code = (post.get("code") or "").strip()
    if code:
        fields["code"] = code
    return cc.SubmitClaim.build(**fields), files


@csrf_exempt  # the body is parsed under the upload checks first; CSRF is checked right after (csrf_protect)
@roles("lender")
def claim_submit(request: HttpRequest, loan: str) -> HttpResponse:
    row = scope.get_or_404(scope.loans(request.principal), code=loan)  # type: ignore[attr-defined]
    if row.lender_id != request.principal.institution_id:  # type: ignore[attr-defined]
        raise Http404("not found")
    handler = None
    if request.method == "POST":
        handler, refusal = uploads.guard(request, max_files=len(required_documents(row.policy, today())))
        if refusal is not None:  # declared too large: answered without reading the body
            return render(request, "web/claims/submit.html",
                          submit_context(request, row, [upload_refusal_problem(refusal)]), status=400)
    return _claim_submit(request, row, handler)


@csrf_protect
def _claim_submit(request: HttpRequest, loan, handler) -> HttpResponse:
    if request.method != "POST":
        return render(request, "web/claims/submit.html", submit_context(request, loan))
    request.POST  # noqa: B018 - parsed under the upload checks (csrf_protect has read it already)
    refusal = handler.refusal if handler is not None else None
    values = {k: v for k, v in request.POST.items() if k not in ("key", "csrfmiddlewaretoken")}
    if refusal is not None:
        return render(request, "web/claims/submit.html",
                      submit_context(request, loan, [upload_refusal_problem(refusal)], values), status=400)
    status, problem = 400, None
    stored: list[uploads.Stored] = []
    claim = None
    try:
        key = posted_key(request)
        command, files = _submit_command(request, loan)
        stored = [uploads.store(f) for _code, f in files]
        with transaction.atomic():
            result = run_command(request, command, key)
            claim = Claim.objects.select_related("loan").get(pk=result["claim"])
            unused = record_documents(request, claim, stored, files)
        uploads.discard(unused)
        stored = []
    except REFUSALS as e:
        status, problem = refusal_problem(e)
    finally:
        uploads.discard(stored)
    if problem is not None:
        loan.refresh_from_db()
        return render(request, "web/claims/submit.html", submit_context(request, loan, [problem], values),
                      status=status)
    messages.success(request, _("代偿申请已提交：%(code)s") % {"code": claim.code})
    return redirect("web:claim", claim.code)


urlpatterns = [
    path("", claims_list, name="claims"),
    path("new/<path:loan>/", claim_submit, name="claim_submit"),
    path("<path:code>/", claim_page, name="claim"),
]
