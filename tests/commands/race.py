"""Helpers to run one callable in several threads or processes at the same instant (PostgreSQL only)."""

from __future__ import annotations

import multiprocessing
import os
import threading
from typing import Any, Callable

from django.db import connection, connections


def in_threads(n: int, work: Callable[[int], Any]) -> list[Any]:
    """Run work(0..n-1) in n threads released together; each result or the exception it raised."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=20)
            results[i] = work(i)
        except Exception as e:  # noqa: BLE001 - reported to the test
            results[i] = e
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def _child(url: str, target: str, i: int, barrier, queue) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riskpool.settings")
    import django

    django.setup()
    module, name = target.rsplit(":", 1)
    import importlib
    import sys

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

    work = getattr(importlib.import_module(module), name)
    try:
        barrier.wait(timeout=60)
        queue.put((i, repr(work(i))))
    except Exception as e:  # noqa: BLE001
        queue.put((i, e.__class__.__name__ + ": " + str(e)))


def in_processes(n: int, target: str) -> list[str]:
    """Run ``module:function``(i) in n separate processes (own interpreter, own connection) released together,
    against the test database; each result's repr or the exception's class and message."""
    s = connection.settings_dict
    url = f"postgres://{s['USER'] or 'postgres'}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    ctx = multiprocessing.get_context("spawn")
    barrier, queue = ctx.Barrier(n), ctx.Queue()
    procs = [ctx.Process(target=_child, args=(url, target, i, barrier, queue)) for i in range(n)]
    for p in procs:
        p.start()
    results: dict[int, str] = {}
    for _ in procs:
        i, r = queue.get(timeout=180)
        results[i] = r
    for p in procs:
        p.join(timeout=30)
    return [results[i] for i in range(n)]
