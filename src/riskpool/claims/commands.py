"""Claim commands: the compensation claim (代偿申请) from the lender's application to payment, recovery
(追偿) and write-off (核销).

Each is a typed command run by the one dispatcher (``riskpool.commands``), which locks the fund's book row,
the borrower and the loan first (so that every claim operation of a fund, and every posting to its books,
happens one at a time), answers a repeated idempotency key with the first result, and records history and
audit. Money moves only through ``riskpool.ledger.services.post`` with the ``riskpool.ledger.core`` helpers;
decisions come only from the rules (``riskpool.rules``), under the policy version the loan was filed under.
A request the rules or the workflow refuse raises :class:`ClaimError` and changes nothing.

The workflow is the policy file's ``claims.workflow`` (in force on the submission date): the first step is
the lender's submission, the last is the payment, and the steps between are reviews (kezhou-industry 第十四条
and 第十六条, kunshan-kunyurong 第十七条, pingluo-puhui-yidai 第十六条). A step with a ``deadline`` falls due
that many working days after the previous step was done (``rules.deadlines``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

from django.forms.models import model_to_dict

from riskpool.calendar import CalendarError, default_calendar
from riskpool.claims.models import Claim, ClaimStep, Recovery, WriteOff
from riskpool.commands import Command, Context, Locks
from riskpool.commands.base import ClaimCode, LoanCode, Money, Rate, Reason, StepCode
from riskpool.ledger import core as ledger_core
from riskpool.ledger import services as ledger
from riskpool.ledger.models import Book, LedgerPosting
from riskpool.registry import contributors
from riskpool.loans.commands import add_months
from riskpool.loans.models import Loan
from riskpool.money import FEN, ZERO, MoneyError, fmt, to_decimal
from riskpool.policy.schema import Program as Policy
from riskpool.policy.schema import WorkflowStep
from riskpool.registry import services as registry
from riskpool.rules import deadlines
from riskpool.rules.claims import assess_claim
from riskpool.rules.decision import Decision
from riskpool.rules.facts import ClaimFacts, RecoveryFacts
from riskpool.rules.recovery import distribute_recovery
from riskpool.rules.sanctions import after_compensation

__all__ = ["ClaimError", "claim_facts", "SubmitClaim", "Supplement", "Review", "Pay", "RecordRecovery",
           "RemitRecovery", "WriteOffClaim", "workflow"]

AMOUNT_FIELDS = ("loss_base", "fund_share", "lender_share", "guarantor_share", "fund_payable", "forfeited", "unfunded")


class ClaimError(ValueError):
    """A claim request refused as such (wrong step, wrong state, too early); ``article`` names the rule."""

    def __init__(self, message: str, article: str = "", decision: Decision | None = None):
        self.article, self.decision = article, decision
        super().__init__(message + (f" ({article})" if article else ""))


# ----------------------------------------------------------------------------- helpers

def _money(value: Any, what: str) -> Decimal:
    try:
        amount = to_decimal(value, what=what)
    except MoneyError as e:
        raise ClaimError(str(e)) from None
    if amount < 0:
        raise ClaimError(f"{what}: {amount} is negative")
    if amount != amount.quantize(FEN):
        raise ClaimError(f"{what}: {amount} is not a whole number of fen")
    return amount


def _ratio(value: Any, what: str) -> Decimal:
    try:
        ratio = to_decimal(value, what=what)
    except MoneyError as e:
        raise ClaimError(str(e)) from None
    if not 0 <= ratio <= 1:
        raise ClaimError(f"{what}: {ratio} is not a ratio between 0 and 1")
    return ratio


def _claim_ids(code: str) -> tuple[int | None, int | None, int | None]:
    row = Claim.objects.filter(code=code).values_list("loan_id", "loan__fund__book_id", "loan__borrower_id").first()
    return row if row is not None else (None, None, None)


def _locked_claim(code: str) -> Claim:
    c = (Claim.objects.select_related("loan", "loan__program", "loan__program_version", "loan__fund",
                                      "loan__fund__book", "loan__borrower", "loan__lender", "program_version")
         .filter(code=code).first())
    if c is None:
        raise ClaimError(f"no claim {code!r}")
    return c


class ClaimCommand(Command):
    """A command on one claim: locks its fund's book, the borrower and the loan."""

    claim: ClaimCode

    def subject(self) -> str:
        return f"claim:{self.claim}"

    def locks(self) -> Locks:
        loan, book, borrower = _claim_ids(self.claim)
        return Locks(books={book}, borrowers={borrower}, loans={loan})


