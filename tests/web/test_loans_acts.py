"""The lender's acts on its loan page: repayment, arrears, extension, cure, a notice given — each a command
under the dispatcher; a malformed field is 400 and writes nothing; a refusal is shown with its message."""

from __future__ import annotations

from decimal import Decimal

import pytest

from riskpool.loans.models import Loan, Repayment

from conftest_loans import counts, login, loan_world

pytestmark = pytest.mark.django_db
KEY = "3d6f0a8e-2b1c-4e5f-9a7b-8c0d1e2f3a4b"


@pytest.fixture
def lw():
    return loan_world()


def test_a_repayment_is_recorded_once(lw):
    client = login("kz-bank")
    url = f"/loans/act/repay/{lw.loan.code}"
    data = {"key": KEY, "on": "2026-04-01", "principal": "100,000.00", "interest": "5000"}
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == f"/loans/{lw.loan.code}/"
    assert Loan.objects.get(pk=lw.loan.pk).outstanding_principal == Decimal("1400000.00")
    assert client.post(url, data).status_code == 302  # a double submit: the first result
    assert Repayment.objects.filter(loan=lw.loan).count() == 2  # the story's one and this one
    assert "100,000.00" in client.get(response["Location"]).content.decode()


def test_a_malformed_repayment_is_400_and_writes_nothing(lw):
    client = login("kz-bank")
    before = counts()
    response = client.post(f"/loans/act/repay/{lw.loan.code}",
                           {"key": KEY, "on": "2026-04-01", "principal": "1e5", "interest": "0"})
    assert response.status_code == 400 and "格式不正确" in response.content.decode()
    assert counts() == before


def test_a_repayment_beyond_the_outstanding_is_refused_with_its_message(lw):
    client = login("kz-bank")
    before = counts()
    response = client.post(f"/loans/act/repay/{lw.loan.code}",
                           {"key": KEY, "on": "2026-04-01", "principal": "9000000", "interest": "0"})
    assert response.status_code == 422 and "exceeds outstanding" in response.content.decode()
    assert counts() == before


def test_an_extension_beyond_five_years_is_refused_under_article_9(lw):
    client = login("kz-bank")
    before = counts()
    response = client.post(f"/loans/act/extend/{lw.loan.code}", {"key": KEY, "on": "2026-04-01", "months": "30"})
    assert response.status_code == 422 and "第九条" in response.content.decode()
    assert counts() == before
    ok = client.post(f"/loans/act/extend/{lw.loan.code}", {"key": KEY, "on": "2026-04-01", "months": "6"})
    assert ok.status_code == 302 and Loan.objects.get(pk=lw.loan.pk).term_months == 42


def test_arrears_cure_and_a_notice_done(lw):
    client = login("kz-bank")
    loan = lw.other_loan
    other = login("other-bank")
    response = other.post(f"/loans/act/arrears/{loan.code}",
                          {"key": KEY, "on": "2026-02-10", "overdue_since": "2026-02-01", "unpaid_interest": "1200"})
    assert response.status_code == 302
    assert Loan.objects.get(pk=loan.pk).overdue_since.isoformat() == "2026-02-01"
    notice = Loan.objects.get(pk=loan.pk).notices.filter(done_on__isnull=True).first()
    done = other.post(f"/loans/act/notice/{loan.code}", {"key": "7e8f9a0b-1c2d-4e3f-8a5b-6c7d8e9f0a1b",
                                                         "on": "2026-02-11", "kind": notice.kind})
    assert done.status_code == 302
    notice.refresh_from_db()
    assert notice.done_on is not None
    cure = other.post(f"/loans/act/cure/{loan.code}", {"key": "9a8b7c6d-5e4f-4a3b-9c1d-0e1f2a3b4c5d",
                                                       "on": "2026-02-20"})
    assert cure.status_code == 302 and Loan.objects.get(pk=loan.pk).overdue_since is None
    # kz-bank may not touch other-bank's loan
    assert client.post(f"/loans/act/cure/{loan.code}", {"key": KEY, "on": "2026-02-20"}).status_code == 404


def test_an_unknown_action_is_404_and_get_is_not_allowed(lw):
    client = login("kz-bank")
    assert client.post(f"/loans/act/delete/{lw.loan.code}", {"key": KEY}).status_code == 404
    assert client.get(f"/loans/act/repay/{lw.loan.code}").status_code == 405
