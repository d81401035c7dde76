"""The chain: one ``ChainLink`` per sealed row, numbered 1, 2, 3 … within its stream, and one ``ChainHead`` per
stream (the last seq and MAC, and the row that writers lock to append to the stream one at a time).

Links are append-only (on PostgreSQL a trigger refuses UPDATE and DELETE); the head is updated on every seal.
Written only by ``riskpool.integrity.chain.seal``.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class ChainHead(models.Model):
    stream = models.CharField(max_length=200, unique=True)
    seq = models.BigIntegerField(default=0, help_text="seq of the stream's last link (0: none yet)")
    mac = models.CharField(max_length=64, blank=True, default="", help_text="MAC of the stream's last link")

    class Meta:
        verbose_name = "链头 (chain head)"
        verbose_name_plural = "链头 (chain heads)"

    def __str__(self) -> str:
        return f"{self.stream} @{self.seq}"


class ChainLink(models.Model):
    stream = models.CharField(max_length=200)
    seq = models.BigIntegerField()
    table = models.CharField(max_length=100, help_text="the sealed row's table (db_table)")
    row_pk = models.BigIntegerField()
    digest = models.CharField(max_length=64, help_text="SHA-256 of the canonical JSON of the row's content")
    mac = models.CharField(max_length=64, help_text="HMAC-SHA256(key, prev mac | table | pk | digest)")
    sealed_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "链节 (chain link)"
        verbose_name_plural = "链节 (chain links)"
        ordering = ["stream", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["stream", "seq"], name="integrity_link_unique_seq"),
            models.UniqueConstraint(fields=["table", "row_pk"], name="integrity_link_one_per_row"),
        ]

    def __str__(self) -> str:
        return f"{self.stream}#{self.seq} {self.table}:{self.row_pk}"
