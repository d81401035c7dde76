"""Imports (批量导入): a lender's CSV or XLSX of loans, repayments or arrears, imported as a background job.

``POST /api/imports/{kind}`` (multipart, the file in the part ``file``) checks the file's kind and header at
once, stores it and queues the job: ``202 Accepted`` with the job and its ``Location``. ``GET
/api/imports/{id}`` is where the job stands — status, rows checked of the total, percent — and, once it ended,
the summary and every refused row (row, column, value, rule, article, message). The job is the same as the
import page's (``riskpool.jobs``): the rules of a single filing for every row, all or nothing, a lender's own
rows only. Another institution's job is a 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from django.http import HttpRequest, HttpResponse
from ninja import Header, Path, Query, Router, Schema, Status
from pydantic import Field

from riskpool.accounts.principal import Principal
from riskpool.api import common
from riskpool.api.common import KEY_DESCRIPTION, KEY_HEADER, principal
from riskpool.api.problems import ApiProblem
from riskpool.api.responses import READ, WRITE
from riskpool.commands.dispatcher import IdempotencyConflict
from riskpool.jobs.models import ImportJob
from riskpool.jobs.services import JobRefused, create_job, figure, visible_jobs
from riskpool.jobs.uploads import guard
from riskpool.web import scope

router = Router(tags=["批量导入 Imports"])
KEY = Header(None, alias=KEY_HEADER, description=KEY_DESCRIPTION, pattern=r"^[A-Za-z0-9._~-]{1,100}$")
KIND_PATTERN = r"^(loans|repayments|arrears)$"


class ImportErrorOut(Schema):
    """One refused row: where, what, by which rule (the same columns as ``riskpool import --report``)."""

    row: int = Field(description="行号（表头为第1行） / the row, as a spreadsheet numbers it (the header is row 1)")
    column: str = Field("", description="列 / the column")
    value: str = Field("", description="单元格内容 / the cell's text")
    rule: str = Field(description="规则代码 / the rule's stable code (INPUT, REQUIRED, a filing rule's code, …)")
    article: str = Field("", description="依据条款 / the article the refusal rests on")
    message: str = Field("", description="说明 / the message")


class ImportJobOut(Schema):
    """An import job: where it stands and, once ended, its outcome."""

    id: int = Field(description="任务编号 / the job's id")
    kind: str = Field(description="loans | repayments | arrears")
    status: str = Field(description="queued | running | done | refused | failed")
    file_name: str = Field(description="上传的文件名 / the uploaded file's name")
    sha256: str
    created_at: dt.datetime
    started_at: Optional[dt.datetime] = None
    finished_at: Optional[dt.datetime] = None
    rows_total: Optional[int] = Field(None, description="数据行数（读完后） / data rows, once counted")
    rows_checked: int = Field(description="已检查行数 / rows checked so far")
    percent: Optional[int] = Field(None, description="进度百分比 / rows checked of the total, in percent")
    imported: int = Field(description="已导入行数 / rows imported (0 unless done)")
    bad_rows: int = Field(description="被拒行数 / refused rows")
    already: bool = Field(description="此文件此前已导入，未写入 / the same file was imported before: nothing written")
    summary: str = Field("", description="结果摘要 / the outcome in one line")
    errors: list[ImportErrorOut] = Field(default_factory=list, description="被拒各行 / every refused row")
    url: str = Field(description="本任务的地址 / this job's URL")


class ImportJobPage(Schema):
    jobs: list[ImportJobOut]


def job_out(job: ImportJob) -> dict[str, Any]:
    f = figure(job)
    return {"id": job.pk, "kind": job.kind, "status": job.status, "file_name": job.file_name, "sha256": job.sha256,
            "created_at": job.created_at, "started_at": job.started_at, "finished_at": job.finished_at,
            "rows_total": f["rows_total"], "rows_checked": f["rows_checked"], "percent": f["percent"],
            "imported": job.imported, "bad_rows": job.bad_rows, "already": job.already, "summary": job.summary,
            "errors": [{k: e.get(k, "") for k in ("row", "column", "value", "rule", "article", "message")}
                       for e in job.errors or []],
            "url": f"/api/imports/{job.pk}"}


MULTIPART = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary",
                            "description": "CSV（UTF-8）或 XLSX，首行为列名 / a CSV (UTF-8) or XLSX file; the first "
                                           "row names the columns (docs/import.md)"}}}}}}}


def _key(p: Principal, idempotency_key: Optional[str]) -> Optional[str]:
    from riskpool.api.models import ApiBatch
    from riskpool.audit.models import AuditEvent

    key = common.scoped_key(p, idempotency_key)
    if key is not None and (ApiBatch.objects.filter(key=key).exists()
                            or AuditEvent.objects.filter(idempotency_key=key).exists()):
        raise IdempotencyConflict(f"idempotency key {idempotency_key!r} was used before for another request")
    return key


JOB_ID = Path(..., ge=1, le=2**63 - 1, description="任务编号 / the job's id")


# the job's path first: /imports/17 is a job, not a kind of import (a kind is a word)
@router.get("/{int:job_id}", response={200: ImportJobOut, **READ}, summary="导入任务 / An import job",
            operation_id="get_import")
def get_import(request: HttpRequest, job_id: int = JOB_ID):
    """导入任务的状态、进度和结果（被拒各行：行、列、值、规则代码、条款、说明）。其他机构的任务为404。

    Where the job stands (``queued``, ``running`` with ``rows_checked`` of ``rows_total`` and ``percent``) and,
    once it ended, the outcome: ``done`` (``imported`` rows, or ``already``), ``refused`` (every refused row in
    ``errors``: row, column, value, rule, article, message; nothing imported), ``failed``. The finance bureau
    and the fund manager may read every job; another institution's job is a 404."""
    job = scope.get_or_404(visible_jobs(principal(request)), pk=job_id)
    return job_out(job)