CLAIM_AUDIT_FIELDS = ("status", "next_step", "next_due_on", "fund_payable", "paid_amount", "unfunded", "approved_on",
                      "paid_on", "written_off_on")


def _snap(c: Claim) -> dict[str, Any]:
    return {f: getattr(c, f) for f in CLAIM_AUDIT_FIELDS}


def _common(c: Claim) -> dict[str, Any]:
    loan = c.loan
    return dict(fund=loan.fund.code, program=loan.program.code, lender=loan.lender.code, borrower=loan.borrower.code,
                loan=loan.code, claim=c.code)


def workflow(claim: Claim) -> list[WorkflowStep]:
    """The claim's workflow: the policy file's ``claims.workflow`` in force on the submission date."""
    policy = claim.policy
    return list(policy.param(policy.claims.workflow, claim.submitted_on))


def _due(policy: Policy, step: WorkflowStep, previous_done_on: dt.date) -> dt.date | None:
    """When ``step`` falls due, counted from the previous step; None without a deadline or calendar data."""
    if not step.deadline:
        return None
    try:
        return deadlines.due_date(policy, step.deadline, previous_done_on, default_calendar()).date
    except CalendarError:
        return None  # working days not yet known for that year: the step has no due date until they are


def _last_done_on(claim: Claim) -> dt.date:
    last = claim.steps.order_by("-done_on", "-id").first()
    return last.done_on if last is not None else claim.submitted_on


def _reasons_text(reasons: list[dict[str, Any]]) -> str:
    return "; ".join(f"{r['code']} [{r['article']}] {r['message']}" for r in reasons if r.get("blocking"))


def _store_decision(claim: Claim, decision: Decision) -> None:
    claim.decision = decision.as_dict()
    for name in AMOUNT_FIELDS:
        setattr(claim, name, decision.amounts.get(name, ZERO))


def _assess(claim_or_loan: Claim | Loan, on: dt.date, given: dict[str, Any]) -> Decision:
    loan = claim_or_loan.loan if isinstance(claim_or_loan, Claim) else claim_or_loan
    policy = claim_or_loan.policy
    try:
        facts = claim_facts(claim_or_loan, on, **given)
        return assess_claim(policy, on, facts)
    except ValueError as e:  # bad facts (pydantic), a negotiated share above its maximum, no tier for the exposure
        raise ClaimError(f"claim on loan {loan.code} cannot be assessed: {e}", policy.claims.workflow.article) from None


def _given(facts: dict[str, Any]) -> dict[str, Any]:
    """The lender's facts stored on the claim, as keyword arguments of :func:`claim_facts`."""
    return {"conditions": dict(facts.get("conditions") or {}), "documents": list(facts.get("documents") or []),
            "recoveries": Decimal(facts.get("recoveries") or 0),
            "third_party_payouts": Decimal(facts.get("third_party_payouts") or 0),
            "unpaid_interest": None if facts.get("unpaid_interest") is None else Decimal(facts["unpaid_interest"]),
            "negotiated_guarantor_share": None if facts.get("negotiated_guarantor_share") is None
            else Decimal(facts["negotiated_guarantor_share"])}


def _recovered_to_fund(claim: Claim) -> Decimal:
    return sum((r.to_fund for r in claim.recoveries.all()), ZERO)


# ----------------------------------------------------------------------------- facts

