"""Claim services: the compensation claim (代偿申请) from the lender's application to payment, recovery
(追偿) and write-off (核销).

Plain functions that the CLI, the scenario runner and the web pages all call. Each state change runs in one
database transaction that first locks the fund's book row (so that every claim operation of a fund, and every
posting to its books, happens one at a time), is recorded in the audit trail under an idempotency key
(``riskpool.audit.services.audited``: a repeated request returns the first result), moves money only through
``riskpool.ledger.services.post`` with the ``riskpool.ledger.core`` helpers, and decides only through the rules
(``riskpool.rules``), reading the program's policy file. A request the rules or the workflow refuse raises
:class:`ClaimError` and changes nothing.

The workflow is the policy file's ``claims.workflow`` (in force on the submission date): the first step is
the lender's submission, the last is the payment, and the steps between are reviews (kezhou-industry 第十四条
and 第十六条, kunshan-kunyurong 第十七条, pingluo-puhui-yidai 第十六条). A step with a ``deadline`` falls due
that many working days after the previous step was done (``rules.deadlines``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction

from riskpool.audit.services import audited
from riskpool.calendar import CalendarError, default_calendar
from riskpool.claims.models import Claim, ClaimStep, Recovery, WriteOff
from riskpool.ledger import core as ledger_core
from riskpool.ledger import services as ledger
from riskpool.ledger.models import Book, LedgerPosting
from riskpool.loans.models import Loan
from riskpool.loans.services import add_months
from riskpool.money import FEN, ZERO, MoneyError, fmt, to_decimal
from riskpool.policy.schema import Program as Policy
from riskpool.policy.schema import WorkflowStep
from riskpool.registry import services as registry
from riskpool.registry.models import Fund
from riskpool.rules import deadlines
from riskpool.rules.claims import assess_claim
from riskpool.rules.decision import Decision
from riskpool.rules.facts import ClaimFacts, RecoveryFacts
from riskpool.rules.recovery import distribute_recovery
from riskpool.rules.sanctions import after_compensation

__all__ = ["ClaimError", "claim_facts", "submit_claim", "supplement", "review", "pay", "record_recovery",
           "remit_recovery", "write_off", "open_claims_overdue", "recoveries_overdue", "workflow"]

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


def _lock_book(fund: Fund | int) -> Book:
    """Lock the fund's book row: the first thing every claim state change does in its transaction."""
    book_id = fund.book_id if isinstance(fund, Fund) else Fund.objects.values_list("book_id", flat=True).get(pk=fund)
    return Book.objects.select_for_update().get(pk=book_id)


def _locked_claim(pk: int) -> Claim:
    return (Claim.objects.select_for_update(of=("self", "loan"))
            .select_related("loan", "loan__program", "loan__fund", "loan__borrower").get(pk=pk))


def workflow(claim: Claim) -> list[WorkflowStep]:
    """The claim's workflow: the policy file's ``claims.workflow`` in force on the submission date."""
    policy = claim.loan.program.policy
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
    policy = loan.program.policy
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
    repaid = sum((r.principal for r in loan.repayments.filter(on__lte=on)), ZERO)
    others = Claim.objects.filter(loan__program_id=loan.program_id, loan__lender_id=loan.lender_id)
    if claim is not None and claim.pk is not None:
        others = others.exclude(pk=claim.pk)
    compensated = ZERO
    for c in others.exclude(status=Claim.REFUSED).filter(approved_on__isnull=False, approved_on__lte=on):
        paid = c.paid_amount if c.paid_on is not None and c.paid_on <= on else ZERO
        awaiting = c.fund_payable - c.paid_amount if c.next_step else ZERO  # approved, payment still due
        compensated += paid + max(ZERO, awaiting)
    released = sum((amount for amount in Loan.objects.filter(
        program_id=loan.program_id, lender_id=loan.lender_id, released_on__isnull=False, released_on__lte=on)
        .exclude(pk=loan.pk).values_list("amount", flat=True)), ZERO)
    return ClaimFacts(
        approved_principal=loan.amount,
        repaid_principal=repaid,
        recoveries=recoveries,
        third_party_payouts=third_party_payouts,
        unpaid_interest=loan.unpaid_interest if unpaid_interest is None else unpaid_interest,
        exposure=loan.exposure,
        has_guarantor=loan.guarantor_id is not None,
        negotiated_guarantor_share=negotiated_guarantor_share,
        loan_filed=True,
        # facts the records establish (e.g. an extension, pingluo 第十一条6) override what the lender states
        conditions={**conditions, **loan.claim_conditions},
        documents=documents,
        fund_balance=registry.fund_money(loan.fund, on),
        lender_cumulative_compensation=compensated,
        lender_cumulative_released=released,
        guaranteed_amount=loan.amount,
    )