@router.post("/{kind}", response={202: ImportJobOut, **WRITE}, summary="批量导入 / Import a file",
             operation_id="create_import", openapi_extra=MULTIPART)
def create_import(request: HttpRequest, kind: str, response: HttpResponse, idempotency_key: Optional[str] = KEY):
    """上传 CSV 或 XLSX 文件（multipart，字段 file），后台导入：每行按单笔备案的规则检查，全部或全不；只能导入本机构的行。
    文件类型或表头有误时立即返回422，不排入任务。返回202及任务地址（Location）。

    Upload a CSV or XLSX file (multipart, part ``file``) of ``loans``, ``repayments`` or ``arrears`` to import in
    the background: every row checked by the rules of a single filing, all or nothing, the token's institution's
    own rows only (a row naming another institution refuses the whole file). A file that is no spreadsheet or
    whose header is wrong is a 422 at once (``field``: the column), a file over the size limit a 413; nothing is
    queued then. Otherwise ``202 Accepted`` with the job, and ``Location: /api/imports/{id}``. With an
    ``Idempotency-Key``, the same file sent again answers the same job; the key with another file is a 409.
    (The same file under a new key is a new job that ends ``done`` with ``already: true``: nothing is imported
    twice.)"""
    p = principal(request)
    common.require_role(p, ("lender",), "imports")
    if kind not in ("loans", "repayments", "arrears"):
        raise ApiProblem(404, "NOT_FOUND", "没有此导入类别 / no such kind of import: loans, repayments or arrears")
    key = _key(p, idempotency_key)
    try:
        handler = guard(request)
        request.POST  # noqa: B018 - the body, read under the size check
        if handler.refusal is not None:
            raise handler.refusal
        upload = request.FILES.get("file")
        if upload is None:
            raise ApiProblem(422, "INVALID_INPUT", "file: 需要上传文件（multipart 字段 file） / a file is required "
                                                   "(the multipart part 'file')", field="file")
        job, _created = create_job(p, kind, upload.chunks(), upload.name, via="api", key=key)
    except JobRefused as e:
        status = 413 if e.status == 413 else 422
        raise ApiProblem(status, "TOO_LARGE" if status == 413 else "FILE_REFUSED", e.message,
                         field=e.column or "file") from None
    response["Location"] = f"/api/imports/{job.pk}"
    return Status(202, job_out(job))


@router.get("", response={200: ImportJobPage, **READ}, summary="导入任务列表 / Import jobs",
            operation_id="list_imports")
def list_imports(request: HttpRequest, limit: int = Query(50, ge=1, le=200, description="至多几个 / at most")):
    """本机构的导入任务，最新在前。The token's institution's import jobs, newest first."""
    jobs = visible_jobs(principal(request)).order_by("-id")[:limit]
    return {"jobs": [job_out(j) for j in jobs]}
