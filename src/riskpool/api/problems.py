"""Errors as problem details (RFC 9457, ``application/problem+json``): what each refusal becomes.

Every error the API answers has the same shape (:class:`Problem`): ``type`` (a URN naming the kind of problem),
``title`` (Chinese / English), ``status``, ``detail`` (the refusal's own message), ``code`` (the rule's stable
code where a rule refused, else the kind of problem), ``article`` (the article the refusal rests on, where there
is one), ``field`` (the request field that was refused, where there is one) and, where there are several,
``errors`` (each blocking reason, or each refused item of a batch with its ``index``).

========================================  ======  ==========================
what                                       status  code
========================================  ======  ==========================
body is not JSON                           400     MALFORMED_BODY
no / unknown / revoked token               401     UNAUTHENTICATED
the role may not do this (or four eyes)    403     NOT_ALLOWED
another institution's record, or none      404     NOT_FOUND
same idempotency key, other request        409     IDEMPOTENCY_CONFLICT
body or batch too large                    413     TOO_LARGE
a field of the wrong type / unknown field  422     INVALID_INPUT
a value refused by the strict parser       422     INVALID_INPUT
the rules or the state refuse              422     the first blocking reason's code, or REFUSED
a batch with refused loans                 422     BATCH_REFUSED (``errors``: every refused item)
anything else (a bug)                      500     SERVER_ERROR (no traceback, logged)
========================================  ======  ==========================
"""

from __future__ import annotations

import json
import logging
from typing import Any, Optional

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import Field

from riskpool import inputs
from riskpool.accounts.authorize import NotAllowed, NotFound
from riskpool.commands.dispatcher import CommandError, IdempotencyConflict

logger = logging.getLogger("riskpool.api")

MEDIA_TYPE = "application/problem+json"

TITLES = {
    400: "请求格式有误 / Malformed request",
    401: "未认证 / Not authenticated",
    403: "无权进行此操作 / Not allowed",
    404: "未找到 / Not found",
    405: "不支持此方法 / Method not allowed",
    409: "幂等键冲突 / Idempotency key conflict",
    413: "请求过大 / Request too large",
    422: "未能办理 / Unprocessable request",
    500: "系统错误 / Server error",
}
KINDS = {400: "malformed", 401: "unauthenticated", 403: "not-allowed", 404: "not-found", 405: "method-not-allowed",
         409: "idempotency-conflict", 413: "too-large", 422: "unprocessable", 500: "server-error"}


class ProblemItem(Schema):
    """One reason or one refused item: a rule's code and article, the field, the message, the batch index."""

    index: Optional[int] = Field(None, description="批量中的序号（从0起） / the item's index in a batch (from 0)")
    loan: Optional[str] = Field(None, description="贷款合同编号 / the loan's code (batch items)")
    code: str = Field(description="规则代码 / the rule's stable code")
    article: str = Field("", description="依据条款 / the article the reason rests on")
    field: str = Field("", description="出错字段 / the refused field")
    detail: str = Field("", description="说明 / the message")


class Problem(Schema):
    """RFC 9457 problem details (``application/problem+json``)."""

    type: str = Field(description="问题类型（URN） / the kind of problem, a URN")
    title: str = Field(description="标题（中文 / English） / short title")
    status: int = Field(description="HTTP 状态码 / the HTTP status")
    detail: str = Field(description="说明 / what went wrong, for this request")
    code: str = Field(description="规则代码或问题代码 / the rule's code, or the kind of problem")
    article: str = Field("", description="依据条款 / the article the refusal rests on")
    field: str = Field("", description="出错字段 / the refused request field")
    errors: list[ProblemItem] = Field(default_factory=list,
                                      description="全部阻断理由或批量中全部被拒条目 / every blocking reason, or "
                                                  "every refused batch item")


class ApiProblem(Exception):
    """Raised by a view to answer a problem directly."""

    def __init__(self, status: int, code: str, detail: str, *, article: str = "", field: str = "",
                 errors: list[dict[str, Any]] | None = None):
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail
        self.article, self.field, self.errors = article, field, errors or []


def problem(status: int, code: str, detail: str, *, article: str = "", field: str = "",
            errors: list[dict[str, Any]] | None = None) -> HttpResponse:
    body = {"type": f"urn:riskpool:problem:{KINDS.get(status, 'error')}", "title": TITLES.get(status, str(status)),
            "status": status, "detail": detail, "code": code, "article": article or "", "field": field or "",
            "errors": [ProblemItem(**e).model_dump() for e in (errors or [])]}
    response = HttpResponse(json.dumps(body, ensure_ascii=False), status=status,
                            content_type=f"{MEDIA_TYPE}; charset=utf-8")
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="riskpool"'
    return response


# ----------------------------------------------------------------------------- the mapping

def field_of_path(path: str) -> str:
    """The request field an InputError names: ``loans.file_loan.amount`` → ``amount`` (the command's action
    prefix dropped), ``loans.file_loan.facts.x`` → ``facts.x``."""
    parts = [p for p in (path or "").split(".") if p]
    if len(parts) >= 3 and parts[0] in ACTION_AREAS:
        parts = parts[2:]
    return ".".join(parts)


ACTION_AREAS = ("loans", "claims", "registry", "programs")


def blocking_reasons(decision: Any) -> list[dict[str, Any]]:
    if decision is None:
        return []
    reasons = decision.as_dict()["reasons"] if hasattr(decision, "as_dict") else (decision or {}).get("reasons", [])
    return [r for r in reasons if r.get("blocking", True)]


