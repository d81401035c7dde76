"""Audit trail (审计记录): one row per state change, written by the service that made it, in the same
transaction. The idempotency key makes a repeated request return the first result."""

from django.db import models


class AuditEvent(models.Model):
    idempotency_key = models.CharField(max_length=200, unique=True)
    request_hash = models.CharField(max_length=64)
    action = models.CharField(max_length=60)  # e.g. "loans.file_loan"
    actor = models.CharField(max_length=120)
    on = models.DateField(help_text="business date of the event")
    subject = models.CharField(max_length=200, help_text="what was changed, e.g. loan:KZ-001")
    detail = models.JSONField(default=dict)
    result = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.on} {self.action} {self.subject} by {self.actor}"