# ----------------------------------------------------------------------------- submission and review

def submit_claim(loan: Loan, *, on: dt.date, conditions: dict[str, bool], documents: list[str], recoveries: Any = 0,
                 third_party_payouts: Any = 0, unpaid_interest: Any = None, negotiated_guarantor_share: Any = None,
                 code: str | None = None, actor: str, key: str | None = None) -> Claim:
    """The lender's claim: recorded as the workflow's first step and assessed by the rules on ``on``.

    A claim the rules refuse is still recorded (open): a person refuses it at a review step, with the reasons
    shown. The loan must be filed and without a live (open or paid) claim.
    """
    given = {"conditions": {str(k): v for k, v in (conditions or {}).items()},
             "documents": [str(x) for x in (documents or [])],
             "recoveries": _money(recoveries, "recoveries"),
             "third_party_payouts": _money(third_party_payouts, "third_party_payouts"),
             "unpaid_interest": None if unpaid_interest is None else _money(unpaid_interest, "unpaid_interest"),
             "negotiated_guarantor_share": None if negotiated_guarantor_share is None
             else _ratio(negotiated_guarantor_share, "negotiated_guarantor_share")}
    request = {"loan": loan.code, "code": code, "on": on, **given}

    def run() -> dict[str, Any]:
        current = Loan.objects.select_for_update(of=("self",)).select_related("program", "fund").get(pk=loan.pk)
        policy = current.program.policy
        steps = list(policy.param(policy.claims.workflow, on))
        if len(steps) < 3:
            raise ClaimError(f"{current.program.code}: the claim workflow has no review step between the "
                             "submission and the payment; a claim cannot be approved", policy.claims.workflow.article)
        if current.status != Loan.FILED:
            raise ClaimError(f"loan {current.code} is {current.status}: a claim needs a filed loan without a live "
                             "claim", steps[0].article)
        live = current.claims.filter(status__in=(Claim.OPEN, Claim.PAID)).first()
        if live is not None:
            raise ClaimError(f"loan {current.code} already has claim {live.code} ({live.status})", steps[0].article)
        if on < current.filed_on:
            raise ClaimError(f"loan {current.code} was filed on {current.filed_on}, after the claim date {on}")
        claim_code = code or f"{current.code}-C{current.claims.count() + 1}"
        if Claim.objects.filter(code=claim_code).exists():
            raise ClaimError(f"claim code {claim_code} is already taken")
        decision = _assess(current, on, given)
        claim = Claim(loan=current, code=claim_code, submitted_on=on, status=Claim.OPEN,
                      facts=_as_json(given), next_step=steps[1].code,
                      next_due_on=_due(policy, steps[1], on))
        _store_decision(claim, decision)
        claim.save()
        ClaimStep.objects.create(claim=claim, step=steps[0].code, actor=actor, article=steps[0].article,
                                 due_on=None, done_on=on, approved=True, reason="")
        current.status = Loan.CLAIMED
        current.save(update_fields=["status"])
        return {"claim": claim.pk, "outcome": decision.outcome}

    with transaction.atomic():
        _lock_book(loan.fund_id)
        result = audited(key=key, action="claims.submit_claim", actor=actor, on=on, subject=f"loan:{loan.code}",
                         request=request, run=run)
    return Claim.objects.get(pk=result["claim"])


def _as_json(given: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in given.items()}


def supplement(claim: Claim, *, on: dt.date, conditions: dict[str, bool] | None = None,
               documents: list[str] | None = None, actor: str, key: str | None = None) -> Claim:
    """The lender supplies missing facts or documents (补充材料) to an open claim; it is assessed again on ``on``."""
    request = {"claim": claim.code, "on": on, "conditions": conditions or {}, "documents": documents or []}

    def run() -> dict[str, Any]:
        c = _locked_claim(claim.pk)
        steps = workflow(c)
        if c.status != Claim.OPEN or c.next_step == steps[-1].code:
            raise ClaimError(f"claim {c.code} is {c.status}"
                             + (" and approved" if c.next_step == steps[-1].code else "")
                             + ": it can no longer be supplemented", steps[0].article)
        given = _given(c.facts)
        given["conditions"].update({str(k): v for k, v in (conditions or {}).items()})
        given["documents"] += [str(d) for d in documents or [] if str(d) not in given["documents"]]
        decision = _assess(c, on, given)
        c.facts = _as_json(given)
        _store_decision(c, decision)
        c.save()
        return {"claim": c.pk, "outcome": decision.outcome}

    with transaction.atomic():
        _lock_book(claim.loan.fund_id)
        result = audited(key=key, action="claims.supplement", actor=actor, on=on, subject=f"claim:{claim.code}",
                         request=request, run=run)
    return Claim.objects.get(pk=result["claim"])


