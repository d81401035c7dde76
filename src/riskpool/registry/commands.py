"""Registry commands: funds and their money, institutions and cooperation agreements, borrowers, the
whitelist (白名单) and the blacklist (黑名单). Run only by the dispatcher (``riskpool.commands``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

from django.forms.models import model_to_dict

from riskpool.commands import Command, Context, Locks
from riskpool.commands.base import Article, BorrowerCode, Day, Money, Name, Reason, Slug, StepCode, Year
from riskpool.identity import IdentityError, check_resident_id, check_uscc
from riskpool.ledger import core as ledger_core
from riskpool.ledger import services as ledger
from riskpool.money import ZERO
from riskpool.policy.schema import _add_years
from riskpool.registry.models import (
    Agreement,
    BlacklistEntry,
    Borrower,
    Fund,
    Institution,
    WhitelistEntry,
    WhitelistStep,
)
from riskpool.registry import contributors
from riskpool.rules.admission import admit, eligible_institution
from riskpool.rules.decision import Decision
from riskpool.rules.fees import management_fee as fee_rule

# Borrowers identified by a resident ID number rather than a USCC (个人、农户、小微企业主).
NATURAL_PERSON_KINDS = frozenset({"farmer", "natural_person", "small_business_owner"})


class RegistryError(ValueError):
    """A registry request the rules refuse; ``article`` names the rule where there is one."""

    def __init__(self, message: str, article: str = "", decision: Decision | None = None):
        self.article = article
        self.decision = decision
        super().__init__(message + (f" ({article})" if article else ""))


def _program(code: str):
    from riskpool.programs import services as programs

    return programs.get(code)


def _fund(code: str) -> Fund:
    fund = Fund.objects.select_related("book").filter(code=code).first()
    if fund is None:
        raise RegistryError(f"no fund {code!r}")
    return fund


def _book_of(fund_code: str) -> int | None:
    return Fund.objects.filter(code=fund_code).values_list("book_id", flat=True).first()


def _borrower(code: str) -> Borrower:
    b = Borrower.objects.filter(code=code).first()
    if b is None:
        raise RegistryError(f"no borrower {code!r} is registered")
    return b


def _institution(code: str) -> Institution:
    i = Institution.objects.filter(code=code).first()
    if i is None:
        raise RegistryError(f"no institution {code!r} is registered")
    return i


# ----------------------------------------------------------------------------- funds and money

class CreateFund(Command):
    """A fund (风险补偿资金) with its books, backing one or more programs."""

    action: ClassVar[str] = "registry.create_fund"
    code: Slug
    name: Name
    programs: list[Slug]

    def subject(self) -> str:
        return f"fund:{self.code}"

    def handle(self, ctx: Context) -> dict[str, Any]:
        book = ledger.open_book(self.code, self.name)
        fund, created = Fund.objects.get_or_create(code=self.code, defaults={"name": self.name, "book": book})
        for pc in self.programs:
            program = _program(pc)
            other = program.funds.exclude(pk=fund.pk).first()
            if other is not None:
                raise RegistryError(f"program {pc} is already backed by fund {other.code}")
            fund.programs.add(program)
        if created:
            ctx.event("fund.created", fund=fund.code, data={"programs": list(self.programs)})
        return {"fund": fund.pk}


class FundCommand(Command):
    fund: Slug

    def subject(self) -> str:
        return f"fund:{self.fund}"

    def locks(self) -> Locks:
        return Locks(books={_book_of(self.fund)})

    def post(self, ctx: Context, fund: Fund, txn: ledger_core.Transaction, suffix: str,
             split: dict[str, Decimal] | None = None) -> None:
        """Into the fund's books and, where its program names contributors, split into theirs."""
        contributors.post(fund, txn, key=f"{ctx.key}:{suffix}"[:190], actor=ctx.actor, split=split)


