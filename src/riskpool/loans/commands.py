"""Loan commands: filing (入池备案), repayment, extension (展期), arrears (逾期), cure, notice done, and the
daily classification (五级分类). Each decides under its locks from running totals, never from a stale copy."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, ClassVar

from django.db import IntegrityError
from django.forms.models import model_to_dict
from pydantic import PrivateAttr

from riskpool import bulk
from riskpool.calendar import CalendarError, default_calendar
from riskpool.commands import Command, Context, Locks
from riskpool.commands.base import BorrowerCode, Day, LoanCode, Money, Months, Rate, Slug, StepCode
from riskpool.figures import totals
from riskpool.loans.models import Loan, Notice, Repayment
from riskpool.money import FEN, ZERO, fmt
from riskpool.rules import deadlines
from riskpool.rules.decision import Decision
from riskpool.rules.facts import FactValue, FilingFacts, LoanApplication
from riskpool.rules.filing import file_loan as filing_rule
from riskpool.rules.sanctions import risk_class

ACTIVE = (Loan.FILED, Loan.CLAIMED)


class LoanError(ValueError):
    def __init__(self, message: str, article: str = "", decision: Decision | None = None):
        self.article, self.decision = article, decision
        super().__init__(message + (f" ({article})" if article else ""))


def add_months(d: dt.date, months: int) -> dt.date:
    import calendar as _cal

    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return dt.date(year, month, min(d.day, _cal.monthrange(year, month)[1]))


LOAN_AUDIT_FIELDS = ("status", "outstanding_principal", "unpaid_interest", "overdue_since", "released_on",
                     "term_months", "maturity_date", "extended_months", "claim_conditions")


def snapshot(loan: Loan) -> dict[str, Any]:
    return {f: getattr(loan, f) for f in LOAN_AUDIT_FIELDS}


def _locked_loan(code: str) -> Loan:
    try:
        return Loan.objects.select_related("program", "program_version", "fund", "lender", "borrower").get(code=code)
    except Loan.DoesNotExist:
        raise LoanError(f"no loan {code!r} is filed") from None


def _loan_ids(code: str) -> tuple[int | None, int | None, int | None]:
    row = Loan.objects.filter(code=code).values_list("pk", "fund__book_id", "borrower_id").first()
    return row if row is not None else (None, None, None)


class LoanCommand(Command):
    """A command on one filed loan: locks the loan's fund, its borrower and the loan."""

    # the command writes only records of the loan's fund, none of its borrower's (Locks.confined): Repay,
    # ReportArrears, ReportCure, CompleteNotice; not Extend, which marks the borrower restructured
    confined: ClassVar[bool] = False
    loan: LoanCode

    def subject(self) -> str:
        return f"loan:{self.loan}"

    def locks(self) -> Locks:
        pk, book, borrower = _loan_ids(self.loan)
        return Locks(books={book}, borrowers={borrower}, loans={pk}, confined=self.confined)


def schedule(loan: Loan, events: dict[str, dt.date | None], done: dict[str, dt.date] | None = None,
             policy=None) -> list[Notice]:
    """Create the lender's notices for the deadlines that count from these events (policy file `deadlines`)."""
    return Notice.objects.bulk_create(notices_for(loan, events, done, policy))


def notices_for(loan: Loan, events: dict[str, dt.date | None], done: dict[str, dt.date] | None = None,
                policy=None) -> list[Notice]:
    """The lender's notices (unsaved) for the deadlines that count from these events."""
    policy = policy or loan.policy
    created = []
    for name, param in policy.deadlines.items():
        spec = policy.param(param, loan.filed_on)
        event_date = events.get(spec.event)
        if event_date is None or spec.actor not in ("lender", "guarantor"):
            continue
        note, opens_on = "", None
        try:
            due_on = deadlines.due_date(policy, name, event_date, default_calendar()).date
        except CalendarError as e:
            due_on, note = event_date, f"working days not yet known: {e}"[:300]
        if spec.direction == "before":  # a window that opens N days before the event and closes on it
            opens_on, due_on = (None if note else due_on), event_date
        created.append(Notice(loan=loan, kind=name, article=param.article, actor=spec.actor, opens_on=opens_on,
                              due_on=due_on, done_on=(done or {}).get(spec.event), note=note))
    return created


