"""Play a scenario through the services, on a fresh database state, and report the final state.

Each story runs inside one transaction that is rolled back at the end, so every story starts from an empty
database and a story with bad input writes nothing. Each event runs in its own savepoint: an event the
rules refuse changes nothing, and is an error unless the story says it expects that refusal.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, get_args

from django.db import transaction
from pydantic import ValidationError

from riskpool import yamlio
from riskpool.audit.services import IdempotencyConflict
from riskpool.calendar import CalendarError
from riskpool.inputs import InputError
from riskpool.claims import sanctions as lender_sanctions
from riskpool.claims import services as claims
from riskpool.claims.models import Claim
from riskpool.claims.reconcile import check_fund
from riskpool.ledger import services as ledger
from riskpool.ledger.core import LedgerError
from riskpool.loans import services as loans
from riskpool.loans.models import Loan
from riskpool.money import ZERO, fmt
from riskpool.policy import PolicyError
from riskpool.policy.loader import describe_validation_error
from riskpool.policy.schema import ParameterNotInForce
from riskpool.programs import services as programs
from riskpool.registry import services as registry
from riskpool.registry.models import Agreement, Borrower, Fund, Institution
from riskpool.scenarios import schema as s

# The refusals a service can give: a rule or a state said no. Anything else is a bug and propagates.
REFUSALS = (registry.RegistryError, loans.LoanError, claims.ClaimError, LedgerError, IdempotencyConflict,
            CalendarError, PolicyError, ParameterNotInForce, InputError)


class ScenarioError(ValueError):
    """Bad input or an unexpected refusal: names the file, the event number, the field and the rule."""


def load(path: str | Path) -> s.Scenario:
    path = Path(path)
    try:
        data = yamlio.load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise ScenarioError(f"{path}: cannot read the file ({getattr(e, 'strerror', None) or e})") from None
    except yamlio.YamlError as e:
        raise ScenarioError(f"{path}: {e}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: (top level): expected a mapping with story, fund, parties, borrowers, events")
    try:
        scenario = s.Scenario.model_validate(data)
    except ValidationError as e:
        lines = describe_validation_error(e, unknown="not part of a scenario file; see docs/scenarios.md")
        raise ScenarioError(f"{path}: " + "; ".join(_event_numbers(line) for line in lines)) from None
    previous = None
    for n, event in enumerate(scenario.events, 1):
        if previous is not None and event.on < previous:
            raise ScenarioError(f"{path}: event {n} ({event.do}): on: {event.on} is before the previous event's "
                                f"date {previous}; events must be in date order")
        previous = event.on
    return scenario


def _event_numbers(line: str) -> str:
    # "events[3].amount" reads better as "event 4: amount" for a person counting events from 1
    if line.startswith("events["):
        index, rest = line[len("events["):].split("]", 1)
        if index.isdigit():
            parts = rest.lstrip(".").split(".", 1)
            rest = parts[1] if len(parts) == 2 and parts[0] in _EVENT_KINDS else rest.lstrip(".")
            return f"event {int(index) + 1}: {rest}"
    return line


_EVENT_KINDS = {get_args(cls.model_fields["do"].annotation)[0] for cls in get_args(get_args(s.Event)[0])}


class _Story:
    def __init__(self, scenario: s.Scenario, source: str):
        self.sc, self.source = scenario, source
        self.refusals: list[dict[str, Any]] = []

    def key(self, n: int, e: Any, default: bool = True) -> str | None:
        """The event's idempotency key, within this story's fund (stories kept in one database do not share
        keys): its own ``key``, else ``ev{n}`` (or none where the service derives one, ``default=False``)."""
        if e.key is None and not default:
            return None
        return f"{self.sc.fund.code}:{e.key or f'ev{n}'}"

    # --- lookups, each naming the event and field when the code is unknown
    def _get(self, model, field_name: str, code: str, n: int, lookup: str = "code"):
        found = model.objects.filter(**{lookup: code}).first()
        if found is None:
            raise ScenarioError(f"{self.source}: event {n}: {field_name}: unknown {model.__name__.lower()} {code!r}")
        return found

    def fund(self, code: str, n: int) -> Fund:
        return self._get(Fund, "fund", code, n)

    def inst(self, code: str, n: int, field_name: str) -> Institution:
        return self._get(Institution, field_name, code, n)

    def borrower(self, code: str, n: int) -> Borrower:
        return self._get(Borrower, "borrower", code, n)

    def loan(self, code: str, n: int) -> Loan:
        return self._get(Loan, "loan", code, n)

    def claim(self, code: str, n: int) -> Claim:
        loan = self.loan(code, n)
        found = loan.claims.order_by("-id").first()
        if found is None:
            raise ScenarioError(f"{self.source}: event {n}: loan: {code} has no claim")
        return found

    def program(self, code: str, n: int):
        try:
            return programs.get(code)
        except PolicyError as e:
            raise ScenarioError(f"{self.source}: event {n}: program: {e}") from None

    # --- setting up
    def setup(self) -> None:
        sc = self.sc
        try:
            registry.create_fund(sc.fund.code, sc.fund.name, sc.fund.programs, actor="finance_bureau")
        except (PolicyError, registry.RegistryError) as e:
            raise ScenarioError(f"{self.source}: fund: {e}") from None
        for i, p in enumerate(sc.parties):
            try:
                inst = registry.register_institution(p.code, p.name, p.kind, facts=p.facts)
                for a in p.agreements:
                    registry.sign_agreement(inst, programs.get(a.program), role=a.role or p.kind, start=a.start,
                                            end=a.end, actor="finance_bureau")
            except (PolicyError, registry.RegistryError) as e:
                raise ScenarioError(f"{self.source}: parties[{i}] ({p.code}): {e}") from None
        for i, b in enumerate(sc.borrowers):
            try:
                registry.register_borrower(b.code, b.name, kind=b.kind, facts=b.facts)
            except registry.RegistryError as e:
                raise ScenarioError(f"{self.source}: borrowers[{i}] ({b.code}): {e}") from None
        if sc.fund.opening is not None:
            self.open(sc.fund.opening)

    def open(self, spec: Any) -> None:
        """The fund's opening position (docs/opening.md), as ``riskpool opening load`` would load it."""
        from riskpool.opening import services as opening
        from riskpool.opening.commands import OpeningError

        where = f"{self.source}: fund.opening"
        if isinstance(spec, str):
            try:
                spec = opening.load(Path(self.source).parent / spec)
            except opening.OpeningFileError as e:
                raise ScenarioError(f"{where}: {e}") from None
            if spec.fund != self.sc.fund.code:
                raise ScenarioError(f"{where}: the file opens fund {spec.fund!r}, not the story's {self.sc.fund.code!r}")
        first = self.sc.events[0].on
        if first < spec.as_of:
            raise ScenarioError(f"{where}: as_of {spec.as_of} is after the first event's date {first}; the opening "
                                "comes first")
        try:
            opening.open_position(self.sc.fund.code, spec, actor="opening", key=f"{self.sc.fund.code}:opening")
        except (OpeningError, *REFUSALS) as e:
            raise ScenarioError(f"{where}: {e}") from None

    # --- events
    def play(self, n: int, e: Any) -> None:
        handler: Callable[[int, Any], None] = getattr(self, f"_do_{e.do}")
        try:
            with transaction.atomic():
                handler(n, e)
        except REFUSALS as err:
            if e.expect_refusal is None or e.expect_refusal not in str(err):
                expected = f" (expected a refusal containing {e.expect_refusal!r})" if e.expect_refusal else ""
                raise ScenarioError(f"{self.source}: event {n} ({e.do} on {e.on}): refused: {err}{expected}") from None
            self.refusals.append({"event": n, "do": e.do, "on": e.on.isoformat(), "refused": str(err)})
            return
        if e.expect_refusal is not None:
            raise ScenarioError(f"{self.source}: event {n} ({e.do} on {e.on}): expected a refusal containing "
                                f"{e.expect_refusal!r}, but it went through")

    def _do_inject_capital(self, n: int, e: s.InjectCapital) -> None:
        registry.inject_capital(self.fund(e.fund, n), e.on, e.amount, actor=e.actor, key=self.key(n, e),
                                contributor=e.contributor)

    def _do_record_income(self, n: int, e: s.RecordIncome) -> None:
        registry.record_income(self.fund(e.fund, n), e.on, e.amount, e.kind, actor=e.actor, key=self.key(n, e))

    def _do_management_fee(self, n: int, e: s.ManagementFee) -> None:
        registry.accrue_management_fee(self.fund(e.fund, n), year=e.year, on=e.on, actor=e.actor,
                                       audit_cost=e.audit_cost, key=self.key(n, e, default=False))

    def _do_whitelist(self, n: int, e: s.Whitelist) -> None:
        program, borrower = self.program(e.program, n), self.borrower(e.borrower, n)
        policy = program.policy
        if policy.whitelist is None:
            raise ScenarioError(f"{self.source}: event {n}: program: {program.code} has no whitelist procedure")
        steps = e.steps or [st.code for st in policy.param(policy.whitelist.steps, e.on)]
        for step in steps:
            registry.whitelist_step(program, borrower, step, on=e.on, actor=e.actor, form=e.form if step == steps[0]
                                    else None, key=f"{self.key(n, e)}:{step}")

    def _do_remove_from_whitelist(self, n: int, e: s.RemoveFromWhitelist) -> None:
        registry.remove_from_whitelist(self.program(e.program, n), self.borrower(e.borrower, n), on=e.on,
                                       reason=e.reason, article=e.article, actor=e.actor)

    def _do_file_loan(self, n: int, e: s.FileLoan) -> None:
        loans.file_loan(code=e.loan, program=self.program(e.program, n), lender=self.inst(e.lender, n, "lender"),
                        borrower=self.borrower(e.borrower, n),
                        guarantor=self.inst(e.guarantor, n, "guarantor") if e.guarantor else None,
                        amount=e.amount, issue_date=e.issue_date or e.on, term_months=e.term_months,
                        guarantee_fee_rate=e.guarantee_fee_rate, product_type=e.product_type,
                        all_in_cost_rate=e.all_in_cost_rate, exposure=e.exposure,
                        guarantee_letter_date=e.guarantee_letter_date, on=e.on, actor=e.actor, key=self.key(n, e, default=False),
                        interest_rate=e.interest_rate, facts=dict(e.facts))

    def _do_repay(self, n: int, e: s.Repay) -> None:
        loans.repay(self.loan(e.loan, n), on=e.on, principal=e.principal, interest=e.interest, actor=e.actor,
                    key=self.key(n, e))

    def _do_extend(self, n: int, e: s.Extend) -> None:
        loans.extend(self.loan(e.loan, n), on=e.on, months=e.months, actor=e.actor, key=self.key(n, e))

    def _do_report_arrears(self, n: int, e: s.ReportArrears) -> None:
        loans.report_arrears(self.loan(e.loan, n), on=e.on, overdue_since=e.overdue_since,
                             unpaid_interest=e.unpaid_interest, actor=e.actor, key=self.key(n, e))

    def _do_complete_notice(self, n: int, e: s.CompleteNotice) -> None:
        loans.complete_notice(self.loan(e.loan, n), e.kind, on=e.on, actor=e.actor)

    def _do_submit_claim(self, n: int, e: s.SubmitClaim) -> None:
        claims.submit_claim(self.loan(e.loan, n), on=e.on, conditions=e.conditions, documents=e.documents,
                            recoveries=e.recoveries, third_party_payouts=e.third_party_payouts,
                            unpaid_interest=e.unpaid_interest, negotiated_guarantor_share=e.negotiated_guarantor_share,
                            actor=e.actor, key=self.key(n, e, default=False))

    def _do_review(self, n: int, e: s.Review) -> None:
        claims.review(self.claim(e.loan, n), step=e.step, on=e.on, approved=e.approved, reason=e.reason,
                      actor=e.actor, key=self.key(n, e))

    def _do_pay(self, n: int, e: s.Pay) -> None:
        claims.pay(self.claim(e.loan, n), on=e.on, actor=e.actor, key=self.key(n, e))

    def _do_record_recovery(self, n: int, e: s.RecordRecovery) -> None:
        claims.record_recovery(self.claim(e.loan, n), on=e.on, gross=e.gross, costs=e.costs, actor=e.actor,
                               key=self.key(n, e))

    def _do_remit_recovery(self, n: int, e: s.RemitRecovery) -> None:
        claim = self.claim(e.loan, n)
        pending = claim.recoveries.filter(remitted_on__isnull=True).order_by("id").first()
        if pending is None:
            raise ScenarioError(f"{self.source}: event {n}: loan: {e.loan} has no recovery waiting to be remitted")
        claims.remit_recovery(pending, on=e.on, actor=e.actor, key=self.key(n, e))

    def _do_write_off(self, n: int, e: s.WriteOff) -> None:
        claims.write_off(self.claim(e.loan, n), on=e.on, evidence=e.evidence, evidence_ref=e.evidence_ref,
                         actor=e.actor, key=self.key(n, e))

    def _do_sign_agreement(self, n: int, e: s.SignAgreement) -> None:
        registry.sign_agreement(self.inst(e.institution, n, "institution"), self.program(e.program, n), role=e.role,
                                start=e.start, end=e.end, actor=e.actor, key=self.key(n, e, default=False))

    def _do_set_agreement_status(self, n: int, e: s.SetAgreementStatus) -> None:
        a = registry.agreement(self.inst(e.lender, n, "lender"), self.program(e.program, n))
        registry.set_agreement_status(a, e.status, on=e.on, reason=e.reason, article=e.article, actor=e.actor)

    def _do_review_lenders(self, n: int, e: s.ReviewLenders) -> None:
        lender_sanctions.review_lenders(self.program(e.program, n), on=e.on, actor=e.actor)

    def daily(self, on: dt.date) -> None:
        """The daily classification of each of the fund's programs (``riskpool sweep``), so that a threshold
        crossed between two events takes effect without anyone running a review (kezhou 第二十五条（二）)."""
        fund = Fund.objects.filter(code=self.sc.fund.code).first()
        if fund is None:
            return
        for program in fund.programs.order_by("code"):
            if on >= program.policy.effective.start:
                loans.classify_program(program, on=on, actor="sweep", key=f"sweep:{program.code}:{on.isoformat()}")

    # --- the final state
    def snapshot(self, on: dt.date) -> dict[str, Any]:
        fund = Fund.objects.get(code=self.sc.fund.code)
        bal = ledger.balances(fund.book, on)
        neg = lambda a: fmt(-bal.get(a, ZERO))  # noqa: E731 - credit balances shown positive
        out_loans = {}
        for loan in Loan.objects.filter(fund=fund).order_by("id"):
            row: dict[str, Any] = {"status": loan.status, "program": loan.program.code,
                                   "outstanding_principal": fmt(loan.outstanding_principal),
                                   "days_past_due": loan.days_past_due(on), "risk_class": loans.classify(loan, on).code}
            claim = loan.claims.order_by("-id").first()
            if claim is not None:
                row["claim"] = _claim_view(claim)
            out_loans[loan.code] = row
        lenders: dict[str, Any] = {}
        for a in Agreement.objects.filter(program__funds=fund, role=Institution.LENDER).select_related(
                "institution", "program").order_by("id"):
            f = lender_sanctions.lender_figures(a.program, a.institution, on)
            lenders.setdefault(a.institution.code, {})[a.program.code] = {
                "status": registry.lender_status(a.institution, a.program, on),
                "outstanding": fmt(f.outstanding), "npl_ratio": _pct(f.npl_ratio),
                "compensation_ratio": _pct(f.compensation_ratio), "compensation_rate": _pct(f.compensation_rate)}
        problems = check_fund(fund)
        debits, credits = ledger.trial_balance(fund.book)
        return {
            "story": self.sc.story, "file": self.source, "as_of": on.isoformat(),
            "refusals": self.refusals,
            "loans": out_loans,
            "funds": {fund.code: {
                "capital": neg("equity:capital"), "income": fmt(-sum((v for k, v in bal.items()
                                                                      if k.startswith("income:")), ZERO)),
                "cash": fmt(bal.get("assets:cash", ZERO)), "held": fmt(registry.fund_money(fund, on)),
                "compensated": fmt(bal.get("expenses:compensation", ZERO)),
                "recovered": neg("expenses:compensation_recovered"),
                "recovery_receivable": fmt(bal.get("assets:receivable", ZERO)),
                "approved_unpaid": neg("liabilities:compensation_payable"),
                "management_fee": fmt(bal.get("expenses:management_fee", ZERO)),
                "covered_outstanding": fmt(loans.covered_outstanding(fund)),
                **_contributors_view(fund, on)}},
            "lenders": lenders,
            "books_check": {"ok": not problems and debits == credits, "debits": fmt(debits), "credits": fmt(credits),
                            "problems": problems},
        }