class InjectCapital(FundCommand):
    """Capital injection (财政注资) into the fund's cash; where the program names contributors (出资方), by one
    of them (``contributor``), into its part of the fund."""

    action: ClassVar[str] = "registry.inject_capital"
    amount: Money
    contributor: Slug | None = None

    def handle(self, ctx: Context) -> dict[str, Any]:
        fund = _fund(self.fund)
        found = contributors.spec(fund)
        split = None
        if found is not None:
            named = contributors.shares(fund, self.on) or {}
            article = found[1].shares.article
            if self.contributor is None:
                raise RegistryError(f"fund {fund.code} has contributors ({', '.join(named)}): a capital injection "
                                    "names the contributor that makes it", article)
            if self.contributor not in contributors.books(fund):
                raise RegistryError(f"fund {fund.code} has no contributor {self.contributor!r}; its contributors: "
                                    f"{', '.join(named)}", article)
            split = {self.contributor: self.amount}
        elif self.contributor is not None:
            raise RegistryError(f"fund {fund.code}'s programs name no contributors; give no contributor")
        self.post(ctx, fund, ledger_core.capital_injection(self.on, self.amount), "capital", split)
        ctx.event("fund.capital", fund=fund.code, amount=self.amount,
                  **({"data": {"contributor": self.contributor}} if self.contributor else {}))
        return {"fund": fund.code, "amount": str(self.amount),
                **({"contributor": self.contributor} if self.contributor else {})}


class RecordIncome(FundCommand):
    """Deposit interest or bond coupons; they stay in the fund (kezhou 第十九条, kunshan 第六条)."""

    action: ClassVar[str] = "registry.record_income"
    amount: Money
    kind: StepCode

    def handle(self, ctx: Context) -> dict[str, Any]:
        fund = _fund(self.fund)
        self.post(ctx, fund, ledger_core.income(self.on, self.amount, self.kind), "income")
        ctx.event("fund.income", fund=fund.code, amount=self.amount, data={"kind": self.kind})
        return {"fund": fund.code, "amount": str(self.amount)}


class AccrueManagementFee(FundCommand):
    """The fund manager's fee for a year (kezhou 第二十一条: 8 % of the year's total income; 第二十二条: the
    audit is paid out of it), accrued to the fund's books. Income is read from the books' income accounts."""

    action: ClassVar[str] = "registry.accrue_management_fee"
    year: Year
    audit_cost: Money = ZERO

    def handle(self, ctx: Context) -> dict[str, Any]:
        fund = _fund(self.fund)
        start, end = dt.date(self.year, 1, 1), dt.date(self.year, 12, 31)
        before, after = ledger.balances(fund.book, start - dt.timedelta(days=1)), ledger.balances(fund.book, end)
        income = -sum((after.get(a, ZERO) - before.get(a, ZERO)) for a in ledger_core.INCOME_ACCOUNTS.values())
        policies = [p.policy for p in fund.programs.all()]
        policy = next((p for p in policies if p.fees.management_fee_rate_of_income is not None), None)
        if policy is None:
            raise RegistryError(f"no program of fund {fund.code} sets a management fee")
        decision = fee_rule(policy, self.on, annual_income=income, audit_cost=self.audit_cost)
        if not decision.approved:
            raise RegistryError("; ".join(r.message for r in decision.reasons if r.blocking),
                                policy.fees.management_fee_rate_of_income.article, decision)
        fee = decision.amounts["fee"]
        if fee > 0:
            if ledger.LedgerTransaction.objects.filter(book=fund.book, kind=ledger_core.MANAGEMENT_FEE,
                                                       memo__startswith=f"{self.year}年度管理费").exists():
                raise RegistryError(f"the {self.year} management fee of fund {fund.code} is already accrued",
                                    policy.fees.management_fee_rate_of_income.article)
            self.post(ctx, fund, ledger_core.management_fee(self.on, fee, memo=f"{self.year}年度管理费（收益 {income} × 费率）"),
                      "fee")
            ctx.event("fund.management_fee", fund=fund.code, amount=fee,
                      article=policy.fees.management_fee_rate_of_income.article, data={"year": self.year})
        return {"fee": str(fee)}


# ----------------------------------------------------------------------------- institutions and agreements

class RegisterInstitution(Command):
    """An institution; ``facts`` are what its eligibility is judged on (type, ownership, place)."""

    action: ClassVar[str] = "registry.register_institution"
    code: Slug
    name: Name
    kind: StepCode
    facts: dict[str, Any] = {}

    def subject(self) -> str:
        return f"institution:{self.code}"

    def handle(self, ctx: Context) -> dict[str, Any]:
        if self.kind not in dict(Institution.KINDS):
            raise RegistryError(f"institution kind {self.kind!r} is not one of {', '.join(dict(Institution.KINDS))}")
        inst, created = Institution.objects.get_or_create(code=self.code, defaults={
            "name": self.name, "kind": self.kind, "facts": self.facts})
        if created:
            ctx.change(f"institution:{inst.code}", None, model_to_dict(inst))
            ctx.event("institution.registered", data={"code": inst.code, "kind": inst.kind})
        else:
            if (inst.name, inst.kind) != (self.name, self.kind):
                raise RegistryError(f"institution {self.code} already exists as {inst.name} ({inst.kind})")
            if self.facts:
                before = model_to_dict(inst)
                inst.facts = {**inst.facts, **self.facts}
                inst.save()
                ctx.change(f"institution:{inst.code}", before, model_to_dict(inst))
        return {"institution": inst.pk}


