"""`riskpool jobs worker|list`: the worker that runs background imports, and the jobs so far.

Wiring (riskpool/cli.py): ``from riskpool.jobs.cli import add_parser as add_jobs_parser`` and
``add_jobs_parser(sub)``; ``riskpool serve`` calls :func:`start_for_serve` (a worker as a child process, unless
``--no-worker`` or ``RISKPOOL_JOBS_WORKER=external`` says one runs elsewhere) and stops it on the way out.

* ``riskpool jobs worker`` — the database backend's worker (django-tasks-db's ``db_worker``): takes queued jobs
  from the database and runs them, one at a time, until stopped (``--batch``: until none is left). With
  ``RISKPOOL_TASKS_BACKEND=rq`` it is an RQ worker on Redis instead (django-rq's ``rqworker`` with
  django-tasks-rq's job class). With ``immediate`` there is nothing to run: jobs run in the request.
* ``riskpool jobs list [--institution CODE] [--limit N]`` — the latest jobs, newest first.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from typing import Any

from riskpool.imports.cli import _positive  # the same check of a count argument


def _setup() -> None:
    from riskpool.cli import setup_django

    setup_django()


def _watch_parent(pid: int) -> None:
    """End this process when the one that started it (``riskpool serve``) is gone: a worker's import in
    progress is rolled back with the connection (all or nothing); a serve process frees the port."""

    def watch() -> None:
        while True:
            time.sleep(1)
            if os.getppid() != pid:
                os._exit(0)

    threading.Thread(target=watch, daemon=True, name="riskpool-parent-watch").start()


def cmd_worker(args: argparse.Namespace) -> int:
    _setup()
    from django.conf import settings
    from django.core.management import call_command

    if args.exit_with_parent:
        _watch_parent(args.exit_with_parent)
    from riskpool.jobs.services import settle_interrupted

    settle_interrupted()  # a worker starting after a crash or a restart settles the jobs it left running
    backend = settings.RISKPOOL_TASKS_BACKEND
    if backend == "immediate":
        print("RISKPOOL_TASKS_BACKEND=immediate: jobs run in the request; no worker is needed", flush=True)
        return 0
    if backend == "rq":
        options: dict[str, Any] = {"job_class": "django_tasks_rq.Job", "burst": args.batch}
        if args.max_tasks:
            options["max_jobs"] = args.max_tasks
        call_command("rqworker", "default", **options)
        return 0
    argv = ["--queue-name", "default", "--interval", str(args.interval), "--no-reload"]
    if args.batch:
        argv.append("--batch")
    if args.max_tasks:
        argv += ["--max-tasks", str(args.max_tasks)]
    if not args.startup_delay:
        argv.append("--no-startup-delay")
    call_command("db_worker", *argv, verbosity=args.verbosity)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    _setup()
    from django.utils import timezone

    from riskpool.jobs.models import ImportJob
    from riskpool.jobs.services import figure, settle_interrupted

    settle_interrupted()  # jobs whose worker stopped are listed as failed, not running
    qs = ImportJob.objects.select_related("institution").order_by("-id")
    if args.institution:
        qs = qs.filter(institution__code=args.institution)
    jobs = list(qs[: args.limit])
    if not jobs:
        print("no import jobs")
        return 0
    print(f"{'id':>6}  {'created':16}  {'institution':16}  {'kind':10}  {'status':8}  {'rows':>17}  file")
    for job in jobs:
        f = figure(job)
        total = "?" if f["rows_total"] is None else f"{f['rows_total']:,}"
        rows = f"{f['rows_checked']:,}/{total}"
        print(f"{job.pk:>6}  {timezone.localtime(job.created_at):%Y-%m-%d %H:%M}  {job.institution.code:16.16}  {job.kind:10}  "
              f"{job.status:8}  {rows:>17}  {job.file_name}")
    return 0


def _interval(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds (0.1–60), got {text!r}") from None
    if not 0.1 <= value <= 60:
        raise argparse.ArgumentTypeError(f"expected seconds (0.1–60), got {text!r}")
    return value


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser("jobs", help="background imports: the worker, the jobs so far",
                              description="Background imports asked for on the import page or through the API "
                                          "(docs/import.md).")
    sub = p.add_subparsers(dest="action", required=True)
    worker = sub.add_parser("worker", help="run queued jobs (the database backend's worker, or RQ's)")
    worker.add_argument("--batch", action="store_true", help="run the jobs queued now, then exit")
    worker.add_argument("--max-tasks", type=_positive, metavar="N", help="exit after N jobs")
    worker.add_argument("--interval", type=_interval, default=1.0, metavar="SECONDS",
                        help="how often an idle worker looks for a job (default 1)")
    worker.add_argument("--no-startup-delay", dest="startup_delay", action="store_false",
                        help="start at once (no random delay of up to a second)")
    worker.add_argument("--verbosity", type=int, choices=[0, 1, 2], default=1)
    worker.add_argument("--exit-with-parent", type=int, metavar="PID", help=argparse.SUPPRESS)
    worker.set_defaults(func=cmd_worker)
    jobs_list = sub.add_parser("list", help="the latest import jobs, newest first")
    jobs_list.add_argument("--institution", help="only this institution's jobs (its code)")
    jobs_list.add_argument("--limit", type=_positive, default=50)
    jobs_list.set_defaults(func=cmd_list)
    return p


# ----------------------------------------------------------------------------- the worker of `riskpool serve`

class ServeWorker:
    """A ``riskpool jobs worker`` child process that ends with ``riskpool serve``."""

    def __init__(self, process: subprocess.Popen):
        self.process = process

    def stop(self, wait: float = 5.0) -> None:
        if self.process.poll() is not None:
            return
        self.process.terminate()  # graceful: the worker finishes the job it runs, within ``wait``
        try:
            self.process.wait(wait)
        except subprocess.TimeoutExpired:
            self.process.kill()  # an import in progress is rolled back (all or nothing); its job stays "running"
            self.process.wait()


def start_for_serve(no_worker: bool = False) -> ServeWorker | None:
    """Start the database backend's worker beside the server, unless told a worker runs elsewhere
    (``--no-worker``, ``RISKPOOL_JOBS_WORKER=external``) or the backend needs none here (rq: its own
    workers; immediate: none)."""
    from django.conf import settings

    if no_worker or os.environ.get("RISKPOOL_JOBS_WORKER", "").strip().lower() == "external":
        print("Background imports: a worker runs separately (riskpool jobs worker)", flush=True)
        return None
    backend = settings.RISKPOOL_TASKS_BACKEND
    if backend != "database":
        print(f"Background imports: RISKPOOL_TASKS_BACKEND={backend}: "
              + ("start `riskpool jobs worker` beside it" if backend == "rq" else "run in the request"), flush=True)
        return None
    code = "import sys; from riskpool.cli import main; sys.exit(main(sys.argv[1:]))"
    process = subprocess.Popen([sys.executable, "-c", code, "jobs", "worker", "--verbosity", "0",
                                "--exit-with-parent", str(os.getpid())])
    print(f"Background imports: worker started (process {process.pid})", flush=True)
    return ServeWorker(process)
