"""Reading the audit trail and history. Writing them is the dispatcher's alone (``riskpool.commands``)."""

from __future__ import annotations

from riskpool.audit.models import AuditEvent, HistoryEvent
from riskpool.commands.dispatcher import IdempotencyConflict  # noqa: F401 - re-exported


def trail(subject: str) -> list[AuditEvent]:
    """Every command that changed ``subject`` (e.g. "loan:KZ-001"), oldest first."""
    return list(AuditEvent.objects.filter(subject=subject).order_by("id"))


def history(**codes: str) -> list[HistoryEvent]:
    """Typed events filtered by subject codes (loan=…, claim=…, lender=…, program=…), in date order."""
    return list(HistoryEvent.objects.filter(**codes).order_by("on", "id"))