def review(claim: Claim, *, step: str, on: dt.date, approved: bool, reason: str = "", actor: str,
           key: str | None = None) -> Claim:
    """One review step, in the workflow's order. A refusal ends the claim and gives the lender back its loan.

    Approving the last step before the payment assesses the claim again on ``on`` (fresh fund balance and
    lender history): if the rule now refuses, the claim is refused with its reasons; if a fact or document is
    still missing, the approval is refused (ClaimError) until the lender supplies it; otherwise the fund's
    payable is booked (``ledger.core.compensation_approved``).
    """
    reason = (reason or "").strip()
    request = {"claim": claim.code, "step": step, "on": on, "approved": bool(approved), "reason": reason}

    def run() -> dict[str, Any]:
        c = _locked_claim(claim.pk)
        policy = c.loan.program.policy
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

        ClaimStep.objects.create(claim=c, step=step, actor=actor, article=spec.article, due_on=due_on, done_on=on,
                                 approved=not refusal, reason=refusal or reason)
        loan = c.loan
        if refusal:
            c.status, c.next_step, c.next_due_on = Claim.REFUSED, "", None
            if loan.status == Loan.CLAIMED:  # (a loan repaid in full meanwhile stays repaid)
                loan.status = Loan.FILED  # the lender keeps its loan
                loan.save(update_fields=["status"])
        else:
            following = steps[codes.index(step) + 1]
            c.next_step, c.next_due_on = following.code, _due(policy, following, on)
            if is_last_review:
                c.approved_on = on
                if c.fund_payable > 0:
                    ledger.post(loan.fund.book, ledger_core.compensation_approved(on, c.fund_payable, c.code),
                                idempotency_key=f"claims:{c.code}:approved", actor=actor)
        c.save()
        return {"claim": c.pk, "status": c.status, "step": step, "approved": not refusal}

    with transaction.atomic():
        _lock_book(claim.loan.fund_id)
        result = audited(key=key, action="claims.review", actor=actor, on=on, subject=f"claim:{claim.code}",
                         request=request, run=run)
    return Claim.objects.get(pk=result["claim"])


# ----------------------------------------------------------------------------- payment

def _cash_available(book: Book, on: dt.date) -> Decimal:
    """Cash that can leave on ``on`` without taking any later day's cash below zero."""
    available = ledger.balance(book, "assets:cash", on)
    later = (LedgerPosting.objects.filter(transaction__book=book, account="assets:cash", transaction__date__gt=on)
             .values_list("transaction__date", flat=True).distinct())
    for day in sorted(set(later)):
        available = min(available, ledger.balance(book, "assets:cash", day))
    return max(ZERO, available)


