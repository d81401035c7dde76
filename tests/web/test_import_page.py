"""Bulk import in the browser (批量导入): a lender's user uploads a CSV, lands on the job's page, which shows the
progress figure (a <progress> element, refreshing itself every two seconds without any script) while the job
runs and the summary and the bad-row report (a table and a CSV download) at the end. Another lender's user gets
404 for the job, the fund manager reads it; a file that is no spreadsheet, a wrong header or an oversize
upload is refused on the form, and nothing is queued."""

from __future__ import annotations

import html

import pytest
from django_tasks_db.models import DBTaskResult

from imports.conftest import LOAN_HEADER, kezhou_with_borrowers, loan_row, write_csv
from jobs.conftest import run_database_worker
from riskpool.jobs import progress
from riskpool.jobs.models import ImportJob
from riskpool.loans.models import Loan
from riskpool.registry import services as registry

from conftest_loans import login

pytestmark = pytest.mark.django_db
REFRESH = '<meta http-equiv="refresh" content="2">'


@pytest.fixture(autouse=True)
def jobs_dir(settings, tmp_path):
    settings.RISKPOOL_JOBS_DIR = tmp_path / "jobs"


@pytest.fixture
def world():
    return kezhou_with_borrowers()


def upload(client, path, kind="loans", name=None):
    with path.open("rb") as f:
        if name:
            from django.core.files.uploadedfile import SimpleUploadedFile

            f = SimpleUploadedFile(name, path.read_bytes())
        return client.post("/jobs/import/", {"kind": kind, "file": f})


def test_upload_progress_then_result(world, tmp_path, monkeypatch):
    bank = login("kz-bank")
    form = bank.get("/jobs/import/")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.content.decode()
    path = write_csv(tmp_path / "loans.csv", LOAN_HEADER, [loan_row("KZ-W-1", 0), loan_row("KZ-W-2", 1)])
    response = upload(bank, path)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.status == ImportJob.QUEUED and job.created_by == "kz-bank-user" and job.via == "web"

    page = bank.get(f"/jobs/{job.pk}/").content.decode()
    assert REFRESH in page and "排队中" in page and "loans.csv" in page
    # while it runs: the figure the worker writes to the job's progress file
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.RUNNING)
    progress.write(job.pk, {"phase": "checking", "total": 2, "read": 2, "checked": 1})
    page = bank.get(f"/jobs/{job.pk}/").content.decode()
    assert REFRESH in page and '<progress max="100" value="50"' in page and "已检查 1 / 2 行（50%）" in page
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.QUEUED)

    run_database_worker(monkeypatch)
    page = bank.get(f"/jobs/{job.pk}/").content.decode()
    assert REFRESH not in page and "已完成" in page and "已导入 2 行" in page and 'value="100"' in page
    assert Loan.objects.filter(lender=world.lender).count() == 2
    listing = bank.get("/jobs/").content.decode()
    assert f"/jobs/{job.pk}/" in listing and "loans.csv" in listing and 'href="/jobs/"' in listing  # the nav link
    bank.cookies["django_language"] = "en"
    assert "Checked 2 / 2 rows (100%)" in bank.get(f"/jobs/{job.pk}/").content.decode()


def test_a_refused_file_shows_every_bad_row_and_a_csv_report(world, tmp_path, monkeypatch):
    bank = login("kz-bank")
    path = write_csv(tmp_path / "loans.csv", LOAN_HEADER, [loan_row("KZ-WB-1", 0), loan_row("KZ-WB-2", 1, "=1+1")])
    upload(bank, path)
    run_database_worker(monkeypatch)
    job = ImportJob.objects.get()
    page = bank.get(f"/jobs/{job.pk}/").content.decode()
    assert job.status == ImportJob.REFUSED and "已拒绝" in page and "整个文件未导入" in page
    assert f'href="/jobs/{job.pk}/report.csv"' in page and "<td>amount</td>" in page
    report = bank.get(f"/jobs/{job.pk}/report.csv")
    assert report.status_code == 200 and report["Content-Type"].startswith("text/csv")
    lines = report.content.decode("utf-8").splitlines()
    assert lines[0] == "\ufeffrow,column,value,rule,article,message"
    assert lines[1].startswith("3,amount,'=1+1,")  # a formula is never a live formula in the report
    assert not Loan.objects.exists()


def test_another_lender_gets_404_and_the_fund_manager_reads_it(world, tmp_path, monkeypatch):
    bank = login("kz-bank")
    upload(bank, write_csv(tmp_path / "loans.csv", LOAN_HEADER, [loan_row("KZ-WI-1", 0)]))
    job = ImportJob.objects.get()
    registry.register_institution("other-bank", "另一家银行", "lender")
    other = login("other-bank")
    for url in (f"/jobs/{job.pk}/", f"/jobs/{job.pk}/report.csv"):
        assert other.get(url).status_code == 404
    assert "loans.csv" not in other.get("/jobs/").content.decode()
    guarantor = login("kz-guarantee")
    assert guarantor.get(f"/jobs/{job.pk}/").status_code in (403, 404)
    assert guarantor.get("/jobs/import/").status_code == 403
    manager = login("kz-manager", "fund_manager")
    assert manager.get(f"/jobs/{job.pk}/").status_code == 200 and "loans.csv" in manager.get("/jobs/").content.decode()
    assert manager.get("/jobs/import/").status_code == 403  # read-only
    assert manager.post("/jobs/import/", {"kind": "loans"}).status_code == 403


@pytest.mark.parametrize("name,content,expected", [
    ("loans.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "not UTF-8 text"),
    ("loans.csv", "code,amount,colour\nA,1,red\n".encode(), "unknown column 'colour'"),
    ("loans.xlsx", b"just text, not a workbook", "is not a spreadsheet"),
    ("loans.pdf", b"%PDF-1.4 ...", "不是 CSV 或 XLSX 文件"),
    ("loans.csv", b"", "空文件"),
])
def test_a_bad_file_is_refused_on_the_form_and_nothing_is_queued(world, tmp_path, name, content, expected):
    bank = login("kz-bank")
    path = tmp_path / "upload.bin"
    path.write_bytes(content)
    response = upload(bank, path, name=name)
    text = html.unescape(response.content.decode())
    assert response.status_code == 400, text[:500]
    assert expected in text and "没有排入导入任务" in text
    assert not ImportJob.objects.exists() and not DBTaskResult.objects.exists()
    assert not list((tmp_path / "jobs" / "files").rglob("*.*"))  # no stored file is left


def test_an_oversize_upload_is_refused_and_nothing_is_queued(world, tmp_path, settings):
    settings.RISKPOOL_MAX_UPLOAD_BYTES = 4096
    bank = login("kz-bank")
    rows = [loan_row(f"KZ-BIG-{i}", 0) for i in range(200)]
    response = upload(bank, write_csv(tmp_path / "loans.csv", LOAN_HEADER, rows))
    assert response.status_code == 413
    text = response.content.decode()
    assert "4 KB" in text and "not accepted" in text
    assert not ImportJob.objects.exists() and not DBTaskResult.objects.exists()


def test_no_kind_or_no_file_is_a_form_error(world, tmp_path):
    bank = login("kz-bank")
    path = write_csv(tmp_path / "loans.csv", LOAN_HEADER, [loan_row("KZ-N-1", 0)])
    assert upload(bank, path, kind="claims").status_code == 400
    assert bank.post("/jobs/import/", {"kind": "loans"}).status_code == 400
    assert not ImportJob.objects.exists()