def _contributors_view(fund: Fund, on: dt.date) -> dict[str, Any]:
    from riskpool.registry import contributors

    rows = contributors.positions(fund, on)
    if not rows:
        return {}
    return {"contributors": {r["contributor"]: {k: (fmt(v) if isinstance(v, Decimal) and k != "share" else str(v))
                                                for k, v in r.items() if k not in ("contributor", "name")}
                             for r in rows}}


def _pct(r: Decimal) -> str:
    return f"{(r * 100).quantize(Decimal('0.01'))}%"


def _claim_view(claim: Claim) -> dict[str, Any]:
    decision = claim.decision or {}
    return {
        "status": claim.status, "decision": decision.get("outcome"),
        "reasons": [{"code": r["code"], "article": r["article"]} for r in decision.get("reasons", [])
                    if r.get("blocking")],
        "steps": [{"step": st.step, "done_on": st.done_on.isoformat(), "due_on": st.due_on and st.due_on.isoformat(),
                   "overdue": st.overdue, "approved": st.approved} for st in claim.steps.all()],
        **{k: fmt(getattr(claim, k)) for k in ("loss_base", "fund_share", "lender_share", "guarantor_share",
                                               "fund_payable", "paid_amount", "forfeited", "unfunded")},
        "recovered_to_fund": fmt(sum((r.to_fund for r in claim.recoveries.all()), ZERO)),
        **{k: v for k, v in (decision.get("amounts") or {}).items() if k.startswith("excess_")},
        **({"contributors": claim.contributor_parts} if claim.contributor_parts else {}),
        "written_off": claim.written_off_on is not None,
    }


