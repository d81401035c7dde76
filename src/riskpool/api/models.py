"""What the API stores: its bearer tokens (接口令牌) and the batches it has filed.

A token belongs to one institution and acts in that institution's role (its kind). Only a SHA-256 digest of
the secret is stored, with its first eight characters (the prefix) to find it by; the secret itself is shown
once, when the token is made (``riskpool.api.tokens.create_token``), and can never be read back. A token is
revoked by setting ``revoked_at``; it is never deleted, so the audit trail's ``api:<institution>:<prefix>``
actors stay explained.

A batch filing (``POST /api/loans/batch``) records one :class:`ApiBatch` row with its idempotency key, in the
same transaction as its loans: a retry of the same batch answers the first result, the same key with another
batch is a conflict, and a refused batch leaves no row (nothing was filed).
"""

from __future__ import annotations

from django.db import models

from riskpool.registry.models import Institution


class ApiToken(models.Model):
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="what the token is for, e.g. the lender's core system")
    prefix = models.CharField(max_length=8, unique=True, help_text="the secret's first 8 characters (lookup)")
    digest = models.CharField(max_length=64, help_text="SHA-256 of the secret, hex; the secret is never stored")
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "接口令牌"

    def __str__(self) -> str:
        return f"{self.prefix}… @ {self.institution.code} ({self.name})"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class ApiBatch(models.Model):
    """One accepted batch filing: its key (unique per institution), who sent it, the request's digest and the
    answer given — a retry with the same key and the same batch gets this answer again."""

    key = models.CharField(max_length=200, unique=True)
    actor = models.CharField(max_length=120)
    digest = models.CharField(max_length=64)
    result = models.JSONField(default=dict)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        verbose_name = "批量备案"

    def __str__(self) -> str:
        return self.key