def claim_facts(claim_or_loan: Claim | Loan, on: dt.date, *, conditions: dict[str, bool], documents: list[str],
                recoveries: Any = 0, third_party_payouts: Any = 0, unpaid_interest: Any = None,
                negotiated_guarantor_share: Any = None) -> ClaimFacts:
    """The facts the claim rule decides on, from the stored loan, fund and lender history as of ``on``.

    Compensation-rate history (pingluo 第十五条): the lender's compensation so far is what the fund paid on
    its other loans in the program up to ``on``, plus what it has approved and not yet paid (so that two
    claims approved before either is paid cannot both use the same headroom); released guarantees are the
    lender's other loans in the program released (repaid or compensated) on or before ``on`` — the claimed
    loan's own guarantee is added by the rule (``claim_releases_its_guarantee``).
    """
    claim = claim_or_loan if isinstance(claim_or_loan, Claim) else None
    loan = claim.loan if claim is not None else claim_or_loan
    from riskpool.figures.lenders import rate_cap_history

    from riskpool.figures.lenders import cap_history

    policy = claim_or_loan.policy
    repaid = sum((r.principal for r in loan.repayments.filter(on__lte=on)), ZERO)
    history: dict[str, Decimal] = {}
    cap = policy.sharing.compensation_rate_cap
    if cap is None:
        compensated, released = rate_cap_history(loan.program, loan.lender, on, claim=claim, loan=loan)
        history = {"lender_cumulative_compensation": compensated, "lender_cumulative_released": released}
    else:
        spec = policy.param(cap, on)
        compensated, released = cap_history(loan.program, loan, on, per=spec.per, window=spec.window, claim=claim)
        history = {f"{spec.per}_cumulative_compensation": compensated, f"{spec.per}_cumulative_released": released}
    declared = {k: (Decimal(v) if policy.facts.get(k) is not None and policy.facts[k].type == "number" else v)
                for k, v in (loan.facts or {}).items()}
    return ClaimFacts(
        approved_principal=loan.amount,
        repaid_principal=repaid,
        recoveries=recoveries,
        third_party_payouts=third_party_payouts,
        unpaid_interest=loan.unpaid_interest if unpaid_interest is None else unpaid_interest,
        exposure=loan.exposure,
        term_months=loan.term_months,
        borrower_kind=loan.borrower.kind,
        facts=declared,
        has_guarantor=loan.guarantor_id is not None,
        negotiated_guarantor_share=negotiated_guarantor_share,
        loan_filed=True,
        # facts the records establish (e.g. an extension, pingluo 第十一条6) override what the lender states
        conditions={**conditions, **loan.claim_conditions},
        documents=documents,
        fund_balance=registry.fund_money(loan.fund, on),
        contributor_balances=contributors.holdings(loan.fund, on),
        guaranteed_amount=loan.amount,
        **history,
    )


# ----------------------------------------------------------------------------- submission and review

def _as_json(given: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in given.items()}


class SubmitClaim(Command):
    """The lender's claim: recorded as the workflow's first step and assessed by the rules on ``on``.

    A claim the rules refuse is still recorded (open): a person refuses it at a review step, with the reasons
    shown. The loan must be filed and without a live (open or paid) claim.
    """

    action: ClassVar[str] = "claims.submit_claim"
    loan: LoanCode
    conditions: dict[StepCode, bool] = {}
    documents: list[StepCode] = []
    recoveries: Money = ZERO
    third_party_payouts: Money = ZERO
    unpaid_interest: Money | None = None
    negotiated_guarantor_share: Rate | None = None
    code: ClaimCode | None = None

    def subject(self) -> str:
        return f"loan:{self.loan}"

    def locks(self) -> Locks:
        row = Loan.objects.filter(code=self.loan).values_list("pk", "fund__book_id", "borrower_id").first()
        pk, book, borrower = row if row is not None else (None, None, None)
        return Locks(books={book}, borrowers={borrower}, loans={pk})

    def given(self) -> dict[str, Any]:
        return {"conditions": dict(self.conditions), "documents": list(self.documents),
                "recoveries": _money(self.recoveries, "recoveries"),
                "third_party_payouts": _money(self.third_party_payouts, "third_party_payouts"),
                "unpaid_interest": None if self.unpaid_interest is None
                else _money(self.unpaid_interest, "unpaid_interest"),
                "negotiated_guarantor_share": None if self.negotiated_guarantor_share is None
                else _ratio(self.negotiated_guarantor_share, "negotiated_guarantor_share")}

    def handle(self, ctx: Context) -> dict[str, Any]:
        on, given = self.on, self.given()
        current = (Loan.objects.select_related("program", "program_version", "fund", "lender", "borrower")
                   .filter(code=self.loan).first())
        if current is None:
            raise ClaimError(f"no loan {self.loan!r} is filed")
        policy = current.policy
        steps = list(policy.param(policy.claims.workflow, on))
        if current.status != Loan.FILED:
            raise ClaimError(f"loan {current.code} is {current.status}: a claim needs a filed loan without a live "
                             "claim", steps[0].article)
        live = current.claims.filter(status__in=(Claim.OPEN, Claim.PAID)).first()
        if live is not None:
            raise ClaimError(f"loan {current.code} already has claim {live.code} ({live.status})", steps[0].article)
        if on < current.filed_on:
            raise ClaimError(f"loan {current.code} was filed on {current.filed_on}, after the claim date {on}")
        claim_code = self.code or f"{current.code}-C{current.claims.count() + 1}"
        if Claim.objects.filter(code=claim_code).exists():
            raise ClaimError(f"claim code {claim_code} is already taken")
        decision = _assess(current, on, given)
        claim = Claim(loan=current, program_version=current.program_version, code=claim_code, submitted_on=on,
                      status=Claim.OPEN, facts=_as_json(given), next_step=steps[1].code,
                      next_due_on=_due(policy, steps[1], on))
        _store_decision(claim, decision)
        claim.save()
        ClaimStep.objects.create(claim=claim, step=steps[0].code, actor=ctx.actor, article=steps[0].article,
                                 due_on=None, done_on=on, approved=True, reason="")
        current.status = Loan.CLAIMED
        current.save(update_fields=["status"])
        ctx.event("claim.submitted", amount=claim.fund_payable, data={"outcome": decision.outcome}, **_common(claim))
        _decide_without_review(claim, decision, on, ctx, steps)
        ctx.change(f"claim:{claim.code}", None, _snap(claim))
        return {"claim": claim.pk, "outcome": decision.outcome}