def maturity_notices(loan: Loan) -> list[str]:
    policy = loan.policy
    return [n for n, p in policy.deadlines.items() if policy.param(p, loan.filed_on).event == "maturity"]


def _one(sql: str, params: list[Any]) -> tuple | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


# The filing is the hot path of a province's book: its reads are two plain statements (before and after the
# lock) instead of a dozen ORM queries; each reads a bounded number of rows by unique or indexed keys.
_FUND_AND_BORROWER = """
SELECT fp.program_id, f.id, f.code, f.book_id, (SELECT b.id FROM registry_borrower b WHERE b.code = %s)
FROM registry_fund f
JOIN registry_fund_programs fp ON fp.fund_id = f.id
JOIN programs_program p ON p.id = fp.program_id
WHERE p.code = %s
"""

_FACTS = """
SELECT v.id, v.number, v.sha256,
  (SELECT b.facts FROM registry_borrower b WHERE b.id = %(borrower)s),
  (SELECT COUNT(*) FROM registry_whitelistentry w
     WHERE w.program_id = %(program)s AND w.borrower_id = %(borrower)s AND w.status = 'listed'),
  (SELECT i.id FROM registry_institution i WHERE i.code = %(lender)s),
  (SELECT i.id FROM registry_institution i WHERE i.code = %(guarantor)s AND i.kind = 'guarantor'),
  (SELECT a.start FROM registry_agreement a JOIN registry_institution i ON i.id = a.institution_id
     WHERE i.code = %(lender)s AND a.program_id = %(program)s AND a.role = 'lender'),
  (SELECT a."end" FROM registry_agreement a JOIN registry_institution i ON i.id = a.institution_id
     WHERE i.code = %(lender)s AND a.program_id = %(program)s AND a.role = 'lender'),
  (SELECT a.status FROM registry_agreement a JOIN registry_institution i ON i.id = a.institution_id
     WHERE i.code = %(lender)s AND a.program_id = %(program)s AND a.role = 'lender'),
  (SELECT COUNT(*) FROM loans_loan l JOIN registry_institution i ON i.id = l.lender_id
     WHERE i.code = %(lender)s AND l.program_id = %(program)s AND l.overdue_since IS NOT NULL
       AND l.status IN ('filed', 'claimed')),
  (SELECT t.fen FROM figures_runningtotal t WHERE t.name = %(t0)s),
  (SELECT t.fen FROM figures_runningtotal t WHERE t.name = %(t1)s),
  (SELECT t.fen FROM figures_runningtotal t JOIN registry_institution i
     ON t.name = %(t2a)s || CAST(i.id AS TEXT) || %(t2b)s WHERE i.code = %(lender)s),
  (SELECT t.fen FROM figures_runningtotal t JOIN registry_institution i
     ON t.name = %(t3a)s || CAST(i.id AS TEXT) || %(t3b)s WHERE i.code = %(lender)s),
  (SELECT SUM(a.balance_fen) FROM ledger_accountbalance a
     WHERE a.book_id = %(book)s AND a.account IN ('assets:cash', 'assets:deposits', 'assets:bonds')),
  (SELECT a.balance_fen FROM ledger_accountbalance a WHERE a.book_id = %(book)s AND a.account = 'equity:capital'),
  (SELECT k.latest_date FROM ledger_book k WHERE k.id = %(book)s)
FROM programs_programversion v
WHERE v.program_id = %(program)s
ORDER BY v.number DESC
LIMIT 1
"""


def _policy_of_version(version_id: int, sha256: str):
    """The parsed policy of a version, parsed once per content (versions are immutable; keyed by the hash)."""
    from riskpool.programs.models import ProgramVersion, _parse

    text = _POLICY_TEXT.get(sha256)
    if text is None:
        text = _POLICY_TEXT[sha256] = ProgramVersion.objects.values_list("policy_text", flat=True).get(pk=version_id)
    return _parse(text, f"sha256 {sha256[:12]}")


_POLICY_TEXT: dict[str, str] = {}


