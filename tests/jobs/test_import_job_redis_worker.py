"""A background import through the RQ backend (django-tasks-rq on django-rq): the job is queued in Redis and an
RQ worker — here a SimpleWorker in this process, in burst mode, with django-tasks-rq's job class, as
``riskpool jobs worker`` runs it under ``RISKPOOL_TASKS_BACKEND=rq`` — imports the file.

Needs a Redis on ``RISKPOOL_TEST_REDIS_URL`` (default redis://127.0.0.1:6379/15, a database of its own, emptied
before and after). Skipped when none answers — unless ``RISKPOOL_REQUIRE_REDIS=1``, when that is a failure."""

from __future__ import annotations

import os

import pytest

from jobs.conftest import LOAN_HEADER, chunks_of, loan_row, principal_of, write_csv
from riskpool.jobs.models import ImportJob
from riskpool.jobs.services import create_job
from riskpool.loans.models import Loan

pytestmark = pytest.mark.django_db

REDIS_URL = os.environ.get("RISKPOOL_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_backend(settings):
    try:
        import django_rq  # noqa: F401
        import redis
    except ImportError as e:  # the rq extra is not installed
        reason = f"the rq backend is not installed ({e}): pip install 'riskpool[rq]'"
        if os.environ.get("RISKPOOL_REQUIRE_REDIS") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError as e:
        reason = f"no Redis answers on {REDIS_URL} ({e}); RISKPOOL_REQUIRE_REDIS=1 makes this a failure"
        if os.environ.get("RISKPOOL_REQUIRE_REDIS") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    connection.flushdb()
    settings.RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    yield connection
    connection.flushdb()


def test_an_import_runs_on_an_rq_worker(world, tmp_path, redis_backend):
    import django_rq
    from django_tasks_rq import Job

    path = write_csv(tmp_path / "loans.csv", LOAN_HEADER, [loan_row("KZ-RQ-1", 0), loan_row("KZ-RQ-2", 1)])
    job, created = create_job(principal_of(world.lender), "loans", chunks_of(path), "loans.csv", via="api")
    assert created and job.status == ImportJob.QUEUED and job.task_id
    queue = django_rq.get_queue("default", job_class=Job)
    assert queue.job_ids == [job.task_id] and not Loan.objects.exists()

    worker = django_rq.get_worker("default", job_class=Job, worker_class="rq.SimpleWorker")
    assert worker.work(burst=True)

    job.refresh_from_db()
    assert job.status == ImportJob.DONE and job.imported == 2, job.summary
    assert set(Loan.objects.values_list("code", flat=True)) == {"KZ-RQ-1", "KZ-RQ-2"}
    rq_job = Job.fetch(job.task_id, connection=redis_backend)
    assert rq_job.get_status() == "finished" and rq_job.return_value() == "done"