def refusal_items(e: Exception) -> list[dict[str, Any]]:
    """A domain refusal's blocking reasons as problem items (empty when it carries no decision)."""
    return [{"code": r.get("code", "REFUSED"), "article": r.get("article", ""), "detail": r.get("message", "")}
            for r in blocking_reasons(getattr(e, "decision", None))]


def refusal(e: Exception) -> dict[str, Any]:
    """code, article and errors of a LoanError / ClaimError / RegistryError."""
    items = refusal_items(e)
    first = items[0] if items else {}
    return {"code": first.get("code", "REFUSED"), "article": first.get("article") or getattr(e, "article", "") or "",
            "errors": items}


def input_error(e: inputs.InputError) -> dict[str, Any]:
    return {"field": field_of_path(e.path)}


_UNION_TAGS = {"str", "int", "float", "bool", "list", "dict", "none", "null"}


def field_of_loc(loc: Any) -> str:
    """A pydantic error location as a request field: the union branch tags pydantic adds (``term_months.int``,
    ``amount.function-after[...]``) dropped, so that the field is the one the client wrote."""
    parts = [str(x) for x in loc if not (isinstance(x, str) and (x in _UNION_TAGS or "[" in x))]
    return ".".join(parts)


def dedupe(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One item per field (a value that fits none of a union's types fails each of them)."""
    seen, out = set(), []
    for item in items:
        if (item.get("index"), item["field"]) not in seen:
            seen.add((item.get("index"), item["field"]))
            out.append(item)
    return out


def _validation_detail(errors: list[dict[str, Any]]) -> tuple[str, str, list[dict[str, Any]]]:
    items = []
    for err in errors:
        loc = list(err.get("loc", ()))
        # ("body", "payload", "amount") → amount; ("query", "page") → page; ("header", "Idempotency-Key")
        if loc and loc[0] == "body":
            loc = loc[2:] if len(loc) > 2 else loc[1:]
        elif loc:
            loc = loc[1:]
        items.append({"code": "INVALID_INPUT", "field": field_of_loc(loc), "detail": str(err.get("msg", ""))})
    items = dedupe(items)
    first = items[0] if items else {"field": "", "detail": "invalid request"}
    detail = f"{first['field']}: {first['detail']}" if first["field"] else first["detail"]
    return detail, first["field"], items


def install(api: Any) -> None:
    """Register the handlers on the NinjaAPI: every error becomes a problem, never a traceback."""

    def on_problem(request: HttpRequest, exc: ApiProblem) -> HttpResponse:
        return problem(exc.status, exc.code, exc.detail, article=exc.article, field=exc.field, errors=exc.errors)

    def on_authentication(request: HttpRequest, exc: Exception) -> HttpResponse:
        return problem(401, "UNAUTHENTICATED", "需要有效的接口令牌 (Authorization: Bearer <token>) / a valid, "
                                              "unrevoked bearer token is required")

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400:
            return problem(400, "MALFORMED_BODY", "请求体不是有效的JSON / the request body is not valid JSON")
        code = {401: "UNAUTHENTICATED", 403: "NOT_ALLOWED", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED",
                413: "TOO_LARGE"}.get(exc.status_code, "ERROR")
        return problem(exc.status_code, code, str(exc))

    def on_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        detail, field, items = _validation_detail(list(exc.errors))
        return problem(422, "INVALID_INPUT", detail, field=field, errors=items)

    def on_input(request: HttpRequest, exc: inputs.InputError) -> HttpResponse:
        return problem(422, "INVALID_INPUT", str(exc), **input_error(exc))

    def on_refusal(request: HttpRequest, exc: Exception) -> HttpResponse:
        return problem(422, detail=str(exc), **refusal(exc))

    def on_not_allowed(request: HttpRequest, exc: Exception) -> HttpResponse:
        return problem(403, "NOT_ALLOWED", str(exc) or "not allowed", article=getattr(exc, "article", ""))

    def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        # never the message: it must not say whether another institution's record exists
        return problem(404, "NOT_FOUND", "没有此记录 / no such record")

    def on_conflict(request: HttpRequest, exc: Exception) -> HttpResponse:
        return problem(409, "IDEMPOTENCY_CONFLICT", str(exc))

    def on_command_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        return problem(422, "INVALID_INPUT", str(exc))

    def on_too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
        return problem(413, "TOO_LARGE", "请求体过大 / the request body is too large")

    def on_suspicious(request: HttpRequest, exc: Exception) -> HttpResponse:
        return problem(400, "MALFORMED_BODY", "请求无效 / the request could not be read")

    def on_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("API error on %s %s", request.method, request.path, exc_info=exc)
        return problem(500, "SERVER_ERROR", "系统错误，已记录 / an unexpected error; it has been logged")

    from riskpool.claims.commands import ClaimError
    from riskpool.loans.commands import LoanError
    from riskpool.registry.commands import RegistryError

    api.add_exception_handler(Exception, on_error)
    api.add_exception_handler(ApiProblem, on_problem)
    api.add_exception_handler(AuthenticationError, on_authentication)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(NinjaValidationError, on_validation)
    api.add_exception_handler(inputs.InputError, on_input)
    for cls in (LoanError, ClaimError, RegistryError):
        api.add_exception_handler(cls, on_refusal)
    api.add_exception_handler(NotAllowed, on_not_allowed)
    api.add_exception_handler(PermissionDenied, on_not_allowed)
    api.add_exception_handler(NotFound, on_not_found)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(IdempotencyConflict, on_conflict)
    api.add_exception_handler(CommandError, on_command_error)
    api.add_exception_handler(RequestDataTooBig, on_too_big)
    api.add_exception_handler(SuspiciousOperation, on_suspicious)
