"""What every endpoint shares: the bearer authentication, the principal, idempotency keys, running a command
through the one dispatcher, the role checks of reads, and turning records into response bodies."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any, Optional

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from riskpool import inputs
from riskpool.accounts.authorize import NotAllowed
from riskpool.accounts.principal import Principal
from riskpool.commands import dispatch
from riskpool.commands.dispatcher import IdempotencyConflict

KEY_HEADER = "Idempotency-Key"
KEY_PATTERN = re.compile(r"[A-Za-z0-9._~-]{1,100}", re.ASCII)
KEY_DESCRIPTION = ("幂等键：同一键同一请求返回首次结果，同一键不同请求返回409 / the same key with the same request "
                   "answers the first result; with another request, 409. 1–100 characters A-Z a-z 0-9 . _ ~ -")
LOAN_ROLES = ("finance_bureau", "fund_manager", "lender", "guarantor")
OVERSEERS = ("finance_bureau", "fund_manager")
ROLE_NAMES = {"finance_bureau": "财政局", "fund_manager": "资金管理人", "industry_department": "行业主管部门",
              "lender": "合作银行", "guarantor": "担保/保险机构"}


class BearerToken(HttpBearer):
    """``Authorization: Bearer <token>`` → the token's principal (``riskpool.api.tokens``)."""

    def authenticate(self, request: HttpRequest, token: str) -> Optional[Principal]:
        from riskpool.api.tokens import principal_of

        return principal_of(token.strip())


def principal(request: HttpRequest) -> Principal:
    return request.auth  # type: ignore[attr-defined]


def require_role(p: Principal, roles: tuple[str, ...], what: str) -> None:
    if p.role not in roles:
        names = "、".join(ROLE_NAMES.get(r, r) for r in roles)
        raise NotAllowed(f"{what}: for {names}, not for {ROLE_NAMES.get(p.role, p.role)} ({p.institution})")


def scoped_key(p: Principal, key: Optional[str]) -> Optional[str]:
    """The dispatcher's key for a client's ``Idempotency-Key``: in the institution's own key space
    (``api:<institution>:<key>``), so that one institution's keys never meet another's."""
    if key is None:
        return None
    if not KEY_PATTERN.fullmatch(key):
        raise inputs.InputError(KEY_HEADER, key, "1 to 100 characters: A-Z a-z 0-9 . _ ~ -")
    return f"api:{p.institution}:{key}"


def run(request: HttpRequest, command: Any, key: Optional[str]) -> dict[str, Any]:
    """Run ``command`` for the token's principal through the one dispatcher (authorisation is its own)."""

    p = principal(request)
    dispatch_key = scoped_key(p, key)
    if dispatch_key is not None:
        used_for = key_used_elsewhere(dispatch_key)
        if used_for:
            raise IdempotencyConflict(f"idempotency key {key!r} was used before for {used_for}")
    return dispatch(command, principal=p, key=dispatch_key)


def key_used_elsewhere(scoped: str) -> Optional[str]:
    """What else a scoped key served, besides the dispatcher's own commands: a batch of loans or an import job
    (each keeps its key in its own table); None if nothing."""
    from riskpool.api.models import ApiBatch
    from riskpool.jobs.models import ImportJob

    if ApiBatch.objects.filter(key=scoped).exists():
        return "a batch"
    if ImportJob.objects.filter(idempotency_key=scoped).exists():
        return "an import"
    return None


def build(command_class: Any, **fields: Any) -> Any:
    """The command from the request's fields (those not given keep the command's defaults); the date of the
    act defaults to today."""
    fields = {k: v for k, v in fields.items() if v is not None}
    fields.setdefault("on", timezone.localdate())
    return command_class.build(**fields)


def parse_day(value: Optional[str], what: str = "on") -> dt.date:
    return timezone.localdate() if value in (None, "") else inputs.date(value, what)


# ----------------------------------------------------------------------------- values in responses

def money(value: Any) -> Optional[str]:
    if value is None:
        return None
    return f"{Decimal(value).quantize(Decimal('0.01')):f}"


def ratio(value: Any) -> Optional[str]:
    if value is None:
        return None
    d = Decimal(value)
    return f"{d.normalize():f}" if d else "0"


def decision(stored: Any) -> dict[str, Any]:
    """A Decision (or its stored dict) as the response's DecisionOut."""
    if stored is None:
        return {}
    d = stored.as_dict() if hasattr(stored, "as_dict") else dict(stored or {})
    return {"outcome": str(d.get("outcome") or ""), "reasons": [
        {"code": str(r.get("code", "")), "article": str(r.get("article", "") or ""),
         "message": str(r.get("message", "") or ""), "blocking": bool(r.get("blocking", True))}
        for r in d.get("reasons") or []],
        "amounts": {str(k): str(v) for k, v in (d.get("amounts") or {}).items()},
        "details": _jsonable(d.get("details") or {})}


def _jsonable(value: Any) -> Any:
    import json

    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def jsonable(value: Any) -> Any:
    return _jsonable(value)
