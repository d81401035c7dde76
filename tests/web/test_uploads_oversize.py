"""Size: at most settings.RISKPOOL_MAX_UPLOAD_BYTES per file. A larger file is refused (400, Chinese and
English, nothing written); a request that declares more than its files may add up to is refused before its
body is read."""

import pytest

from test_claims_support import PDF, claim_world, counts, files_on_disk, media, submission, submit_url  # noqa: F401

pytestmark = pytest.mark.django_db


def test_a_file_over_the_limit_is_refused_and_nothing_is_written(media, settings):
    settings.RISKPOOL_MAX_UPLOAD_BYTES = 4096
    w, loan, p = claim_world()
    before = counts()
    big = PDF + b"0" * 5000
    r = p.bank.post(submit_url(), submission(documents=["application"], files={"doc_loan_contract": ("big.pdf", big)}))
    assert r.status_code == 400
    text = r.content.decode()
    assert "超过单个文件 4 KB 的上限" in text and "larger than the 4 KB limit" in text and "big.pdf" in text
    assert counts() == before and files_on_disk(media) == []


def test_a_file_at_the_limit_is_accepted(media, settings):
    settings.RISKPOOL_MAX_UPLOAD_BYTES = 4096
    w, loan, p = claim_world()
    exact = PDF + b"0" * (4096 - len(PDF))
    r = p.bank.post(submit_url(), submission(documents=[], files={"doc_application": ("exact.pdf", exact)}))
    assert r.status_code == 302
    assert [f.stat().st_size for f in files_on_disk(media)] == [4096]


def test_a_request_declaring_200_mb_is_refused_unread(media, settings):
    w, loan, p = claim_world()
    before = counts()
    # the body is small, but it says it is 200 MB: answered without reading it (a read past the end would hang
    # or fail)
    from django.test.client import MULTIPART_CONTENT, encode_multipart, BOUNDARY

    body = encode_multipart(BOUNDARY, submission())
    r = p.bank.generic("POST", submit_url(), body, content_type=MULTIPART_CONTENT,
                       CONTENT_LENGTH=str(200 * 1024 * 1024))
    assert r.status_code == 400
    text = r.content.decode()
    assert "上传内容过大" in text and "too large" in text
    assert counts() == before and files_on_disk(media) == []
