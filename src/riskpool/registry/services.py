"""Registry services: funds and their money, institutions and agreements, borrowers, whitelist, blacklist.

Every state change goes through a function here, in one transaction, recorded in the audit trail with an
idempotency key (riskpool.audit.services.audited).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction

from riskpool.audit.services import audited
from riskpool.identity import IdentityError, check_resident_id, check_uscc
from riskpool.ledger import core as ledger_core
from riskpool.ledger import services as ledger
from riskpool.money import ZERO
from riskpool.policy.schema import _add_years
from riskpool.programs import services as programs
from riskpool.programs.models import Program
from riskpool.registry.models import (
    Agreement,
    BlacklistEntry,
    Borrower,
    Fund,
    Institution,
    WhitelistEntry,
    WhitelistStep,
)
from riskpool.rules.admission import admit, eligible_institution
from riskpool.rules.decision import Decision
from riskpool.rules.fees import management_fee as fee_rule


class RegistryError(ValueError):
    """A registry request the rules refuse; ``article`` names the rule where there is one."""

    def __init__(self, message: str, article: str = "", decision: Decision | None = None):
        self.article = article
        self.decision = decision
        super().__init__(message + (f" ({article})" if article else ""))


# ----------------------------------------------------------------------------- funds and money

def create_fund(code: str, name: str, program_codes: list[str], *, actor: str) -> Fund:
    with transaction.atomic():
        book = ledger.open_book(code, name)
        fund, _ = Fund.objects.get_or_create(code=code, defaults={"name": name, "book": book})
        for pc in program_codes:
            program = programs.get(pc)
            other = program.funds.exclude(pk=fund.pk).first()
            if other is not None:
                raise RegistryError(f"program {pc} is already backed by fund {other.code}")
            fund.programs.add(program)
    return fund


def _post(fund: Fund, txn: ledger_core.Transaction, key: str, actor: str) -> None:
    ledger.post(fund.book, txn, idempotency_key=key, actor=actor)


def inject_capital(fund: Fund, on: dt.date, amount: Decimal, *, actor: str, key: str | None = None) -> None:
    """Capital injection (财政注资) into the fund's cash."""
    key = key or f"capital:{fund.code}:{on}:{amount}"
    _post(fund, ledger_core.capital_injection(on, amount), key, actor)


def record_income(fund: Fund, on: dt.date, amount: Decimal, kind: str, *, actor: str, key: str | None = None) -> None:
    """Deposit interest or bond coupons; they stay in the fund (kezhou 第十九条, kunshan 第六条)."""
    key = key or f"income:{fund.code}:{on}:{kind}:{amount}"
    _post(fund, ledger_core.income(on, amount, kind), key, actor)


def fund_money(fund: Fund, on: dt.date | None = None) -> Decimal:
    """What the fund holds: cash, deposits and bonds (its balance for leverage and limited liability)."""
    bal = ledger.balances(fund.book, on)
    return sum((bal.get(a, ZERO) for a in ledger_core.INVESTMENT_ACCOUNTS), ZERO)


def fund_capital(fund: Fund, on: dt.date | None = None) -> Decimal:
    return -ledger.balance(fund.book, "equity:capital", on)


# ----------------------------------------------------------------------------- institutions

def register_institution(code: str, name: str, kind: str, *, facts: dict[str, Any] | None = None) -> Institution:
    """An institution; ``facts`` are what its eligibility is judged on (type, ownership, place)."""
    if kind not in dict(Institution.KINDS):
        raise RegistryError(f"institution kind {kind!r} is not one of {', '.join(dict(Institution.KINDS))}")
    inst, created = Institution.objects.get_or_create(code=code, defaults={"name": name, "kind": kind,
                                                                           "facts": facts or {}})
    if not created:
        if (inst.name, inst.kind) != (name, kind):
            raise RegistryError(f"institution {code} already exists as {inst.name} ({inst.kind})")
        if facts:
            inst.facts = {**inst.facts, **facts}
            inst.save()
    return inst


def sign_agreement(institution: Institution, program: Program, *, role: str, start: dt.date, end: dt.date,
                   actor: str, key: str | None = None) -> Agreement:
    """A cooperation agreement (合作协议); kezhou 第八条（一）: at most five years."""
    policy = program.policy
    limit = policy.filing.agreement_max_years
    if end <= start:
        raise RegistryError(f"agreement ends {end}, not after its start {start}")
    if limit is not None:
        years = policy.param(limit, start)
        if end > _add_years(start, years):
            raise RegistryError(f"agreement {start} → {end} is longer than {years} years", limit.article)
    # kezhou 第八条（二）, kunshan 第二条/第八条, pingluo 第五条/第六条: who may cooperate. A refusal stops the
    # agreement; unknown facts are recorded as unverified on it, for the bureau to complete.
    eligibility = eligible_institution(policy, role, start, institution.facts)
    if eligibility.outcome == "refused":
        raise RegistryError(f"{institution.name} may not cooperate as {role} in {program.code}: " + "; ".join(
            f"{r.code} [{r.article}] {r.message}" for r in eligibility.reasons if r.blocking), decision=eligibility)
    result = audited(key=key, action="registry.sign_agreement", actor=actor, on=start,
                     subject=f"agreement:{institution.code}:{program.code}:{role}",
                     request={"start": start, "end": end},
                     run=lambda: {"id": Agreement.objects.create(institution=institution, program=program, role=role,
                                                                 start=start, end=end,
                                                                 eligibility=eligibility.as_dict()).pk})
    return Agreement.objects.get(pk=result["id"])


