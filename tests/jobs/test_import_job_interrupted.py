"""A background import whose worker stops (killed, or its machine restarted) is not left "running" for ever: the
worker's figure is a heartbeat, and a running job whose worker is gone — its process dead on this host, or no
heartbeat for ``STALE_S`` — is settled as failed, "nothing was imported", when a worker starts or jobs are read.
The kill -9 test runs a real worker process on a database of its own and kills it half-way."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.utils import timezone

from jobs.conftest import principal_of
from riskpool.jobs import progress
from riskpool.jobs.models import ImportJob
from riskpool.jobs.services import settle_interrupted, visible_jobs

from imports.test_import_killed import CLI, ROOT, ROWS, _counts, _python, env  # noqa: F401 - env: a fixture


def _running(world, started: dt.datetime | None = None) -> ImportJob:
    now = timezone.now()
    return ImportJob.objects.create(institution=world.lender, created_by="kz-bank-user", kind="loans",
                                    file_name="loans.csv", stored="x/loans.csv", sha256="0" * 64,
                                    status=ImportJob.RUNNING, created_at=now, started_at=started or now)


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _figure(job: ImportJob, **fields) -> None:
    path = progress.path_of(job.pk)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"phase": "checking", "total": 100, "read": 100, "checked": 40, **fields}))


@pytest.mark.django_db
def test_a_job_whose_worker_died_on_this_host_is_settled_failed(world):
    job = _running(world)
    _figure(job, host=progress.HOST, pidns=progress.PID_NAMESPACE, pid=_dead_pid(), updated=time.time())
    assert settle_interrupted() == 1
    job.refresh_from_db()
    assert job.status == ImportJob.FAILED and job.imported == 0 and job.rows_checked == 40
    assert "interrupted" in job.summary and "nothing was imported" in job.summary
    assert progress.read(job.pk) is None


@pytest.mark.django_db
def test_a_job_whose_worker_lives_stays_running(world):
    job = _running(world)
    _figure(job, host=progress.HOST, pidns=progress.PID_NAMESPACE, pid=os.getpid(), updated=time.time())
    other = _running(world)
    _figure(other, host="another-host", pid=1, updated=time.time() - 10)
    container = _running(world)  # same host name, another process-id namespace (a pod's other container)
    _figure(container, host=progress.HOST, pidns=-1, pid=_dead_pid(), updated=time.time() - 10)
    assert settle_interrupted() == 0
    assert set(ImportJob.objects.values_list("status", flat=True)) == {ImportJob.RUNNING}


@pytest.mark.django_db
def test_a_job_without_a_heartbeat_for_long_is_settled_failed_when_jobs_are_read(world):
    job = _running(world)
    _figure(job, host="another-host", pid=1, updated=time.time() - progress.STALE_S - 1)
    silent = _running(world, started=timezone.now() - dt.timedelta(seconds=progress.STALE_S + 1))  # no figure
    just_taken = _running(world)  # no figure yet, taken a moment ago
    shown = {j.pk: j.status for j in visible_jobs(principal_of(world.lender))}
    assert shown == {job.pk: ImportJob.FAILED, silent.pk: ImportJob.FAILED, just_taken.pk: ImportJob.RUNNING}


def test_the_heartbeat_writes_while_no_row_moves_and_stops_with_the_job(settings, tmp_path):
    tracker = progress.Tracker(7).beat(every=0.05)
    first = progress.read(7)["updated"]
    time.sleep(0.3)
    assert progress.read(7)["updated"] > first
    tracker.stop()
    progress.remove(7)
    time.sleep(0.2)
    assert progress.read(7) is None  # no heartbeat after the outcome


JOB = """
import sys
sys.path.insert(0, {tests!r})
from riskpool.cli import setup_django
setup_django()
from imports.conftest import kezhou_with_borrowers
from jobs.conftest import principal_of
from riskpool.jobs.services import create_job
from riskpool.registry.models import Institution
from pathlib import Path
path = Path(sys.argv[1])
if sys.argv[2] == "world":
    kezhou_with_borrowers()
job, _ = create_job(principal_of(Institution.objects.get(code="kz-bank")), "loans", [path.read_bytes()], path.name)
print(job.pk)
"""

STATUS = """
from riskpool.cli import setup_django
setup_django()
import sys
from riskpool.jobs.models import ImportJob
job = ImportJob.objects.get(pk=int(sys.argv[1]))
print(job.status, job.imported, job.summary, sep="|")
"""


def test_a_worker_killed_half_way_leaves_its_job_failed_and_nothing_written(env, tmp_path):
    from imports.test_import_killed import FIRMS

    env["RISKPOOL_JOBS_DIR"] = str(tmp_path / "jobs")
    path = tmp_path / "loans.csv"
    lines = ["code,program,lender,borrower,amount,issue_date,term_months,guarantor,guarantee_fee_rate"]
    lines += [f"KZ-W-{i:05d},kezhou-industry,kz-bank,{FIRMS[i % 4]},1000,2025-06-02,36,kz-guarantee,0.008"
              for i in range(ROWS)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    made = _python(env, JOB.format(tests=str(ROOT / "tests")), str(path), "world")
    assert made.returncode == 0, made.stderr
    job_id = int(made.stdout.split()[-1])

    worker = subprocess.Popen([sys.executable, "-c", CLI, "jobs", "worker", "--batch", "--no-startup-delay"],
                              env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    figure_path = Path(env["RISKPOOL_JOBS_DIR"]) / "progress" / f"{job_id}.json"
    checked, deadline = 0, time.monotonic() + 240
    while time.monotonic() < deadline and worker.poll() is None and checked < 100:
        try:
            checked = int(json.loads(figure_path.read_text()).get("checked") or 0)
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    assert worker.poll() is None, "the worker ended before it could be killed"
    assert 100 <= checked < ROWS
    os.kill(worker.pid, signal.SIGKILL)
    assert worker.wait(30) == -signal.SIGKILL

    listed = _python(env, CLI, "jobs", "list")  # reading the jobs settles the one whose worker is gone
    assert listed.returncode == 0, listed.stderr
    assert "failed" in listed.stdout and "running" not in listed.stdout
    status, imported, summary = _python(env, STATUS, str(job_id)).stdout.strip().split("|")
    assert (status, imported) == ("failed", "0") and "interrupted" in summary
    assert _counts(env) == (0, 0)
    check = _python(env, CLI, "books", "check")
    assert check.returncode == 0, check.stdout + check.stderr

    again = _python(env, JOB.format(tests=str(ROOT / "tests")), str(path), "again")  # uploaded again
    assert again.returncode == 0, again.stderr
    done = _python(env, CLI, "jobs", "worker", "--batch", "--no-startup-delay")
    assert done.returncode == 0, done.stderr
    status, imported, _ = _python(env, STATUS, again.stdout.split()[-1]).stdout.strip().split("|")
    assert (status, imported) == ("done", str(ROWS))
    assert _counts(env) == (ROWS, ROWS)