def _guarantor_status(policy, program_id: int, guarantor_id: int | None, on: dt.date) -> str | None:
    """The guarantor's agreement status on ``on``, where a threshold of the policy can suspend it (read only
    then: the seeds have none)."""
    if guarantor_id is None or policy.sanctions.guarantor_compensation_ratio is None:
        return None
    from riskpool.figures.lenders import agreement_status_on
    from riskpool.registry.models import Agreement

    agreement = Agreement.objects.filter(program_id=program_id, institution_id=guarantor_id,
                                         role="guarantor").first()
    if agreement is None:
        return None
    status = agreement_status_on(agreement, on)
    return status if status in ("active", "suspended") else "terminated"  # outside its term: no cover


class FileLoan(Command):
    """File a loan (入池备案): the filing rule decides on the filing date against the running totals.

    The hot path of a province's book: it reads a bounded number of rows whatever the book's size (running
    totals, the fund's running balances, the borrower, the agreement) and writes the loan, its notices, the
    totals, the audit row with its history, and one chain link.
    """

    action: ClassVar[str] = "loans.file_loan"
    code: LoanCode
    program: Slug
    lender: Slug
    borrower: BorrowerCode
    amount: Money
    issue_date: Day
    term_months: Months
    guarantor: Slug | None = None
    guarantee_fee_rate: Rate = ZERO
    product_type: StepCode = "loan"
    all_in_cost_rate: Rate | None = None
    exposure: Money | None = None
    guarantee_letter_date: Day | None = None
    other_fees: Money = ZERO
    interest_rate: Rate | None = None  # the loan's annual rate (filing.loan_rate_max)
    facts: dict[StepCode, FactValue] = {}  # the program's declared facts of this loan (policy `facts`)
    _rows: dict = PrivateAttr(default_factory=dict)
    _filed: Any = PrivateAttr(default=None)

    def subject(self) -> str:
        return f"loan:{self.code}"

    def locks(self) -> Locks:
        row = _one(_FUND_AND_BORROWER, [self.borrower, self.program])
        self._rows["ids"] = row
        return Locks(books={row[3] if row else None}, borrowers={row[4] if row else None})

    def _refuse_unknown(self) -> None:
        from riskpool.programs.models import Program
        from riskpool.registry.models import Borrower

        if not Program.objects.filter(code=self.program).exists():
            raise LoanError(f"no program {self.program!r} is installed")
        if not Program.objects.filter(code=self.program, funds__isnull=False).exists():
            raise LoanError(f"program {self.program} is not backed by any fund yet")
        if not Borrower.objects.filter(code=self.borrower).exists():
            raise LoanError(f"no borrower {self.borrower!r} is registered")

    def handle(self, ctx: Context) -> dict[str, Any]:
        ids = self._rows["ids"]
        if ids is None or ids[4] is None:
            self._refuse_unknown()
        program_id, fund_id, fund_code, book_id, borrower_id = ids
        # the running totals by name (riskpool.figures.totals); the lender's id is found in the same statement,
        # so its names are passed as the parts around that id
        exposure_name = totals.exposure(program_id, "\x00", borrower_id).split("\x00")
        compensated_name = totals.compensated(program_id, "\x00").split("\x00")
        totals.flush()  # a deferred move (a bulk import's) is read from the table like any other
        row = _one(_FACTS, {"program": program_id, "borrower": borrower_id, "lender": self.lender,
                            "guarantor": self.guarantor or "", "book": book_id,
                            "t0": totals.borrower_outstanding(program_id, borrower_id), "t1": totals.covered(fund_id),
                            "t2a": exposure_name[0], "t2b": exposure_name[1],
                            "t3a": compensated_name[0], "t3b": compensated_name[1]})
        if row is None:
            raise LoanError(f"program {self.program} has no installed version")
        (version_id, version_number, sha256, borrower_facts, listed, lender_id, guarantor_id, start, end, status,
         in_arrears, borrower_fen, covered_fen, exposure_fen, compensated_fen, held_fen, capital_fen, latest) = row
        state = FilingState(
            program_id=program_id, fund_id=fund_id, fund_code=fund_code, book_id=book_id, borrower_id=borrower_id,
            version_id=version_id, version_number=version_number, policy=_policy_of_version(version_id, sha256),
            borrower_facts=json.loads(borrower_facts) if isinstance(borrower_facts, str) else borrower_facts,
            listed=bool(listed), lender_id=lender_id, guarantor_id=guarantor_id,
            agreement=None if status is None else (_date(start), _date(end), status), in_arrears=bool(in_arrears),
            borrower_fen=borrower_fen or 0, covered_fen=covered_fen or 0, exposure_fen=exposure_fen or 0,
            compensated_fen=compensated_fen or 0, held_fen=held_fen or 0, capital_fen=capital_fen or 0,
            latest=_date(latest))
        loan = self.decide(state)
        try:
            # a plain INSERT (riskpool.bulk) and the loan's running totals moved as Loan.save moves them; no
            # savepoint: a violation aborts the whole command, which is what a refusal does
            bulk.insert([loan])
        except IntegrityError:  # the code is taken (a loan code is unique across programs)
            raise LoanError(f"loan {self.code} is already filed") from None
        loan._totals_before = totals.loan_contributions(loan._totals_fields())
        totals.apply(Counter(), loan._totals_before)
        notices = self.notices(loan, state.policy)
        bulk.insert(notices)
        self.record(ctx, loan, state)
        self._filed = (loan, notices, version_number)
        return {"loan": loan.pk, "version": version_number}

    @property
    def filed(self) -> tuple[Loan, list[Notice], int] | None:
        """The loan, its notices and the program version number this command wrote, once dispatched and handled (None: not handled — e.g. a
        retried key answered from the first result). The API answers a filing with them without reading back."""
        return self._filed

    def decide(self, s: "FilingState") -> Loan:
        """The filing rule on these facts: the loan to write (unsaved), or LoanError naming every refusal.

        Shared by the single filing and the batch (``riskpool.loans.batch``), so both decide alike."""
        from riskpool.ledger import core as ledger_core
        from riskpool.ledger import services as ledger
        from riskpool.registry.models import Agreement

        on = self.on
        if s.lender_id is None:
            raise LoanError(f"no lender {self.lender!r} is registered")
        if self.guarantor and s.guarantor_id is None:
            raise LoanError(f"no guarantor {self.guarantor!r} is registered (an institution of kind guarantor)")
        if s.agreement is None:
            raise LoanError(f"{self.lender} has no lender agreement in {self.program}")
        policy = s.policy
        if s.latest is None or on >= s.latest:  # the running balances are the balances at the end of ``on``
            fund_balance, fund_size = Decimal(s.held_fen) * FEN, -Decimal(s.capital_fen) * FEN
        else:  # a back-dated filing: the books at that date
            held = s.balances_on(on) if s.balances_on is not None else ledger.balances(ledger.Book(pk=s.book_id), on)
            fund_balance = sum((held.get(a, ZERO) for a in ledger_core.INVESTMENT_ACCOUNTS), ZERO)
            fund_size = -held.get("equity:capital", ZERO)
        start, end, status = s.agreement
        status = status if start <= on <= end else Agreement.TERMINATED
        sanction = ""
        if status == Agreement.ACTIVE and (s.in_arrears or s.compensated_fen > 0):
            # a threshold crossed since the last event or sweep bars this filing at once (kezhou 第二十五条（二）
            # "立即终止合作", kunshan 第二十三条 "应立即中止"); the sweep records the status change. A lender with no
            # covered loan in arrears and never compensated cannot have crossed one.
            from riskpool.claims.sanctions import lender_verdict

            if s.before_verdict is not None:
                s.before_verdict()  # the batch writes what it has decided so far: the verdict reads the book
            verdict = lender_verdict(policy, s.program_id, s.lender_id, on)
            action = verdict.details.get("action")
            if action:
                status = {"terminate": Agreement.TERMINATED, "suspend": Agreement.SUSPENDED}[action]
                sanction = "; ".join(f"{r.code} [{r.article}] {r.message}" for r in verdict.reasons if r.blocking)
        facts = FilingFacts(
            loan=LoanApplication(amount=self.amount, issue_date=self.issue_date, term_months=self.term_months,
                                 guarantee_fee_rate=self.guarantee_fee_rate, product_type=self.product_type,
                                 all_in_cost_rate=self.all_in_cost_rate, has_guarantor=s.guarantor_id is not None,
                                 other_fees=self.other_fees, interest_rate=self.interest_rate, facts=self.facts),
            borrower_whitelisted=s.listed,
            borrower_outstanding=Decimal(s.borrower_fen) * FEN,
            fund_balance=fund_balance,
            fund_size=fund_size,
            covered_outstanding=Decimal(s.covered_fen) * FEN,
            lender_status=status,
            guarantor_status=(s.guarantor_status(on) if s.guarantor_status is not None
                              else _guarantor_status(policy, s.program_id, s.guarantor_id, on)),
        )
        # 单个融资机构授信敞口 (kunshan 第十一条): the borrower's covered outstanding at this lender, this loan included
        exposure = self.exposure if self.exposure is not None else self.amount + Decimal(s.exposure_fen) * FEN
        decision = filing_rule(policy, on, facts, borrower_restructured=bool(s.borrower_facts.get("restructurings")))
        if not decision.approved:
            raise LoanError(f"loan {self.code} refused: " + "; ".join(
                f"{r.code} [{r.article}] {r.message}" for r in decision.reasons if r.blocking)
                + (f" (because {sanction})" if sanction else ""), decision=decision)
        return Loan(code=self.code, program_id=s.program_id, program_version_id=s.version_id, fund_id=s.fund_id,
                    lender_id=s.lender_id, guarantor_id=s.guarantor_id, borrower_id=s.borrower_id, amount=self.amount,
                    exposure=exposure, issue_date=self.issue_date,
                    maturity_date=add_months(self.issue_date, self.term_months), term_months=self.term_months,
                    guarantee_fee_rate=self.guarantee_fee_rate, product_type=self.product_type,
                    all_in_cost_rate=self.all_in_cost_rate, guarantee_letter_date=self.guarantee_letter_date,
                    filed_on=on, outstanding_principal=self.amount, filing_decision=decision.as_dict(),
                    interest_rate=self.interest_rate,
                    facts={k: (str(v) if isinstance(v, Decimal) else v) for k, v in self.facts.items()})

    def notices(self, loan: Loan, policy) -> list[Notice]:
        return notices_for(loan, {"guarantee_letter_issued": self.guarantee_letter_date,
                                  "maturity": loan.maturity_date},
                           done={"guarantee_letter_issued": self.issue_date}, policy=policy)

    def record(self, ctx: Context, loan: Loan, s: "FilingState") -> None:
        ctx.change(f"loan:{loan.code}", None, snapshot(loan))
        ctx.event("loan.filed", on=self.on, fund=s.fund_code, program=self.program, lender=self.lender,
                  borrower=self.borrower, loan=loan.code, amount=self.amount, data={"version": s.version_number})


