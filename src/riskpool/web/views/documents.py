"""Downloads (文书): the notices and forms as PDF, filled from the stored records, and the documents uploaded
with a claim. Each reads through ``riskpool.web.scope``: a loan, claim or entry outside the principal's
records is 404, as is a document the records cannot give (no arrears, no approval, no recommendation form).

=======================  ==========================  ============================================================
URL name                 document                    filled from
=======================  ==========================  ============================================================
``notice_repayment``     贷款还款通知书 (loan code)    the loan (outstanding principal, unpaid interest), its
                                                     repayment-notice record (the day it was sent, if it was)
``notice_overdue``       逾期催收通知书 (loan code)    the loan in arrears: the arrears as last reported
``notice_compensation``  风险补偿通知书 (claim code)   the approved claim's decision: loss, shares, payable
``recommendation_form``  入库企业推荐表 (entry id)     the whitelist entry's recommendation form (昆山 附件)
``claim_document``       an uploaded file (its id)   the stored file, checked against its SHA-256
=======================  ==========================  ============================================================

The fund's details on every document: the fund's name, the program's title (the policy file's ``name``), and
the managing institution — the fund manager under agreement in the program (or the only fund manager
registered), else the fund's own name. Articles come from the policy: the repayment notice's deadline, the
precondition that speaks of 催收 (collection), the claim workflow's payment step.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from riskpool import inputs
from riskpool.claims.commands import workflow
from riskpool.claims.models import Claim
from riskpool.documents import notices as n
from riskpool.web import scope, uploads
from riskpool.web.models import ClaimDocument
from riskpool.web.views.common import principal_required

ONE_DAY = dt.timedelta(days=1)
REPAY_WITHIN_DAYS = 15  # 逾期催收通知书: the day to pay by, unless the request names one (?repay_by=YYYY-MM-DD)


# ----------------------------------------------------------------------------- from the records

def _manager(program_id: int) -> Any:
    """The fund manager under agreement in the program, else the only fund manager registered, else None."""
    from riskpool.registry.models import Agreement, Institution

    agreement = (Agreement.objects.filter(program_id=program_id, role=Institution.FUND_MANAGER)
                 .select_related("institution").order_by("id").first())
    if agreement is not None:
        return agreement.institution
    managers = list(Institution.objects.filter(kind=Institution.FUND_MANAGER).order_by("id")[:2])
    return managers[0] if len(managers) == 1 else None


def _manager_title(policy) -> str:
    """How the program's text calls its manager: 资金管理人 (克州), 管理人 (昆山)."""
    texts = [s.description for p in [policy.claims.workflow] for v in (p.values or {None: p.value}).values()
             for s in v or []]
    if policy.whitelist is not None:
        texts += [s.description for v in (policy.whitelist.steps.values or {None: policy.whitelist.steps.value})
                  .values() for s in v or []]
    text = " ".join(texts)
    if "资金管理人" in text or "管理人" not in text:
        return "资金管理人"
    return "管理人"


def fund_of(loan) -> n.Fund:
    policy = loan.policy
    manager = _manager(loan.program_id)
    return n.Fund(fund_name=loan.fund.name, program_name=policy.name,
                  manager=manager.name if manager is not None else loan.fund.name,
                  manager_title=_manager_title(policy))


def _uscc(code: str | None) -> str | None:
    from riskpool.identity import check_uscc

    if not code:
        return None
    try:
        return check_uscc(code)
    except ValueError:
        return None  # not a USCC (a farmer's ID number, a test code): printed without one


def party(institution_or_borrower, code: str | None = None) -> n.Party:
    facts = getattr(institution_or_borrower, "facts", None) or {}
    return n.Party(institution_or_borrower.name, _uscc(code or facts.get("uscc")))


def doc_loan(loan, *, fell_due: bool = False) -> n.Loan:
    """The loan as a document prints it. ``fell_due``: a loan in arrears before its contractual maturity fell
    due on the day before its first day past due (提前到期), and the notices count from that day."""
    maturity = loan.maturity_date
    if fell_due and loan.overdue_since is not None:
        due = loan.overdue_since - ONE_DAY
        if loan.issue_date < due < maturity:
            maturity = due
    return n.Loan(contract_no=loan.code, principal=loan.amount, start=loan.issue_date, maturity=maturity,
                  annual_rate=loan.interest_rate)


