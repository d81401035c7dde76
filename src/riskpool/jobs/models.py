"""One row per background import (导入任务): asked for by a lender's user on the import page or by its API
token; run by a worker; read by the uploader's institution and, read-only, by the finance bureau and the fund
manager (``riskpool.jobs.services.visible_jobs``).

The row is written when the job is created (queued), when a worker takes it (running) and when the import has
returned (done / refused / failed, the counts and the report). While it runs, its progress lives in a file
(``riskpool.jobs.progress``), not here: the import's one transaction would hide or block it.
"""

from __future__ import annotations

from django.db import models

from riskpool.registry.models import Institution


class ImportJob(models.Model):
    QUEUED, RUNNING, DONE, REFUSED, FAILED = "queued", "running", "done", "refused", "failed"
    STATUSES = [(QUEUED, "排队中"), (RUNNING, "导入中"), (DONE, "已完成"), (REFUSED, "已拒绝"), (FAILED, "出错")]
    FINISHED = (DONE, REFUSED, FAILED)
    KINDS = [("loans", "贷款"), ("repayments", "还款"), ("arrears", "逾期")]

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="import_jobs")
    created_by = models.CharField(max_length=120, help_text="the user (or the API token's institution) who asked")
    via = models.CharField(max_length=10, default="web", help_text="web or api")
    kind = models.CharField(max_length=20, choices=KINDS)
    file_name = models.CharField(max_length=255, help_text="the uploaded file's own name (shown, never a path)")
    stored = models.CharField(max_length=200, help_text="the stored file, relative to RISKPOOL_JOBS_DIR")
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.BigIntegerField(default=0)
    status = models.CharField(max_length=10, choices=STATUSES, default=QUEUED, db_index=True)
    rows_total = models.IntegerField(null=True, blank=True, help_text="data rows in the file (known once read)")
    rows_checked = models.IntegerField(default=0)
    imported = models.IntegerField(default=0)
    bad_rows = models.IntegerField(default=0)
    already = models.BooleanField(default=False, help_text="the same file was imported before: nothing written")
    summary = models.TextField(blank=True, default="")
    errors = models.JSONField(default=list, blank=True,
                              help_text="the bad-row report: row, column, value, rule, article, message")
    task_id = models.CharField(max_length=64, blank=True, default="", help_text="the task backend's id")
    idempotency_key = models.CharField(max_length=200, null=True, blank=True, unique=True,
                                       help_text="api:<institution>:<Idempotency-Key> of an API request")
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "导入任务"
        verbose_name_plural = "导入任务"
        indexes = [models.Index(fields=["institution", "-id"], name="jobs_institution_recent")]

    def __str__(self) -> str:
        return f"import job {self.pk} ({self.kind}, {self.status})"

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED
