"""Filing a batch of loans (批量入池备案) as one command: the rows decided one after another, as if filed one
by one, from figures read once.

A single filing reads its facts with one statement and writes five (``FileLoan``); a bank's thousands of
loans would pay that a thousand times over. The batch reads what all its rows need in a few set-based
statements (programs and their versions, borrowers, whitelist, institutions, agreements, running totals, the
fund's balances, codes already filed), decides each row with the same ``FileLoan.decide`` as a single filing
— moving its in-memory totals by each accepted row, so a later row sees the earlier ones exactly as the
database would — and writes the accepted loans, their notices, the totals, one history event per loan and one
audit row with bulk statements, under the locks of every fund and borrower it touches.

``refusals``: ``"raise"`` (the API's batch: accepted or refused whole) raises :class:`BatchRefused` naming
every refused row, and nothing is written; ``"report"`` (the bulk import, which rolls the whole file back
itself when any row is bad) writes the accepted rows and reports the refused ones in ``refused``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from typing import Any, ClassVar, Literal

from django.db import IntegrityError, connection
from pydantic import Field, PrivateAttr

from riskpool import bulk
from riskpool.commands import Command, Context, Locks
from riskpool.figures import totals
from riskpool.loans.commands import FileLoan, FilingState, LoanError, _guarantor_status, _policy_of_version
from riskpool.loans.models import Loan, Notice

MAX_BATCH = 10_000
_IN = 900  # values per IN (...) list: well under SQLite's variable limit


class BatchRefused(LoanError):
    """Some rows of a batch were refused (``refusals="raise"``): nothing was written."""

    def __init__(self, refused: list[tuple[int, LoanError]], total: int):
        self.refused = refused
        first_index, first = refused[0]
        super().__init__(f"{len(refused)} of {total} loans refused; nothing was filed. "
                         f"First: loans[{first_index}] {first}")


def _chunks(values: list, size: int = _IN):
    for i in range(0, len(values), size):
        yield values[i:i + size]


def _rows(sql: str, values: list) -> list[tuple]:
    """``sql`` with ``{in}`` replaced by a placeholder list, run over ``values`` in chunks."""
    out: list[tuple] = []
    with connection.cursor() as cursor:
        for part in _chunks(values):
            cursor.execute(sql.replace("{in}", ", ".join(["%s"] * len(part))), part)
            out += cursor.fetchall()
    return out


class FileLoans(Command):
    """File up to 10,000 loans in one command (批量入池备案): each row is the ``FileLoan`` a single filing
    builds, decided in order by the same rule."""

    action: ClassVar[str] = "loans.file_loans"
    loans: list[FileLoan] = Field(min_length=1, max_length=MAX_BATCH)
    refusals: Literal["raise", "report"] = "raise"
    _ids: dict = PrivateAttr(default_factory=dict)
    _refused: list = PrivateAttr(default_factory=list)

    def subject(self) -> str:
        first, last = self.loans[0].code, self.loans[-1].code
        return f"loans:{len(self.loans)}:{first}" + (f"..{last}" if last != first else "")

    @property
    def refused(self) -> list[tuple[int, LoanError]]:
        """The refused rows (index in ``loans``, why), once dispatched with ``refusals="report"``."""
        return self._refused

    def locks(self) -> Locks:
        programs = sorted({c.program for c in self.loans})
        funds = _rows("""SELECT p.code, p.id, f.id, f.code, f.book_id FROM registry_fund f
                         JOIN registry_fund_programs fp ON fp.fund_id = f.id
                         JOIN programs_program p ON p.id = fp.program_id WHERE p.code IN ({in})""", programs)
        borrowers = _rows("SELECT code, id, facts FROM registry_borrower WHERE code IN ({in})",
                          sorted({c.borrower for c in self.loans}))
        self._ids["programs"] = {code: (pid, fid, fcode, book) for code, pid, fid, fcode, book in funds}
        self._ids["borrowers"] = {code: (bid, facts) for code, bid, facts in borrowers}
        # confined: a filing writes its fund's records only (it reads the borrowers' whitelist entries and facts,
        # whose writers read nothing it writes); in an import the books' locks stand for the borrowers' — a
        # file of 100,000 firms would otherwise hold 100,000 locks until it ends
        return Locks(books={book for *_, book in funds}, borrowers={bid for _, bid, _ in borrowers}, confined=True)

    # -- the facts, read once --------------------------------------------------------------------------------

    def _read(self) -> dict[str, Any]:
        programs: dict[str, tuple] = self._ids["programs"]
        borrowers: dict[str, tuple] = self._ids["borrowers"]
        program_ids = sorted({v[0] for v in programs.values()})
        versions = {}
        for pid, vid, number, sha in _rows("""SELECT v.program_id, v.id, v.number, v.sha256
                                              FROM programs_programversion v WHERE v.program_id IN ({in})
                                              ORDER BY v.program_id, v.number""", program_ids):
            versions[pid] = (vid, number, sha)  # the latest wins (ordered by number)
        institutions = {code: (iid, kind) for code, iid, kind in _rows(
            "SELECT code, id, kind FROM registry_institution WHERE code IN ({in})",
            sorted({c.lender for c in self.loans} | {c.guarantor for c in self.loans if c.guarantor}))}
        borrower_ids = sorted(v[0] for v in borrowers.values())
        listed = set()
        for pid in program_ids:
            listed |= {(pid, b) for (b,) in _rows(
                f"SELECT borrower_id FROM registry_whitelistentry WHERE program_id = {int(pid)} AND status = 'listed' "
                "AND borrower_id IN ({in})", borrower_ids)}
        lender_ids = sorted({institutions[c.lender][0] for c in self.loans if c.lender in institutions})
        agreements, arrears = {}, set()
        for pid in program_ids:
            for iid, start, end, status in _rows(
                    f"SELECT institution_id, start, \"end\", status FROM registry_agreement WHERE program_id = {int(pid)} "
                    "AND role = 'lender' AND institution_id IN ({in})", lender_ids):
                agreements[(pid, iid)] = (_day(start), _day(end), status)
            arrears |= {(pid, iid) for (iid,) in _rows(
                f"SELECT DISTINCT lender_id FROM loans_loan WHERE program_id = {int(pid)} AND overdue_since IS NOT NULL "
                "AND status IN ('filed', 'claimed') AND lender_id IN ({in})", lender_ids)}
        books = sorted({v[3] for v in programs.values()})
        held: dict[int, int] = defaultdict(int)
        capital: dict[int, int] = defaultdict(int)
        for book, account, fen in _rows("""SELECT book_id, account, balance_fen FROM ledger_accountbalance
                                           WHERE book_id IN ({in})""", books):
            if account in ("assets:cash", "assets:deposits", "assets:bonds"):
                held[book] += fen
            elif account == "equity:capital":
                capital[book] = fen
        latest = {book: _day(d) for book, d in _rows("SELECT id, latest_date FROM ledger_book WHERE id IN ({in})",
                                                     books)}
        return {"versions": versions, "institutions": institutions, "listed": listed, "agreements": agreements,
                "arrears": arrears, "held": held, "capital": capital, "latest": latest}

    def _totals(self, names: set[str]) -> dict[str, int]:
        found = dict(_rows("SELECT name, fen FROM figures_runningtotal WHERE name IN ({in})", sorted(names)))
        return totals.pending_plus(found, names)  # a bulk import's moves are pending until it ends

    # -- deciding and writing --------------------------------------------------------------------------------

    def handle(self, ctx: Context) -> dict[str, Any]:
        from riskpool.ledger import services as ledger

        programs, borrowers = self._ids["programs"], self._ids["borrowers"]
        known = self._read()
        institutions = known["institutions"]
        # the running totals every row reads, by name, read once; moved in memory as rows are accepted
        names: set[str] = set()
        for c in self.loans:
            p, b, lender = programs.get(c.program), borrowers.get(c.borrower), institutions.get(c.lender)
            if p is None or b is None:
                continue
            names |= {totals.borrower_outstanding(p[0], b[0]), totals.covered(p[1])}
            if lender is not None:
                names |= {totals.exposure(p[0], lender[0], b[0]), totals.compensated(p[0], lender[0])}
        running: Counter = Counter(self._totals(names))
        taken = {code for (code,) in _rows("SELECT code FROM loans_loan WHERE code IN ({in})",
                                           [c.code for c in self.loans])}
        balances_cache: dict[tuple[int, dt.date], dict] = {}
        guarantor_cache: dict[tuple, str | None] = {}
        pending: list[tuple[FileLoan, Loan, FilingState]] = []
        written: list[tuple[FileLoan, Loan, FilingState]] = []
        refused: list[tuple[int, LoanError]] = []
        seen: set[str] = set()

        def flush() -> None:
            if pending:
                self._write(pending)
                written.extend(pending)
                pending.clear()

        for index, c in enumerate(self.loans):
            p, b = programs.get(c.program), borrowers.get(c.borrower)
            try:
                if p is None or b is None:
                    c._refuse_unknown()
                if c.code in taken or c.code in seen:
                    raise LoanError(f"loan {c.code} is already filed")
                program_id, fund_id, fund_code, book_id = p
                borrower_id, borrower_facts = b
                version = known["versions"].get(program_id)
                if version is None:
                    raise LoanError(f"program {c.program} has no installed version")
                lender = institutions.get(c.lender)
                guarantor = institutions.get(c.guarantor) if c.guarantor else None
                lender_id = lender[0] if lender else None
                guarantor_id = guarantor[0] if guarantor and guarantor[1] == "guarantor" else None
                policy = _policy_of_version(version[0], version[2])
                state = FilingState(
                    program_id=program_id, fund_id=fund_id, fund_code=fund_code, book_id=book_id,
                    borrower_id=borrower_id, version_id=version[0], version_number=version[1], policy=policy,
                    borrower_facts=json.loads(borrower_facts) if isinstance(borrower_facts, str) else borrower_facts,
                    listed=(program_id, borrower_id) in known["listed"], lender_id=lender_id,
                    guarantor_id=guarantor_id, agreement=known["agreements"].get((program_id, lender_id)),
                    in_arrears=(program_id, lender_id) in known["arrears"],
                    borrower_fen=running[totals.borrower_outstanding(program_id, borrower_id)],
                    covered_fen=running[totals.covered(fund_id)],
                    exposure_fen=running[totals.exposure(program_id, lender_id, borrower_id)] if lender_id else 0,
                    compensated_fen=running[totals.compensated(program_id, lender_id)] if lender_id else 0,
                    held_fen=known["held"][book_id], capital_fen=known["capital"][book_id],
                    latest=known["latest"].get(book_id),
                    balances_on=lambda on, book_id=book_id: _cached(
                        balances_cache, (book_id, on), lambda: ledger.balances(ledger.Book(pk=book_id), on)),
                    guarantor_status=lambda on, policy=policy, program_id=program_id, gid=guarantor_id: _cached(
                        guarantor_cache, (program_id, gid, on),
                        lambda: _guarantor_status(policy, program_id, gid, on)),
                    before_verdict=flush)
                loan = c.decide(state)
            except LoanError as e:
                refused.append((index, e))
                continue
            seen.add(c.code)
            fen = _fen(c.amount)
            running[totals.borrower_outstanding(program_id, borrower_id)] += fen
            running[totals.covered(fund_id)] += fen
            running[totals.exposure(program_id, lender_id, borrower_id)] += fen
            pending.append((c, loan, state))
        if refused and self.refusals == "raise":
            raise BatchRefused(refused, len(self.loans))
        flush()
        self._refused = refused
        for c, loan, state in written:
            c.record(ctx, loan, state)
        return {"filed": len(written), "refused": [{"index": i, "loan": self.loans[i].code, "reason": str(e)}
                                                   for i, e in refused],
                "loans": [{"code": loan.code, "loan": loan.pk, "version": state.version_number}
                          for _, loan, state in written]}

    def _write(self, rows: list[tuple[FileLoan, Loan, FilingState]]) -> None:
        """The accepted loans, their notices and their running totals, in bulk (what ``Loan.save`` would move
        one by one: the same ``totals.loan_contributions``)."""
        loans = [loan for _, loan, _ in rows]
        try:
            bulk.insert(loans)
        except IntegrityError:  # a code filed meanwhile in another fund (codes are unique across programs)
            raise LoanError("a loan code of this batch was filed meanwhile by another request; nothing of the "
                            "batch was filed") from None
        moved: Counter = Counter()
        notices: list[Notice] = []
        for c, loan, state in rows:
            fields = loan._totals_fields()
            loan._totals_before = totals.loan_contributions(fields)
            moved.update(loan._totals_before)
            notices += c.notices(loan, state.policy)
        bulk.insert(notices)
        totals.apply(Counter(), moved)


def _cached(cache: dict, key: Any, compute: Any) -> Any:
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def _day(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _fen(amount) -> int:
    return totals._fen(amount)
