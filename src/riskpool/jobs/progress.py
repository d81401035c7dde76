"""The live progress of a running import: one small JSON file per job, ``<RISKPOOL_JOBS_DIR>/progress/<id>.json``.

Why a file: the import runs in one transaction. On PostgreSQL another connection does not see what that
transaction writes until it commits; on SQLite it holds the database's only write lock, so the job's own row
could not even be updated. A file is readable by every process at any time. Each write goes to a temporary
file in the same folder and is then renamed over the old one (``os.replace``), so a reader sees the old
figure or the new one, never half a file.

The figure: ``phase`` (reading — the first pass counts the rows —, checking — rows through the rules —),
``total`` (data rows, once counted), ``read`` (rows counted so far), ``checked`` (rows checked so far),
``updated`` (seconds since the epoch), and who runs it: ``host``, ``pidns`` (its process-id namespace, Linux)
and ``pid`` of the worker.

The figure is also a heartbeat: a thread of the worker writes it again every :data:`HEARTBEAT_S` seconds while
the import runs (a command of 5,000 rows, or the import's final commit, reports no rows for a while). A
running job whose worker is gone — its process dead on this host, or no heartbeat for :data:`STALE_S`
seconds — was interrupted (``riskpool.jobs.services.settle_interrupted``): its import was rolled back with
its connection, all or nothing.
"""

from __future__ import annotations

import json
import os
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from django.conf import settings

WRITE_EVERY = 0.5  # seconds between two writes of a running job's figure
HEARTBEAT_S = 5.0  # seconds between two writes while no row moves
STALE_S = 120.0  # seconds without a heartbeat after which a running job's worker is taken to be gone
HOST = socket.gethostname()


def _pid_namespace() -> int | None:
    try:  # containers of one pod share a host name, not their process ids
        return os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return None


PID_NAMESPACE = _pid_namespace()


def jobs_dir() -> Path:
    return Path(settings.RISKPOOL_JOBS_DIR)


def path_of(job_id: int) -> Path:
    return jobs_dir() / "progress" / f"{int(job_id)}.json"


def write(job_id: int, figure: dict[str, Any]) -> None:
    """Replace the job's figure atomically (temporary file + rename)."""
    target = path_of(job_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{int(job_id)}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({**figure, "updated": time.time()}, out)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read(job_id: int) -> dict[str, Any] | None:
    """The job's last figure, or None (not started, or finished and removed)."""
    try:
        with open(path_of(job_id), encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def remove(job_id: int) -> None:
    try:
        path_of(job_id).unlink()
    except FileNotFoundError:
        pass


class Tracker:
    """The callbacks ``import_file`` is given (``scanning``, ``on_scan``, ``progress``): it counts and writes
    the figure at most every :data:`WRITE_EVERY` seconds (and at each change of phase), and, from
    :meth:`beat` until :meth:`stop`, at least every :data:`HEARTBEAT_S` seconds."""

    def __init__(self, job_id: int, every: float = WRITE_EVERY):
        self.job_id, self.every = job_id, every
        self.figure: dict[str, Any] = {"phase": "reading", "total": None, "read": 0, "checked": 0, "host": HOST,
                                       "pidns": PID_NAMESPACE, "pid": os.getpid()}
        self.last = 0.0
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self.flush()

    def flush(self, beat: bool = False) -> None:
        with self._lock:
            if beat and self._stopped.is_set():
                return
            self.last = time.monotonic()
            write(self.job_id, dict(self.figure))

    def beat(self, every: float = HEARTBEAT_S) -> "Tracker":
        """Write the figure every ``every`` seconds from a daemon thread until :meth:`stop`."""

        def run() -> None:
            while not self._stopped.wait(every):
                if time.monotonic() - self.last >= every:
                    self.flush(beat=True)

        threading.Thread(target=run, daemon=True, name=f"riskpool-job-{self.job_id}-heartbeat").start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        with self._lock:  # a heartbeat writing now finishes before this returns; none starts after
            pass

    def _maybe(self) -> None:
        if time.monotonic() - self.last >= self.every:
            self.flush()

    def scanning(self, n: int) -> None:
        self.figure["read"] += n
        self._maybe()

    def on_scan(self, rows: int) -> None:
        self.figure.update(phase="checking", total=rows, read=rows)
        self.flush()

    def progress(self, n: int) -> None:
        self.figure["checked"] += n
        self._maybe()


def worker_gone(figure: dict[str, Any] | None, started: float | None, now: float | None = None) -> bool:
    """Whether the worker of a running job is gone: its process is dead on this host, or its figure (or, before
    the first, its start, ``started`` in seconds since the epoch) is older than :data:`STALE_S`."""
    now = time.time() if now is None else now
    if not figure:
        return started is not None and now - started > STALE_S
    if (figure.get("host") == HOST and figure.get("pidns") == PID_NAMESPACE
            and isinstance(figure.get("pid"), int)):  # the same process ids: ask whether it lives
        try:
            os.kill(figure["pid"], 0)
        except ProcessLookupError:
            return True
        except PermissionError:  # alive, another user's
            pass
    updated = figure.get("updated")
    return isinstance(updated, (int, float)) and now - updated > STALE_S
