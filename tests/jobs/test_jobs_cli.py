"""`riskpool jobs worker|list` (riskpool.jobs.cli), driven through its own parser: the worker runs the queued
job (``--batch``: then exits), the list shows it; ``riskpool serve`` starts no worker when told one runs
elsewhere."""

from __future__ import annotations

import argparse

import pytest

from jobs.conftest import LOAN_HEADER, chunks_of, loan_row, principal_of, write_csv
from riskpool.jobs import cli
from riskpool.jobs.models import ImportJob
from riskpool.jobs.services import create_job

pytestmark = pytest.mark.django_db


def run(argv, monkeypatch):
    monkeypatch.setattr(cli, "_setup", lambda: None)  # the test database is set up already
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    parser = argparse.ArgumentParser(prog="riskpool")
    cli.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_the_worker_runs_the_queued_job_and_the_list_shows_it(world, tmp_path, monkeypatch, capsys):
    path = write_csv(tmp_path / "loans.csv", LOAN_HEADER, [loan_row("KZ-CLI-1", 0)])
    job, _ = create_job(principal_of(world.lender), "loans", chunks_of(path), "cli-loans.csv")
    assert run(["jobs", "worker", "--batch", "--no-startup-delay", "--verbosity", "0"], monkeypatch) == 0
    job.refresh_from_db()
    assert job.status == ImportJob.DONE and job.imported == 1
    assert run(["jobs", "list", "--institution", "kz-bank"], monkeypatch) == 0
    out = capsys.readouterr().out
    assert f"{job.pk:>6}" in out and "done" in out and "1/1" in out and "cli-loans.csv" in out
    assert run(["jobs", "list", "--institution", "nobody"], monkeypatch) == 0
    assert capsys.readouterr().out.strip() == "no import jobs"


def test_serve_starts_no_worker_when_one_runs_elsewhere(monkeypatch, capsys):
    assert cli.start_for_serve(no_worker=True) is None
    monkeypatch.setenv("RISKPOOL_JOBS_WORKER", "external")
    assert cli.start_for_serve() is None
    assert "runs separately" in capsys.readouterr().out
