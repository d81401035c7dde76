"""Loans (贷款): file one loan or a batch, report repayments, arrears and extensions, read one's own loans.

Every change builds the same command as the pages and the CLI (``riskpool.loans.commands``) and runs it through
the one dispatcher for the token's principal; reads go through ``riskpool.web.scope`` (another institution's
loan is 404, and nothing says it exists).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Optional

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja import Header, Query, Router, Status
from pydantic import ValidationError as PydanticValidationError

from riskpool import inputs
from riskpool.accounts.authorize import NotAllowed, NotFound
from riskpool.api import common
from riskpool.api.common import KEY_DESCRIPTION, KEY_HEADER, LOAN_ROLES, build, money, principal, ratio, run
from riskpool.api.problems import ApiProblem, dedupe, field_of_loc, field_of_path, refusal
from riskpool.api.responses import READ, WRITE
from riskpool.api.schemas import (
    MAX_BATCH,
    ArrearsIn,
    BatchOut,
    ExtensionIn,
    LoanActionOut,
    LoanBatchIn,
    LoanIn,
    LoanOut,
    LoanPage,
    LoanSummary,
    RepaymentIn,
)
from riskpool.commands import IdempotencyConflict, dispatch
from riskpool.commands.dispatcher import coarse_locks
from riskpool.loans.batch import BatchRefused, FileLoans
from riskpool.loans.commands import Extend, FileLoan, LoanError, Repay, ReportArrears
from riskpool.loans.models import Loan
from riskpool.web import scope

router = Router(tags=["贷款 Loans"])

PAGE_SIZE_MAX = 200
MAX_BATCH_BYTES = 32 * 1024 * 1024  # 10,000 loans of about 3 KB each at most
KEY = Header(None, alias=KEY_HEADER, description=KEY_DESCRIPTION, pattern=r"^[A-Za-z0-9._~-]{1,100}$")


# ----------------------------------------------------------------------------- bodies out

def summary(loan: Loan, codes: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    """The loan's list fields; ``codes`` (program, lender, guarantor, borrower) when known without reading."""
    codes = codes or {"program": loan.program.code, "lender": loan.lender.code,
                      "guarantor": loan.guarantor.code if loan.guarantor_id else None, "borrower": loan.borrower.code}
    return {"code": loan.code, **codes,
            "amount": money(loan.amount), "outstanding_principal": money(loan.outstanding_principal),
            "status": loan.status, "issue_date": loan.issue_date, "maturity_date": loan.maturity_date,
            "filed_on": loan.filed_on, "overdue_since": loan.overdue_since}


def detail(loan: Loan, p: Any, filed: Optional[tuple[Any, list, int]] = None) -> LoanOut:
    """The loan as the API shows it. ``filed`` (the ``FileLoan`` that has just written ``loan``, its notices
    and the program version number): the loan as this request filed it, from what the command wrote — its
    codes are the command's, it has no repayment or claim yet — without reading it back (the hot path of a
    lender's system filing)."""
    if filed is not None:
        command, notices, version = filed
        codes = {"program": command.program, "lender": command.lender, "guarantor": command.guarantor,
                 "borrower": command.borrower}
        borrower_name, repayments, claims = _borrower_name(loan.borrower_id), [], []
        notices = sorted(notices, key=lambda n: (n.due_on, n.pk))  # Notice's own ordering, as GET reads them
    else:
        codes, borrower_name = None, loan.borrower.name
        version = loan.program_version.number if loan.program_version_id else None
        repayments, notices = loan.repayments.all(), loan.notices.all()
        claims = list(scope.claims(p).filter(loan=loan).order_by("id").values_list("code", flat=True))
    return LoanOut(
        **summary(loan, codes), borrower_name=borrower_name, program_version=version,
        exposure=money(loan.exposure), unpaid_interest=money(loan.unpaid_interest), term_months=loan.term_months,
        extended_months=loan.extended_months, guarantee_fee_rate=ratio(loan.guarantee_fee_rate),
        interest_rate=ratio(loan.interest_rate), all_in_cost_rate=ratio(loan.all_in_cost_rate),
        product_type=loan.product_type, guarantee_letter_date=loan.guarantee_letter_date,
        released_on=loan.released_on, facts=common.jsonable(loan.facts or {}),
        claim_conditions=common.jsonable(loan.claim_conditions or {}),
        filing_decision=common.decision(loan.filing_decision),
        repayments=[{"on": r.on, "principal": money(r.principal), "interest": money(r.interest)} for r in repayments],
        notices=[{"kind": n.kind, "article": n.article, "actor": n.actor, "opens_on": n.opens_on,
                  "due_on": n.due_on, "done_on": n.done_on} for n in notices],
        claims=claims)


