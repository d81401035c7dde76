"""Claims (代偿): the lender's claim, the review steps by the role each needs, the fund's payment, recoveries.

The same commands as the pages (``riskpool.claims.commands``), run by the one dispatcher for the token's
principal, which decides who may act (the role the policy names for each step, four eyes); reads go through
``riskpool.web.scope``. Documents are given as the program's document codes (``documents``); uploading the
files themselves is done on the claim's page.
"""

from __future__ import annotations

from typing import Any, Optional

from django.http import HttpRequest
from ninja import Query, Router, Status

from riskpool.api import common
from riskpool.api.common import LOAN_ROLES, build, money, principal, run
from riskpool.api.loans import KEY, PAGE_SIZE_MAX
from riskpool.api.responses import READ, WRITE
from riskpool.api.schemas import (
    ClaimActionOut,
    ClaimIn,
    ClaimOut,
    ClaimPage,
    ClaimSummary,
    PaymentIn,
    RecoveryIn,
    ReviewIn,
)
from riskpool.claims.commands import Pay, RecordRecovery, Review, SubmitClaim, workflow
from riskpool.claims.models import Claim
from riskpool.web import scope

router = Router(tags=["代偿 Claims"])


def summary(c: Claim) -> dict[str, Any]:
    return {"code": c.code, "loan": c.loan.code, "program": c.loan.program.code, "lender": c.loan.lender.code,
            "status": c.status, "submitted_on": c.submitted_on, "next_step": c.next_step or "",
            "next_due_on": c.next_due_on, "fund_payable": money(c.fund_payable), "paid_amount": money(c.paid_amount)}


def detail(c: Claim) -> ClaimOut:
    steps = [{"code": s.code, "actor": s.actor, "article": s.article, "description": s.description}
             for s in workflow(c)]
    return ClaimOut(
        **summary(c), guarantor=c.loan.guarantor.code if c.loan.guarantor_id else None, approved_on=c.approved_on,
        paid_on=c.paid_on, written_off_on=c.written_off_on, loss_base=money(c.loss_base),
        fund_share=money(c.fund_share), lender_share=money(c.lender_share),
        guarantor_share=money(c.guarantor_share), forfeited=money(c.forfeited), unfunded=money(c.unfunded),
        facts=common.jsonable(c.facts or {}), decision=common.decision(c.decision), workflow=steps,
        steps=[{"step": s.step, "actor": s.actor, "article": s.article, "due_on": s.due_on, "done_on": s.done_on,
                "approved": s.approved, "reason": s.reason} for s in c.steps.order_by("id")],
        recoveries=[{"id": r.pk, "received_on": r.received_on, "gross": money(r.gross), "costs": money(r.costs),
                     "to_fund": money(r.to_fund), "to_lender": money(r.to_lender),
                     "to_guarantor": money(r.to_guarantor), "remit_due_on": r.remit_due_on,
                     "remitted_on": r.remitted_on} for r in c.recoveries.order_by("id")])


def visible_claim(request: HttpRequest, code: str) -> Claim:
    p = principal(request)
    common.require_role(p, LOAN_ROLES, "claims")
    return scope.get_or_404(scope.claims(p), code=code)


# ----------------------------------------------------------------------------- changes

@router.post("", response={201: ClaimOut, **WRITE}, summary="代偿申请 / Submit a claim", operation_id="submit_claim")
def submit_claim(request: HttpRequest, payload: ClaimIn, idempotency_key: Optional[str] = KEY):
    """合作银行对本行贷款提出代偿申请，规则随即评估（被规则拒绝的申请也会记录，待审核步骤处理）。

    The lender's claim on its own loan (SubmitClaim), assessed by the rules at once; a claim the rules refuse
    is still recorded (open), with its reasons, for a review step to refuse."""
    p = principal(request)
    common.require_role(p, LOAN_ROLES, "claims")
    loan = scope.get_or_404(scope.loans(p), code=payload.loan)
    command = build(SubmitClaim, **{**payload.model_dump(exclude_none=True), "loan": loan.code})
    result = run(request, command, idempotency_key)
    return Status(201, detail(scope.get_or_404(scope.claims(p), pk=result["claim"])))


def _act(request: HttpRequest, code: str, command_class: Any, fields: dict[str, Any],
         key: Optional[str]) -> ClaimActionOut:
    p = principal(request)
    claim = visible_claim(request, code)
    result = run(request, build(command_class, claim=claim.code, **fields), key)
    return ClaimActionOut(result=common.jsonable(result), claim=detail(scope.get_or_404(scope.claims(p),
                                                                                        pk=claim.pk)))


@router.post("/{path:code}/reviews", response={200: ClaimActionOut, **WRITE}, summary="审核 / Review step",
             operation_id="review_claim")
def review(request: HttpRequest, code: str, payload: ReviewIn, idempotency_key: Optional[str] = KEY):
    """办理审核步骤（由政策文件规定的角色办理，四眼原则）。

    A review step (Review), by the role the program's workflow names for it; four eyes: not by the token that
    submitted the claim or did the step before."""
    return _act(request, code, Review, payload.model_dump(exclude_none=True), idempotency_key)


@router.post("/{path:code}/payments", response={200: ClaimActionOut, **WRITE}, summary="代偿支付 / Pay",
             operation_id="pay_claim")
def pay(request: HttpRequest, code: str, payload: PaymentIn, idempotency_key: Optional[str] = KEY):
    """资金支付已批准的代偿（以资金余额为限）。The fund pays the approved claim (Pay), as far as its cash goes."""
    return _act(request, code, Pay, payload.model_dump(exclude_none=True), idempotency_key)


@router.post("/{path:code}/recoveries", response={200: ClaimActionOut, **WRITE}, summary="追偿 / Record a recovery",
             operation_id="record_recovery")
def recover(request: HttpRequest, code: str, payload: RecoveryIn, idempotency_key: Optional[str] = KEY):
    """登记代偿后的追偿所得，按项目规则分配。A recovery after compensation (RecordRecovery), split by the program."""
    return _act(request, code, RecordRecovery, payload.model_dump(exclude_none=True), idempotency_key)


# ----------------------------------------------------------------------------- reads

@router.get("", response={200: ClaimPage, **READ}, summary="代偿申请列表 / Claims", operation_id="list_claims")
def list_claims(request: HttpRequest, page: int = Query(1, ge=1, le=1_000_000, description="页码 / page"),
                page_size: int = Query(50, ge=1, le=PAGE_SIZE_MAX, description="每页笔数 / per page"),
                status: Optional[str] = Query(None, max_length=20, description="状态 / status")):
    """本机构可见的代偿申请。The claims the token's institution may see."""
    p = principal(request)
    common.require_role(p, LOAN_ROLES, "claims")
    qs = scope.claims(p)
    if status:
        qs = qs.filter(status=status)
    count = qs.count()
    start = (page - 1) * page_size
    rows = list(qs.order_by("-submitted_on", "-id")[start:start + page_size]) if start < count else []
    return ClaimPage(count=count, page=page, page_size=page_size, items=[ClaimSummary(**summary(c)) for c in rows])


@router.get("/{path:code}", response={200: ClaimOut, **READ}, summary="代偿申请详情 / A claim",
            operation_id="get_claim")
def get_claim(request: HttpRequest, code: str):
    """代偿申请详情：规则决定（理由及条款）、流程步骤和已办步骤。A claim: the decision, the workflow, the steps."""
    return detail(visible_claim(request, code))
