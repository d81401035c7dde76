"""Background jobs (后台任务): a long bulk import run by a worker, not by the request that asked for it.

* :mod:`riskpool.jobs.models` — :class:`ImportJob`, one row per import asked for through the pages or the API:
  who, which institution, the kind, the stored file (named by its sha256), the status (queued → running →
  done / refused / failed), the row counts, the bad-row report, the times.
* :mod:`riskpool.jobs.progress` — the live progress of a running job, in a small JSON file per job under
  ``settings.RISKPOOL_JOBS_DIR`` (written atomically). Not in the database: the import runs in **one**
  transaction, whose writes no other connection sees until it ends (and on SQLite it holds the only write
  lock), so a page could neither read nor write progress kept there while the import runs.
* :mod:`riskpool.jobs.services` — storing an upload, creating a job and enqueuing it; running it (the task).
* :mod:`riskpool.jobs.tasks` — the task, through Django's tasks interface (the ``django-tasks`` backport):
  the database backend (``django-tasks-db``, worker ``riskpool jobs worker``) by default, RQ on Redis
  (``django-tasks-rq``) where a deployment has one, or ``immediate`` (in the request; tests, tiny sites).
  ``RISKPOOL_TASKS_BACKEND=database|rq|immediate`` chooses (riskpool.settings; docs/import.md).

The command line's ``riskpool import …`` stays synchronous: it has its own progress bar.
"""