def visible_loan(request: HttpRequest, code: str) -> Loan:
    """The loan if the token's institution may see it (else 404: nothing says it exists)."""
    p = principal(request)
    common.require_role(p, LOAN_ROLES, "loans")
    return scope.get_or_404(scope.loans(p).select_related("program_version"), code=code)


def loan_fields(item: LoanIn, p: Any) -> dict[str, Any]:
    fields = item.model_dump(exclude_none=True)
    fields.setdefault("lender", p.institution)
    if not fields.get("facts"):
        fields.pop("facts", None)
    return fields


# ----------------------------------------------------------------------------- filing

@router.post("", response={201: LoanOut, **WRITE}, summary="入池备案 / File a loan", operation_id="file_loan")
def file_loan(request: HttpRequest, payload: LoanIn, idempotency_key: Optional[str] = KEY):
    """入池备案：备案规则按备案日期判断；被拒时返回422及理由和条款。

    File one loan (FileLoan). The filing rule decides on the filing date; a refusal is a 422 problem with the
    first blocking reason's code and article, and every blocking reason in ``errors``."""
    p = principal(request)
    command = build(FileLoan, **loan_fields(payload, p))
    result = run(request, command, idempotency_key)
    filed = command.filed
    if filed is not None and filed[0].pk == result["loan"]:  # this request filed it: answer from what it wrote
        return Status(201, detail(filed[0], p, filed=(command, filed[1], filed[2])))
    loan = scope.get_or_404(scope.loans(p).select_related("program_version"), pk=result["loan"])  # a retry
    return Status(201, detail(loan, p))


def _borrower_name(borrower_id: int) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM registry_borrower WHERE id = %s", [borrower_id])
        return cursor.fetchone()[0]