class Supplement(ClaimCommand):
    """The lender supplies missing facts or documents (补充材料) to an open claim; it is assessed again on ``on``."""

    action: ClassVar[str] = "claims.supplement"
    conditions: dict[StepCode, bool] = {}
    documents: list[StepCode] = []

    def handle(self, ctx: Context) -> dict[str, Any]:
        c = _locked_claim(self.claim)
        steps = workflow(c)
        if c.status != Claim.OPEN or c.next_step == steps[-1].code:
            raise ClaimError(f"claim {c.code} is {c.status}"
                             + (" and approved" if c.next_step == steps[-1].code else "")
                             + ": it can no longer be supplemented", steps[0].article)
        before = _snap(c)
        given = _given(c.facts)
        given["conditions"].update(self.conditions)
        given["documents"] += [d for d in self.documents if d not in given["documents"]]
        decision = _assess(c, self.on, given)
        c.facts = _as_json(given)
        _store_decision(c, decision)
        c.save()
        ctx.event("claim.supplemented", data={"outcome": decision.outcome}, **_common(c))
        _decide_without_review(c, decision, self.on, ctx, steps)
        ctx.change(f"claim:{c.code}", before, _snap(c))
        return {"claim": c.pk, "outcome": decision.outcome}


def _decide_without_review(c: Claim, decision: Decision, on: dt.date, ctx: Context,
                           steps: list[WorkflowStep]) -> None:
    """A workflow with no review step (only the submission and the payment, as a program without one has):
    the rule's decision stands at once — an approved claim is booked for payment, a refused one ends."""
    if len(steps) > 2 or decision.outcome == "incomplete":
        return
    if decision.approved:
        _approve(c, on, ctx, steps[0])
    else:
        refusal = _reasons_text(decision.as_dict()["reasons"])
        c.status, c.next_step, c.next_due_on = Claim.REFUSED, "", None
        c.save()
        loan = c.loan
        if loan.status == Loan.CLAIMED:
            loan.status = Loan.FILED
            loan.save(update_fields=["status"])
        ctx.event("claim.refused", article=steps[0].article, data={"reason": refusal}, **_common(c))


def _approve(c: Claim, on: dt.date, ctx: Context, spec: WorkflowStep) -> None:
    """Book the approved claim's payable (应付代偿款) — split among the fund's contributors as the rule
    decided, where it has contributors — and record the approval."""
    c.approved_on = on
    parts = (c.decision.get("details") or {}).get("contributors")
    if parts is not None:
        c.contributor_parts = {"approved": parts, "paid": {k: "0.00" for k in parts}}
    if c.fund_payable > 0:
        contributors.post(c.loan.fund, ledger_core.compensation_approved(on, c.fund_payable, c.code),
                          key=f"claims:{c.code}:approved", actor=ctx.actor,
                          split=None if parts is None else {k: Decimal(v) for k, v in parts.items()})
    c.save()
    ctx.event("claim.approved", amount=c.fund_payable, article=spec.article, **_common(c))