def pay(claim: Claim, *, on: dt.date, actor: str, key: str | None = None) -> Claim:
    """The final step: the fund pays what it owes on the approved claim, as far as its cash goes.

    Limited liability (kezhou 第十五条, kunshan 第三条, pingluo 第二十一条): the fund pays min(owed, cash); what it
    cannot pay stays approved-unpaid (the book's ``liabilities:compensation_payable``) and is shown in
    ``claim.unfunded`` together with any part the rule already put beyond the fund's balance. Until that
    remainder is paid the claim still awaits its final step, and a later ``pay`` (with new money) pays it.
    Paying the claim compensates the loan (its guarantee is released) and applies
    ``rules.sanctions.after_compensation`` (kezhou 第二十五条（一）: the borrower leaves the whitelist).
    """
    request = {"claim": claim.code, "on": on}
    fund = Fund.objects.get(pk=claim.loan.fund_id)

    def run() -> dict[str, Any]:
        c = _locked_claim(claim.pk)
        loan = c.loan
        policy = loan.program.policy
        steps = workflow(c)
        final = steps[-1]
        if c.next_step != final.code or c.status not in (Claim.OPEN, Claim.PAID):
            raise ClaimError(f"claim {c.code} is {c.status} and awaits {c.next_step or 'nothing'!r}: "
                             f"only an approved claim awaiting {final.code!r} can be paid", final.article)
        previous = _last_done_on(c)
        if on < previous:
            raise ClaimError(f"claim {c.code}: payment on {on} is before the previous step ({previous})", final.article)
        first_payment = c.status == Claim.OPEN
        if first_payment and loan.status != Loan.CLAIMED:
            raise ClaimError(f"loan {loan.code} is {loan.status}: it can no longer be compensated; refuse the claim",
                             final.article)
        owed = c.fund_payable - c.paid_amount
        cash = _cash_available(book, on)
        amount = min(owed, cash)
        limited = policy.sharing.limited_to_fund_balance.article
        if owed > 0 and amount <= 0:
            raise ClaimError(f"claim {c.code}: the fund has no cash on {on} to pay the {fmt(owed)} owed", limited)
        if amount > 0:
            n = c.steps.filter(step=final.code).count() + 1
            ledger.post(book, ledger_core.compensation_paid(on, amount, c.code),
                        idempotency_key=f"claims:{c.code}:paid:{n}", actor=actor)
        c.paid_amount += amount
        remaining = c.fund_payable - c.paid_amount
        c.unfunded = Decimal(c.decision.get("amounts", {}).get("unfunded", "0")) + remaining
        note = f"paid {fmt(amount)}" + (f"; {fmt(remaining)} approved but unpaid: the fund's cash is spent"
                                         if remaining else "")
        ClaimStep.objects.create(claim=c, step=final.code, actor=actor, article=final.article,
                                 due_on=c.next_due_on if first_payment else None, done_on=on, approved=True,
                                 reason=note)
        c.status = Claim.PAID
        c.paid_on = c.paid_on or on
        c.next_step, c.next_due_on = (final.code if remaining else ""), None
        c.save()
        sanctions: list[str] = []
        if first_payment:
            loan.status, loan.released_on = Loan.COMPENSATED, on
            loan.save(update_fields=["status", "released_on"])
            decision = after_compensation(policy, on)
            if decision.details.get("delist"):
                r = next(r for r in decision.reasons if r.code == "DELIST_COMPENSATED_BORROWER")
                registry.remove_from_whitelist(loan.program, loan.borrower, on=on, actor=actor, article=r.article,
                                               reason=f"{r.message} (claim {c.code} paid {on})")
                sanctions.append(r.code)
        return {"claim": c.pk, "paid": str(amount), "unfunded": str(c.unfunded), "sanctions": sanctions}

    with transaction.atomic():
        book = _lock_book(fund)  # FIRST: concurrent payments from one fund queue here and each sees the cash left
        result = audited(key=key, action="claims.pay", actor=actor, on=on, subject=f"claim:{claim.code}",
                         request=request, run=run)
    return Claim.objects.get(pk=result["claim"])


# ----------------------------------------------------------------------------- recoveries and write-off

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


def record_recovery(claim: Claim, *, on: dt.date, gross: Any, costs: Any = 0, actor: str,
                    key: str | None = None) -> Recovery:
    """Recovery proceeds after compensation, split by the program's rule (kezhou 第十七条, kunshan 第二十一条 by
    the shares each party bore; pingluo 第二十一条 to the fund first). The fund's part is booked as a receivable
    until the lender remits it (:func:`remit_recovery`)."""
    gross_d, costs_d = _money(gross, "gross"), _money(costs, "costs")
    request = {"claim": claim.code, "on": on, "gross": gross_d, "costs": costs_d}

    def run() -> dict[str, Any]:
        c = _locked_claim(claim.pk)
        policy = c.loan.program.policy
        if c.status != Claim.PAID:
            raise ClaimError(f"claim {c.code} is {c.status}: recoveries are recorded only after compensation",
                             policy.recovery.distribution.article)
        if on < c.paid_on:
            raise ClaimError(f"claim {c.code} was paid on {c.paid_on}, after the recovery date {on}",
                             policy.recovery.distribution.article)
        if gross_d <= 0:
            raise ClaimError("a recovery needs a positive gross amount", policy.recovery.distribution.article)
        facts = RecoveryFacts(gross=gross_d, costs=costs_d, fund_borne=c.paid_amount,
                              guarantor_borne=c.guarantor_share,
                              lender_borne=c.lender_share + c.forfeited + c.unfunded,
                              fund_already_recovered=_recovered_to_fund(c))
        decision = distribute_recovery(policy, on, facts)
        a = decision.amounts
        n = c.recoveries.count() + 1
        recovery = Recovery.objects.create(
            claim=c, received_on=on, gross=gross_d, costs=costs_d, to_fund=a["to_fund"], to_lender=a["to_lender"],
            to_guarantor=a["to_guarantor"], remit_due_on=_remit_due(policy, on) if a["to_fund"] > 0 else None,
            after_write_off=c.written_off_on is not None)
        if a["to_fund"] > 0:
            ledger.post(c.loan.fund.book, ledger_core.recovery_due(on, a["to_fund"], f"{c.code}/R{n}"),
                        idempotency_key=f"claims:{c.code}:recovery:{n}:due", actor=actor)
        return {"recovery": recovery.pk, "decision": decision.as_dict()}

    with transaction.atomic():
        _lock_book(claim.loan.fund_id)
        result = audited(key=key, action="claims.record_recovery", actor=actor, on=on, subject=f"claim:{claim.code}",
                         request=request, run=run)
    return Recovery.objects.get(pk=result["recovery"])


