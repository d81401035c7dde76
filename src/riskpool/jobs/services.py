"""Background imports: storing an upload, creating the job and enqueuing it, running it, and who may see it.

**Who may import what.** A lender's user (or API token) imports rows of its **own** institution only. The
importer itself (``riskpool.imports.importer.import_file``) runs each row's command as the operator, without a
principal, so the job checks ownership first, for the whole file, before any row is imported:

* loans: every row's ``lender`` must be the uploader's institution;
* repayments and arrears: every row's ``loan`` must be a loan of the uploader's institution — a loan of
  another lender is reported exactly as a loan that does not exist (``no loan 'X' is filed``), so that the
  report says nothing of another institution's loans.

If any row fails it, the job is **refused whole** with a report of those rows (rule ``OTHER_LENDER`` or
``REFUSED``) and nothing is imported — the safe choice: no row of another institution ever reaches a command.
The check and the import run in one transaction, and the loans that were unknown when the check ran are
checked again after the import, before it commits (a loan filed meanwhile by another lender under the same
code cannot be touched).

**Files.** An upload is checked while it arrives (at most ``RISKPOOL_MAX_UPLOAD_BYTES``), written under
``RISKPOOL_JOBS_DIR/files/<sha256[:2]>/<sha256>.<ext>`` (temporary name, then renamed), and its kind and header
are checked at once with the import's own reader (``Sheet``): a file that is not a spreadsheet or whose header
is wrong is refused before anything is queued. Everything else (the rows) is the job's.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from riskpool.accounts.authorize import NotAllowed
from riskpool.accounts.principal import Principal
from riskpool.commands.dispatcher import IdempotencyConflict
from riskpool.jobs import progress
from riskpool.jobs.models import ImportJob

logger = logging.getLogger("riskpool.jobs")

EXTENSIONS = (".csv", ".xlsx", ".xlsm")
OWNER_CHUNK = 500  # loan codes looked up at a time


class JobRefused(ValueError):
    """An upload refused before any job was queued: the message in Chinese and English, and the column."""

    def __init__(self, zh: str, en: str, column: str = "", status: int = 400):
        super().__init__(en)
        self.zh, self.en, self.column, self.status = zh, en, column, status

    @property
    def message(self) -> str:
        return f"{self.zh} {self.en}"


def max_bytes() -> int:
    return int(getattr(settings, "RISKPOOL_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))


def jobs_dir() -> Path:
    return Path(settings.RISKPOOL_JOBS_DIR)


def file_path(relative: str) -> Path:
    """The stored file's absolute path; refuses a path that would leave the jobs folder."""
    root = jobs_dir().resolve()
    p = (root / relative).resolve()
    if root not in p.parents:
        raise ValueError(f"stored path {relative!r} is outside RISKPOOL_JOBS_DIR")
    return p


# ----------------------------------------------------------------------------- storing an upload

@dataclass(frozen=True)
class StoredFile:
    relative: str
    sha256: str
    size: int


def _too_large(name: str, limit: int) -> JobRefused:
    from riskpool.web.uploads import human_size

    return JobRefused(f"“{name}”超过 {human_size(limit)} 的上限，不予接受。",
                      f"“{name}” is larger than the {human_size(limit)} limit and is not accepted.", status=413)


