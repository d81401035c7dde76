"""What the platform itself stores: the documents a lender uploads with a claim (代偿申请材料).

The file lies under ``settings.MEDIA_ROOT`` (named by its SHA-256, so a file is stored once however often it is
uploaded); the row keeps who uploaded it and when, the original name, the content type found from the file's
own bytes (PDF, JPEG or PNG: ``riskpool.web.uploads``), its size and checksum. A row is written only together
with the claim command it belongs to, in one transaction; nothing is edited afterwards.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from riskpool.claims.models import Claim


class ClaimDocument(models.Model):
    """One uploaded document of a claim: ``document`` is a code of the program's ``claims.documents``."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="uploaded_documents")
    loan_code = models.CharField(max_length=60, help_text="the claimed loan's code (as the claim had it)")
    document = models.CharField(max_length=60, help_text="the policy's document code (claims.documents)")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, help_text="found from the file's bytes, not its name")
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    stored_path = models.CharField(max_length=300, help_text="relative to settings.MEDIA_ROOT")
    uploaded_by = models.CharField(max_length=150)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            # a repeated (idempotent) submission does not record the same file twice
            models.UniqueConstraint(fields=["claim", "document", "sha256"], name="web_claimdocument_once"),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id}/{self.document}: {self.original_name}"