def remit_recovery(recovery: Recovery, *, on: dt.date, actor: str, key: str | None = None) -> Recovery:
    """The lender pays the fund's part of a recovery into the fund's account (kunshan 第二十一条, 第二十四条)."""
    claim = recovery.claim
    request = {"claim": claim.code, "recovery": recovery.pk, "on": on}

    def run() -> dict[str, Any]:
        r = Recovery.objects.select_for_update().get(pk=recovery.pk)
        c = Claim.objects.select_related("loan__fund__book", "loan__program").get(pk=r.claim_id)
        article = c.loan.program.policy.recovery.distribution.article
        if r.to_fund <= 0:
            raise ClaimError(f"recovery #{r.pk} of claim {c.code} owes the fund nothing", article)
        if r.remitted_on is not None:
            raise ClaimError(f"recovery #{r.pk} of claim {c.code} was remitted on {r.remitted_on}", article)
        if on < r.received_on:
            raise ClaimError(f"recovery #{r.pk} was received on {r.received_on}, after the remittance date {on}",
                             article)
        n = list(c.recoveries.order_by("id").values_list("pk", flat=True)).index(r.pk) + 1
        ledger.post(c.loan.fund.book, ledger_core.recovery_received(on, r.to_fund, f"{c.code}/R{n}", was_due=True),
                    idempotency_key=f"claims:{c.code}:recovery:{n}:received", actor=actor)
        r.remitted_on = on
        r.save(update_fields=["remitted_on"])
        return {"recovery": r.pk, "overdue": r.overdue}

    with transaction.atomic():
        _lock_book(claim.loan.fund_id)
        result = audited(key=key, action="claims.remit_recovery", actor=actor, on=on, subject=f"claim:{claim.code}",
                         request=request, run=run)
    return Recovery.objects.get(pk=result["recovery"])


def write_off(claim: Claim, *, on: dt.date, evidence: str, evidence_ref: str, actor: str,
              key: str | None = None) -> WriteOff:
    """Loss confirmation (损失确认 / 核销) of what the fund paid and has not recovered.

    Where the policy sets ``recovery.write_off_after_months`` (kezhou 第十八条: "超过一年"), the loss may be
    confirmed only once that many months after the payment have run out: from the day after the same date
    that many months later (民法典 第二百零一条, 第一千二百五十九条: "超过" excludes the period itself).
    The compensation itself needs no posting: it was expensed when approved (ledger/core.py).
    """
    evidence_ref = (evidence_ref or "").strip()
    request = {"claim": claim.code, "on": on, "evidence": evidence, "evidence_ref": evidence_ref}

    def run() -> dict[str, Any]:
        c = _locked_claim(claim.pk)
        policy = c.loan.program.policy
        param = policy.recovery.write_off_after_months
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
        w = WriteOff.objects.create(claim=c, on=on, evidence=evidence, evidence_ref=evidence_ref, amount=amount,
                                    article=article)
        c.written_off_on = on
        c.save(update_fields=["written_off_on"])
        loan = c.loan
        loan.status = Loan.WRITTEN_OFF
        loan.save(update_fields=["status"])
        return {"write_off": w.pk, "amount": str(amount)}

    with transaction.atomic():
        _lock_book(claim.loan.fund_id)
        result = audited(key=key, action="claims.write_off", actor=actor, on=on, subject=f"claim:{claim.code}",
                         request=request, run=run)
    return WriteOff.objects.get(pk=result["write_off"])


# ----------------------------------------------------------------------------- sweeps

def open_claims_overdue(on: dt.date) -> list[Claim]:
    """Open claims whose awaited step fell due before ``on`` (a deadline sweep)."""
    return list(Claim.objects.filter(status=Claim.OPEN, next_due_on__isnull=False, next_due_on__lt=on)
                .select_related("loan").order_by("next_due_on", "id"))


def recoveries_overdue(on: dt.date) -> list[Recovery]:
    """Recoveries whose fund part was not remitted by its due date, judged on ``on`` (kunshan 第二十四条)."""
    return list(Recovery.objects.filter(remitted_on__isnull=True, remit_due_on__isnull=False, remit_due_on__lt=on,
                                        to_fund__gt=0).select_related("claim").order_by("remit_due_on", "id"))