class SignAgreement(Command):
    """A cooperation agreement (合作协议); kezhou 第八条（一）: at most five years."""

    action: ClassVar[str] = "registry.sign_agreement"
    institution: Slug
    program: Slug
    role: StepCode
    start: Day
    end: Day

    def subject(self) -> str:
        return f"agreement:{self.institution}:{self.program}:{self.role}"

    def handle(self, ctx: Context) -> dict[str, Any]:
        institution, program = _institution(self.institution), _program(self.program)
        policy = program.policy
        start, end = self.start, self.end
        limit = policy.filing.agreement_max_years
        if end <= start:
            raise RegistryError(f"agreement ends {end}, not after its start {start}")
        if limit is not None:
            years = policy.param(limit, start)
            if end > _add_years(start, years):
                raise RegistryError(f"agreement {start} → {end} is longer than {years} years", limit.article)
        # kezhou 第八条（二）, kunshan 第二条/第八条, pingluo 第五条/第六条: who may cooperate. A refusal stops the
        # agreement; unknown facts are recorded as unverified on it, for the bureau to complete.
        eligibility = eligible_institution(policy, self.role, start, institution.facts)
        if eligibility.outcome == "refused":
            raise RegistryError(f"{institution.name} may not cooperate as {self.role} in {program.code}: " + "; ".join(
                f"{r.code} [{r.article}] {r.message}" for r in eligibility.reasons if r.blocking),
                decision=eligibility)
        if Agreement.objects.filter(institution=institution, program=program, role=self.role).exists():
            raise RegistryError(f"{institution.code} already has a {self.role} agreement in {program.code}")
        a = Agreement.objects.create(institution=institution, program=program, role=self.role, start=start, end=end,
                                     eligibility=eligibility.as_dict())
        ctx.change(f"agreement:{a.pk}", None, model_to_dict(a))
        ctx.event("agreement.signed", program=program.code, lender=institution.code, agreement=a.pk,
                  data={"role": self.role, "start": start.isoformat(), "end": end.isoformat()})
        return {"id": a.pk}


def set_status(a: Agreement, status: str, *, on: dt.date, reason: str, article: str, ctx: Context) -> None:
    """Suspend, terminate or restore a cooperation, inside the caller's command."""
    if status not in dict(Agreement.STATUSES):
        raise RegistryError(f"status {status!r} is not one of {', '.join(dict(Agreement.STATUSES))}")
    if a.status == Agreement.TERMINATED and status != Agreement.TERMINATED:
        raise RegistryError(f"the agreement of {a.institution.code} was terminated on {a.status_since}: "
                            "a terminated cooperation is not restored")
    before = model_to_dict(a)
    a.status, a.status_reason, a.status_since = status, f"{reason} [{article}]"[:300], on
    a.save()
    ctx.change(f"agreement:{a.pk}", before, model_to_dict(a))
    ctx.event("agreement.status", on=on, program=a.program.code, lender=a.institution.code, agreement=a.pk,
              article=article, data={"status": status, "reason": reason})


class SetAgreementStatus(Command):
    """Suspend, terminate or restore a cooperation (kezhou 第二十五条（二）, kunshan 第二十三条)."""

    action: ClassVar[str] = "registry.set_agreement_status"
    agreement: int
    status: StepCode
    reason: Reason
    article: Article

    def subject(self) -> str:
        return f"agreement:{self.agreement}"

    def locks(self) -> Locks:
        # the books of the program's funds too: the sanctions of a repayment, an arrears report, a payment or
        # the daily classification move the same status under those (claims.sanctions.apply_sanctions)
        books = set(Fund.objects.filter(programs__agreements__pk=self.agreement).values_list("book_id", flat=True))
        return Locks(books=books, agreements={self.agreement})

    def handle(self, ctx: Context) -> dict[str, Any]:
        a = Agreement.objects.select_related("institution", "program").filter(pk=self.agreement).first()
        if a is None:
            raise RegistryError(f"no agreement #{self.agreement}")
        set_status(a, self.status, on=self.on, reason=self.reason, article=self.article, ctx=ctx)
        return {"status": self.status}


# ----------------------------------------------------------------------------- borrowers and the whitelist

