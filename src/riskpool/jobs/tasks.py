"""The import task, defined with Django's tasks interface (``django_tasks``: the backport of ``django.tasks``).

Where it runs is ``settings.TASKS`` (``RISKPOOL_TASKS_BACKEND``): the database backend's worker
(``riskpool jobs worker``, also started by ``riskpool serve``), an RQ worker on Redis, or at once in the
request (``immediate``). The task takes the job's id only; everything else is on the job's row.
"""

from __future__ import annotations

from django_tasks import task  # Django 5.2: the backport (on Django 6, ``django.tasks``)


@task()
def run_import(job_id: int) -> str:
    from riskpool.jobs.services import run_job

    return run_job(job_id)
