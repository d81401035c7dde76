"""Audit trail (审计记录) and history (业务事件), both written by the dispatcher in the command's transaction.

* :class:`AuditEvent`: one row per command — who, when, the request, the result, and every row's fields
  before and after. Its idempotency key makes a repeated request return the first result.
* :class:`HistoryEvent`: typed business events (``riskpool.audit.history.KINDS``) with their subject codes
  and amount, which reports and figures read to know the past.

Both are append-only (on PostgreSQL also by trigger) and hash-chained (``riskpool.integrity``).
"""

from django.db import models

from riskpool.audit.history import KINDS


class AuditEvent(models.Model):
    idempotency_key = models.CharField(max_length=200, unique=True)
    request_hash = models.CharField(max_length=64)
    action = models.CharField(max_length=60)  # e.g. "loans.file_loan"
    actor = models.CharField(max_length=120)
    on = models.DateField(help_text="business date of the event")
    subject = models.CharField(max_length=200, help_text="what was changed, e.g. loan:KZ-001")
    detail = models.JSONField(default=dict)
    result = models.JSONField(default=dict)
    changes = models.JSONField(default=list, blank=True, help_text="rows changed: label, before, after")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.on} {self.action} {self.subject} by {self.actor}"


class HistoryEvent(models.Model):
    kind = models.CharField(max_length=40, choices=[(k, k) for k in KINDS])
    on = models.DateField(db_index=True)
    fund = models.CharField(max_length=60, blank=True)
    program = models.CharField(max_length=60, blank=True)
    lender = models.CharField(max_length=60, blank=True)
    borrower = models.CharField(max_length=40, blank=True)
    loan = models.CharField(max_length=60, blank=True, db_index=True)
    claim = models.CharField(max_length=80, blank=True)
    agreement = models.BigIntegerField(null=True, blank=True, db_index=True)
    amount = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    article = models.CharField(max_length=60, blank=True)
    data = models.JSONField(default=dict, blank=True)
    audit = models.ForeignKey(AuditEvent, on_delete=models.PROTECT, related_name="history")

    class Meta:
        ordering = ["on", "id"]
        indexes = [models.Index(fields=["kind", "on"], name="history_kind_on"),
                   models.Index(fields=["program", "on"], name="history_program_on"),
                   models.Index(fields=["fund", "on"], name="history_fund_on")]

    def __str__(self) -> str:
        return f"{self.on} {self.kind}"
