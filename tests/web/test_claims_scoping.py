"""数据隔离: another lender sees none of kz-bank's claim — not on the list, not its page, not the submission
form of kz-bank's loan (GET or POST): each is 404, and nothing is written."""

import pytest

from test_claims_support import (CLAIM, LOAN, claim_url, claim_world, counts, login, media, submission,  # noqa: F401
                                 submit, submit_url)

pytestmark = pytest.mark.django_db


def test_another_lender_gets_404_on_the_claim_page_and_the_submission_form(media):
    w, loan, p = claim_world()
    assert submit(p.bank).status_code == 302

    assert p.other.get(claim_url()).status_code == 404
    assert p.other.post(claim_url(), {"action": "supplement", "key": "k", "on": "2026-10-01"}).status_code == 404
    assert p.other.get(submit_url()).status_code == 404
    before = counts()
    assert p.other.post(submit_url(), submission()).status_code == 404
    assert counts() == before
    assert CLAIM not in p.other.get("/claims/").content.decode()
    # an unknown claim or loan reads the same
    assert p.other.get(claim_url("NO-SUCH-CLAIM")).status_code == 404
    assert p.bank.get(submit_url("NO-SUCH-LOAN")).status_code == 404


def test_the_lender_the_guarantor_and_the_overseers_see_the_claim_an_industry_department_does_not(media):
    w, loan, p = claim_world()
    assert submit(p.bank).status_code == 302
    for client in (p.bank, p.guarantor, p.manager, p.bureau):
        assert client.get(claim_url()).status_code == 200
        assert CLAIM in client.get("/claims/").content.decode()
    industry = login("kz-industry", "industry_department", username="industry-clerk")
    assert industry.get(claim_url()).status_code == 404
    assert CLAIM not in industry.get("/claims/").content.decode()


def test_only_the_lender_submits_a_claim(media):
    w, loan, p = claim_world()
    assert p.manager.get(submit_url()).status_code == 403
    assert p.guarantor.get(submit_url()).status_code == 403
    page = p.bank.get(submit_url())
    assert page.status_code == 200
    text = page.content.decode()
    assert "第十三条（一）" in text and 'name="doc_loan_contract"' in text and "贷款合同" in text
    assert LOAN in text
