"""Two approved claims paid from one fund at the same instant (PostgreSQL only).

Each claim's payable is 600 and the fund holds 1,000. ``claims.pay`` locks the fund's book row first, so the
two payments queue: the first pays 600, the second sees the 400 left, pays it, and records 200 as unfunded
(limited liability). On SQLite writers are serialised by the database itself (one writer at a time), so the
race cannot be provoked there.
"""

import threading

import pytest
from django.db import connection, connections

from riskpool.claims import services as claims
from riskpool.claims.models import Claim
from riskpool.ledger import services as ledger

from .conftest import D, d, kunshan_approve, kunshan_defaulted_loan, kunshan_submit, kunshan_world

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="needs PostgreSQL (row locks and concurrent connections); set DATABASE_URL"),
    pytest.mark.django_db(transaction=True),
]


def test_two_claims_paid_at_the_same_instant_share_the_cash_without_overdrawing():
    world = kunshan_world(capital="1000")
    approved = []
    for i, code in enumerate(("KS-A", "KS-B")):
        # 1,000 lent and lost; exposure 6,000,000 puts it in 第十一条's second tier: the pool bears 60 % = 600
        loan = kunshan_defaulted_loan(world, code, i, amount="1000", repaid="0", exposure="6000000")
        approved.append(kunshan_approve(kunshan_submit(loan)))
    assert [c.fund_payable for c in approved] == [D("600.00"), D("600.00")]
    assert world.cash() == D("1000.00")

    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def pay(claim: Claim) -> None:
        try:
            barrier.wait(timeout=10)
            results[claim.code] = claims.pay(claim, on=d("2026-06-12"), actor=f"clerk-{claim.code}",
                                             key=f"pay-{claim.code}")
        except Exception as e:  # noqa: BLE001 - reported below
            results[claim.code] = e
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=pay, args=(c,)) for c in approved]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert all(isinstance(r, Claim) for r in results.values()), results
    paid = sorted(((c.paid_amount, c.unfunded, c.next_step) for c in results.values()), reverse=True)
    assert paid == [(D("600.00"), D("0.00"), ""), (D("400.00"), D("200.00"), "payment")]
    assert all(c.status == Claim.PAID for c in Claim.objects.all())
    assert world.cash() == 0
    assert ledger.balance(world.book, "liabilities:compensation_payable") == D("-200.00")
    assert ledger.check_books(world.book) == []
