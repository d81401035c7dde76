"""A lender imports its own rows only: a loans file naming another lender, or repayments / arrears of another
lender's loan, is refused whole before any row is imported — the report names the rows, and a loan of another
lender is reported exactly as a loan that does not exist. Only lenders may queue an import."""

from __future__ import annotations

import dataclasses

import pytest

from claims.conftest import KEZHOU_USCC, add_borrower, add_loan, d
from jobs.conftest import LOAN_HEADER, chunks_of, loan_row, principal_of, row_counts, run_database_worker, write_csv
from riskpool.accounts.authorize import NotAllowed
from riskpool.jobs.models import ImportJob
from riskpool.jobs.services import create_job
from riskpool.registry import services as registry
from riskpool.registry.models import Institution

pytestmark = pytest.mark.django_db


@pytest.fixture
def other(world):
    bank = registry.register_institution("other-bank", "另一家银行", Institution.LENDER)
    registry.sign_agreement(bank, world.program, role=Institution.LENDER, start=d("2025-04-03"), end=d("2030-03-30"),
                            actor="finance bureau")
    firm = world.borrowers[3]
    loan = add_loan(dataclasses.replace(world, lender=bank), "OTHER-LOAN-9", firm, "800000",
                    issue_date=d("2025-07-01"), term_months=24)
    return bank, loan


def test_a_loans_file_naming_another_lender_is_refused_whole(world, other, tmp_path, monkeypatch):
    rows = [loan_row("KZ-O-1", 0), loan_row("KZ-O-2", 1)]
    rows[1][2] = "other-bank"
    path = write_csv(tmp_path / "loans.csv", LOAN_HEADER, rows)
    before = row_counts()
    job, _ = create_job(principal_of(world.lender), "loans", chunks_of(path), "loans.csv")
    run_database_worker(monkeypatch)
    job.refresh_from_db()
    assert job.status == ImportJob.REFUSED and job.imported == 0 and job.bad_rows == 1
    assert job.errors == [{"row": 3, "column": "lender", "value": "other-bank", "rule": "OTHER_LENDER",
                           "article": "", "message": "kz-bank imports its own loans only, not loans of other-bank"}]
    assert "another institution" in job.summary and row_counts() == before


@pytest.mark.parametrize("kind,header,row", [
    ("repayments", ["loan", "on", "principal"], ["2025-09-01", "1000"]),
    ("arrears", ["loan", "on", "overdue_since"], ["2026-03-10", "2026-03-01"]),
])
def test_rows_on_another_lenders_loan_read_as_no_such_loan(world, other, tmp_path, monkeypatch, kind, header, row):
    own = add_loan(world, "KZ-OWN-1", world.borrowers[0], "1000000", issue_date=d("2025-06-02"), term_months=24)
    path = write_csv(tmp_path / f"{kind}.csv", header, [[own.code, *row], ["OTHER-LOAN-9", *row]])
    before = row_counts()
    job, _ = create_job(principal_of(world.lender), kind, chunks_of(path), f"{kind}.csv")
    run_database_worker(monkeypatch)
    job.refresh_from_db()
    assert job.status == ImportJob.REFUSED and job.imported == 0
    assert job.errors == [{"row": 3, "column": "loan", "value": "OTHER-LOAN-9", "rule": "REFUSED", "article": "",
                           "message": "no loan 'OTHER-LOAN-9' is filed"}]
    assert row_counts() == before


def test_only_a_lender_queues_an_import(world, tmp_path):
    path = write_csv(tmp_path / "loans.csv", LOAN_HEADER, [loan_row("KZ-G-1", 0)])
    with pytest.raises(NotAllowed):
        create_job(principal_of(world.guarantor, "g-user"), "loans", chunks_of(path), "loans.csv")
    assert not ImportJob.objects.exists()


def test_a_loan_filed_by_another_lender_while_the_import_runs_undoes_the_import(world, other, tmp_path,
                                                                                 monkeypatch):
    """The file names a loan no one has yet; another lender files it under that code before the rows are
    dispatched: the check after the import sees it and the whole import is rolled back."""
    from riskpool.imports import importer
    from riskpool.loans.models import Repayment

    bank, _loan = other
    path = write_csv(tmp_path / "repayments.csv", ["loan", "on", "principal"], [["LATE-1", "2025-09-01", "1000"]])
    job, _ = create_job(principal_of(world.lender), "repayments", chunks_of(path), "repayments.csv")
    real = importer.import_file

    def meanwhile(*args, **kwargs):
        add_loan(dataclasses.replace(world, lender=bank), "LATE-1", world.borrowers[2], "500000",
                 issue_date=d("2025-07-01"), term_months=12)
        return real(*args, **kwargs)

    monkeypatch.setattr(importer, "import_file", meanwhile)
    run_database_worker(monkeypatch)
    job.refresh_from_db()
    assert job.status == ImportJob.REFUSED and job.imported == 0
    assert job.errors[0]["value"] == "LATE-1" and job.errors[0]["message"] == "no loan 'LATE-1' is filed"
    assert not Repayment.objects.exists()
