"""Fund figures (资金指标), defined once, at any date: capital, cash, the money held, approved-unpaid
compensation, covered outstanding, and each program's remaining capacity under its leverage (放大倍数: kezhou
第二条, kunshan 第九条, pingluo 第八条).

As for the lenders (``riskpool.figures.lenders``), two ways of reading one definition: the **fast** path when
``on`` is not before the fund's latest business date (the latest posted to its books, and its and its programs'
history events) — the books' running balances and the running totals ``covered:fund:{id}`` and
``outstanding:program:{pid}:lender:{lid}`` — and the **history** path otherwise: the ledger's balances at the
end of ``on`` and the loans covered on ``on`` less the repayments dated by then.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from riskpool.figures import totals
from riskpool.figures.lenders import AUTO, _latest, _latest_event, covered_loans, outstanding_by, use_totals
from riskpool.ledger import core as ledger_core
from riskpool.ledger import services as ledger
from riskpool.ledger.models import Book
from riskpool.money import ZERO, fen
from riskpool.policy.schema import ParameterNotInForce
from riskpool.registry.models import Agreement, Fund, Institution


@dataclass(frozen=True)
class Capacity:
    """One program's leverage headroom: ``capacity`` = fen(base × leverage), ``remaining`` = capacity − the
    fund's covered outstanding across all its programs (what the filing rule counts; negative: over the
    limit). ``leverage`` None: not in force on the date (``note`` says why)."""

    program: str
    leverage: Decimal | None
    leverage_base: str | None  # fund_balance | fund_size
    base_amount: Decimal
    capacity: Decimal
    program_outstanding: Decimal  # this program's covered loans
    remaining: Decimal
    article: str
    note: str = ""


@dataclass(frozen=True)
class FundFigures:
    """A fund's figures at the end of ``on`` (yuan, exact).

    ``capital``: capital injected (equity:capital); ``cash``, ``deposits``, ``bonds`` and ``held`` (their sum,
    the fund balance of the leverage and of limited liability); ``receivable``: recoveries due to the fund;
    ``approved_unpaid``: compensation approved and not yet paid (liabilities:compensation_payable);
    ``covered_outstanding``: outstanding principal of the fund's covered loans, all programs;
    ``capacities``: one per program the fund backs, in code order."""

    fund: str
    on: dt.date
    capital: Decimal
    cash: Decimal
    deposits: Decimal
    bonds: Decimal
    held: Decimal
    receivable: Decimal
    approved_unpaid: Decimal
    covered_outstanding: Decimal
    capacities: tuple[Capacity, ...]

    def capacity(self, program_code: str) -> Capacity | None:
        return next((c for c in self.capacities if c.program == program_code), None)


def latest_date(fund: Fund) -> dt.date | None:
    """The fund's latest business date: the latest posted to its books, its and its programs' history events."""
    codes = list(fund.programs.values_list("code", flat=True))
    booked = Book.objects.filter(pk=fund.book_id).values_list("latest_date", flat=True).first()
    return _latest([booked, _latest_event(fund=fund.code),
                    *(_latest_event(program=code) for code in codes)])


def fund_figures(fund: Fund, on: dt.date, *, source: str = AUTO) -> FundFigures:
    """The fund's figures at the end of ``on`` (see :class:`FundFigures`); ``source``: auto | totals | history."""
    programs = list(fund.programs.order_by("code"))
    if use_totals(source, on, latest_date(fund) if source == AUTO else None):
        balances = ledger.balances(fund.book)
        covered = totals.get(totals.covered(fund.pk))
        names = {p.pk: [totals.lender_outstanding(p.pk, lid) for lid in Agreement.objects.filter(
            program=p, role=Institution.LENDER).values_list("institution_id", flat=True)] for p in programs}
        value = totals.get_many(n for group in names.values() for n in group)
        by_program = {pk: sum((value[n] for n in group), ZERO) for pk, group in names.items()}
    else:
        balances = ledger.balances(fund.book, on)
        rows = outstanding_by(covered_loans(on, fund=fund), on, "program_id")
        covered = sum((o for _, o in rows.values()), ZERO)
        by_program = {pk: o for pk, (_, o) in rows.items()}
    cash, deposits, bonds = (balances[a] for a in ("assets:cash", "assets:deposits", "assets:bonds"))
    held = sum((balances[a] for a in ledger_core.INVESTMENT_ACCOUNTS), ZERO)
    capital = -balances["equity:capital"]
    lines = []
    for program in programs:
        policy = program.policy
        outstanding = by_program.get(program.pk, ZERO)
        if policy.filing.leverage is None or policy.filing.leverage_base is None:
            lines.append(Capacity(program.code, None, None, ZERO, ZERO, outstanding, ZERO, "",
                                  "the program sets no leverage: no capacity limit"))
            continue
        try:
            leverage = policy.param(policy.filing.leverage, on)
            base_kind = policy.param(policy.filing.leverage_base, on)
        except ParameterNotInForce as e:
            lines.append(Capacity(program.code, None, None, ZERO, ZERO, outstanding, ZERO,
                                  policy.filing.leverage.article, f"not in force: {e}"))
            continue
        base = held if base_kind == "fund_balance" else capital
        capacity = fen(base * leverage)
        lines.append(Capacity(program.code, leverage, base_kind, base, capacity, outstanding, capacity - covered,
                              policy.filing.leverage.article))
    return FundFigures(fund=fund.code, on=on, capital=capital, cash=cash, deposits=deposits, bonds=bonds, held=held,
                       receivable=balances["assets:receivable"],
                       approved_unpaid=-balances["liabilities:compensation_payable"], covered_outstanding=covered,
                       capacities=tuple(lines))


__all__ = ["Capacity", "FundFigures", "fund_figures", "latest_date"]
