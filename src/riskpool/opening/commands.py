"""``OpenPosition``: a fund's opening position (开账), one command through the one dispatcher.

Under the fund's book lock it refuses a fund that already has business (the opening comes first) or is
already opened, resolves every code, and writes — in the dispatcher's one transaction — the opening loans
(``Loan`` rows, status filed, decided under the program's current version, marked ``details.opening`` in their
filing decision; the principal repaid before the opening as one repayment dated the opening date), their notices
still to come, the past figures per lender and year (``figures.models.OpeningFigure``), the running totals they
move, one ledger transaction of opening balances (kind ``opening``), the typed history events the figures read
(``fund.opened``, ``loan.filed`` / ``loan.arrears`` with ``data.opening``), and — by the dispatcher — one audit
row, hash-chained. Then the program's sanctions are evaluated on the opening date, as after any business that
moves the figures. See docs/opening.md.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any, ClassVar

from riskpool.commands import Command, Context, Locks
from riskpool.commands.base import Slug
from riskpool.figures import totals
from riskpool.money import ZERO, fmt
from riskpool.opening.schema import Balances, OpeningBody, OpeningLoan, PastYear

OPENING = "opening"  # the ledger transaction kind
MEMO = "开账 opening position"


class OpeningError(ValueError):
    """An opening position refused: names the key path and the value."""


class OpenPosition(Command):
    """Open a fund's position: its loans outstanding, past business per lender and year, its balances."""

    action: ClassVar[str] = "opening.open_position"
    fund: Slug
    balances: Balances
    loans: list[OpeningLoan] = []
    history: list[PastYear] = []

    @classmethod
    def of(cls, fund: str, body: OpeningBody) -> "OpenPosition":
        return cls(on=body.as_of, fund=fund, balances=body.balances, loans=body.loans, history=body.history)

    def subject(self) -> str:
        return f"fund:{self.fund}"

    def locks(self) -> Locks:
        from riskpool.registry.models import Fund

        return Locks(books={Fund.objects.filter(code=self.fund).values_list("book_id", flat=True).first()})

    # ------------------------------------------------------------------ checks
    def _fund(self):
        from riskpool.figures.models import OpeningPosition
        from riskpool.ledger.models import LedgerTransaction
        from riskpool.loans.models import Loan
        from riskpool.registry import contributors
        from riskpool.registry.models import Fund

        fund = Fund.objects.select_related("book").filter(code=self.fund).first()
        if fund is None:
            raise OpeningError(f"fund: no fund {self.fund!r}; create it first")
        done = OpeningPosition.objects.filter(fund=fund).first()
        if done is not None:
            raise OpeningError(f"fund {fund.code} was already opened on {done.as_of}: a fund is opened once")
        if LedgerTransaction.objects.filter(book=fund.book).exists() or Loan.objects.filter(fund=fund).exists():
            raise OpeningError(f"fund {fund.code} already has business (postings to its books or filed loans): "
                               "the opening position must be its first business")
        if contributors.spec(fund) is not None:
            raise OpeningError(f"fund {fund.code}: its program names contributors (出资方); an opening position "
                               "split among contributors' books is not supported yet")
        return fund

    def _resolve(self, fund) -> dict[str, Any]:
        from riskpool.loans.models import Loan
        from riskpool.programs.models import ProgramVersion
        from riskpool.registry.models import Agreement, Borrower, Institution

        programs = {p.code: p for p in fund.programs.all()}
        versions = {}
        for code, p in programs.items():
            v = ProgramVersion.objects.filter(program=p).order_by("-number").first()
            if v is None:
                raise OpeningError(f"program {code} has no installed version")
            versions[code] = v
        inst_codes = {x for r in [*self.loans, *self.history] for x in (r.lender, r.guarantor) if x}
        institutions = {i.code: i for i in Institution.objects.filter(code__in=sorted(inst_codes))}
        lenders_in = {(a.program_id, a.institution_id) for a in Agreement.objects.filter(
            program__in=programs.values(), role=Institution.LENDER)}
        borrowers: dict[str, Borrower] = {}
        codes = sorted({loan.borrower for loan in self.loans})
        for i in range(0, len(codes), 2000):
            borrowers.update({b.code: b for b in Borrower.objects.filter(code__in=codes[i:i + 2000])})
        taken: set[str] = set()
        loan_codes = [loan.code for loan in self.loans]
        for i in range(0, len(loan_codes), 2000):
            taken.update(Loan.objects.filter(code__in=loan_codes[i:i + 2000]).values_list("code", flat=True))

        def party(where: str, row: Any) -> None:
            if row.program not in programs:
                raise OpeningError(f"{where}.program: fund {fund.code} does not back program {row.program!r} "
                                   f"(it backs {', '.join(sorted(programs)) or 'none'})")
            lender = institutions.get(row.lender)
            if lender is None or lender.kind != Institution.LENDER:
                raise OpeningError(f"{where}.lender: no lender {row.lender!r} is registered")
            if (programs[row.program].pk, lender.pk) not in lenders_in:
                raise OpeningError(f"{where}.lender: {row.lender} has no lender agreement in {row.program}")
            if row.guarantor:
                g = institutions.get(row.guarantor)
                if g is None or g.kind != Institution.GUARANTOR:
                    raise OpeningError(f"{where}.guarantor: no guarantor {row.guarantor!r} is registered "
                                       "(an institution of kind guarantor)")

        for i, loan in enumerate(self.loans):
            party(f"loans[{i}]", loan)
            if loan.borrower not in borrowers:
                raise OpeningError(f"loans[{i}].borrower: no borrower {loan.borrower!r} is registered")
            if loan.code in taken:
                raise OpeningError(f"loans[{i}].code: loan {loan.code} is already filed")
        for i, row in enumerate(self.history):
            party(f"history[{i}]", row)
        return {"programs": programs, "versions": versions, "institutions": institutions, "borrowers": borrowers}

    def _balances(self) -> dict[str, Decimal]:
        b = self.balances
        comp = sum((r.compensation for r in self.history), ZERO)
        rec = sum((r.recoveries for r in self.history), ZERO)
        if b.compensation is not None and b.compensation != comp:
            raise OpeningError(f"balances.compensation: {fmt(b.compensation)} is not the sum of history's "
                               f"compensation {fmt(comp)}")
        if b.recoveries is not None and b.recoveries != rec:
            raise OpeningError(f"balances.recoveries: {fmt(b.recoveries)} is not the sum of history's recoveries "
                               f"{fmt(rec)}")
        if rec > comp:
            raise OpeningError(f"history: recoveries {fmt(rec)} exceed the compensation paid {fmt(comp)}; the fund "
                               "recovers at most what it paid")
        if b.capital <= 0:
            raise OpeningError(f"balances.capital: expected the capital injected to date, above 0, got {b.capital}")
        cash = b.capital + b.income_this_year + b.earlier_surplus + rec - comp - b.deposits - b.bonds
        if b.cash is not None and b.cash != cash:
            raise OpeningError(f"balances.cash: {fmt(b.cash)} does not balance: capital + income_this_year + "
                               f"earlier_surplus + recoveries − compensation − deposits − bonds = {fmt(cash)}")
        if cash < 0:
            raise OpeningError(f"balances: they leave cash at {fmt(cash)} (capital + income_this_year + "
                               "earlier_surplus + recoveries − compensation − deposits − bonds); a fund never pays "
                               "more than it holds")
        return {"cash": cash, "compensation": comp, "recoveries": rec}

    # ------------------------------------------------------------------ the entry
    def handle(self, ctx: Context) -> dict[str, Any]:
        import datetime as dt

        from riskpool.figures.models import OpeningFigure, OpeningPosition
        from riskpool.ledger import core as ledger_core
        from riskpool.ledger import services as ledger
        from riskpool.loans.commands import add_months, schedule
        from riskpool.loans.models import Loan, Notice, Repayment

        fund = self._fund()
        found = self._resolve(fund)
        money = self._balances()
        as_of, programs, versions = self.on, found["programs"], found["versions"]
        inst, borrowers = found["institutions"], found["borrowers"]

        # the loans: filed on the opening date, under the program's current version
        rows = []
        for loan in self.loans:
            v = versions[loan.program]
            rows.append(Loan(
                code=loan.code, program=programs[loan.program], program_version=v, fund=fund,
                lender=inst[loan.lender], guarantor=inst[loan.guarantor] if loan.guarantor else None,
                borrower=borrowers[loan.borrower], amount=loan.amount, exposure=loan.exposure,
                issue_date=loan.issue_date, maturity_date=add_months(loan.issue_date, loan.term_months),
                term_months=loan.term_months, guarantee_fee_rate=loan.guarantee_fee_rate,
                product_type=loan.product_type, interest_rate=loan.interest_rate,
                facts={k: (str(x) if isinstance(x, Decimal) else x) for k, x in loan.facts.items()},
                guarantee_letter_date=loan.guarantee_letter_date, filed_on=as_of, status=Loan.FILED,
                outstanding_principal=loan.outstanding, unpaid_interest=loan.unpaid_interest,
                overdue_since=loan.overdue_since,
                filing_decision={"outcome": "approved", "amounts": {}, "reasons": [{
                    "code": "OPENING_POSITION", "article": "", "blocking": False,
                    "message": f"covered before the fund adopted riskpool; imported with its opening position of "
                               f"{as_of.isoformat()}"}],
                    "details": {"opening": as_of.isoformat(), "version": v.number}}))
        loans = Loan.objects.bulk_create(rows, batch_size=500)
        if any(x.pk is None for x in loans):  # a backend without RETURNING: read the ids back
            ids = dict(Loan.objects.filter(fund=fund).values_list("code", "pk"))
            for x in loans:
                x.pk = x.id = ids[x.code]
        Repayment.objects.bulk_create(
            [Repayment(loan=x, on=as_of, principal=x.amount - x.outstanding_principal) for x in loans
             if x.amount > x.outstanding_principal], batch_size=1000)
        notices = 0
        for x in loans:
            events = {"maturity": x.maturity_date if x.maturity_date >= as_of else None}
            if x.overdue_since is not None:
                events |= {"first_overdue": x.overdue_since, "risk_event": x.overdue_since}
            created = schedule(x, events, policy=versions[x.program.code].policy)
            past = [n.pk for n in created if n.due_on < as_of]  # duties before the opening are not riskpool's
            if past:
                Notice.objects.filter(pk__in=past).delete()
            notices += len(created) - len(past)

        # the past figures per program, lender (guarantor) and year, each dated at its year's end or the opening
        position = OpeningPosition.objects.create(
            fund=fund, as_of=as_of, compensation=money["compensation"], recoveries=money["recoveries"],
            loans=len(loans))
        figures = OpeningFigure.objects.bulk_create([OpeningFigure(
            opening=position, program=programs[r.program], lender=inst[r.lender],
            guarantor=inst[r.guarantor] if r.guarantor else None, year=r.year,
            dated=min(dt.date(r.year, 12, 31), as_of), financing=r.financing, released=r.released,
            compensation=r.compensation, recoveries=r.recoveries) for r in self.history], batch_size=1000)

        # the running totals, moved once by everything the entry adds (as the loans' and claims' saves would)
        moved: Counter = Counter()
        for x in loans:
            moved.update(totals.loan_contributions({f: getattr(x, f) for f in totals.LOAN_FIELDS}))
        for f in figures:
            moved.update(totals.opening_contributions({"program_id": f.program_id, "lender_id": f.lender_id,
                                                       "year": f.year, "financing": f.financing,
                                                       "released": f.released, "compensation": f.compensation}))
        totals.apply(Counter(), moved)

        # one ledger transaction of opening balances
        b = self.balances
        lines = [("assets:cash", money["cash"]), ("assets:deposits", b.deposits), ("assets:bonds", b.bonds),
                 ("expenses:compensation", money["compensation"]),
                 ("expenses:compensation_recovered", -money["recoveries"]),
                 ("equity:capital", -b.capital), ("income:interest", -b.income_this_year),
                 ("equity:retained", -b.earlier_surplus)]
        txn = ledger_core.Transaction(as_of, OPENING, MEMO, tuple(
            ledger_core.Posting(account, amount) for account, amount in lines if amount))
        ledger.post(fund.book, txn, idempotency_key=f"{ctx.key}:opening"[:190], actor=ctx.actor)

        # history: what the figures read, and the record of what was imported
        summary = {
            "fund": fund.code, "as_of": as_of.isoformat(), "loans": len(loans),
            "covered_outstanding": fmt(sum((x.outstanding_principal for x in loans), ZERO)),
            "in_arrears": sum(1 for x in loans if x.overdue_since is not None), "notices": notices,
            "history_rows": len(figures), "capital": fmt(b.capital), "cash": fmt(money["cash"]),
            "deposits": fmt(b.deposits), "bonds": fmt(b.bonds), "compensation": fmt(money["compensation"]),
            "recoveries": fmt(money["recoveries"]), "income_this_year": fmt(b.income_this_year),
            "earlier_surplus": fmt(b.earlier_surplus)}
        position.summary = summary
        position.save(update_fields=["summary"])
        ctx.event("fund.opened", fund=fund.code, amount=b.capital, data=summary)
        for x in loans:
            common = dict(fund=fund.code, program=x.program.code, lender=x.lender.code, borrower=x.borrower.code,
                          loan=x.code)
            ctx.event("loan.filed", amount=x.amount, data={"version": versions[x.program.code].number,
                                                           "opening": True,
                                                           "outstanding": fmt(x.outstanding_principal)}, **common)
            if x.overdue_since is not None:
                ctx.event("loan.arrears", amount=x.unpaid_interest,
                          data={"overdue_since": x.overdue_since.isoformat(), "opening": True}, **common)
        ctx.change(f"opening:{fund.code}", None, summary)

        # every rule counts the opening at once: the program's thresholds on the opening date
        from riskpool.claims.sanctions import apply_sanctions

        sanctions: dict[str, Any] = {}
        lender_ids = {(x.program.code, x.lender_id) for x in loans} | {(f.program.code, f.lender_id) for f in figures}
        for pcode, lid in sorted(lender_ids, key=lambda t: (t[0], t[1])):
            lender = next(i for i in inst.values() if i.pk == lid)
            taken = apply_sanctions(programs[pcode], lender, as_of, ctx)
            if any(taken.values()):
                sanctions.setdefault(pcode, {}).update({k: v for k, v in taken.items() if v})
        return {**summary, "sanctions": sanctions}
