"""The import API: ``POST /api/imports/{kind}`` (multipart) queues a background import for a lender's token —
202 with the job and its Location —, ``GET /api/imports/{id}`` tells its status, progress and, at the end, its
summary and refused rows (row, column, value, rule, article, message). Another institution's token gets 404; a
bad file is a 422 problem and nothing is queued; an Idempotency-Key answers the same job again."""

from __future__ import annotations

import io

import pytest
from django.test import Client

from api_helpers import INSTITUTIONS, aw, api_urls, is_problem  # noqa: F401
from imports.conftest import LOAN_HEADER, write_csv
from jobs.conftest import run_database_worker
from riskpool.jobs import progress
from riskpool.jobs.models import ImportJob
from riskpool.loans.models import Loan

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def jobs_dir(settings, tmp_path):
    settings.RISKPOOL_JOBS_DIR = tmp_path / "jobs"


def post_file(aw, institution, kind, name, content, key=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {aw.tokens[institution]}"}
    if key:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    f = io.BytesIO(content)
    f.name = name
    return Client().post(f"/api/imports/{kind}", {"file": f}, **headers)


def loans_csv(aw, tmp_path, *codes, lender="kz-bank") -> bytes:
    rows = [[code, "kezhou-industry", lender, aw.fresh_borrowers[i % 2], "500000", "2025-08-01", "24",
             "kz-guarantee", "0.008"] for i, code in enumerate(codes)]
    return write_csv(tmp_path / "loans.csv", LOAN_HEADER, rows).read_bytes()


def test_a_lender_queues_an_import_and_reads_its_progress_and_outcome(aw, tmp_path, monkeypatch):
    r = post_file(aw, "kz-bank", "loans", "loans.csv", loans_csv(aw, tmp_path, "KZ-API-I1", "KZ-API-I2"))
    assert r.status_code == 202, r.content
    body = r.json()
    job = ImportJob.objects.get(pk=body["id"])
    assert r["Location"] == f"/api/imports/{job.pk}" and body["url"] == r["Location"]
    assert body["status"] == "queued" and body["kind"] == "loans" and body["file_name"] == "loans.csv"
    assert job.via == "api" and job.created_by.startswith("api:kz-bank:")

    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.RUNNING)
    progress.write(job.pk, {"phase": "checking", "total": 2, "read": 2, "checked": 1})
    running = aw.client("kz-bank").get(f"/api/imports/{job.pk}").json()
    assert (running["status"], running["rows_checked"], running["rows_total"], running["percent"]) == (
        "running", 1, 2, 50)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.QUEUED)

    run_database_worker(monkeypatch)
    done = aw.client("kz-bank").get(f"/api/imports/{job.pk}").json()
    assert done["status"] == "done" and done["imported"] == 2 and done["percent"] == 100 and done["errors"] == []
    assert Loan.objects.filter(code__in=["KZ-API-I1", "KZ-API-I2"], lender__code="kz-bank").count() == 2
    assert [j["id"] for j in aw.client("kz-bank").get("/api/imports").json()["jobs"]] == [job.pk]


def test_refused_rows_come_back_with_rule_and_article(aw, tmp_path, monkeypatch):
    content = loans_csv(aw, tmp_path, "KZ-API-R1", "KZ-API-R2")
    content = content.replace(b"KZ-API-R2,kezhou-industry,kz-bank,", b"KZ-API-R2,kezhou-industry,other-bank,")
    r = post_file(aw, "kz-bank", "loans", "loans.csv", content)
    run_database_worker(monkeypatch)
    done = aw.client("kz-bank").get(f"/api/imports/{r.json()['id']}").json()
    assert done["status"] == "refused" and done["imported"] == 0
    assert done["errors"] == [{"row": 3, "column": "lender", "value": "other-bank", "rule": "OTHER_LENDER",
                               "article": "", "message": "kz-bank imports its own loans only, not loans of other-bank"}]
    assert not Loan.objects.filter(code__startswith="KZ-API-R").exists()


