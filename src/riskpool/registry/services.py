"""Registry services: funds, institutions and agreements, borrowers, whitelist, blacklist.

Every state change is a command of ``riskpool.registry.commands`` run by the one dispatcher; the functions
here build those commands (the CLI, stories and pages call them) and read the registry.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from riskpool.commands import dispatch
from riskpool.ledger import core as ledger_core
from riskpool.ledger import services as ledger
from riskpool.money import ZERO
from riskpool.programs.models import Program
from riskpool.registry import commands as c
from riskpool.registry.commands import NATURAL_PERSON_KINDS, RegistryError  # noqa: F401 - re-exported
from riskpool.registry.models import Agreement, Borrower, Fund, Institution, WhitelistEntry

SYSTEM = "system"


def _today() -> dt.date:
    return dt.date.today()


# ----------------------------------------------------------------------------- funds and money

def create_fund(code: str, name: str, program_codes: list[str], *, actor: str, on: dt.date | None = None) -> Fund:
    result = dispatch(c.CreateFund.build(on=on or _today(), code=code, name=name, programs=list(program_codes)), actor=actor)
    return Fund.objects.get(pk=result["fund"])


def inject_capital(fund: Fund, on: dt.date, amount: Decimal, *, actor: str, key: str | None = None,
                   contributor: str | None = None) -> None:
    """Capital injection (财政注资) into the fund's cash, by ``contributor`` where the program names them."""
    dispatch(c.InjectCapital.build(on=on, fund=fund.code, amount=amount, contributor=contributor), actor=actor,
             key=key)


def record_income(fund: Fund, on: dt.date, amount: Decimal, kind: str, *, actor: str, key: str | None = None) -> None:
    """Deposit interest or bond coupons; they stay in the fund (kezhou 第十九条, kunshan 第六条)."""
    dispatch(c.RecordIncome.build(on=on, fund=fund.code, amount=amount, kind=kind), actor=actor, key=key)


def accrue_management_fee(fund: Fund, *, year: int, on: dt.date, actor: str, audit_cost: Decimal = ZERO,
                          key: str | None = None) -> Decimal:
    result = dispatch(c.AccrueManagementFee.build(on=on, fund=fund.code, year=year, audit_cost=audit_cost), actor=actor,
                      key=key)
    return Decimal(result["fee"])


def fund_money(fund: Fund, on: dt.date | None = None) -> Decimal:
    """What the fund holds: cash, deposits and bonds (its balance for leverage and limited liability)."""
    bal = ledger.balances(fund.book, on)
    return sum((bal.get(a, ZERO) for a in ledger_core.INVESTMENT_ACCOUNTS), ZERO)


def fund_capital(fund: Fund, on: dt.date | None = None) -> Decimal:
    return -ledger.balance(fund.book, "equity:capital", on)


# ----------------------------------------------------------------------------- institutions

def register_institution(code: str, name: str, kind: str, *, facts: dict[str, Any] | None = None,
                         actor: str = SYSTEM, on: dt.date | None = None) -> Institution:
    """An institution; ``facts`` are what its eligibility is judged on (type, ownership, place)."""
    result = dispatch(c.RegisterInstitution.build(on=on or _today(), code=code, name=name, kind=kind, facts=facts or {}),
                      actor=actor)
    return Institution.objects.get(pk=result["institution"])


def institution(code: str, kind: str | None = None) -> Institution:
    found = Institution.objects.filter(code=code).first()
    if found is None:
        raise RegistryError(f"no institution {code!r} is registered")
    return found


def sign_agreement(institution: Institution, program: Program, *, role: str, start: dt.date, end: dt.date,
                   actor: str, key: str | None = None) -> Agreement:
    """A cooperation agreement (合作协议); kezhou 第八条（一）: at most five years."""
    result = dispatch(c.SignAgreement.build(on=start, institution=institution.code, program=program.code, role=role,
                                      start=start, end=end), actor=actor, key=key)
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
    dispatch(c.SetAgreementStatus.build(on=on, agreement=a.pk, status=status, reason=reason, article=article), actor=actor,
             key=key)
    a.refresh_from_db()


# ----------------------------------------------------------------------------- borrowers

def register_borrower(code: str, name: str, *, kind: str = "enterprise", facts: dict[str, Any] | None = None,
                      actor: str = SYSTEM, on: dt.date | None = None) -> Borrower:
    """A borrower, identified by USCC (GB 32100-2015) or resident ID number (GB 11643-1999)."""
    result = dispatch(c.RegisterBorrower.build(on=on or _today(), code=code, name=name, kind=kind, facts=facts or {}),
                      actor=actor)
    return Borrower.objects.get(pk=result["borrower"])


def is_whitelisted(program: Program, borrower: Borrower) -> bool:
    return WhitelistEntry.objects.filter(program=program, borrower=borrower, status=WhitelistEntry.LISTED).exists()


def is_blacklisted(borrower: Borrower) -> bool:
    return borrower.blacklist_entries.exists()


def whitelist_step(program: Program, borrower: Borrower, step: str, *, on: dt.date, actor: str, approved: bool = True,
                   note: str = "", form: dict[str, Any] | None = None, key: str | None = None) -> WhitelistEntry:
    """Record one step of the program's whitelist workflow (kezhou 第七条, kunshan 第五条, pingluo 第十一条2)."""
    result = dispatch(c.WhitelistStepCommand.build(on=on, program=program.code, borrower=borrower.code, step=step,
                                             approved=approved, note=note, form=form), actor=actor, key=key)
    return WhitelistEntry.objects.get(pk=result["entry"])


def remove_from_whitelist(program: Program, borrower: Borrower, *, on: dt.date, reason: str, article: str,
                          actor: str, key: str | None = None) -> None:
    dispatch(c.RemoveFromWhitelist.build(on=on, program=program.code, borrower=borrower.code, reason=reason,
                                   article=article), actor=actor, key=key)


def blacklist(borrower: Borrower, *, on: dt.date, reason: str, article: str, actor: str,
              program: Program | None = None, key: str | None = None) -> None:
    dispatch(c.Blacklist.build(on=on, borrower=borrower.code, reason=reason, article=article,
                         program=program.code if program else None), actor=actor, key=key)