@dataclass
class FilingState:
    """What a filing is decided on, read under the locks: the program's version, the borrower, the lender's
    agreement and the running totals (whole fen). The batch (``riskpool.loans.batch``) keeps one per row from
    figures it read once and moves as it decides."""

    program_id: int
    fund_id: int
    fund_code: str
    book_id: int
    borrower_id: int
    version_id: int
    version_number: int
    policy: Any
    borrower_facts: dict
    listed: bool
    lender_id: int | None
    guarantor_id: int | None
    agreement: tuple[dt.date, dt.date, str] | None  # the lender's: start, end, status
    in_arrears: bool  # the lender has a covered loan in arrears in the program
    borrower_fen: int  # the borrower's covered outstanding in the program
    covered_fen: int  # the fund's covered outstanding
    exposure_fen: int  # the borrower's covered outstanding at this lender
    compensated_fen: int  # the fund's payments to the lender to date
    held_fen: int  # the fund's cash and investments (running balance)
    capital_fen: int  # equity:capital (a credit: negative)
    latest: dt.date | None  # the book's latest business date
    balances_on: Callable[[dt.date], dict] | None = None  # the batch's cache of back-dated balances
    guarantor_status: Callable[[dt.date], str | None] | None = None  # the batch's cache
    before_verdict: Callable[[], None] | None = None  # the batch flushes before a lender verdict


