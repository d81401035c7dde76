"""The claims list: the principal's claims with loan, program, lender, status, the next step and its due date
with an overdue flag, and the fund's payable; filtered by status."""

import pytest

from riskpool.claims.models import Claim

from test_claims_support import CLAIM, claim_world, media, review, submit  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_list_shows_the_next_step_its_due_date_and_the_overdue_flag(media):
    w, loan, p = claim_world()
    assert submit(p.bank).status_code == 302
    text = p.manager.get("/claims/").content.decode()
    assert CLAIM in text and "KZ-2025-001" in text and "克州产业发展风险补偿资金管理办法" in text
    assert "kz 合作银行" in text and "资金管理人初审" in text and "2026-10-12" in text
    assert "已逾期" in text  # due 2026-10-12, not done (the pages judge against today)
    assert "672,500.00" in text

    assert CLAIM in p.manager.get("/claims/?status=open").content.decode()
    assert CLAIM not in p.manager.get("/claims/?status=paid").content.decode()
    assert CLAIM in p.manager.get("/claims/?status=bogus").content.decode()  # an unknown filter: all

    assert review(p.manager, "first_review", "2026-10-12", approve=False, reason="不符").status_code == 302
    assert Claim.objects.get().status == Claim.REFUSED
    assert CLAIM in p.manager.get("/claims/?status=refused").content.decode()
    assert CLAIM not in p.manager.get("/claims/?status=open").content.decode()
