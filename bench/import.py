"""Benchmark P1 (issue 9): importing loans across the three seed programs, every rule checked, against a bare
bulk insert of the same rows into the same database, and the import's peak memory.

    .venv/bin/python bench/import.py [--loans 1000000] [--backends sqlite postgres] [--borrowers 600]

For each backend, on a fresh database (SQLite in a temporary folder; PostgreSQL: a database
``riskpool_bench_import`` on the server of $BENCH_PG_URL, default postgres://postgres@127.0.0.1:5432/postgres):

1. the world (``bench/world.py``: three programs, funds, lenders, guarantors, whitelisted borrowers) is built
   through the services, and a CSV of ``--loans`` rows is written (not timed);
2. **bare**: the CSV read and its rows inserted into the loans table as they are — codes resolved to ids by
   dictionary, no rule — SQLite: one transaction, ``executemany``; PostgreSQL: ``COPY``; timed, then rolled
   back, so the import starts from the same empty book;
3. **import**: ``riskpool import loans FILE --no-progress`` in a child process (the streamed reader, every row
   through the filing rules, the batch command, history, audit, chain, running totals), timed, its peak
   resident memory read from the operating system.

Prints both times, the ratio and the memory next to their targets (≤ 2× the bare insert, ≤ 1 GiB).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import world  # bench/world.py (the script's own folder is on the path)

HERE = Path(__file__).resolve().parent
TARGET_RATIO = 2.0
TARGET_MEMORY = 1024 ** 3


def _setup() -> None:
    sys.path.insert(0, str(HERE))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def child_world(loans: int, borrowers: int, path: str) -> None:
    _setup()

    world.write_csv(path, loans, world.build(borrowers))


def child_bare(path: str) -> float:
    """The CSV inserted as it is into loans_loan (ids by dictionary), timed; rolled back afterwards."""
    _setup()
    from django.db import transaction

    from riskpool.loans.models import Loan

    with transaction.atomic():
        elapsed = world.bare_insert(path)
        count = Loan.objects.count()
        transaction.set_rollback(True)
    print(json.dumps({"seconds": elapsed, "rows": count}))
    return elapsed


def run_backend(backend: str, loans: int, borrowers: int) -> dict | None:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="riskpool.settings")
    home = tempfile.mkdtemp(prefix="riskpool-bench-import-")
    env["RISKPOOL_HOME"] = home
    env.pop("DATABASE_URL", None)
    if backend == "postgres":
        url = world.fresh_postgres("riskpool_bench_import")
        if url is None:
            return None
        env["DATABASE_URL"] = url
    path = str(Path(home) / "loans.csv")

    def run(*args: str) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True)
        if done.returncode != 0:
            print(done.stdout[-2000:], done.stderr[-3000:])
            raise SystemExit(f"{backend}: {' '.join(args[:3])} failed")
        return done

    run(__file__, "--child-world", path, "--loans", str(loans), "--borrowers", str(borrowers))
    bare = json.loads(run(__file__, "--child-bare", path).stdout.strip().splitlines()[-1])
    assert bare["rows"] == loans, bare
    started = time.perf_counter()
    # the import's own peak, read by the import process as it ends (RUSAGE_CHILDREN would give the largest
    # child so far — another backend's import)
    done = run("-c", "import resource, sys\nfrom riskpool.imports.cli import main\ncode = main()\n"
               "print('peak_kib', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
               "raise SystemExit(code)", "loans", path, "--no-progress", "--actor", "bench")
    elapsed = time.perf_counter() - started
    peak_kib = int(done.stderr.rsplit("peak_kib", 1)[1].split()[0])
    assert f"imported {loans:,} loans" in done.stdout, done.stdout + done.stderr
    return {"bare": bare["seconds"], "import": elapsed, "peak_bytes": peak_kib * 1024}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--loans", type=int, default=1_000_000)
    ap.add_argument("--borrowers", type=int, default=600, help="whitelisted borrowers per program")
    ap.add_argument("--backends", nargs="+", default=["sqlite", "postgres"])
    ap.add_argument("--child-world")
    ap.add_argument("--child-bare")
    a = ap.parse_args()
    if a.child_world:
        return child_world(a.loans, a.borrowers, a.child_world)
    if a.child_bare:
        child_bare(a.child_bare)
        return
    print(f"P1: importing {a.loans:,} loans across the three programs vs a bare bulk insert of the same rows")
    for backend in a.backends:
        r = run_backend(backend, a.loans, a.borrowers)
        if r is None:
            continue
        ratio = r["import"] / r["bare"]
        per_row = r["import"] / a.loans * 1e6
        print(f"{backend:9s} bare insert {r['bare']:8.1f} s   import {r['import']:8.1f} s ({per_row:,.0f} µs a loan)   "
              f"ratio {ratio:6.1f}× (target ≤ {TARGET_RATIO}×: {ratio / TARGET_RATIO:5.1f}× of it)")
        print(f"{backend:9s} import peak memory {r['peak_bytes'] / 2 ** 20:8.0f} MiB "
              f"(target ≤ 1,024 MiB: {r['peak_bytes'] / TARGET_MEMORY:4.2f}× of it)")


if __name__ == "__main__":
    main()