class RegisterBorrower(Command):
    """A borrower, identified by USCC (GB 32100-2015) or resident ID number (GB 11643-1999)."""

    action: ClassVar[str] = "registry.register_borrower"
    code: BorrowerCode
    name: Name
    kind: StepCode = "enterprise"
    facts: dict[str, Any] = {}

    def subject(self) -> str:
        return f"borrower:{self.code}"

    def locks(self) -> Locks:
        # an existing borrower's facts are merged: under its lock, as Extend marks it restructured under it
        return Locks(borrowers={Borrower.objects.filter(code=self.code).values_list("pk", flat=True).first()})

    def handle(self, ctx: Context) -> dict[str, Any]:
        person = self.kind in NATURAL_PERSON_KINDS
        try:
            code = check_resident_id(self.code) if person else check_uscc(self.code)
        except IdentityError as e:
            raise RegistryError(str(e)) from None
        facts = dict(self.facts)
        facts.setdefault("resident_id" if person else "uscc", code)
        facts.setdefault("kind", self.kind)
        borrower = Borrower.objects.select_for_update().filter(code=code).first()
        if borrower is None:
            borrower = Borrower.objects.create(code=code, name=self.name, kind=self.kind, facts=facts)
            ctx.change(f"borrower:{code}", None, model_to_dict(borrower))
            ctx.event("borrower.registered", borrower=code)
        else:
            before = model_to_dict(borrower)
            borrower.name, borrower.kind, borrower.facts = self.name, self.kind, {**borrower.facts, **facts}
            borrower.save()
            ctx.change(f"borrower:{code}", before, model_to_dict(borrower))
        return {"borrower": borrower.pk}


class WhitelistStepCommand(Command):
    """One step of the program's whitelist workflow (kezhou 第七条, kunshan 第五条, pingluo 第十一条2).

    Steps must come in the policy file's order. The last approved step lists the borrower, and only if the
    admission rule approves it on that date; a rejected step ends the entry. A borrower removed after
    compensation may not start again while the bar lasts (kezhou 第二十五条（一）).
    """

    action: ClassVar[str] = "registry.whitelist_step"
    program: Slug
    borrower: BorrowerCode
    step: StepCode
    approved: bool = True
    note: Reason = ""
    form: dict[str, Any] | None = None

    def subject(self) -> str:
        return f"whitelist:{self.program}:{self.borrower}"

    def locks(self) -> Locks:
        return Locks(borrowers={Borrower.objects.filter(code=self.borrower).values_list("pk", flat=True).first()})

    def handle(self, ctx: Context) -> dict[str, Any]:
        program, borrower, on = _program(self.program), _borrower(self.borrower), self.on
        policy = program.policy
        if policy.whitelist is None:
            raise RegistryError(f"{program.code} has no whitelist procedure: its borrowers are not listed",
                                policy.effective.article)
        steps = policy.param(policy.whitelist.steps, on)
        codes = [s.code for s in steps]
        step = self.step
        if step not in codes:
            raise RegistryError(f"{program.code} has no whitelist step {step!r}; its steps: {', '.join(codes)}",
                                policy.whitelist.steps.article)
        black = borrower.blacklist_entries.first()
        if black is not None:
            raise RegistryError(f"{borrower.name} is on the blacklist and cannot be whitelisted", black.article)
        entry, _ = WhitelistEntry.objects.get_or_create(program=program, borrower=borrower)
        before = model_to_dict(entry)
        if entry.status in (WhitelistEntry.REJECTED, WhitelistEntry.REMOVED):
            if entry.barred_until is not None and on <= entry.barred_until:
                raise RegistryError(f"{borrower.name} was removed from the whitelist on {entry.removed_on} "
                                    f"({entry.removal_reason}); it may not be listed again until after "
                                    f"{entry.barred_until}", entry.removal_article)
            # a new application after a rejection or removal starts a new round; the old steps stay on record
            entry.cycle += 1
            entry.status, entry.listed_on, entry.removed_on = WhitelistEntry.IN_PROGRESS, None, None
        done = list(entry.steps.filter(cycle=entry.cycle).values_list("step", flat=True))
        expected = codes[len(done)] if len(done) < len(codes) else None
        if step != expected:
            raise RegistryError(f"whitelist step {step!r} for {borrower.name}: expected {expected!r} next "
                                f"(done: {', '.join(done) or 'none'})", policy.whitelist.steps.article)
        spec = steps[codes.index(step)]
        if self.form is not None:
            _check_form(policy, on, self.form)
            entry.form = self.form
        WhitelistStep.objects.create(entry=entry, cycle=entry.cycle, step=step, actor=ctx.actor, done_on=on,
                                     approved=self.approved, note=self.note)
        common = dict(program=program.code, borrower=borrower.code)
        ctx.event("whitelist.step", data={"step": step, "approved": self.approved}, **common)
        if not self.approved:
            entry.status = WhitelistEntry.REJECTED
            ctx.event("whitelist.rejected", data={"step": step}, **common)
        elif step == codes[-1]:
            decision = admit(policy, on, borrower.facts)
            if not decision.approved:
                raise RegistryError(
                    f"{borrower.name} does not meet the admission criteria on {on}: "
                    + "; ".join(f"{r.code} [{r.article}] {r.message}" for r in decision.reasons if r.blocking),
                    policy.admission.article, decision)
            entry.status, entry.listed_on = WhitelistEntry.LISTED, on
            ctx.event("whitelist.listed", **common)
        entry.save()
        ctx.change(f"whitelist:{program.code}:{borrower.code}", before, model_to_dict(entry))
        return {"entry": entry.pk, "status": entry.status, "step": spec.code}