class Review(ClaimCommand):
    """One review step, in the workflow's order. A refusal ends the claim and gives the lender back its loan.

    Approving the last step before the payment assesses the claim again on ``on`` (fresh fund balance and
    lender history): if the rule now refuses, the claim is refused with its reasons; if a fact or document is
    still missing, the approval is refused (ClaimError) until the lender supplies it; otherwise the fund's
    payable is booked (``ledger.core.compensation_approved``).
    """

    action: ClassVar[str] = "claims.review"
    step: StepCode
    approved: bool
    reason: Reason = ""

    def handle(self, ctx: Context) -> dict[str, Any]:
        on, step, approved, reason = self.on, self.step, self.approved, self.reason.strip()
        c = _locked_claim(self.claim)
        policy = c.policy
        steps = workflow(c)
        codes = [s.code for s in steps]
        if c.status != Claim.OPEN:
            raise ClaimError(f"claim {c.code} is {c.status}: no review step is awaited", policy.claims.workflow.article)
        if step not in codes:
            raise ClaimError(f"{c.loan.program.code} has no claim step {step!r}; its steps: {', '.join(codes)}",
                             policy.claims.workflow.article)
        if c.next_step == codes[-1]:
            raise ClaimError(f"claim {c.code} is approved and awaits {codes[-1]!r}, which is done by pay(), "
                             "not by a review", steps[-1].article)
        if step != c.next_step:
            raise ClaimError(f"claim {c.code}: step {step!r} is out of order; expected {c.next_step!r} next",
                             steps[codes.index(c.next_step)].article)
        spec = steps[codes.index(step)]
        previous = _last_done_on(c)
        if on < previous:
            raise ClaimError(f"claim {c.code}: step {step!r} on {on} is before the previous step ({previous})",
                             spec.article)
        before = _snap(c)
        due_on = c.next_due_on
        is_last_review = codes.index(step) == len(codes) - 2

        refusal = ""
        if not approved:
            refusal = reason or _reasons_text(c.decision.get("reasons", []))
            if not refusal:
                raise ClaimError(f"claim {c.code}: a refusal at {step!r} needs a reason", spec.article)
        elif is_last_review:
            decision = _assess(c, on, _given(c.facts))
            if decision.outcome == "incomplete":
                raise ClaimError(f"claim {c.code} cannot be approved on {on}: "
                                 + _reasons_text(decision.as_dict()["reasons"]), spec.article, decision)
            _store_decision(c, decision)
            if not decision.approved:
                refusal = _reasons_text(decision.as_dict()["reasons"])
                if reason:
                    refusal = f"{reason} — {refusal}"

        ClaimStep.objects.create(claim=c, step=step, actor=ctx.actor, article=spec.article, due_on=due_on, done_on=on,
                                 approved=not refusal, reason=refusal or reason)
        loan = c.loan
        ctx.event("claim.reviewed", article=spec.article, data={"step": step, "approved": not refusal},
                  **_common(c))
        if refusal:
            c.status, c.next_step, c.next_due_on = Claim.REFUSED, "", None
            if loan.status == Loan.CLAIMED:  # (a loan repaid in full meanwhile stays repaid)
                loan.status = Loan.FILED  # the lender keeps its loan
                loan.save(update_fields=["status"])
            ctx.event("claim.refused", article=spec.article, data={"reason": refusal}, **_common(c))
        else:
            following = steps[codes.index(step) + 1]
            c.next_step, c.next_due_on = following.code, _due(policy, following, on)
            if is_last_review:
                _approve(c, on, ctx, spec)
        c.save()
        ctx.change(f"claim:{c.code}", before, _snap(c))
        return {"claim": c.pk, "status": c.status, "step": step, "approved": not refusal}


def _cash_available(book: Book, on: dt.date) -> Decimal:
    """Cash that can leave on ``on`` without taking any later day's cash below zero."""
    available = ledger.balance(book, "assets:cash", on)
    later = (LedgerPosting.objects.filter(transaction__book=book, account="assets:cash", transaction__date__gt=on)
             .values_list("transaction__date", flat=True).distinct())
    for day in sorted(set(later)):
        available = min(available, ledger.balance(book, "assets:cash", day))
    return max(ZERO, available)


