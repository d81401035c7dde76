"""Property: a random sequence of commands, played once and played again with every command retried with
its idempotency key, ends in the same state; and after every step each running total equals the sum of its
history (``riskpool.figures.totals.check``) and the books balance."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskpool.audit.models import HistoryEvent
from riskpool.claims import commands as cc
from riskpool.claims.models import Claim
from riskpool.claims.reconcile import check_fund
from riskpool.commands import dispatch
from riskpool.figures import totals
from riskpool.figures.models import RunningTotal
from riskpool.ledger import services as ledger
from riskpool.loans import commands as lc
from riskpool.loans.models import Loan
from riskpool.registry import commands as rc

from claims.conftest import KEZHOU_CONDITIONS, KEZHOU_DOCUMENTS, KEZHOU_USCC, add_borrower, kezhou_world

pytestmark = pytest.mark.django_db

DAY0 = dt.date(2025, 6, 2)
LOANS = [f"KZ-P-{i}" for i in range(4)]

amounts = st.integers(min_value=1, max_value=40).map(lambda n: Decimal(n * 100000))
step = st.one_of(
    st.tuples(st.just("file"), st.sampled_from(range(4)), st.sampled_from(range(3)), amounts),
    st.tuples(st.just("repay"), st.sampled_from(range(4)), amounts),
    st.tuples(st.just("arrears"), st.sampled_from(range(4)), st.integers(0, 200)),
    st.tuples(st.just("cure"), st.sampled_from(range(4))),
    st.tuples(st.just("capital"), amounts),
    st.tuples(st.just("claim"), st.sampled_from(range(4))),
)


def build(s, n: int):
    day = DAY0 + dt.timedelta(days=3 * n)
    kind = s[0]
    if kind == "file":
        _, loan, firm, amount = s
        return lc.FileLoan(on=day, code=LOANS[loan], program="kezhou-industry", lender="kz-bank",
                           borrower=KEZHOU_USCC[firm], amount=amount, issue_date=day, term_months=24,
                           guarantor="kz-guarantee", guarantee_fee_rate=Decimal("0.008"))
    if kind == "repay":
        return lc.Repay(on=day, loan=LOANS[s[1]], principal=s[2])
    if kind == "arrears":
        return lc.ReportArrears(on=day, loan=LOANS[s[1]], overdue_since=day - dt.timedelta(days=s[2]),
                                unpaid_interest=Decimal("1000"))
    if kind == "cure":
        return lc.ReportCure(on=day, loan=LOANS[s[1]])
    if kind == "capital":
        return rc.InjectCapital(on=day, fund="kz-fund", amount=s[1])
    return cc.SubmitClaim(on=day, loan=LOANS[s[1]], conditions=KEZHOU_CONDITIONS, documents=KEZHOU_DOCUMENTS)


def _named(total: str) -> str:
    """A running total's name with its row ids replaced by codes (ids differ between plays on PostgreSQL)."""
    from riskpool.programs.models import Program
    from riskpool.registry.models import Borrower, Fund, Institution

    models = {"fund": Fund, "program": Program, "lender": Institution, "borrower": Borrower}
    parts = total.split(":")
    for i in range(len(parts) - 1):
        if parts[i] in models and parts[i + 1].isdigit():
            parts[i + 1] = models[parts[i]].objects.get(pk=int(parts[i + 1])).code
    return ":".join(parts)


def state() -> dict:
    return {
        "loans": sorted(Loan.objects.values_list("code", "status", "outstanding_principal", "overdue_since")),
        "claims": sorted(Claim.objects.values_list("code", "status", "fund_payable")),
        "books": {k: v for k, v in ledger.balances(ledger.Book.objects.get(code="kz-fund")).items() if v},
        "totals": sorted((_named(n), f) for n, f in RunningTotal.objects.exclude(fen=0).values_list("name", "fen")),
        "history": sorted(HistoryEvent.objects.values_list("kind", "loan", "amount")),
    }


def play(steps, retries: int) -> tuple[dict, list]:
    outcomes = []
    with transaction.atomic():
        world = kezhou_world(capital="30000000")
        for code in KEZHOU_USCC[:3]:
            add_borrower(world, code, f"firm {code[-4:]}")
        for n, s in enumerate(steps):
            command = build(s, n)
            for _ in range(1 + retries):
                try:
                    outcome = dispatch(command, actor="bank", key=f"step-{n}")
                except ValueError as e:  # a refusal: the same each time
                    outcome = f"{type(e).__name__}: {e}"
                # the answer as JSON with sorted keys: a replay reads it back from the database, where PostgreSQL's
                # jsonb orders an object's keys its own way (the same object, another order)
                outcomes.append((n, json.dumps(outcome, sort_keys=True, default=str)))
            assert totals.check() == [], (n, s)
            assert check_fund(world.fund) == [], (n, s)
        final = state()
        transaction.set_rollback(True)
    return final, outcomes


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(step, min_size=1, max_size=12))
def test_commands_retried_with_their_keys_end_in_the_same_state(steps):
    once, first = play(steps, retries=0)
    twice, again = play(steps, retries=1)
    assert once == twice
    # every retry answered exactly what its first attempt answered
    by_step = {}
    for n, outcome in again:
        by_step.setdefault(n, []).append(outcome)
    assert all(len(set(v)) == 1 for v in by_step.values()), [v for v in by_step.values() if len(set(v)) > 1]