class _Rollback(Exception):
    pass


def play(scenario: s.Scenario, source: str = "scenario", *, keep: bool = False) -> dict[str, Any]:
    """Play a story on a fresh state and return the final state.

    The database is left as it was, unless ``keep``: then the story's records stay (for reports and the
    admin), provided the database holds no fund of that code yet. Either way a failing story writes nothing.
    """
    if keep and Fund.objects.filter(code=scenario.fund.code).exists():
        raise ScenarioError(f"{source}: fund: {scenario.fund.code!r} already exists in this database; "
                            "--keep plays a story only into a database without it")
    story = _Story(scenario, source)
    result: dict[str, Any] = {}
    try:
        with transaction.atomic():
            story.setup()
            day = None
            for n, event in enumerate(scenario.events, 1):
                if event.on != day:  # the daily sweep, as production runs it: classification and thresholds
                    day = event.on
                    story.daily(day)
                story.play(n, event)
            result = story.snapshot(scenario.events[-1].on)
            if not keep:
                raise _Rollback
    except _Rollback:
        pass
    if scenario.expect is not None:
        result["expectation_mismatches"] = mismatches(result, scenario.expect)
    return result


def mismatches(actual: Any, expected: Any, path: str = "") -> list[str]:
    """Where ``actual`` differs from the subset ``expected`` (amounts compared as decimals)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path or '(top)'}: expected a mapping, got {actual!r}"]
        problems = []
        for k, v in expected.items():
            if k not in actual:
                problems.append(f"{path}{'.' if path else ''}{k}: missing")
            else:
                problems += mismatches(actual[k], v, f"{path}{'.' if path else ''}{k}")
        return problems
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: expected {expected!r}, got {actual!r}"]
        return [p for i, (a, x) in enumerate(zip(actual, expected)) for p in mismatches(a, x, f"{path}[{i}]")]
    if isinstance(expected, (int, float, Decimal)) and not isinstance(expected, bool) or (
            isinstance(expected, str) and isinstance(actual, str) and _is_number(expected) and _is_number(actual)):
        try:
            return [] if Decimal(str(actual)) == Decimal(str(expected)) else [f"{path}: {actual}, expected {expected}"]
        except ArithmeticError:
            pass
    return [] if actual == expected else [f"{path}: {actual!r}, expected {expected!r}"]


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
        return True
    except ArithmeticError:
        return False


def run_file(path: str | Path, *, keep: bool = False) -> dict[str, Any]:
    return play(load(path), str(path), keep=keep)