class Pay(ClaimCommand):
    """The final step: the fund pays what it owes on the approved claim, as far as its cash goes.

    Limited liability (kezhou 第十五条, kunshan 第三条, pingluo 第二十一条): the fund pays min(owed, cash); what it
    cannot pay stays approved-unpaid (the book's ``liabilities:compensation_payable``) and is shown in
    ``claim.unfunded`` together with any part the rule already put beyond the fund's balance. Until that
    remainder is paid the claim still awaits its final step, and a later ``pay`` (with new money) pays it.
    Paying the claim compensates the loan (its guarantee is released), applies
    ``rules.sanctions.after_compensation`` at once (kezhou 第二十五条（一）: the borrower leaves the whitelist and
    may not be listed again that year) and the lender's and the program's thresholds (kunshan 第二十三条).
    """

    action: ClassVar[str] = "claims.pay"

    def handle(self, ctx: Context) -> dict[str, Any]:
        from riskpool.claims.sanctions import apply_sanctions
        from riskpool.registry.commands import remove

        on = self.on
        c = _locked_claim(self.claim)
        loan = c.loan
        book = loan.fund.book
        policy = c.policy
        steps = workflow(c)
        final = steps[-1]
        if c.next_step != final.code or c.status not in (Claim.OPEN, Claim.PAID):
            raise ClaimError(f"claim {c.code} is {c.status} and awaits {c.next_step or 'nothing'!r}: "
                             f"only an approved claim awaiting {final.code!r} can be paid", final.article)
        previous = _last_done_on(c)
        if on < previous:
            raise ClaimError(f"claim {c.code}: payment on {on} is before the previous step ({previous})", final.article)
        first_payment = c.status == Claim.OPEN
        if c.approved_on is None:
            raise ClaimError(f"claim {c.code} is not approved: the rule's decision is {c.decision.get('outcome')}",
                             final.article)
        if first_payment and loan.status != Loan.CLAIMED:
            raise ClaimError(f"loan {loan.code} is {loan.status}: it can no longer be compensated; refuse the claim",
                             final.article)
        before = _snap(c)
        owed = c.fund_payable - c.paid_amount
        split = None
        if c.contributor_parts:  # each contributor pays what it still owes on the claim, as far as its cash goes
            approved, paid = c.contributor_parts["approved"], c.contributor_parts["paid"]
            split = {k: min(Decimal(approved[k]) - Decimal(paid[k]), contributors.cash(loan.fund, k, on))
                     for k in approved}
            split = {k: v for k, v in split.items() if v > 0}
            amount = sum(split.values(), ZERO)
        else:
            amount = min(owed, _cash_available(book, on))
        limited = policy.sharing.limited_to_fund_balance.article
        if owed > 0 and amount <= 0:
            raise ClaimError(f"claim {c.code}: the fund has no cash on {on} to pay the {fmt(owed)} owed", limited)
        if amount > 0:
            n = c.steps.filter(step=final.code).count() + 1
            contributors.post(loan.fund, ledger_core.compensation_paid(on, amount, c.code),
                              key=f"claims:{c.code}:paid:{n}", actor=ctx.actor, split=split)
            if split is not None:
                paid = dict(c.contributor_parts["paid"])
                for k, v in split.items():
                    paid[k] = str(Decimal(paid[k]) + v)
                c.contributor_parts = {**c.contributor_parts, "paid": paid}
        c.paid_amount += amount
        remaining = c.fund_payable - c.paid_amount
        c.unfunded = Decimal(c.decision.get("amounts", {}).get("unfunded", "0")) + remaining
        note = f"paid {fmt(amount)}" + (f"; {fmt(remaining)} approved but unpaid: the fund's cash is spent"
                                         if remaining else "")
        ClaimStep.objects.create(claim=c, step=final.code, actor=ctx.actor, article=final.article,
                                 due_on=c.next_due_on if first_payment else None, done_on=on, approved=True,
                                 reason=note)
        c.status = Claim.PAID
        c.paid_on = c.paid_on or on
        c.next_step, c.next_due_on = (final.code if remaining else ""), None
        c.save()
        ctx.change(f"claim:{c.code}", before, _snap(c))
        ctx.event("claim.paid", amount=amount, article=final.article, data={"remaining": str(remaining)},
                  **_common(c))
        sanctions: list[str] = []
        if first_payment:
            loan.status, loan.released_on = Loan.COMPENSATED, on
            loan.save(update_fields=["status", "released_on"])
            ctx.event("loan.released", amount=loan.amount, **{k: v for k, v in _common(c).items() if k != "claim"})
            decision = after_compensation(policy, on)
            if decision.details.get("delist"):
                r = next(r for r in decision.reasons if r.code == "DELIST_COMPENSATED_BORROWER")
                # off the whitelist, and not back on it while the policy's bar lasts
                remove(loan.program, loan.borrower, on=on, reason=f"{r.message} (claim {c.code} paid {on})",
                       article=r.article, ctx=ctx, barred_until=decision.details.get("relist_barred_until"))
                sanctions.append(r.code)
        sanctions += [f"{lender}:{action}" for lender, action in
                      apply_sanctions(loan.program, loan.lender, on, ctx).items() if action]
        from riskpool.claims.sanctions import apply_guarantor_sanctions

        guarantor_action = apply_guarantor_sanctions(loan.program, loan.guarantor, on, ctx)
        if guarantor_action:
            sanctions.append(f"{loan.guarantor.code}:{guarantor_action}")
        return {"claim": c.pk, "paid": str(amount), "unfunded": str(c.unfunded), "sanctions": sanctions}