def agreement(institution: Institution, program: Program, role: str = Institution.LENDER) -> Agreement:
    found = Agreement.objects.filter(institution=institution, program=program, role=role).first()
    if found is None:
        raise RegistryError(f"{institution.code} has no {role} agreement in {program.code}")
    return found


def lender_status(institution: Institution, program: Program, on: dt.date) -> str:
    a = agreement(institution, program)
    if not (a.start <= on <= a.end):
        return Agreement.TERMINATED
    return a.status


def set_agreement_status(a: Agreement, status: str, *, on: dt.date, reason: str, article: str, actor: str,
                         key: str | None = None) -> None:
    """Suspend, terminate or restore a cooperation (kezhou 第二十五条（二）, kunshan 第二十三条)."""
    if status not in dict(Agreement.STATUSES):
        raise RegistryError(f"status {status!r} is not one of {', '.join(dict(Agreement.STATUSES))}")
    if a.status == Agreement.TERMINATED and status != Agreement.TERMINATED:
        raise RegistryError(f"the agreement of {a.institution.code} was terminated on {a.status_since}: "
                            "a terminated cooperation is not restored")

    def run() -> dict[str, Any]:
        a.status, a.status_reason, a.status_since = status, f"{reason} [{article}]", on
        a.save()
        return {"status": status}

    audited(key=key, action="registry.set_agreement_status", actor=actor, on=on,
            subject=f"agreement:{a.pk}", request={"status": status, "reason": reason, "article": article}, run=run)


# ----------------------------------------------------------------------------- borrowers

# Borrowers identified by a resident ID number rather than a USCC (个人、农户、小微企业主).
NATURAL_PERSON_KINDS = frozenset({"farmer", "natural_person", "small_business_owner"})

def register_borrower(code: str, name: str, *, kind: str = "enterprise", facts: dict[str, Any] | None = None) -> Borrower:
    """A borrower, identified by USCC (GB 32100-2015) or resident ID number (GB 11643-1999)."""
    person = kind in NATURAL_PERSON_KINDS
    try:
        code = check_resident_id(code) if person else check_uscc(code)
    except IdentityError as e:
        raise RegistryError(str(e)) from None
    facts = dict(facts or {})
    facts.setdefault("resident_id" if person else "uscc", code)
    facts.setdefault("kind", kind)
    borrower, created = Borrower.objects.get_or_create(code=code, defaults={"name": name, "kind": kind, "facts": facts})
    if not created:
        borrower.name, borrower.kind, borrower.facts = name, kind, {**borrower.facts, **facts}
        borrower.save()
    return borrower


def is_whitelisted(program: Program, borrower: Borrower) -> bool:
    return WhitelistEntry.objects.filter(program=program, borrower=borrower, status=WhitelistEntry.LISTED).exists()


def is_blacklisted(borrower: Borrower) -> bool:
    return borrower.blacklist_entries.exists()


