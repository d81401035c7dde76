"""After payment: the lender records a recovery (split by the shares, kezhou 第十七条) and remits the fund's part;
the fund manager writes the rest off, not before a year has run out (第十八条) — each form only for its role."""

from decimal import Decimal

import pytest

from riskpool.claims.models import Claim, Recovery

from test_claims_support import (KEZHOU_REVIEWS, act, claim_url, claim_world, counts, media, review,  # noqa: F401
                                 submit)

pytestmark = pytest.mark.django_db


def paid(p):
    assert submit(p.bank).status_code == 302
    for step, on, who in KEZHOU_REVIEWS:
        assert review(getattr(p, who), step, on).status_code == 302
    assert act(p.manager, "pay", "2026-11-16", step="payment").status_code == 302


def test_recovery_remittance_and_write_off(media):
    w, loan, p = claim_world()
    paid(p)
    page = p.bank.get(claim_url()).content.decode()
    assert 'value="record_recovery"' in page and 'value="write_off"' not in page
    assert 'value="write_off"' in p.manager.get(claim_url()).content.decode()
    assert 'value="record_recovery"' not in p.manager.get(claim_url()).content.decode()

    # the fund manager may not record the lender's recovery
    assert act(p.manager, "record_recovery", "2026-12-01", gross="100000", costs="0").status_code == 403
    r = act(p.bank, "record_recovery", "2026-12-01", gross="100,000.00", costs="10000")
    assert r.status_code == 302
    rec = Recovery.objects.get()
    assert rec.to_fund == Decimal("45000.00")  # 90,000 net, 50 %
    page = p.bank.get(claim_url()).content.decode()
    assert "45,000.00" in page and 'value="remit_recovery"' in page

    assert act(p.bank, "remit_recovery", "2026-12-03", recovery=str(rec.pk)).status_code == 302
    rec.refresh_from_db()
    assert rec.remitted_on.isoformat() == "2026-12-03"

    # a write-off before the year has run out is refused with its article; then it goes through
    r = act(p.manager, "write_off", "2027-06-01", evidence="court_ruling", evidence_ref="（2027）新30民初1号")
    assert r.status_code == 400 and "[第十八条]" in r.content.decode()
    r = act(p.manager, "write_off", "2027-11-17", evidence="court_ruling", evidence_ref="（2027）新30民初1号")
    assert r.status_code == 302
    claim = Claim.objects.get()
    assert claim.written_off_on.isoformat() == "2027-11-17"
    assert "627,500.00" in p.manager.get(claim_url()).content.decode()  # 672,500 paid − 45,000 recovered


def test_a_malformed_recovery_is_400_and_writes_nothing(media):
    w, loan, p = claim_world()
    paid(p)
    before = counts()
    r = act(p.bank, "record_recovery", "2026-12-01", gross="lots")
    assert r.status_code == 400 and "追偿所得" in r.content.decode()
    r = act(p.bank, "unknown_action", "2026-12-01")
    assert r.status_code == 400
    assert counts() == before and Recovery.objects.count() == 0