def _batch_body(request: HttpRequest) -> LoanBatchIn:
    """The batch body, read here (not through Django's 2.5 MB request.body limit): at most MAX_BATCH_BYTES."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BATCH_BYTES:
        raise ApiProblem(413, "TOO_LARGE", f"批量请求体不得超过 {MAX_BATCH_BYTES} 字节 / the batch body is over "
                                           f"{MAX_BATCH_BYTES:,} bytes")
    raw = request.read(MAX_BATCH_BYTES + 1)
    if len(raw) > MAX_BATCH_BYTES:
        raise ApiProblem(413, "TOO_LARGE", f"the batch body is over {MAX_BATCH_BYTES:,} bytes")
    if b"\x00" in raw or b"\\u0000" in raw:  # PostgreSQL cannot store it (riskpool.web.nul)
        raise ApiProblem(400, "NUL", "请求含有非法字符（NUL） / the body holds a NUL character")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiProblem(400, "MALFORMED_BODY", "请求体不是有效的JSON / the request body is not valid JSON") from None
    if isinstance(data, dict) and isinstance(data.get("loans"), list) and len(data["loans"]) > MAX_BATCH:
        raise ApiProblem(413, "TOO_LARGE", f"一批至多{MAX_BATCH}笔 / at most {MAX_BATCH:,} loans in a batch, got "
                                           f"{len(data['loans']):,}", field="loans")
    try:
        return LoanBatchIn.model_validate(data)
    except PydanticValidationError as e:
        items = dedupe([{"code": "INVALID_INPUT", "field": field_of_loc(err["loc"]), "detail": err["msg"],
                          "index": err["loc"][1] if len(err["loc"]) > 1 and err["loc"][0] == "loans"
                          and isinstance(err["loc"][1], int) else None}
                         for err in e.errors(include_url=False)])
        first = items[0]
        raise ApiProblem(422, "INVALID_INPUT", f"{first['field']}: {first['detail']}", field=first["field"],
                         errors=items) from None


BATCH_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/LoanBatchIn"}}}}}


@router.post("/batch", response={201: BatchOut, **WRITE}, summary="批量备案 / File a batch of loans",
             operation_id="file_loans_batch", openapi_extra=BATCH_BODY)
def file_batch(request: HttpRequest, idempotency_key: Optional[str] = KEY):
    """批量备案，全部接受或全部拒绝：任一笔被拒则一笔也不备案，返回422并列出每笔被拒的序号、规则代码、条款和字段。

    File up to 10,000 loans, accepted or refused **whole**: one command (``FileLoans``) in one transaction; if any is
    refused, none is filed and the 422 problem lists every refused item (``index``, ``loan``, ``code``,
    ``article``, ``field``). Later items are decided as if the earlier accepted ones were filed (the running
    totals of the batch itself count). With an ``Idempotency-Key``, the same batch sent again answers the first
    result; the same key with another batch is a 409."""
    p = principal(request)
    common.require_role(p, ("lender",), "loans.file_loan")
    body = _batch_body(request)
    commands, invalid = [], []
    for i, item in enumerate(body.loans):
        try:
            commands.append(build(FileLoan, **loan_fields(item, p)))
        except inputs.InputError as e:
            invalid.append({"index": i, "loan": item.code, "code": "INVALID_INPUT",
                            "field": field_of_path(e.path), "detail": str(e)})
    if invalid:
        raise ApiProblem(422, "INVALID_INPUT", f"{len(invalid)} of {len(body.loans)} loans have invalid fields; "
                                               "nothing was filed", field=invalid[0]["field"], errors=invalid)
    key = common.scoped_key(p, idempotency_key)
    digest = hashlib.sha256(json.dumps([c.request() for c in commands], sort_keys=True, default=str,
                                       ensure_ascii=False).encode()).hexdigest()
    others = [i for i, c in enumerate(commands) if c.lender != p.institution]
    if others:
        i = others[0]
        raise ApiProblem(403, "NOT_ALLOWED", f"loans[{i}]: {p.institution} files its own loans, not "
                                             f"{commands[i].lender}'s", errors=[
            {"index": i, "loan": commands[i].code, "code": "NOT_ALLOWED", "detail": "another lender's loan"}
            for i in others])
    with transaction.atomic():
        answer = _batch_answer(key, digest, p)
        if answer is not None:
            return Status(201, answer)
        # one command for the whole batch (riskpool.loans.batch.FileLoans): each loan decided in order by the
        # single filing's own rule, as if filed one by one; any refusal refuses the batch, nothing written
        batch = FileLoans.build(on=max(c.on for c in commands), loans=commands, refusals="raise")
        try:
            with coarse_locks():  # up to 10,000 borrowers: the funds' books' locks stand for theirs (Locks.confined)
                result = dispatch(batch, principal=p, key=key)
        except BatchRefused as e:
            refused = []
            for i, err in e.refused:
                found = refusal(err)
                items = found["errors"] or [{"code": found["code"], "article": found["article"]}]
                refused += [{"index": i, "loan": commands[i].code, "detail": it.get("detail") or str(err),
                             "code": it["code"], "article": it.get("article", ""), "field": ""} for it in items]
            loans_refused = len({r["index"] for r in refused})
            raise ApiProblem(422, "BATCH_REFUSED", f"{loans_refused} of {len(commands)} loans refused; nothing was "
                                                   f"filed. First: loans[{refused[0]['index']}] "
                                                   f"{refused[0]['detail']}",
                             article=refused[0]["article"], errors=refused) from None
        except NotAllowed as e:
            raise ApiProblem(403, "NOT_ALLOWED", str(e), article=e.article) from None
        except NotFound:
            raise ApiProblem(404, "NOT_FOUND", "no such record") from None
        filed = [{"index": i, "code": row["code"], "version": row["version"]} for i, row in enumerate(result["loans"])]
        answer = {"filed": len(filed), "loans": filed}
        if key is not None:
            from riskpool.api.models import ApiBatch

            ApiBatch.objects.create(key=key, actor=p.username, digest=digest, result=answer, created_at=timezone.now())
    return Status(201, answer)


def _batch_answer(key: Optional[str], digest: str, p: Any) -> Optional[dict[str, Any]]:
    """The first answer to this batch key, or None (a new batch); a conflict if the key served another request."""
    if key is None:
        return None
    from riskpool.api.models import ApiBatch
    from riskpool.audit.models import AuditEvent

    existing = ApiBatch.objects.filter(key=key).first()
    if existing is not None:
        if existing.actor != p.username or existing.digest != digest:
            raise IdempotencyConflict("the idempotency key was used before for a different request")
        return existing.result
    if AuditEvent.objects.filter(idempotency_key=key).exists():
        raise IdempotencyConflict("the idempotency key was used before for a single request, not this batch")
    if common.key_used_elsewhere(key):  # an import job's
        raise IdempotencyConflict("the idempotency key was used before for an import, not this batch")
    return None


# ----------------------------------------------------------------------------- the lender's acts on a loan

def _act(request: HttpRequest, code: str, command_class: Any, fields: dict[str, Any],
         key: Optional[str]) -> LoanActionOut:
    p = principal(request)
    loan = visible_loan(request, code)
    command = build(command_class, loan=loan.code, **fields)
    result = run(request, command, key)
    loan = scope.get_or_404(scope.loans(p).select_related("program_version"), pk=loan.pk)
    return LoanActionOut(result=common.jsonable(result), loan=detail(loan, p))


@router.post("/{path:code}/repayments", response={200: LoanActionOut, **WRITE}, summary="还款 / Report a repayment",
             operation_id="repay_loan")
def repay(request: HttpRequest, code: str, payload: RepaymentIn, idempotency_key: Optional[str] = KEY):
    """登记还款（全额还清即解除担保）。Report a repayment (Repay); a loan repaid in full is released."""
    return _act(request, code, Repay, payload.model_dump(exclude_none=True), idempotency_key)


@router.post("/{path:code}/arrears", response={200: LoanActionOut, **WRITE}, summary="逾期报告 / Report arrears",
             operation_id="report_arrears")
def arrears(request: HttpRequest, code: str, payload: ArrearsIn, idempotency_key: Optional[str] = KEY):
    """报告逾期/欠息，随即按项目规定评估处罚。Report arrears (ReportArrears); sanctions are applied at once."""
    return _act(request, code, ReportArrears, payload.model_dump(exclude_none=True), idempotency_key)


@router.post("/{path:code}/extensions", response={200: LoanActionOut, **WRITE}, summary="展期 / Extend a loan",
             operation_id="extend_loan")
def extend(request: HttpRequest, code: str, payload: ExtensionIn, idempotency_key: Optional[str] = KEY):
    """展期（项目允许时）。Extend a loan (Extend), where its program allows it."""
    return _act(request, code, Extend, payload.model_dump(exclude_none=True), idempotency_key)


# ----------------------------------------------------------------------------- reads

@router.get("", response={200: LoanPage, **READ}, summary="本机构的贷款 / Own loans", operation_id="list_loans")
def list_loans(request: HttpRequest, page: int = Query(1, ge=1, le=1_000_000, description="页码 / page"),
               page_size: int = Query(50, ge=1, le=PAGE_SIZE_MAX, description="每页笔数 / per page"),
               program: Optional[str] = Query(None, max_length=60, description="项目代码 / program"),
               status: Optional[str] = Query(None, max_length=20, description="状态 / status")):
    """合作银行看本行贷款，担保机构看所担保的贷款，财政局和资金管理人看全部。

    A lender lists its own loans, a guarantor the loans it guarantees, the bureau and the fund manager all."""
    p = principal(request)
    common.require_role(p, LOAN_ROLES, "loans")
    qs = scope.loans(p)
    if program:
        qs = qs.filter(program__code=program)
    if status:
        qs = qs.filter(status=status)
    count = qs.count()
    start = (page - 1) * page_size
    items = list(qs.order_by("-filed_on", "-id")[start:start + page_size]) if start < count else []
    return LoanPage(count=count, page=page, page_size=page_size,
                    items=[LoanSummary(**summary(loan)) for loan in items])


@router.get("/{path:code}", response={200: LoanOut, **READ}, summary="贷款详情 / A loan", operation_id="get_loan")
def get_loan(request: HttpRequest, code: str):
    """贷款详情，含备案决定的理由和条款。A loan with its filing decision's reasons and articles."""
    return detail(visible_loan(request, code), principal(request))
