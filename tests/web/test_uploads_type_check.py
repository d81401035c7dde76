"""Uploads are judged by their bytes, not their names: an executable renamed .pdf, a ZIP (or an Office file,
which is a ZIP or OLE2), anything that is not a PDF, JPEG or PNG is refused with a message in Chinese and
English, status 400, and nothing is written — no claim, no file. PNG and JPEG are accepted whatever they are
called, and stored with the type their bytes show."""

import pytest

from riskpool.web import uploads
from riskpool.web.models import ClaimDocument

from test_claims_support import (EXE, JPEG, PDF, PNG, ZIP, claim_world, counts, files_on_disk, media,  # noqa: F401
                                 submission, submit_url)

pytestmark = pytest.mark.django_db

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100


@pytest.mark.parametrize("name, content, zh, en", [
    ("loss.pdf", EXE, "可执行文件", "executable"),
    ("loss.pdf", ZIP, "压缩包或 Office 文件", "archive or Office file"),
    ("loss.docx", ZIP, "压缩包或 Office 文件", "archive or Office file"),
    ("loss.xls", OLE2, "压缩包或 Office 文件", "archive or Office file"),
    ("loss.pdf", b"<html><script>alert(1)</script></html>", "不是 PDF、JPEG 或 PNG 文件", "not a PDF, JPEG or PNG"),
    ("loss.pdf", b"", "空文件", "empty"),
    ("loss.png", b"\x89PN", "不是 PDF、JPEG 或 PNG 文件", "not a PDF, JPEG or PNG"),  # a truncated signature
])
def test_a_refused_upload_is_400_with_its_reason_and_nothing_is_written(media, name, content, zh, en):
    w, loan, p = claim_world()
    before = counts()
    # the refused file comes after an accepted one: that one must not stay on disk either
    r = p.bank.post(submit_url(), submission(documents=["application"], files={"doc_loss_statement": (name, content)}))
    assert r.status_code == 400
    text = r.content.decode()
    assert "上传被拒绝" in text and zh in text and en in text and name in text
    assert counts() == before
    assert files_on_disk(media) == []


def test_png_and_jpeg_are_accepted_by_their_bytes_and_stored_with_that_type(media):
    w, loan, p = claim_world()
    r = p.bank.post(submit_url(), submission(documents=["application", "loan_contract"],
                                             files={"doc_loss_statement": ("scan.pdf", PNG),
                                                    "doc_recovery_measures": ("photo.bin", JPEG)}))
    assert r.status_code == 302
    types = dict(ClaimDocument.objects.values_list("document", "content_type"))
    assert types == {"application": "application/pdf", "loan_contract": "application/pdf",
                     "loss_statement": "image/png", "recovery_measures": "image/jpeg"}
    assert sorted(p.suffix for p in files_on_disk(media)) == [".jpg", ".pdf", ".pdf", ".png"]


def test_sniff_reads_the_signature_only():
    assert uploads.sniff(PDF) == "application/pdf"
    assert uploads.sniff(PNG) == "image/png"
    assert uploads.sniff(JPEG) == "image/jpeg"
    assert uploads.sniff(EXE) is None and uploads.sniff(ZIP) is None and uploads.sniff(b"") is None
    assert uploads.sniff(b" %PDF-1.4") is None  # not at the start