def store(chunks: Iterable[bytes], name: str) -> StoredFile:
    """Write the upload's bytes under the jobs folder, named by their sha256 (the same bytes twice: one file)."""
    suffix = Path(name or "").suffix.lower()
    if suffix not in EXTENSIONS:
        raise JobRefused(f"“{name}”不是 CSV 或 XLSX 文件：请上传 .csv（UTF-8）或 .xlsx 文件。",
                         f"“{name}” is not a CSV or XLSX file: upload a .csv (UTF-8) or .xlsx file.", column="file")
    limit = max_bytes()
    folder = jobs_dir() / "files"
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-")
    digest, size = hashlib.sha256(), 0
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise _too_large(name, limit)
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise JobRefused(f"“{name}”是空文件，不予接受。", f"“{name}” is empty and is not accepted.", column="file")
        sha = digest.hexdigest()
        relative = f"files/{sha[:2]}/{sha}{suffix}"
        target = file_path(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return StoredFile(relative, sha, size)


def _discard(stored: StoredFile) -> None:
    """Remove a refused upload's file unless a job keeps it."""
    if not ImportJob.objects.filter(stored=stored.relative).exists():
        try:
            file_path(stored.relative).unlink()
        except FileNotFoundError:
            pass


def check_file(kind: str, path: Path, name: str) -> None:
    """The file's kind and header, read as the import will (a JobRefused naming the column, or nothing)."""
    from riskpool.imports.kinds import KINDS
    from riskpool.imports.reader import ImportFileError, Sheet

    try:
        sheet = Sheet(path, KINDS[kind].columns)
        for _row in sheet.rows():
            break
    except ImportFileError as e:
        raise JobRefused(f"“{name}”无法导入：{e.reason}", f"“{name}” cannot be imported: {e.reason}",
                         column=e.column) from None


# ----------------------------------------------------------------------------- creating a job

def create_job(p: Principal, kind: str, chunks: Iterable[bytes], name: str, *, via: str = "web",
               key: str | None = None) -> tuple[ImportJob, bool]:
    """Store the upload, check it, create the job and enqueue it. Returns (job, created): with an idempotency
    ``key`` (already scoped to the institution) used before for the same kind and file, the first job and False.
    Raises :class:`JobRefused` (nothing queued), :class:`NotAllowed` (not a lender),
    :class:`IdempotencyConflict` (the key was used for another file)."""
    from riskpool.imports.kinds import KINDS

    if p.role != "lender":
        raise NotAllowed("imports: for 合作银行 (lenders), who import their own rows")
    if kind not in KINDS:
        raise JobRefused(f"未知的导入类别“{kind}”。", f"unknown kind of import {kind!r}: one of {', '.join(KINDS)}",
                         column="kind", status=404)
    name = Path(str(name or "upload").replace("\x00", "")).name[:255] or "upload"
    stored = store(chunks, name)
    if key is not None:
        earlier = _keyed(key, kind, stored)
        if earlier is not None:
            return earlier, False
    try:
        check_file(kind, file_path(stored.relative), name)
    except JobRefused:
        _discard(stored)
        raise
    try:
        with transaction.atomic():
            job = ImportJob.objects.create(
                institution_id=p.institution_id, created_by=p.username[:120], via=via, kind=kind, file_name=name,
                stored=stored.relative, sha256=stored.sha256, size=stored.size, idempotency_key=key,
                created_at=timezone.now())
    except IntegrityError:  # the same key, sent twice at once: the other request's job
        earlier = _keyed(key, kind, stored) if key is not None else None
        if earlier is None:
            raise
        return earlier, False
    enqueue(job)
    job.refresh_from_db()
    return job, True


def _keyed(key: str, kind: str, stored: StoredFile) -> ImportJob | None:
    earlier = ImportJob.objects.filter(idempotency_key=key).first()
    if earlier is None:
        return None
    if earlier.kind != kind or earlier.sha256 != stored.sha256:
        raise IdempotencyConflict(f"idempotency key was used before for another import (job {earlier.pk}: "
                                  f"{earlier.kind}, {earlier.file_name})")
    return earlier


def enqueue(job: ImportJob) -> None:
    """Hand the job to the task backend (``settings.TASKS``). A backend that cannot be reached fails the job."""
    from riskpool.jobs.tasks import run_import

    try:
        result = run_import.enqueue(job.pk)
    except Exception as e:  # noqa: BLE001 - e.g. Redis down: the job says so, the page shows it
        logger.exception("import job %s could not be queued", job.pk)
        ImportJob.objects.filter(pk=job.pk, status=ImportJob.QUEUED).update(
            status=ImportJob.FAILED, finished_at=timezone.now(),
            summary=f"the job could not be queued ({type(e).__name__}: {e}); nothing was imported")
        return
    ImportJob.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])


# ----------------------------------------------------------------------------- who sees a job

def visible_jobs(p: Principal) -> QuerySet:
    """A lender sees its institution's jobs; the finance bureau and the fund manager every job (read-only);
    others none."""
    settle_interrupted()  # a job whose worker is gone is never shown as running
    qs = ImportJob.objects.select_related("institution")
    if p.oversees:
        return qs
    if p.role == "lender":
        return qs.filter(institution_id=p.institution_id)
    return qs.none()


