"""Contributors (出资方) to one fund: each one's books, and every posting of the fund split among them.

A program may name several contributors with shares (policy ``contributors``: province 70 %, county 30 %, as
in 苏科贷). The fund keeps its own books as always; each contributor has a sub-ledger (a ``Book`` of its own,
same chart) and every transaction of the fund is posted again, split, to the contributors' books:

* a capital injection goes wholly to the contributor that made it;
* income, the management fee and recoveries are split by the shares in force on their date;
* a compensation is split as the claim rule decided (``rules.sharing``: by the shares, each within what it
  holds — ``contributors.liability``), and its payment by what each part still owes.

Each contributor's books balance on their own, and the bounded accounts (cash above all) never cross zero in
them: a contributor never pays more than it holds. ``check`` proves that the contributors' books add up to the
fund's, account by account. Funds whose programs name no contributors have no sub-ledgers and nothing here runs.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from riskpool.ledger import core
from riskpool.ledger import services as ledger
from riskpool.ledger.models import Book
from riskpool.money import ZERO, allocate
from riskpool.policy.schema import Contributors, Program as Policy
from riskpool.registry.models import Contributor, Fund


class ContributorError(ValueError):
    def __init__(self, message: str, article: str = ""):
        super().__init__(message)
        self.article = article


def spec(fund: Fund) -> tuple[Policy, Contributors] | None:
    """The fund's contributors section (from its programs' newest versions), or None."""
    found = [(p.policy, p.policy.contributors) for p in fund.programs.all() if p.policy.contributors is not None]
    if not found:
        return None
    first = found[0][1]
    for policy, other in found[1:]:
        if other != first:
            raise ContributorError(f"fund {fund.code}: its programs name different contributors; one fund has one "
                                   f"set of contributors", other.shares.article)
    return found[0][0], first


def shares(fund: Fund, on: dt.date) -> dict[str, Decimal] | None:
    found = spec(fund)
    if found is None:
        return None
    policy, section = found
    return {c.code: c.share for c in policy.param(section.shares, on)}


def books(fund: Fund) -> dict[str, Book]:
    """Each contributor's book, opened on first use (every contributor the policy has ever named)."""
    found = spec(fund)
    if found is None:
        return {}
    _, section = found
    named: dict[str, str] = {}
    for items in (section.shares.values or {None: section.shares.value}).values():
        for c in items or []:
            named.setdefault(c.code, c.name)
    have = {c.code: c for c in Contributor.objects.select_related("book").filter(fund=fund)}
    for code, name in named.items():
        if code not in have:
            book = ledger.open_book(f"contrib-{fund.pk}-{code}", f"{fund.name} — {name}")
            have[code] = Contributor.objects.create(fund=fund, code=code, name=name, book=book)
    return {code: have[code].book for code in named}


def split_by_shares(fund: Fund, amount: Decimal, on: dt.date) -> dict[str, Decimal] | None:
    s = shares(fund, on)
    return None if s is None else allocate(amount, s)


def post(fund: Fund, txn: core.Transaction, *, key: str, actor: str,
         split: dict[str, Decimal] | None = None) -> None:
    """Post ``txn`` to the fund's books and, where the fund has contributors, its parts to theirs.

    ``split``: each contributor's amount (summing to the transaction's); default by the shares on its date.
    ``txn`` has two postings (every helper of ``ledger.core`` builds such)."""
    ledger.post(fund.book, txn, idempotency_key=key, actor=actor)
    contributor_books = books(fund)
    if not contributor_books:
        return
    if len(txn.postings) != 2:
        raise ContributorError(f"{txn.kind}: only a two-posting transaction can be split among contributors")
    debit, credit = sorted(txn.postings, key=lambda p: -p.amount)
    amount = debit.amount
    parts = split if split is not None else split_by_shares(fund, amount, txn.date) or {}
    unknown = sorted(set(parts) - set(contributor_books))
    if unknown:
        raise ContributorError(f"fund {fund.code}: no contributor {', '.join(unknown)} "
                               f"(contributors: {', '.join(contributor_books)})")
    if sum(parts.values(), ZERO) != amount:
        raise ContributorError(f"{txn.kind}: contributor parts sum to {sum(parts.values(), ZERO)}, not {amount}")
    for code, part in parts.items():
        if part <= 0:
            continue
        ledger.post(contributor_books[code], core.Transaction(
            txn.date, txn.kind, f"{txn.memo} [{code}]",
            (core.Posting(debit.account, part), core.Posting(credit.account, -part))),
            idempotency_key=f"{key}~{code}"[:200], actor=actor)


def holdings(fund: Fund, on: dt.date | None = None) -> dict[str, Decimal] | None:
    """What each contributor holds (cash, deposits, bonds) at the end of ``on``; None without contributors."""
    contributor_books = books(fund)
    if not contributor_books:
        return None
    out = {}
    for code, book in contributor_books.items():
        bal = ledger.balances(book, on)
        out[code] = sum((bal[a] for a in core.INVESTMENT_ACCOUNTS), ZERO)
    return out


def cash(fund: Fund, code: str, on: dt.date) -> Decimal:
    """A contributor's cash that can leave on ``on`` without taking a later day below zero."""
    from riskpool.ledger.models import LedgerPosting

    book = books(fund)[code]
    available = ledger.balance(book, "assets:cash", on)
    later = (LedgerPosting.objects.filter(transaction__book=book, account="assets:cash", transaction__date__gt=on)
             .values_list("transaction__date", flat=True).distinct())
    for day in sorted(set(later)):
        available = min(available, ledger.balance(book, "assets:cash", day))
    return max(ZERO, available)


def positions(fund: Fund, on: dt.date | None = None) -> list[dict[str, object]]:
    """Each contributor's position: capital put in, income, compensation (net of recoveries), fees, held."""
    out = []
    names = dict(Contributor.objects.filter(fund=fund).values_list("code", "name"))
    day = on or Book.objects.filter(pk=fund.book_id).values_list("latest_date", flat=True).first()
    current = shares(fund, day) if day is not None else None
    for code, book in books(fund).items():
        b = ledger.balances(book, on)
        out.append({
            "contributor": code, "name": names.get(code, code),
            "share": (current or {}).get(code, ZERO),
            "capital": -b["equity:capital"],
            "income": -sum((b[a] for a in core.INCOME_ACCOUNTS.values()), ZERO),
            "compensation": b["expenses:compensation"],
            "recovered": -b["expenses:compensation_recovered"],
            "management_fee": b["expenses:management_fee"],
            "compensation_payable": -b["liabilities:compensation_payable"],
            "receivable": b["assets:receivable"],
            "held": sum((b[a] for a in core.INVESTMENT_ACCOUNTS), ZERO),
        })
    return out


def check(fund: Fund) -> list[str]:
    """The contributors' books add up to the fund's, account by account (empty: they do)."""
    contributor_books = books(fund)
    if not contributor_books:
        return []
    total = ledger.balances(fund.book)
    summed = {a: ZERO for a in core.CHART}
    for book in contributor_books.values():
        for a, v in ledger.balances(book).items():
            summed[a] += v
    return [f"fund {fund.code}: {a} is {total[a]} in the fund's books but {summed[a]} summed over its contributors"
            for a in core.CHART if total[a] != summed[a]]
