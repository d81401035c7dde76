"""Idempotency: a repeated request (same key, same content) returns the first result and changes nothing more;
the same key with different content is refused."""

import pytest

from riskpool.audit.models import AuditEvent
from riskpool.audit.services import IdempotencyConflict
from riskpool.claims import services as claims
from riskpool.claims.models import Claim, ClaimStep, Recovery
from riskpool.claims.services import ClaimError
from riskpool.ledger.models import LedgerTransaction

from .conftest import (
    KUNSHAN_CONDITIONS,
    KUNSHAN_DOCUMENTS,
    D,
    d,
    fresh,
    kunshan_defaulted_loan,
    kunshan_world,
)

pytestmark = pytest.mark.django_db


def _submit(loan, key, documents=KUNSHAN_DOCUMENTS):
    return claims.submit_claim(loan, on=d("2026-06-01"), conditions=KUNSHAN_CONDITIONS, documents=documents,
                               actor="ks-bank", key=key)


def test_same_key_twice_returns_the_same_claim_and_one_row():
    world = kunshan_world()
    loan = kunshan_defaulted_loan(world, "KS-001", 0)
    first = _submit(loan, "ks-bank/claim/KS-001")
    again = _submit(fresh(loan), "ks-bank/claim/KS-001")  # the loan is claimed by now: still the first answer
    assert again.pk == first.pk
    assert Claim.objects.count() == 1 and ClaimStep.objects.count() == 1
    assert AuditEvent.objects.filter(action="claims.submit_claim").count() == 1

    with pytest.raises(IdempotencyConflict, match="ks-bank/claim/KS-001"):
        _submit(loan, "ks-bank/claim/KS-001", documents=["application"])
    # a new key is a new request, refused on its merits
    with pytest.raises(ClaimError, match="is claimed"):
        _submit(fresh(loan), "ks-bank/claim/KS-001/bis")
    assert Claim.objects.count() == 1


def test_without_a_key_a_second_request_is_a_new_request():
    # Only a client-supplied key deduplicates; a second claim on a loan with an open claim is refused.
    world = kunshan_world()
    loan = kunshan_defaulted_loan(world, "KS-001", 0)
    claims.submit_claim(loan, on=d("2026-06-01"), conditions=KUNSHAN_CONDITIONS, documents=KUNSHAN_DOCUMENTS,
                        actor="ks-bank")
    with pytest.raises(claims.ClaimError, match="claim"):
        claims.submit_claim(fresh(loan), on=d("2026-06-01"), conditions=KUNSHAN_CONDITIONS,
                            documents=KUNSHAN_DOCUMENTS, actor="ks-bank")
    assert Claim.objects.count() == 1


def test_repeated_review_payment_and_recovery_happen_once():
    world = kunshan_world()
    claim = _submit(kunshan_defaulted_loan(world, "KS-001", 0), "c1")
    for _ in range(2):
        reviewed = claims.review(claim, step="manager_review", on=d("2026-06-10"), approved=True, actor="管理人",
                                 key="c1/review")
    assert reviewed.next_step == "payment" and reviewed.steps.count() == 2
    with pytest.raises(IdempotencyConflict):
        claims.review(claim, step="manager_review", on=d("2026-06-10"), approved=False, reason="x", actor="管理人",
                      key="c1/review")

    for _ in range(2):
        paid = claims.pay(reviewed, on=d("2026-06-15"), actor="管理人", key="c1/pay")
    assert paid.paid_amount == D("1050000.00")
    assert LedgerTransaction.objects.filter(kind="compensation_paid").count() == 1
    assert LedgerTransaction.objects.filter(kind="compensation_approved").count() == 1
    assert world.cash() == D("20000000") - D("1050000")
    # another key is another request: refused on its merits, the claim being paid
    with pytest.raises(ClaimError, match="is paid and awaits 'nothing'"):
        claims.pay(reviewed, on=d("2026-06-15"), actor="管理人", key="c1/pay/again")
    assert LedgerTransaction.objects.filter(kind="compensation_paid").count() == 1

    for _ in range(2):
        r = claims.record_recovery(paid, on=d("2026-09-30"), gross="110000", costs="10000", actor="ks-bank",
                                   key="c1/recovery/1")
    assert Recovery.objects.count() == 1 and r.to_fund == D("70000.00")
    with pytest.raises(IdempotencyConflict):
        claims.record_recovery(paid, on=d("2026-09-30"), gross="120000", actor="ks-bank", key="c1/recovery/1")
    assert LedgerTransaction.objects.filter(kind="recovery_due").count() == 1
