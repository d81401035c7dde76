"""An import killed with SIGKILL half-way (after its progress bar shows rows done) leaves nothing: none of its
rows exist, `riskpool books check` passes, and the same import run again succeeds — on the database the suite
runs on (SQLite in a folder of its own; PostgreSQL, when DATABASE_URL is set, in a database of its own)."""

from __future__ import annotations

import csv
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
ROWS = 12000  # more than two of the import's commands (5,000 rows each): killed after the first
FIRMS = ["91653001MA7K00011P", "91653001MA7K00022U", "91653001MA7K000330", "91653001MA7K000444"]

SETUP = """
import sys
sys.path.insert(0, {tests!r})
from riskpool.cli import setup_django
setup_django()
from imports.conftest import kezhou_with_borrowers
kezhou_with_borrowers()
"""

COUNT = """
from riskpool.cli import setup_django
setup_django()
from riskpool.audit.models import HistoryEvent
from riskpool.loans.models import Loan
# the loans, and the filings recorded by the import's commands (keys import:…): one history event per loan
print(Loan.objects.count(),
      HistoryEvent.objects.filter(kind="loan.filed", audit__idempotency_key__startswith="import:").count())
"""

IMPORT = "from riskpool.imports.cli import main; raise SystemExit(main())"
CLI = "from riskpool.cli import main; raise SystemExit(main())"


@pytest.fixture
def env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
    env.update(RISKPOOL_HOME=str(tmp_path / "home"), PYTHONPATH=str(ROOT / "src"))
    url = os.environ.get("DATABASE_URL")
    admin = None
    if url:  # a database of its own on the same server
        import psycopg

        name = f"rp_import_{uuid.uuid4().hex[:8]}"
        admin = url.replace("postgres://", "postgresql://", 1).rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + name
    yield env
    if admin:
        import psycopg

        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{env["DATABASE_URL"].rsplit("/", 1)[1]}" WITH (FORCE)')


def _python(env, code: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def _counts(env) -> tuple[int, int]:
    done = _python(env, COUNT)
    assert done.returncode == 0, done.stderr
    loans, keys = done.stdout.split()
    return int(loans), int(keys)


def test_an_import_killed_half_way_leaves_nothing(env, tmp_path):
    done = _python(env, SETUP.format(tests=str(ROOT / "tests")))
    assert done.returncode == 0, done.stderr
    path = tmp_path / "loans.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["code", "program", "lender", "borrower", "amount", "issue_date", "term_months", "guarantor",
                         "guarantee_fee_rate"])
        for i in range(ROWS):
            writer.writerow([f"KZ-K-{i:05d}", "kezhou-industry", "kz-bank", FIRMS[i % 4], "1000", "2025-06-02", "36",
                             "kz-guarantee", "0.008"])

    proc = subprocess.Popen([sys.executable, "-c", IMPORT, "loans", str(path), "--progress"], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seen = bytearray()
    def read() -> None:
        for chunk in iter(lambda: proc.stderr.read1(4096), b""):
            seen.extend(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    done_rows = 0
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        found = re.findall(rb"(\d+)/" + str(ROWS).encode(), bytes(seen))
        done_rows = int(found[-1]) if found else 0
        if done_rows >= 100:
            break
        time.sleep(0.05)
    assert proc.poll() is None, f"the import ended before it could be killed: {bytes(seen)[-500:]!r}"
    assert 100 <= done_rows < ROWS, bytes(seen)[-500:]
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(30) == -signal.SIGKILL
    reader.join(10)

    assert _counts(env) == (0, 0)  # none of its rows exist
    check = _python(env, CLI, "books", "check")
    assert check.returncode == 0, check.stdout + check.stderr

    again = _python(env, IMPORT, "loans", str(path), "--no-progress")
    assert again.returncode == 0, again.stderr
    assert again.stdout == f"imported {ROWS:,} loans from {path}\n"
    assert _counts(env) == (ROWS, ROWS)
    check = _python(env, CLI, "books", "check")
    assert check.returncode == 0, check.stdout + check.stderr