def institution_of(username: str) -> str | None:
    from riskpool.accounts.models import Membership

    m = Membership.objects.filter(user__username=username).select_related("institution").first()
    return m.institution.name if m is not None else None


def _collection_article(policy, on: dt.date) -> str | None:
    """The article an overdue (collection) notice is sent under: the claim condition about 催收, else the
    deadline that counts from the first day past due."""
    for p in (policy.claims.preconditions, policy.claims.refusals):
        try:
            conditions = policy.param(p, on)
        except LookupError:
            continue
        for c in conditions:
            if "催收" in c.description:
                return c.article
    for name, p in policy.deadlines.items():
        try:
            if policy.param(p, on).event == "first_overdue":
                return p.article
        except LookupError:
            continue
    return None


def _repayment_article(policy, on: dt.date) -> str | None:
    for name, p in policy.deadlines.items():
        try:
            spec = policy.param(p, on)
        except LookupError:
            continue
        if spec.event == "maturity" and spec.direction == "before":
            return p.article
    return None


# ----------------------------------------------------------------------------- responses

def pdf(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


def cannot(request: HttpRequest, detail: str, status: int = 409) -> HttpResponse:
    return render(request, "web/documents/unavailable.html",
                  {"status": status, "detail": detail}, status=status)


def build(request: HttpRequest, builder, data, filename: str) -> HttpResponse:
    try:
        return pdf(builder(data), filename)
    except n.DocumentError as e:
        return cannot(request, _("记录中的数据不能生成这份文书：") + str(e))


# ----------------------------------------------------------------------------- the documents

@principal_required
def notice_repayment(request: HttpRequest, loan: str) -> HttpResponse:
    """贷款还款通知书: before maturity, what falls due (kezhou 第十一条)."""
    row = scope.get_or_404(scope.loans(request.principal), code=loan)  # type: ignore[attr-defined]
    policy = row.policy
    article = _repayment_article(policy, row.filed_on)
    if article is None:
        return cannot(request, _("本项目的管理办法没有规定还款通知书。"), 404)
    if row.status not in (row.FILED, row.CLAIMED) or row.outstanding_principal + row.unpaid_interest <= 0:
        return cannot(request, _("这笔贷款已经结清或已代偿，不再出具还款通知书。"), 404)
    record = row.notices.filter(kind__in=[k for k, p in policy.deadlines.items() if p.article == article]).first()
    from django.utils import timezone

    issued = record.done_on if record is not None and record.done_on else timezone.localdate()
    issued = min(max(issued, row.issue_date), row.maturity_date - ONE_DAY)
    notice = n.RepaymentNotice(
        fund=fund_of(row), doc_no=f"还款通知〔{issued.year}〕{row.code}", issued_on=issued, lender=party(row.lender),
        borrower=party(row.borrower, row.borrower.code), loan=doc_loan(row), principal_due=row.outstanding_principal,
        interest_due=row.unpaid_interest, article=article)
    return build(request, n.repayment_notice, notice, f"贷款还款通知书-{row.code}.pdf")


@principal_required
def notice_overdue(request: HttpRequest, loan: str) -> HttpResponse:
    """逾期催收通知书: the loan is in arrears (kezhou 第十三条（二）)."""
    from riskpool.audit.models import HistoryEvent

    row = scope.get_or_404(scope.loans(request.principal), code=loan)  # type: ignore[attr-defined]
    if row.overdue_since is None or row.status == row.REPAID:
        raise Http404("not in arrears")
    policy = row.policy
    article = _collection_article(policy, row.overdue_since)
    if article is None:
        return cannot(request, _("本项目的管理办法没有规定逾期催收。"), 404)
    reported = (HistoryEvent.objects.filter(kind="loan.arrears", loan=row.code).order_by("-on", "-id")
                .values_list("on", flat=True).first())
    as_of = max(reported or row.overdue_since, row.overdue_since)
    repay_by = as_of + dt.timedelta(days=REPAY_WITHIN_DAYS)
    if request.GET.get("repay_by"):
        try:
            repay_by = inputs.date(request.GET["repay_by"], "repay_by")
        except inputs.InputError as e:
            return cannot(request, _("还款期限有误：") + str(e), 400)
    notice = n.OverdueNotice(
        fund=fund_of(row), doc_no=f"催收通知〔{as_of.year}〕{row.code}", issued_on=as_of, lender=party(row.lender),
        borrower=party(row.borrower, row.borrower.code), loan=doc_loan(row, fell_due=True), as_of=as_of,
        overdue_principal=row.outstanding_principal, overdue_interest=row.unpaid_interest, repay_by=repay_by,
        guarantor=party(row.guarantor) if row.guarantor_id else None, article=article)
    return build(request, n.overdue_notice, notice, f"逾期催收通知书-{row.code}.pdf")


@principal_required
def notice_compensation(request: HttpRequest, code: str) -> HttpResponse:
    """风险补偿通知书: the approved claim, to the fund manager, to pay the lender (kezhou 第十六条)."""
    claim: Claim = scope.get_or_404(scope.claims(request.principal), code=code)  # type: ignore[attr-defined]
    if claim.approved_on is None or claim.status not in (Claim.OPEN, Claim.PAID) or claim.fund_payable <= 0:
        raise Http404("not approved")
    loan = claim.loan
    policy = claim.policy
    steps = workflow(claim)
    final = steps[-1]
    approval = (claim.steps.filter(approved=True).exclude(step__in=[steps[0].code, final.code])
                .order_by("-id").first())  # the last review: who approved it issues the notice
    issuer = (institution_of(approval.actor) if approval is not None else None) or policy.issuer
    days = 5
    if final.deadline and final.deadline in policy.deadlines:
        spec = policy.param(policy.deadlines[final.deadline], claim.submitted_on)
        if spec.unit == "working_days":
            days = spec.days
    amounts = {k: Decimal(v) for k, v in (claim.decision.get("amounts") or {}).items()}
    ratios = {k: Decimal(v) for k, v in ((claim.decision.get("details") or {}).get("ratios") or {}).items()}
    loss_p, loss_i = amounts.get("principal_loss", claim.loss_base), amounts.get("interest_loss", Decimal(0))
    fund = fund_of(loan)
    shares = []
    for role, key, who in (("风险补偿资金", "fund", fund.fund_name),
                           ("承保担保公司", "guarantor", loan.guarantor.name if loan.guarantor_id else ""),
                           ("合作银行", "lender", loan.lender.name)):
        share = getattr(claim, f"{key}_share")
        if ratios.get(key, Decimal(0)) > 0 or share > 0:
            shares.append(n.LossShare(role, who or role, ratios.get(key, Decimal(0)), share))
    notice = n.CompensationNotice(
        fund=fund, doc_no=f"补偿通知〔{claim.approved_on.year}〕{claim.code}", issued_on=claim.approved_on,
        issuer=issuer, lender=party(loan.lender), borrower=party(loan.borrower, loan.borrower.code),
        loan=doc_loan(loan, fell_due=True), loss_principal=loss_p, loss_interest=loss_i, shares=tuple(shares),
        compensation=claim.fund_payable, guarantor=party(loan.guarantor) if loan.guarantor_id else None,
        pay_within_working_days=days, article=final.article)
    return build(request, n.compensation_notice, notice, f"风险补偿通知书-{claim.code}.pdf")


def _qualification_numbers(policy, borrower) -> tuple[int, ...]:
    """The numbers (1…) of the admission conditions a borrower's qualifications meet: the children, in order,
    of the admission criterion that lists the qualifications (昆山 第四条 1–5)."""
    if policy.admission is None:
        return ()
    kinds = {q.get("kind") for q in (borrower.facts or {}).get("qualifications") or [] if isinstance(q, dict)}

    def walk(criteria):
        for c in criteria:
            children = getattr(c, "criteria", None) or []
            if children and all(getattr(x, "check", "") == "qualification" for x in children):
                return children
            found = walk(children)
            if found:
                return found
        return None

    children = walk(policy.admission.criteria) or []
    return tuple(i for i, c in enumerate(children, 1) if kinds & set(getattr(c, "kinds", []) or []))


def _quantity(value: Any) -> Decimal:
    if value in (None, ""):
        return Decimal(0)
    return Decimal(str(value).replace(",", ""))


@principal_required
def recommendation_form(request: HttpRequest, entry: int) -> HttpResponse:
    """“昆育融”入库企业推荐表 (昆山 第五条 附件), from the entry's recorded form."""
    from riskpool.registry.models import WhitelistStep

    row = scope.get_or_404(scope.whitelist(request.principal), pk=entry)  # type: ignore[attr-defined]
    policy = row.program.policy
    form = row.form or {}
    if policy.whitelist is None or policy.whitelist.form is None or not form:
        raise Http404("no recommendation form")
    first = WhitelistStep.objects.filter(entry=row, cycle=row.cycle).order_by("id").first() \
        or WhitelistStep.objects.filter(entry=row).order_by("id").first()
    if first is None:
        raise Http404("not recommended")
    borrower = row.borrower
    recommender = institution_of(first.actor) or first.actor
    try:
        data = n.RecommendationForm(
            fund=_fund_of_program(row.program), doc_no=f"推荐〔{first.done_on.year}〕第{row.pk:04d}号",
            enterprise=form.get("company_name") or borrower.name, uscc=borrower.code,
            legal_representative=form.get("legal_representative")
            or (borrower.facts or {}).get("legal_representative") or "未填写",
            registered_address=form.get("registered_address") or "未填写",
            industry=form.get("industry_field") or form.get("industry") or "未填写",
            financing_need=_quantity(form.get("financing_need")), leased_area=_quantity(form.get("leased_area")),
            planned_investment=_quantity(form.get("project_investment")),
            expected_output=_quantity(form.get("annual_output")),
            paid_in_capital=_quantity(form.get("paid_in_capital")),
            core_ip=form.get("core_ip") in (True, "true", "True", "yes", "是", "1", 1),
            contact=form.get("contact") or "未填写", contact_phone=form.get("contact_phone") or "未填写",
            handler=form.get("town_officer") or "未填写", handler_phone=form.get("town_officer_phone") or "未填写",
            qualifications=_qualification_numbers(policy, borrower), reason=form.get("reasons") or "未填写",
            recommender=recommender, recommended_on=first.done_on, article=policy.whitelist.steps.article)
    except (ArithmeticError, ValueError) as e:
        return cannot(request, _("记录中的数据不能生成这份文书：") + str(e))
    return build(request, n.recommendation_form, data, f"入库企业推荐表-{borrower.code}.pdf")


def _fund_of_program(program) -> n.Fund:
    from riskpool.registry.models import Fund

    fund = Fund.objects.filter(programs=program).order_by("id").first()
    manager = _manager(program.pk)
    fund_name = fund.name if fund is not None else program.name
    policy = program.policy
    return n.Fund(fund_name=fund_name, program_name=policy.name, manager=manager.name if manager else fund_name,
                  manager_title=_manager_title(policy))


@principal_required
def claim_document(request: HttpRequest, pk: int) -> HttpResponse:
    """A document uploaded with a claim, as stored, with the content type found at upload."""
    doc = (ClaimDocument.objects.filter(pk=pk, claim__in=scope.claims(request.principal))  # type: ignore[attr-defined]
           .first())
    if doc is None:
        raise Http404("not found")
    try:
        path_ = uploads.path_of(doc.stored_path)
        if uploads.digest_of(doc.stored_path) != doc.sha256:
            return cannot(request, _("文件校验失败：存储的文件与上传时的校验值（SHA-256）不符。"), 409)
    except (FileNotFoundError, ValueError):
        return cannot(request, _("文件缺失：存储的文件已不在原处。"), 410)
    response = FileResponse(open(path_, "rb"), content_type=doc.content_type, as_attachment=True,
                            filename=doc.original_name)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


urlpatterns = [
    path("repayment-notice/<path:loan>/", notice_repayment, name="notice_repayment"),
    path("overdue-notice/<path:loan>/", notice_overdue, name="notice_overdue"),
    path("compensation-notice/<path:code>/", notice_compensation, name="notice_compensation"),
    path("recommendation-form/<int:entry>/", recommendation_form, name="recommendation_form"),
    path("claim-document/<int:pk>/", claim_document, name="claim_document"),
]