class Repay(LoanCommand):
    """A repayment report; a loan repaid in full is released (its guarantee ends)."""

    confined: ClassVar[bool] = True
    action: ClassVar[str] = "loans.repay"
    principal: Money = ZERO
    interest: Money = ZERO

    def handle(self, ctx: Context) -> dict[str, Any]:
        loan = _locked_loan(self.loan)
        if loan.status not in ACTIVE:
            raise LoanError(f"loan {loan.code} is {loan.status}: no repayment can be reported")
        if self.principal > loan.outstanding_principal:
            raise LoanError(f"loan {loan.code}: repayment {fmt(self.principal)} exceeds outstanding "
                            f"{fmt(loan.outstanding_principal)}")
        before = snapshot(loan)
        Repayment.objects.create(loan=loan, on=self.on, principal=self.principal, interest=self.interest)
        loan.outstanding_principal -= self.principal
        loan.unpaid_interest = max(ZERO, loan.unpaid_interest - self.interest)
        released = loan.outstanding_principal == 0
        if released:
            loan.status, loan.released_on, loan.overdue_since = Loan.REPAID, self.on, None
            for n in loan.notices.filter(done_on__isnull=True, kind__in=maturity_notices(loan)):
                n.done_on = self.on
                n.save(update_fields=["done_on"])
        loan.save()
        ctx.change(f"loan:{loan.code}", before, snapshot(loan))
        common = dict(fund=loan.fund.code, program=loan.program.code, lender=loan.lender.code,
                      borrower=loan.borrower.code, loan=loan.code)
        ctx.event("loan.repaid", amount=self.principal, data={"interest": str(self.interest)}, **common)
        if released:
            ctx.event("loan.released", amount=loan.amount, **common)
        return {"outstanding": str(loan.outstanding_principal)}