@pytest.mark.parametrize("institution", ["other-bank", "kz-guarantee"])
def test_another_institution_gets_404(aw, tmp_path, institution):
    r = post_file(aw, "kz-bank", "loans", "loans.csv", loans_csv(aw, tmp_path, "KZ-API-X1"))
    job_id = r.json()["id"]
    is_problem(aw.client(institution).get(f"/api/imports/{job_id}"), 404, "NOT_FOUND")
    assert aw.client(institution).get("/api/imports").json()["jobs"] == []
    assert aw.client("kz-manager").get(f"/api/imports/{job_id}").status_code == 200  # read-only oversight


def test_only_a_lender_imports(aw, tmp_path):
    r = post_file(aw, "kz-guarantee", "loans", "loans.csv", loans_csv(aw, tmp_path, "KZ-API-G1"))
    is_problem(r, 403, "NOT_ALLOWED")
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("name,content,field", [
    ("loans.csv", b"code,amount,colour\nA,1,red\n", "colour"),
    ("loans.xlsx", b"not a workbook", ""),
    ("loans.txt", b"code\n", "file"),
])
def test_a_bad_file_is_a_422_and_nothing_is_queued(aw, name, content, field):
    body = is_problem(post_file(aw, "kz-bank", "loans", name, content), 422, "FILE_REFUSED")
    assert name in body["detail"] and body["field"] == (field or "file")
    assert not ImportJob.objects.exists()


def test_unknown_kind_missing_file_and_oversize(aw, tmp_path, settings):
    is_problem(post_file(aw, "kz-bank", "claims", "x.csv", b"a\n"), 404, "NOT_FOUND")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {aw.tokens['kz-bank']}"}
    is_problem(Client().post("/api/imports/loans", {"other": "x"}, **headers), 422, "INVALID_INPUT")
    settings.RISKPOOL_MAX_UPLOAD_BYTES = 1024
    big = loans_csv(aw, tmp_path, *[f"KZ-API-B{i}" for i in range(40)])
    is_problem(post_file(aw, "kz-bank", "loans", "loans.csv", big), 413, "TOO_LARGE")
    assert not ImportJob.objects.exists()


def test_the_same_idempotency_key_answers_the_same_job(aw, tmp_path):
    content = loans_csv(aw, tmp_path, "KZ-API-K1")
    first = post_file(aw, "kz-bank", "loans", "loans.csv", content, key="import-2025-08-01")
    again = post_file(aw, "kz-bank", "loans", "loans.csv", content, key="import-2025-08-01")
    assert first.status_code == again.status_code == 202 and first.json()["id"] == again.json()["id"]
    other = loans_csv(aw, tmp_path, "KZ-API-K2")
    is_problem(post_file(aw, "kz-bank", "loans", "loans.csv", other, key="import-2025-08-01"), 409,
               "IDEMPOTENCY_CONFLICT")
    # another institution's same key is its own
    assert post_file(aw, "other-bank", "loans", "loans.csv", content, key="import-2025-08-01").status_code == 202
    assert ImportJob.objects.count() == 2


def test_a_key_used_for_an_import_is_a_conflict_for_a_filing_and_a_batch(aw, tmp_path):
    """One Idempotency-Key, one request, whichever endpoint comes second: here the import came first."""
    from api_helpers import counts, filing

    content = loans_csv(aw, tmp_path, "KZ-API-K3")
    assert post_file(aw, "kz-bank", "loans", "loans.csv", content, key="shared-key").status_code == 202
    bank = aw.client("kz-bank")
    before = counts()
    body = is_problem(bank.post("/api/loans", filing(aw.fresh_borrowers[0], "KZ-API-K4"), key="shared-key"), 409,
                      "IDEMPOTENCY_CONFLICT")
    assert "import" in body["detail"]
    is_problem(bank.post("/api/loans/batch", {"loans": [filing(aw.fresh_borrowers[0], "KZ-API-K5")]},
                         key="shared-key"), 409, "IDEMPOTENCY_CONFLICT")
    assert counts() == before  # nothing written
    # another institution's same key is its own
    assert aw.client("other-bank").post("/api/loans", filing(aw.fresh_borrowers[1], "OTHER-K6", guarantor="other-guarantee"),
                                        key="shared-key").status_code == 201