def whitelist_step(program: Program, borrower: Borrower, step: str, *, on: dt.date, actor: str, approved: bool = True,
                   note: str = "", form: dict[str, Any] | None = None, key: str | None = None) -> WhitelistEntry:
    """Record one step of the program's whitelist workflow (kezhou 第七条, kunshan 第五条, pingluo 第十一条2).

    Steps must come in the policy file's order. The last approved step lists the borrower, and only if the
    admission rule approves it on that date; a rejected step ends the entry.
    """
    policy = program.policy
    steps = policy.param(policy.whitelist.steps, on)
    codes = [s.code for s in steps]
    if step not in codes:
        raise RegistryError(f"{program.code} has no whitelist step {step!r}; its steps: {', '.join(codes)}",
                            policy.whitelist.steps.article)
    if is_blacklisted(borrower):
        raise RegistryError(f"{borrower.name} is on the blacklist and cannot be whitelisted",
                            borrower.blacklist_entries.first().article)

    def run() -> dict[str, Any]:
        entry, _ = WhitelistEntry.objects.get_or_create(program=program, borrower=borrower)
        if entry.status in (WhitelistEntry.REJECTED, WhitelistEntry.REMOVED):
            # a new application after a rejection or removal starts a new round; the old steps stay on record
            entry.cycle += 1
            entry.status, entry.listed_on, entry.removed_on = WhitelistEntry.IN_PROGRESS, None, None
        done = list(entry.steps.filter(cycle=entry.cycle).values_list("step", flat=True))
        expected = codes[len(done)] if len(done) < len(codes) else None
        if step != expected:
            raise RegistryError(f"whitelist step {step!r} for {borrower.name}: expected {expected!r} next "
                                f"(done: {', '.join(done) or 'none'})", policy.whitelist.steps.article)
        spec = steps[codes.index(step)]
        if form is not None:
            _check_form(policy, on, form)
            entry.form = form
        WhitelistStep.objects.create(entry=entry, cycle=entry.cycle, step=step, actor=actor, done_on=on,
                                     approved=approved, note=note)
        if not approved:
            entry.status = WhitelistEntry.REJECTED
        elif step == codes[-1]:
            decision = admit(policy, on, borrower.facts)
            if not decision.approved:
                raise RegistryError(
                    f"{borrower.name} does not meet the admission criteria on {on}: "
                    + "; ".join(f"{r.code} [{r.article}] {r.message}" for r in decision.reasons if r.blocking),
                    policy.admission.article, decision)
            entry.status, entry.listed_on = WhitelistEntry.LISTED, on
        entry.save()
        return {"entry": entry.pk, "status": entry.status, "step": spec.code}

    result = audited(key=key, action="registry.whitelist_step", actor=actor, on=on,
                     subject=f"whitelist:{program.code}:{borrower.code}",
                     request={"step": step, "approved": approved, "note": note, "form": form}, run=run)
    return WhitelistEntry.objects.get(pk=result["entry"])


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


def remove_from_whitelist(program: Program, borrower: Borrower, *, on: dt.date, reason: str, article: str,
                          actor: str) -> None:
    entry = WhitelistEntry.objects.filter(program=program, borrower=borrower, status=WhitelistEntry.LISTED).first()
    if entry is None:
        return

    def run() -> dict[str, Any]:
        entry.status, entry.removed_on, entry.removal_reason, entry.removal_article = (
            WhitelistEntry.REMOVED, on, reason, article)
        entry.save()
        return {"entry": entry.pk}

    audited(key=None, action="registry.remove_from_whitelist", actor=actor, on=on,
            subject=f"whitelist:{program.code}:{borrower.code}", request={"reason": reason, "article": article}, run=run)


def blacklist(borrower: Borrower, *, on: dt.date, reason: str, article: str, actor: str,
              program: Program | None = None) -> None:
    def run() -> dict[str, Any]:
        BlacklistEntry.objects.create(borrower=borrower, program=program, on=on, reason=reason, article=article)
        for entry in WhitelistEntry.objects.filter(borrower=borrower, status=WhitelistEntry.LISTED):
            entry.status, entry.removed_on, entry.removal_reason, entry.removal_article = (
                WhitelistEntry.REMOVED, on, f"blacklisted: {reason}", article)
            entry.save()
        return {}

    audited(key=None, action="registry.blacklist", actor=actor, on=on, subject=f"borrower:{borrower.code}",
            request={"reason": reason, "article": article, "program": program.code if program else None}, run=run)



def accrue_management_fee(fund: Fund, *, year: int, on: dt.date, actor: str, audit_cost: Decimal = ZERO,
                          key: str | None = None) -> Decimal:
    """The fund manager's fee for a year (kezhou 第二十一条: 8 % of the year's total income; 第二十二条: the
    audit is paid out of it), accrued to the fund's books. Income is read from the books' income accounts."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    before, after = ledger.balances(fund.book, start - dt.timedelta(days=1)), ledger.balances(fund.book, end)
    income = -sum((after.get(a, ZERO) - before.get(a, ZERO)) for a in ledger_core.INCOME_ACCOUNTS.values())
    policies = [p.policy for p in fund.programs.all()]
    policy = next((p for p in policies if p.fees.management_fee_rate_of_income is not None), None)
    if policy is None:
        raise RegistryError(f"no program of fund {fund.code} sets a management fee")
    decision = fee_rule(policy, on, annual_income=income, audit_cost=audit_cost)
    if not decision.approved:
        raise RegistryError("; ".join(r.message for r in decision.reasons if r.blocking),
                            policy.fees.management_fee_rate_of_income.article, decision)
    fee = decision.amounts["fee"]
    if fee > 0:
        _post(fund, ledger_core.management_fee(on, fee, memo=f"{year}年度管理费（收益 {income} × 费率）"),
              key or f"management_fee:{fund.code}:{year}", actor)
    return fee