def _remit_due(policy: Policy, on: dt.date) -> dt.date | None:
    """The due date of a deadline that counts from a recovery's receipt (kunshan 第二十四条: 3 working days)."""
    for name, param in policy.deadlines.items():
        try:
            spec = policy.param(param, on)
        except LookupError:
            continue
        if spec.event == "recovery_received":
            try:
                return deadlines.due_date(policy, name, on, default_calendar()).date
            except CalendarError:
                return None
    return None


class RecordRecovery(ClaimCommand):
    """Recovery proceeds after compensation, split by the program's rule (kezhou 第十七条, kunshan 第二十一条 by
    the shares each party bore; pingluo 第二十一条 to the fund first). The fund's part is booked as a receivable
    until the lender remits it (:class:`RemitRecovery`)."""

    action: ClassVar[str] = "claims.record_recovery"
    gross: Money
    costs: Money = ZERO

    def handle(self, ctx: Context) -> dict[str, Any]:
        on = self.on
        gross_d, costs_d = _money(self.gross, "gross"), _money(self.costs, "costs")
        c = _locked_claim(self.claim)
        policy = c.policy
        _mode, article = policy.recovery_rule(on)
        if c.status != Claim.PAID:
            raise ClaimError(f"claim {c.code} is {c.status}: recoveries are recorded only after compensation",
                             article)
        if on < c.paid_on:
            raise ClaimError(f"claim {c.code} was paid on {c.paid_on}, after the recovery date {on}", article)
        if gross_d <= 0:
            raise ClaimError("a recovery needs a positive gross amount", article)
        # the cap's excess is borne by whom the policy says (sharing.compensation_rate_cap.excess_borne_by)
        decided = c.decision.get("amounts", {})
        excess_guarantor = Decimal(decided.get("excess_guarantor", "0"))
        facts = RecoveryFacts(gross=gross_d, costs=costs_d, fund_borne=c.paid_amount,
                              guarantor_borne=c.guarantor_share + excess_guarantor,
                              lender_borne=c.lender_share + c.forfeited - excess_guarantor + c.unfunded,
                              fund_already_recovered=_recovered_to_fund(c))
        decision = distribute_recovery(policy, on, facts)
        a = decision.amounts
        n = c.recoveries.count() + 1
        recovery = Recovery.objects.create(
            claim=c, received_on=on, gross=gross_d, costs=costs_d, to_fund=a["to_fund"], to_lender=a["to_lender"],
            to_guarantor=a["to_guarantor"], remit_due_on=_remit_due(policy, on) if a["to_fund"] > 0 else None,
            after_write_off=c.written_off_on is not None)
        if a["to_fund"] > 0:
            contributors.post(c.loan.fund, ledger_core.recovery_due(on, a["to_fund"], f"{c.code}/R{n}"),
                              key=f"claims:{c.code}:recovery:{n}:due", actor=ctx.actor)
        ctx.change(f"recovery:{recovery.pk}", None, model_to_dict(recovery))
        ctx.event("claim.recovery", amount=a["to_fund"], article=article,
                  data={"gross": str(gross_d), "costs": str(costs_d), "to_lender": str(a["to_lender"]),
                        "to_guarantor": str(a["to_guarantor"]), "recovery": recovery.pk}, **_common(c))
        return {"recovery": recovery.pk, "decision": decision.as_dict()}


class RemitRecovery(ClaimCommand):
    """The lender pays the fund's part of a recovery into the fund's account (kunshan 第二十一条, 第二十四条)."""

    action: ClassVar[str] = "claims.remit_recovery"
    recovery: int

    def handle(self, ctx: Context) -> dict[str, Any]:
        on = self.on
        c = _locked_claim(self.claim)
        r = Recovery.objects.filter(pk=self.recovery, claim=c).first()
        article = c.policy.recovery_rule(on)[1]
        if r is None:
            raise ClaimError(f"claim {c.code} has no recovery #{self.recovery}", article)
        if r.to_fund <= 0:
            raise ClaimError(f"recovery #{r.pk} of claim {c.code} owes the fund nothing", article)
        if r.remitted_on is not None:
            raise ClaimError(f"recovery #{r.pk} of claim {c.code} was remitted on {r.remitted_on}", article)
        if on < r.received_on:
            raise ClaimError(f"recovery #{r.pk} was received on {r.received_on}, after the remittance date {on}",
                             article)
        n = list(c.recoveries.order_by("id").values_list("pk", flat=True)).index(r.pk) + 1
        # split as the receivable was: by the contributors' shares on the day it was received
        contributors.post(c.loan.fund, ledger_core.recovery_received(on, r.to_fund, f"{c.code}/R{n}", was_due=True),
                          key=f"claims:{c.code}:recovery:{n}:received", actor=ctx.actor,
                          split=contributors.split_by_shares(c.loan.fund, r.to_fund, r.received_on))
        before = model_to_dict(r)
        r.remitted_on = on
        r.save(update_fields=["remitted_on"])
        ctx.change(f"recovery:{r.pk}", before, model_to_dict(r))
        ctx.event("claim.remitted", amount=r.to_fund, article=article, data={"recovery": r.pk, "overdue": r.overdue},
                  **_common(c))
        return {"recovery": r.pk, "overdue": r.overdue}