def _check_form(policy, on: dt.date, form: dict[str, Any]) -> None:
    if policy.whitelist.form is None:
        raise RegistryError(f"{policy.id} has no recommendation form")
    fields = policy.param(policy.whitelist.form, on)
    known = {f.code for f in fields}
    missing = [f.label for f in fields if f.required and form.get(f.code) in (None, "")]
    unknown = sorted(set(form) - known)
    if missing or unknown:
        raise RegistryError("recommendation form: " + "; ".join(
            ([f"missing {', '.join(missing)}"] if missing else []) + ([f"unknown {', '.join(unknown)}"] if unknown else [])),
            policy.whitelist.form.article)


def remove(program, borrower: Borrower, *, on: dt.date, reason: str, article: str, ctx: Context,
           barred_until: dt.date | None = None) -> bool:
    """Take a listed borrower off the whitelist inside the caller's command; ``barred_until``: no re-listing
    before the day after it."""
    entry = WhitelistEntry.objects.filter(program=program, borrower=borrower, status=WhitelistEntry.LISTED).first()
    if entry is None:
        return False
    before = model_to_dict(entry)
    entry.status, entry.removed_on, entry.removal_reason, entry.removal_article = (
        WhitelistEntry.REMOVED, on, reason[:300], article)
    entry.barred_until = barred_until
    entry.save()
    ctx.change(f"whitelist:{program.code}:{borrower.code}", before, model_to_dict(entry))
    ctx.event("whitelist.removed", on=on, program=program.code, borrower=borrower.code, article=article,
              data={"reason": reason, "barred_until": barred_until.isoformat() if barred_until else None})
    return True


class RemoveFromWhitelist(Command):
    action: ClassVar[str] = "registry.remove_from_whitelist"
    program: Slug
    borrower: BorrowerCode
    reason: Reason
    article: Article

    def subject(self) -> str:
        return f"whitelist:{self.program}:{self.borrower}"

    def locks(self) -> Locks:
        return Locks(borrowers={Borrower.objects.filter(code=self.borrower).values_list("pk", flat=True).first()})

    def handle(self, ctx: Context) -> dict[str, Any]:
        removed = remove(_program(self.program), _borrower(self.borrower), on=self.on, reason=self.reason,
                         article=self.article, ctx=ctx)
        return {"removed": removed}


class Blacklist(Command):
    action: ClassVar[str] = "registry.blacklist"
    borrower: BorrowerCode
    reason: Reason
    article: Article
    program: Slug | None = None

    def subject(self) -> str:
        return f"borrower:{self.borrower}"

    def locks(self) -> Locks:
        return Locks(borrowers={Borrower.objects.filter(code=self.borrower).values_list("pk", flat=True).first()})

    def handle(self, ctx: Context) -> dict[str, Any]:
        borrower = _borrower(self.borrower)
        program = _program(self.program) if self.program else None
        BlacklistEntry.objects.create(borrower=borrower, program=program, on=self.on, reason=self.reason,
                                      article=self.article)
        ctx.event("borrower.blacklisted", borrower=borrower.code, program=program.code if program else "",
                  article=self.article, data={"reason": self.reason})
        for entry in WhitelistEntry.objects.filter(borrower=borrower, status=WhitelistEntry.LISTED).select_related(
                "program"):
            remove(entry.program, borrower, on=self.on, reason=f"blacklisted: {self.reason}", article=self.article,
                   ctx=ctx)
        return {}
