"""A background import through the database backend (django-tasks-db), the default: the job is queued as a row
of the task table, a worker (``db_worker``, what ``riskpool jobs worker`` runs) takes it, the live figure in
the job's progress file moves while the rows are checked, and the job's row ends done — or refused with the
bad-row report and nothing written."""

from __future__ import annotations

import pytest
from django_tasks_db.models import DBTaskResult

from jobs.conftest import LOAN_HEADER, chunks_of, loan_row, principal_of, row_counts, run_database_worker, write_csv
from riskpool.audit.models import AuditEvent
from riskpool.jobs import progress
from riskpool.jobs.models import ImportJob
from riskpool.jobs.services import create_job, figure
from riskpool.loans.models import Loan, Repayment

pytestmark = pytest.mark.django_db


def test_the_default_backend_is_the_database(settings):
    assert settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"


def test_a_queued_job_is_run_by_the_worker(world, tmp_path, monkeypatch):
    path = write_csv(tmp_path / "loans.csv", LOAN_HEADER, [loan_row("KZ-J-1", 0), loan_row("KZ-J-2", 1)])
    job, created = create_job(principal_of(world.lender), "loans", chunks_of(path), "我的贷款.csv")
    assert created and job.status == ImportJob.QUEUED and job.file_name == "我的贷款.csv"
    assert job.stored == f"files/{job.sha256[:2]}/{job.sha256}.csv" and job.size == path.stat().st_size
    task = DBTaskResult.objects.get(id=job.task_id)
    assert task.status == "READY" and task.args_kwargs == {"args": [job.pk], "kwargs": {}}
    assert not Loan.objects.exists() and figure(job)["phase"] == "queued"

    run_database_worker(monkeypatch)

    job.refresh_from_db()
    assert job.status == ImportJob.DONE, job.summary
    assert (job.rows_total, job.rows_checked, job.imported, job.errors) == (2, 2, 2, [])
    assert job.summary == "imported 2 loans from 我的贷款.csv" and job.started_at and job.finished_at
    assert set(Loan.objects.values_list("code", flat=True)) == {"KZ-J-1", "KZ-J-2"}
    filed = AuditEvent.objects.filter(action__startswith="loans.file_loan")  # one per row, or per group of rows
    assert set(filed.values_list("actor", flat=True)) == {"kz-bank-user"}  # the uploader, on the audit trail
    assert DBTaskResult.objects.get(id=job.task_id).status == "SUCCESSFUL"
    assert progress.read(job.pk) is None  # the live figure is gone once the row has the outcome
    assert figure(job) | {} == {"status": "done", "phase": "finished", "rows_total": 2, "rows_checked": 2,
                                "percent": 100, "imported": 2, "bad_rows": 0}


def test_the_progress_file_moves_while_rows_are_checked(world, tmp_path, monkeypatch):
    loans = write_csv(tmp_path / "loans.csv", LOAN_HEADER, [loan_row("KZ-P-1", 0, "2000000")])
    create_job(principal_of(world.lender), "loans", chunks_of(loans), "loans.csv")
    run_database_worker(monkeypatch)
    rows = [["KZ-P-1", "2025-09-01", "1000", "10"] for _ in range(60)]
    repayments = write_csv(tmp_path / "repayments.csv", ["loan", "on", "principal", "interest"], rows)
    job, _ = create_job(principal_of(world.lender), "repayments", chunks_of(repayments), "repayments.csv")

    seen: list[dict] = []
    write = progress.write

    def record(job_id, figure_):
        write(job_id, figure_)
        seen.append(progress.read(job_id))  # what a page reads, from the file, at that moment

    monkeypatch.setattr(progress, "write", record)
    monkeypatch.setattr(progress, "WRITE_EVERY", 0.0)
    monkeypatch.setattr(progress.Tracker.__init__, "__defaults__", (0.0,))
    run_database_worker(monkeypatch)

    job.refresh_from_db()
    assert job.status == ImportJob.DONE and job.imported == 60, job.summary
    checking = [f for f in seen if f["phase"] == "checking"]
    assert checking and all(f["total"] == 60 for f in checking)
    figures = [f["checked"] for f in checking]
    assert figures == sorted(figures) and figures[0] == 0 and figures[-1] == 60 and len(set(figures)) >= 3
    assert Repayment.objects.count() == 60


def test_a_file_with_bad_rows_ends_refused_with_its_report(world, tmp_path, monkeypatch):
    path = write_csv(tmp_path / "loans.csv", LOAN_HEADER, [loan_row("KZ-B-1", 0), loan_row("KZ-B-2", 1, "12x"),
                                                           loan_row("KZ-B-3", 2, issue_date="2025-13-01")])
    before = row_counts()
    job, _ = create_job(principal_of(world.lender), "loans", chunks_of(path), "loans.csv")
    run_database_worker(monkeypatch)
    job.refresh_from_db()
    assert job.status == ImportJob.REFUSED and job.imported == 0 and job.bad_rows == 2
    assert [(e["row"], e["value"]) for e in job.errors] == [(3, "12x"), (4, "2025-13-01")]
    assert job.errors[0]["column"] == "amount"
    assert all(set(e) == {"row", "column", "value", "rule", "article", "message"} for e in job.errors)
    assert "nothing was imported" in job.summary and str(tmp_path) not in job.summary
    assert row_counts() == before


def test_the_same_file_again_is_done_as_already_imported(world, tmp_path, monkeypatch):
    path = write_csv(tmp_path / "loans.csv", LOAN_HEADER, [loan_row("KZ-A-1", 0)])
    first, _ = create_job(principal_of(world.lender), "loans", chunks_of(path), "loans.csv")
    run_database_worker(monkeypatch)
    again, created = create_job(principal_of(world.lender), "loans", chunks_of(path), "loans-again.csv")
    assert created and again.pk != first.pk and again.stored == first.stored
    run_database_worker(monkeypatch)
    again.refresh_from_db()
    assert again.status == ImportJob.DONE and again.already and again.imported == 0
    assert "already imported" in again.summary and Loan.objects.count() == 1