class WriteOffClaim(ClaimCommand):
    """Loss confirmation (损失确认 / 核销) of what the fund paid and has not recovered.

    Where the policy sets ``recovery.write_off_after_months`` (kezhou 第十八条: "超过一年"), the loss may be
    confirmed only once that many months after the payment have run out: from the day after the same date
    that many months later (民法典 第二百零一条, 第一千二百五十九条: "超过" excludes the period itself).
    The compensation itself needs no posting: it was expensed when approved (ledger/core.py).
    """

    action: ClassVar[str] = "claims.write_off"
    evidence: StepCode
    evidence_ref: Reason

    def handle(self, ctx: Context) -> dict[str, Any]:
        on, evidence, evidence_ref = self.on, self.evidence, self.evidence_ref.strip()
        c = _locked_claim(self.claim)
        policy = c.policy
        param = policy.recovery.write_off_after_months if policy.recovery is not None else None
        article = param.article if param is not None else ""
        if c.status != Claim.PAID:
            raise ClaimError(f"claim {c.code} is {c.status}: only a compensated loss can be written off", article)
        if WriteOff.objects.filter(claim=c).exists():
            raise ClaimError(f"claim {c.code} was written off on {c.written_off_on}", article)
        if evidence not in dict(WriteOff.EVIDENCE):
            raise ClaimError(f"evidence {evidence!r} is not one of {', '.join(dict(WriteOff.EVIDENCE))}", article)
        if not evidence_ref:
            raise ClaimError("a write-off needs the evidence's reference (judgment, liquidation report, notice)",
                             article)
        if on < c.paid_on:
            raise ClaimError(f"claim {c.code} was paid on {c.paid_on}, after the write-off date {on}", article)
        if param is not None:
            months = policy.param(param, on)
            earliest = add_months(c.paid_on, months) + dt.timedelta(days=1)
            if on < earliest:
                raise ClaimError(f"claim {c.code} was paid on {c.paid_on}: its loss may be confirmed only after "
                                 f"more than {months} months of recovery, from {earliest}", article)
        amount = c.paid_amount - _recovered_to_fund(c)
        if amount <= 0:
            raise ClaimError(f"claim {c.code}: the fund has recovered all it paid; there is no loss to confirm",
                             article)
        before = _snap(c)
        w = WriteOff.objects.create(claim=c, on=on, evidence=evidence, evidence_ref=evidence_ref, amount=amount,
                                    article=article)
        c.written_off_on = on
        c.save(update_fields=["written_off_on"])
        loan = c.loan
        loan.status = Loan.WRITTEN_OFF
        loan.save(update_fields=["status"])
        ctx.change(f"claim:{c.code}", before, _snap(c))
        ctx.event("claim.written_off", amount=amount, article=article, data={"evidence": evidence}, **_common(c))
        return {"write_off": w.pk, "amount": str(amount)}


# ----------------------------------------------------------------------------- sweeps

def open_claims_overdue(on: dt.date) -> list[Claim]:
    """Open claims whose awaited step fell due before ``on`` (a deadline sweep)."""
    return list(Claim.objects.filter(status=Claim.OPEN, next_due_on__isnull=False, next_due_on__lt=on)
                .select_related("loan").order_by("next_due_on", "id"))


def recoveries_overdue(on: dt.date) -> list[Recovery]:
    """Recoveries whose fund part was not remitted by its due date, judged on ``on`` (kunshan 第二十四条)."""
    return list(Recovery.objects.filter(remitted_on__isnull=True, remit_due_on__isnull=False, remit_due_on__lt=on,
                                        to_fund__gt=0).select_related("claim").order_by("remit_due_on", "id"))
