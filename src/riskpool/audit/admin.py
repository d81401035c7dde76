"""The audit trail in the admin: read-only (append-only by design, and by trigger on PostgreSQL)."""

from django.contrib import admin

from riskpool.audit.models import AuditEvent, HistoryEvent
from riskpool.ledger.admin import ReadOnlyAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "on", "action", "subject", "actor", "created_at")
    list_filter = ("action",)
    search_fields = ("subject", "actor", "idempotency_key")


@admin.register(HistoryEvent)
class HistoryEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "on", "kind", "fund", "program", "lender", "loan", "claim", "amount", "article")
    list_filter = ("kind",)