def figure(job: ImportJob) -> dict[str, Any]:
    """Where the job stands: status, rows total / checked, percent (None while unknown), phase."""
    if job.finished:
        total = job.rows_total
        checked = job.rows_checked
        phase = "finished"
    else:
        live = progress.read(job.pk) or {}
        total = live.get("total")
        checked = int(live.get("checked") or 0)
        phase = live.get("phase") or job.status
        if job.status == ImportJob.QUEUED:
            phase = "queued"
    percent = None
    if isinstance(total, int) and total > 0:
        percent = min(100, int(checked * 100 / total))
    elif total == 0 and job.finished:
        percent = 100
    return {"status": job.status, "phase": phase, "rows_total": total, "rows_checked": checked, "percent": percent,
            "imported": job.imported, "bad_rows": job.bad_rows}


# ----------------------------------------------------------------------------- running a job (the task)

class _Foreign(Exception):
    """Rolls back an import that touched a loan of another institution (filed meanwhile under a code the file
    names)."""

    def __init__(self, errors: list[dict[str, Any]]):
        super().__init__("rows of another institution")
        self.errors = errors


def _bad(row: int, column: str, value: str, rule: str, message: str) -> dict[str, Any]:
    return {"row": row, "column": column, "value": value, "rule": rule, "article": "", "message": message}


def _unknown_loan(row: int, code: str) -> dict[str, Any]:
    # exactly what the importer answers for a loan that does not exist: nothing says another lender has it
    return _bad(row, "loan", code, "REFUSED", f"no loan {code!r} is filed")


def _others_loans(codes: list[str], institution_id: int) -> tuple[set[str], set[str]]:
    """Of these loan codes: those filed by another institution, and those filed by none."""
    from riskpool.loans.models import Loan

    found = dict(Loan.objects.filter(code__in=codes).values_list("code", "lender_id"))
    return ({c for c, lender in found.items() if lender != institution_id}, {c for c in codes if c not in found})


def ownership(job: ImportJob, path: Path, limit: int = 1000) -> tuple[list[dict[str, Any]], set[str]]:
    """The rows that name another institution (at most ``limit``), and the loan codes no loan has yet."""
    from riskpool.imports.kinds import KINDS
    from riskpool.imports.reader import Sheet

    own = job.institution.code
    errors: list[dict[str, Any]] = []
    unknown: set[str] = set()
    if job.kind == "loans":
        for row in Sheet(path, KINDS[job.kind].columns).rows():
            lender = row.values.get("lender")
            if lender is not None and lender != own:
                errors.append(_bad(row.number, "lender", lender, "OTHER_LENDER",
                                   f"{own} imports its own loans only, not loans of {lender}"))
                if len(errors) >= limit:
                    break
        return errors, unknown
    pending: list[tuple[int, str]] = []

    def settle() -> None:
        others, none = _others_loans(sorted({c for _n, c in pending}), job.institution_id)
        errors.extend(_unknown_loan(n, c) for n, c in pending if c in others)
        unknown.update(none)
        pending.clear()

    for row in Sheet(path, KINDS[job.kind].columns).rows():
        code = row.values.get("loan")
        if code is not None:
            pending.append((row.number, code))
        if len(pending) >= OWNER_CHUNK:
            settle()
            if len(errors) >= limit:
                break
    settle()
    return errors[:limit], unknown


def _import(job: ImportJob, path: Path, tracker: progress.Tracker):
    """The ownership check and the import, in one transaction (the import's own is a savepoint of it)."""
    from riskpool.imports.importer import import_file

    with transaction.atomic():
        tracker.figure["phase"] = "verifying"
        tracker.flush()
        foreign, unknown = ownership(job, path)
        if foreign:
            return None, foreign
        tracker.figure["phase"] = "reading"
        tracker.flush()
        result = import_file(job.kind, path, actor=job.created_by or "import", progress=tracker.progress,
                             on_scan=tracker.on_scan, scanning=tracker.scanning)
        if result.ok and not result.already and unknown:
            others, _none = _others_loans(sorted(unknown), job.institution_id)
            if others:  # filed by another lender while the import ran: undo the whole import
                late = [e for e in ownership(job, path)[0]]
                raise _Foreign(late or [_unknown_loan(0, c) for c in sorted(others)])
        return result, []