class Extend(LoanCommand):
    """Extension (展期): kezhou 第十一条 grants it to an eligible borrower; where the policy says an extension
    is a restructuring (pingluo 第十一条6) it sets that claim condition and marks the borrower."""

    action: ClassVar[str] = "loans.extend"
    months: Months

    def handle(self, ctx: Context) -> dict[str, Any]:
        loan = _locked_loan(self.loan)
        policy, on = loan.policy, self.on
        param = policy.filing.extension
        if param is None or not policy.param(param, on).allowed:
            raise LoanError(f"{loan.program.code} allows no extension", param.article if param else "")
        spec = policy.param(param, on)
        if loan.status not in ACTIVE:
            raise LoanError(f"loan {loan.code} is {loan.status}: it cannot be extended")
        if self.months < 1:
            raise LoanError(f"loan {loan.code}: an extension adds at least one month, not {self.months}")
        new_term = loan.term_months + self.months
        term = policy.filing.term_months
        if spec.within_term_limit and term is not None:
            limit = policy.param(term, on).max
            if limit is not None and new_term > limit:
                raise LoanError(f"loan {loan.code}: extended term {new_term} months exceeds {limit} months",
                                term.article)
        before = snapshot(loan)
        loan.term_months, loan.extended_months = new_term, loan.extended_months + self.months
        loan.maturity_date = add_months(loan.issue_date, new_term)
        common = dict(fund=loan.fund.code, program=loan.program.code, lender=loan.lender.code,
                      borrower=loan.borrower.code, loan=loan.code)
        if spec.sets_condition:
            loan.claim_conditions = {**loan.claim_conditions, spec.sets_condition: True}
            borrower = loan.borrower
            facts = dict(borrower.facts)
            facts["restructurings"] = sorted(set(facts.get("restructurings") or []) | {"extension"})
            borrower.facts = facts
            borrower.save(update_fields=["facts"])
            ctx.event("borrower.restructured", article=param.article, data={"by": "extension"}, **common)
        loan.save()
        loan.notices.filter(done_on__isnull=True, kind__in=maturity_notices(loan)).delete()
        schedule(loan, {"maturity": loan.maturity_date})
        ctx.change(f"loan:{loan.code}", before, snapshot(loan))
        ctx.event("loan.extended", data={"months": self.months, "maturity": loan.maturity_date.isoformat()},
                  **common)
        return {"maturity": loan.maturity_date.isoformat()}


