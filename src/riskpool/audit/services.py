"""Idempotent, audited service calls: the one way in for every state change (vision.md)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from typing import Any, Callable

from django.db import transaction

from riskpool.audit.models import AuditEvent


class IdempotencyConflict(ValueError):
    """The same idempotency key came with a different request."""


def _hash(request: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(request, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()


def audited(*, key: str | None, action: str, actor: str, on: dt.date, subject: str, request: dict[str, Any],
            run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run ``run`` once per key inside one transaction and record it; a repeat returns the first result.

    ``run`` returns a JSON-able result. Only a client-supplied key deduplicates: without one, every call is a
    new request (two equal repayments on one day are two repayments), recorded under a fresh key.
    """
    digest = _hash({"action": action, "subject": subject, "on": on, **request})
    key = key or f"{action}:{uuid.uuid4()}"
    with transaction.atomic():
        existing = AuditEvent.objects.select_for_update().filter(idempotency_key=key).first()
        if existing is not None:
            if existing.request_hash != digest:
                raise IdempotencyConflict(f"idempotency key {key!r} was used before for a different request "
                                          f"({existing.action} {existing.subject} on {existing.on})")
            return existing.result
        result = run()
        AuditEvent.objects.create(idempotency_key=key, request_hash=digest, action=action, actor=actor, on=on,
                                  subject=subject, detail=json.loads(json.dumps(request, default=str)),
                                  result=result)
        return result
