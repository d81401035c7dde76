"""A submission with a missing or malformed field re-renders the form with a clear message and status 400, and
writes nothing: no claim, no step, no document row, no audit row, no file left on disk."""

import pytest

from test_claims_support import claim_world, counts, files_on_disk, media, submission, submit_url  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("field, value, shown", [
    ("recoveries", "12.345", "已追回金额"),          # not exact to the fen
    ("recoveries", "abc", "已追回金额"),
    ("third_party_payouts", "-5", "第三方代偿/赔付金额"),
    ("unpaid_interest", "1e400", "未付利息"),
    ("on", "2026-02-30", "日期"),
    ("on", "", "日期"),
    ("cond_overdue_notice_sent", "maybe", "条件"),
    ("cond_cause_investigated", "", "条件"),     # every condition needs its yes or no
    ("key", "", "key"),
    ("code", "has space", "代偿申请编号"),
])
def test_a_malformed_field_is_400_and_writes_nothing(media, field, value, shown):
    w, loan, p = claim_world()
    before = counts()
    data = submission()
    data[field] = value
    r = p.bank.post(submit_url(), data)
    assert r.status_code == 400
    text = r.content.decode()
    assert "填写有误" in text and shown in text
    assert counts() == before
    assert files_on_disk(media) == []
    # the form comes back filled in, with a fresh key
    assert 'name="doc_application"' in text and 'name="key" value="' in text


def test_a_document_field_the_program_does_not_have_is_400(media):
    w, loan, p = claim_world()
    before = counts()
    from test_claims_support import PDF

    r = p.bank.post(submit_url(), submission(files={"doc_passport": ("p.pdf", PDF)}))
    assert r.status_code == 400 and "填写有误" in r.content.decode()
    assert counts() == before and files_on_disk(media) == []