class ReportArrears(LoanCommand):
    """Arrears (逾期 / 欠息) reported by the lender: starts the overdue clock and the notices that follow it;
    the program's sanctions are evaluated at once (kezhou 第二十五条（二）)."""

    confined: ClassVar[bool] = True
    action: ClassVar[str] = "loans.report_arrears"
    overdue_since: Day
    unpaid_interest: Money = ZERO

    def handle(self, ctx: Context) -> dict[str, Any]:
        from riskpool.claims.sanctions import apply_sanctions

        loan = _locked_loan(self.loan)
        if loan.status not in ACTIVE:
            raise LoanError(f"loan {loan.code} is {loan.status}: arrears cannot be reported")
        if self.overdue_since > self.on:
            raise LoanError(f"loan {loan.code}: overdue since {self.overdue_since} is after the report date {self.on}")
        if self.overdue_since <= loan.issue_date:
            raise LoanError(f"loan {loan.code}: overdue since {self.overdue_since}, not after its issue date "
                            f"{loan.issue_date}")
        before = snapshot(loan)
        first = loan.overdue_since is None
        loan.overdue_since = loan.overdue_since or self.overdue_since
        loan.unpaid_interest = self.unpaid_interest
        loan.save()
        if first:
            schedule(loan, {"first_overdue": self.overdue_since, "risk_event": self.overdue_since})
        ctx.change(f"loan:{loan.code}", before, snapshot(loan))
        ctx.event("loan.arrears", fund=loan.fund.code, program=loan.program.code, lender=loan.lender.code,
                  borrower=loan.borrower.code, loan=loan.code, amount=self.unpaid_interest,
                  data={"overdue_since": loan.overdue_since.isoformat()})
        sanctions = apply_sanctions(loan.program, loan.lender, self.on, ctx)
        return {"overdue_since": loan.overdue_since.isoformat(), "sanctions": sanctions}


class ReportCure(LoanCommand):
    """The arrears were paid up: the loan is current again."""

    confined: ClassVar[bool] = True
    action: ClassVar[str] = "loans.report_cure"

    def handle(self, ctx: Context) -> dict[str, Any]:
        loan = _locked_loan(self.loan)
        before = snapshot(loan)
        loan.overdue_since, loan.unpaid_interest = None, ZERO
        loan.save()
        ctx.change(f"loan:{loan.code}", before, snapshot(loan))
        ctx.event("loan.cured", fund=loan.fund.code, program=loan.program.code, lender=loan.lender.code,
                  borrower=loan.borrower.code, loan=loan.code)
        return {}


class CompleteNotice(LoanCommand):
    """A notice given (还款通知书 and the like): its duty is done."""

    confined: ClassVar[bool] = True
    action: ClassVar[str] = "loans.complete_notice"
    kind: StepCode

    def handle(self, ctx: Context) -> dict[str, Any]:
        loan = _locked_loan(self.loan)
        notice = loan.notices.filter(kind=self.kind, done_on__isnull=True).first()
        if notice is None:
            raise LoanError(f"loan {loan.code} has no open notice {self.kind!r}")
        if notice.opens_on and self.on < notice.opens_on:
            raise LoanError(f"notice {self.kind} of loan {loan.code} may only be given from {notice.opens_on}",
                            notice.article)
        before = model_to_dict(notice)
        notice.done_on = self.on
        notice.save(update_fields=["done_on"])
        ctx.change(f"notice:{notice.pk}", before, model_to_dict(notice))
        ctx.event("loan.notice_done", program=loan.program.code, lender=loan.lender.code, loan=loan.code,
                  article=notice.article, data={"kind": self.kind})
        return {"notice": notice.pk}


class Classify(Command):
    """The daily classification (五级分类) of a program's covered loans, and the sanctions it triggers:
    a lender whose NPL ratio crosses its threshold on this day is terminated or suspended at once."""

    action: ClassVar[str] = "loans.classify"
    program: Slug

    def subject(self) -> str:
        return f"program:{self.program}"

    def locks(self) -> Locks:
        from riskpool.registry.models import Fund

        book = Fund.objects.filter(programs__code=self.program).values_list("book_id", flat=True).first()
        return Locks(books={book})

    def handle(self, ctx: Context) -> dict[str, Any]:
        from riskpool.claims.sanctions import apply_sanctions
        from riskpool.programs.models import Program
        from riskpool.registry.models import Institution

        program = Program.objects.get(code=self.program)
        lenders = Institution.objects.filter(agreements__program=program, agreements__role="lender").distinct()
        out = {}
        for lender in lenders.order_by("pk"):
            out[lender.code] = apply_sanctions(program, lender, self.on, ctx)
        npl = [loan.code for loan in Loan.objects.filter(program=program, status__in=ACTIVE,
                                                         overdue_since__isnull=False)
               if risk_class(loan.days_past_due(self.on)).non_performing]
        return {"sanctions": out, "non_performing": sorted(npl)}