def _finish(job_id: int, status: str, **fields: Any) -> None:
    if ImportJob.objects.filter(pk=job_id, status=ImportJob.FAILED).exists():
        # taken for interrupted (settle_interrupted: its heartbeat was late) — the outcome is what happened
        logger.warning("import job %s was marked interrupted but its worker finished it: %s", job_id, status)
    ImportJob.objects.filter(pk=job_id).update(status=status, finished_at=timezone.now(), **fields)
    progress.remove(job_id)


INTERRUPTED = ("the import was interrupted: its worker stopped (killed, or its machine restarted) after {checked:,} "
               "rows were checked; nothing was imported (all or nothing) — upload the file again")


def settle_interrupted() -> int:
    """Mark the running jobs whose worker is gone (``riskpool.jobs.progress.worker_gone``) failed, with a
    summary that says so; their imports were rolled back with their connections. Returns how many. Called
    when a worker starts and whenever jobs are read (the list, a job's page, the API), so a user never watches
    a job that no worker is running."""
    settled = 0
    for job_id, started in ImportJob.objects.filter(status=ImportJob.RUNNING).values_list("pk", "started_at"):
        live = progress.read(job_id)
        if not progress.worker_gone(live, started.timestamp() if started else None):
            continue
        live = live or {}
        checked = int(live.get("checked") or 0)
        settled += ImportJob.objects.filter(pk=job_id, status=ImportJob.RUNNING).update(
            status=ImportJob.FAILED, finished_at=timezone.now(), rows_total=live.get("total"), rows_checked=checked,
            imported=0, summary=INTERRUPTED.format(checked=checked))
        progress.remove(job_id)
    if settled:
        logger.warning("%d import job(s) marked failed: their worker stopped", settled)
    return settled


def run_job(job_id: int) -> str:
    """The task's body: take the job (queued → running), check ownership, import, write the outcome."""
    from riskpool.imports.reader import ImportFileError

    taken = ImportJob.objects.filter(pk=job_id, status=ImportJob.QUEUED).update(
        status=ImportJob.RUNNING, started_at=timezone.now())
    if not taken:
        return "not queued"
    job = ImportJob.objects.select_related("institution").get(pk=job_id)
    tracker = progress.Tracker(job_id).beat()
    try:
        try:
            path = file_path(job.stored)
            result, foreign = _import(job, path, tracker)
        except _Foreign as e:
            result, foreign = None, e.errors
        finally:
            tracker.stop()  # no heartbeat after the outcome is written (it removes the figure)
    except ImportFileError as e:
        _finish(job_id, ImportJob.REFUSED, summary=f"{job.file_name}: {e.reason}; nothing was imported",
                rows_total=tracker.figure.get("total"), rows_checked=tracker.figure.get("checked", 0))
        return ImportJob.REFUSED
    except BaseException as e:
        logger.exception("import job %s failed", job_id)
        _finish(job_id, ImportJob.FAILED, summary=f"the import stopped ({type(e).__name__}); nothing was imported",
                rows_total=tracker.figure.get("total"), rows_checked=tracker.figure.get("checked", 0))
        raise
    if result is None:
        rows = len({e["row"] for e in foreign})
        _finish(job_id, ImportJob.REFUSED, errors=foreign, bad_rows=rows, imported=0,
                summary=f"{job.file_name}: {rows:,} rows name another institution (a lender imports its own rows "
                        "only); nothing was imported (all or nothing)")
        return ImportJob.REFUSED
    summary = result.summary().replace(str(path), job.file_name)
    errors = [{"row": e.row, "column": e.column, "value": e.value, "rule": e.rule, "article": e.article,
               "message": e.message} for e in result.errors]
    _finish(job_id, ImportJob.DONE if result.ok else ImportJob.REFUSED, rows_total=result.rows,
            rows_checked=result.checked, imported=result.imported if result.ok else 0, bad_rows=result.bad_rows,
            already=result.already, summary=summary, errors=errors)
    return ImportJob.DONE if result.ok else ImportJob.REFUSED
