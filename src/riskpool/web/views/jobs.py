"""Pages: bulk import in the browser (批量导入) — the upload form, the jobs list, a job's page with its progress
figure and, at the end, its summary and bad-row report (a table and a CSV download).

A lender's user imports rows of its own institution (``riskpool.jobs.services``: the whole file is refused if
a row names another institution). The upload is read in chunks and stopped at the size limit; its kind and
header are checked before anything is queued; the import itself is a background job (``riskpool.jobs``), and
its page refreshes itself every two seconds while it runs (a ``<meta http-equiv="refresh">``: no script).
Who sees a job: the uploader's institution, and the finance bureau and the fund manager (read-only); for
everyone else it does not exist (404)."""

from __future__ import annotations

import io
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from riskpool.jobs.models import ImportJob
from riskpool.jobs.services import JobRefused, create_job, figure, max_bytes, visible_jobs
from riskpool.jobs.uploads import ImportUploadHandler, guard
from riskpool.web import scope
from riskpool.web.uploads import human_size
from riskpool.web.views.common import roles

READERS = ("lender", "finance_bureau", "fund_manager")
SHOWN_JOBS = 100

KIND_LABELS = {"loans": gettext_lazy("贷款（入池备案）"), "repayments": gettext_lazy("还款"),
               "arrears": gettext_lazy("逾期报告")}
STATUS_LABELS = {ImportJob.QUEUED: gettext_lazy("排队中"), ImportJob.RUNNING: gettext_lazy("导入中"),
                 ImportJob.DONE: gettext_lazy("已完成"), ImportJob.REFUSED: gettext_lazy("已拒绝"),
                 ImportJob.FAILED: gettext_lazy("出错")}
PHASE_LABELS = {"queued": gettext_lazy("排队等待后台任务处理"), "verifying": gettext_lazy("正在核对各行是否属于本机构"),
                "reading": gettext_lazy("正在读取文件、清点行数"), "checking": gettext_lazy("正在逐行按规则检查"),
                "running": gettext_lazy("正在导入"), "finished": gettext_lazy("已结束")}


def _form(request: HttpRequest, *, kind: str = "", error: str = "", status: int = 200) -> HttpResponse:
    return render(request, "web/jobs/import.html", {
        "kinds": list(KIND_LABELS.items()), "kind": kind, "error": error, "limit": human_size(max_bytes())},
        status=status)


@csrf_exempt  # the body is read under the size check first; CSRF is checked right after (csrf_protect)
@roles("lender")
def import_page(request: HttpRequest) -> HttpResponse:
    handler = None
    if request.method == "POST":
        try:
            handler = guard(request)
        except JobRefused as e:  # declared too large: answered without reading the body
            return _form(request, error=e.message, status=e.status)
    return _import_page(request, handler)


@csrf_protect
def _import_page(request: HttpRequest, handler: ImportUploadHandler | None) -> HttpResponse:
    if request.method != "POST":
        return _form(request, kind=request.GET.get("kind", ""))
    request.POST  # noqa: B018 - parsed under the size check (csrf_protect has read it already)
    kind = request.POST.get("kind", "")
    if handler is not None and handler.refusal is not None:
        return _form(request, kind=kind, error=handler.refusal.message, status=handler.refusal.status)
    if kind not in KIND_LABELS:
        return _form(request, error=gettext("请选择导入类别（贷款、还款或逾期报告）。"), status=400)
    upload = request.FILES.get("file")
    if upload is None:
        return _form(request, kind=kind, error=gettext("请选择要上传的 CSV 或 XLSX 文件。"), status=400)
    try:
        job, _created = create_job(request.principal, kind, upload.chunks(), upload.name)  # type: ignore[attr-defined]
    except JobRefused as e:
        return _form(request, kind=kind, error=e.message, status=413 if e.status == 413 else 400)
    return redirect("web:job", job_id=job.pk)


def _row(job: ImportJob) -> dict[str, Any]:
    f = figure(job)
    return {"job": job, "figure": f, "kind": KIND_LABELS.get(job.kind, job.kind),
            "status": STATUS_LABELS.get(job.status, job.status), "phase": PHASE_LABELS.get(f["phase"], f["phase"])}


@roles(*READERS)
def job_list(request: HttpRequest) -> HttpResponse:
    p = request.principal  # type: ignore[attr-defined]
    jobs = list(visible_jobs(p).order_by("-id")[:SHOWN_JOBS])
    return render(request, "web/jobs/list.html", {"rows": [_row(j) for j in jobs], "can_import": p.role == "lender",
                                                  "shown": SHOWN_JOBS})


@roles(*READERS)
def job_page(request: HttpRequest, job_id: int) -> HttpResponse:
    job = scope.get_or_404(visible_jobs(request.principal), pk=job_id)  # type: ignore[attr-defined]
    return render(request, "web/jobs/detail.html", _row(job))


@roles(*READERS)
def job_report(request: HttpRequest, job_id: int) -> HttpResponse:
    """The bad-row report as CSV (UTF-8 with a byte-order mark, so a spreadsheet reads the Chinese): row, column,
    value, rule, article, message — as ``riskpool import --report`` writes it."""
    from riskpool.imports.importer import BadRow, ImportResult

    job = scope.get_or_404(visible_jobs(request.principal), pk=job_id)  # type: ignore[attr-defined]
    result = ImportResult(kind=job.kind, file=job.file_name, sha256=job.sha256, rows=job.rows_total or 0,
                          errors=[BadRow(**{k: e.get(k, "") for k in ("row", "column", "value", "rule", "article",
                                                                       "message")}) for e in job.errors or []])
    out = io.StringIO()
    result.write_report(out)
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-report.csv"'
    return response


urlpatterns = [
    path("", job_list, name="jobs"),
    path("import/", import_page, name="job_import"),
    path("<int:job_id>/", job_page, name="job"),
    path("<int:job_id>/report.csv", job_report, name="job_report"),
]
