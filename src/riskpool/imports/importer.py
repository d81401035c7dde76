"""Bulk import: every row of a file through the one dispatcher, all or nothing.

1. A first pass reads the whole file as the import will (header, row count within the limit, formula cells
   seen) and takes its sha256 — before the database is touched.
2. The import runs in **one** transaction. Each row is built into its command (``Command.build``: the strict
   parser) and dispatched (``riskpool.commands.dispatch``: locks, rule, rows, audit, chain) with the
   idempotency key ``import:<sha256[:16]>:<row>``, in file order, under its own savepoint: a refused row is
   rolled back to its savepoint and recorded (row, column, value, rule, article, message), and the next rows
   are still checked against the rows accepted before them — exactly as if they had been filed one by one.
3. At the end, if any row was bad, the whole transaction is rolled back: nothing of the file is written.
   After ``max_errors`` bad-row lines the import stops checking (the file is refused anyway).

A file imported before (the same bytes) is not imported twice: its first row's key is already claimed, and
the import answers "already imported" without writing anything.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, TextIO

from django.db import transaction

from riskpool.commands import IdempotencyConflict, dispatch
from riskpool.commands.dispatcher import CommandError, coarse_locks
from riskpool.figures import totals
from riskpool.integrity import chain
from riskpool.imports.kinds import KINDS, RULE_COLUMNS, Kind
from riskpool.imports.reader import MAX_ROWS, ImportFileError, Row, Sheet
from riskpool.inputs import InputError
from riskpool.loans.commands import LoanError

MAX_ERRORS = 1000
REPORT_COLUMNS = ("row", "column", "value", "rule", "article", "message")


@dataclass(frozen=True)
class BadRow:
    """One reason a row is refused (a row may have several)."""

    row: int
    column: str
    value: str
    rule: str
    article: str
    message: str

    def line(self) -> str:
        where = f"row {self.row}" + (f", {self.column}" if self.column else "")
        value = f" = {self.value!r}" if self.value else ""
        article = f" [{self.article}]" if self.article else ""
        return f"{where}{value}: {self.rule}{article} {self.message}"


@dataclass
class ImportResult:
    kind: str
    file: str
    sha256: str
    rows: int  # data rows in the file
    checked: int = 0  # rows checked before the import ended
    imported: int = 0  # rows written (0 unless ok)
    errors: list[BadRow] = field(default_factory=list)
    bad_rows: int = 0  # distinct rows with at least one error
    stopped_at: int | None = None  # the row after which checking stopped (too many errors)
    already: bool = False  # the same file was imported before: nothing to do

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        noun = KINDS[self.kind].noun
        if self.already:
            return f"{self.file}: already imported (sha256 {self.sha256[:16]}…): nothing written"
        if self.ok:
            return f"imported {self.imported:,} {noun[0] if self.imported == 1 else noun[1]} from {self.file}"
        stopped = (f"; stopped after {len(self.errors):,} errors at row {self.stopped_at:,}, the rows after it "
                   "were not checked" if self.stopped_at else "")
        return (f"{self.file}: {self.bad_rows:,} of {self.checked:,} rows refused{stopped}; "
                f"nothing was imported (all or nothing)")

    def write_report(self, out: TextIO) -> None:
        writer = csv.writer(out)
        writer.writerow(REPORT_COLUMNS)
        for e in self.errors:
            writer.writerow([e.row, e.column, _safe(e.value), e.rule, e.article, _safe(e.message)])


_PLAIN_NUMBER = re.compile(r"[+-]?[0-9][0-9,]*(\.[0-9]+)?")


def _safe(text: str) -> str:
    """A report cell a spreadsheet will not run as a formula (=, +, -, @ lead a formula, except in a number)."""
    if text and text[0] in "=+-@\t\r" and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


class _Rollback(Exception):
    pass


_UNKNOWN = re.compile(r"^no (program|borrower|lender|guarantor|loan) ")  # "no borrower 'X' is registered": its column


def _input_error(row: Row, kind: Kind, e: InputError) -> BadRow:
    prefix = f"{kind.command.action}."
    column = e.path.removeprefix(prefix).split(".")[0] if e.path else ""
    value = row.values.get(column, "" if e.value is None else str(e.value))
    # through Command.build, ``expected`` is the field parser's whole message ("expected …, got …")
    message = (e.expected if e.expected.startswith("expected ") else f"expected {e.expected}") + (
        f" ({e.hint})" if e.hint else "")
    return BadRow(row.number, column, value, "INPUT", "", message)


def _loan_error(row: Row, e: LoanError) -> list[BadRow]:
    text = str(e)
    because = text[text.index(" (because "):] if " (because " in text else ""
    if e.decision is not None:
        out = []
        for r in e.decision.reasons:
            if not r.blocking:
                continue
            column = RULE_COLUMNS.get(r.code, "")
            message = r.message + (because if r.code in ("LENDER_STATUS", "GUARANTOR_STATUS") else "")
            out.append(BadRow(row.number, column, row.values.get(column, ""), r.code, r.article, message))
        if out:
            return out
    match = _UNKNOWN.match(text)
    column = match.group(1) if match else ""
    if not column and "is already filed" in text:
        column = "code"
    return [BadRow(row.number, column, row.values.get(column, ""), "REFUSED", e.article, text)]


def _first_row_with(code: str, sha16: str) -> int | None:
    """The row of this import that filed loan ``code`` (from its audit row's idempotency key), if any."""
    from riskpool.audit.models import AuditEvent

    key = (AuditEvent.objects.filter(subject=f"loan:{code}", action="loans.file_loan",
                                     idempotency_key__startswith=f"import:{sha16}:")
           .values_list("idempotency_key", flat=True).first())
    return int(key.rsplit(":", 1)[1]) if key else None


def import_file(kind: str, path: str | Path, *, actor: str = "import", max_rows: int = MAX_ROWS,
                max_errors: int = MAX_ERRORS, progress: Callable[[int], None] | None = None,
                on_scan: Callable[[int], None] | None = None,
                scanning: Callable[[int], None] | None = None) -> ImportResult:
    """Import ``path`` as rows of ``kind`` (loans, repayments, arrears), all or nothing.

    A file that cannot be read as a whole (not a spreadsheet, a bad header, too many rows): ImportFileError,
    before the database is touched. Otherwise an :class:`ImportResult`: ``ok`` with every row written, or
    the bad rows with nothing written. ``scanning(n)`` is called as the first pass reads rows (n rows more),
    ``on_scan(rows)`` once it has counted them, ``progress(n)`` as rows are checked (n rows more)."""
    if kind not in KINDS:
        raise ImportFileError(path, f"unknown kind of import {kind!r}: one of {', '.join(KINDS)}")
    if not isinstance(actor, str) or not actor.strip() or len(actor) > 120:
        raise ValueError(f"an actor of 1–120 characters is required, got {actor!r}")
    spec = KINDS[kind]
    sheet = Sheet(path, spec.columns, max_rows=max_rows)
    scan = sheet.scan(scanning)
    if on_scan is not None:
        on_scan(scan.rows)
    result = ImportResult(kind=kind, file=str(path), sha256=scan.sha256, rows=scan.rows)
    sha16 = scan.sha256[:16]
    if scan.first_row is not None and _imported_before(f"import:{sha16}:{scan.first_row}"):
        result.already = True
        return result
    try:
        with transaction.atomic():
            _run(spec, sheet.rows(), result, _State(spec, sha16, actor, progress), max_errors)
            if result.errors:
                raise _Rollback
    except _Rollback:
        result.imported = 0
    return result


def _imported_before(key: str) -> bool:
    from riskpool.audit.models import AuditEvent

    return AuditEvent.objects.filter(idempotency_key=key).exists()


@dataclass
class _State:
    """What the import keeps while it runs: a loan code's first row among the refused rows (bounded by the
    error limit; an accepted row's code is in the database), and how many rows ``progress`` was told of."""

    spec: Kind
    sha16: str
    actor: str
    progress: Callable[[int], None] | None
    refused: dict[str, int] = field(default_factory=dict)
    reported: int = 0


PROGRESS_EVERY = 25  # rows


BATCH_ROWS = 5000  # loans decided and written per command (riskpool.loans.batch); fewer commands, fewer
# versions of the hot running-total rows inside the import's one transaction (PostgreSQL keeps each until it ends)


def _run(spec: Kind, rows: Iterable[Row], result: ImportResult, state: _State, max_errors: int) -> None:
    # one transaction of many commands: the running totals' moves and the chain heads kept in memory and
    # written once at the end (riskpool.figures.totals, riskpool.integrity.chain), a row's locks its book's
    # (riskpool.commands.dispatcher.coarse_locks)
    with coarse_locks(), totals.deferred(), chain.deferred_heads():
        if spec.batch:
            return _run_batched(spec, rows, result, state, max_errors)
        _run_rows(spec, rows, result, state, max_errors)


def _run_rows(spec: Kind, rows: Iterable[Row], result: ImportResult, state: _State, max_errors: int) -> None:
    """Repayments and arrears: a command a row, each under its own savepoint (a refused row undoes its own)."""
    for row in rows:
        result.checked += 1
        errors = _check(spec, row, state)
        if errors:
            result.errors += errors
            result.bad_rows += 1
            if spec.unique and row.values.get(spec.unique):
                state.refused.setdefault(row.values[spec.unique], row.number)
        if state.progress is not None and result.checked - state.reported >= PROGRESS_EVERY:
            state.progress(result.checked - state.reported)
            state.reported = result.checked
        if len(result.errors) >= max_errors:
            result.stopped_at = row.number  # the file is refused anyway: the rows after it are not checked
            break
    if state.progress is not None and result.checked > state.reported:
        state.progress(result.checked - state.reported)
    del result.errors[max_errors:]
    result.imported = result.checked - result.bad_rows


def _run_batched(spec: Kind, rows: Iterable[Row], result: ImportResult, state: _State, max_errors: int) -> None:
    """Loans, 5,000 rows to a command (``FileLoans``, refusals reported): each row decided as if filed one
    by one after the rows before it, with one key per command (``import:<sha256[:16]>:<its first row>``)."""
    first_row: dict[str, int] = {}  # a code's first row in this file: a later row with it is a duplicate
    chunk: list[tuple[Row, Any]] = []

    def submit() -> None:
        if not chunk:
            return
        command = spec.batch(on=max(c.on for _, c in chunk), loans=[c for _, c in chunk], refusals="report")
        try:
            dispatch(command, actor=state.actor, key=f"import:{state.sha16}:{chunk[0][0].number}")
        except _REFUSALS as e:  # the command as a whole (e.g. its key): every row of it is refused alike
            for row, _ in chunk:
                _bad(result, _refusal(spec, row, e))
        else:
            for index, e in command.refused:
                _bad(result, _loan_error(chunk[index][0], e))
        chunk.clear()
        _tell(state, result)

    for row in rows:
        result.checked += 1
        errors, command = _prepare(spec, row, state, first_row)
        if errors:
            _bad(result, errors)
        else:
            chunk.append((row, command))
            if len(chunk) >= BATCH_ROWS:
                submit()
        if len(result.errors) >= max_errors:
            result.stopped_at = row.number
            break
    if len(result.errors) < max_errors:
        submit()
    chunk.clear()
    _tell(state, result, final=True)
    result.errors.sort(key=lambda e: e.row)  # a row's input errors are known before its chunk's rule errors
    del result.errors[max_errors:]
    result.imported = result.checked - result.bad_rows


def _bad(result: ImportResult, errors: list[BadRow]) -> None:
    if errors:
        result.errors += errors
        result.bad_rows += 1


def _tell(state: _State, result: ImportResult, final: bool = False) -> None:
    if state.progress is not None and result.checked > state.reported and (
            final or result.checked - state.reported >= PROGRESS_EVERY):
        state.progress(result.checked - state.reported)
        state.reported = result.checked


_REFUSALS = (InputError, LoanError, IdempotencyConflict, CommandError)


def _check(spec: Kind, row: Row, state: _State) -> list[BadRow]:
    """Check the row and, if it is well-formed, dispatch its command under its own savepoint: a refusal undoes
    this row only. The row's errors, or none."""
    errors, command = _prepare(spec, row, state)
    if errors:
        return errors
    try:
        with transaction.atomic():  # the row's savepoint
            dispatch(command, actor=state.actor, key=f"import:{state.sha16}:{row.number}")
    except _REFUSALS as e:
        return _refusal(spec, row, e)
    return []


def _refusal(spec: Kind, row: Row, e: Exception) -> list[BadRow]:
    if isinstance(e, InputError):
        return [_input_error(row, spec, e)]
    if isinstance(e, LoanError):
        return _loan_error(row, e)
    return [BadRow(row.number, "", "", "REFUSED", "", str(e))]


def _prepare(spec: Kind, row: Row, state: _State,
             first_row: dict[str, int] | None = None) -> tuple[list[BadRow], Any]:
    """The row's command, or why the row is bad before it reaches the rules (nothing written)."""
    if row.problems:
        return [BadRow(row.number, p.column, p.value, p.rule, "", p.message) for p in row.problems], None
    missing = [c for c in spec.columns if c.required and c.name not in row.values]
    if missing:
        return [BadRow(row.number, c.name, "", "REQUIRED", "", f"a value is required ({c.zh}: {c.description})")
                for c in missing], None
    if spec.unique and first_row is not None:  # batched: every code of the file so far is known here
        value = row.values[spec.unique]
        first = first_row.setdefault(value, row.number)
        if first != row.number:
            return [BadRow(row.number, spec.unique, value, "DUPLICATE_CODE", "",
                           f"{spec.unique} {value} appears twice in the file: first at row {first}")], None
    elif spec.unique:
        value = row.values[spec.unique]
        first = state.refused.get(value)
        if first is None and _taken(value):
            first = _first_row_with(value, state.sha16)
        if first is not None:
            return [BadRow(row.number, spec.unique, value, "DUPLICATE_CODE", "",
                           f"{spec.unique} {value} appears twice in the file: first at row {first}")], None
    try:
        command = spec.build(row.values)
    except InputError as e:
        return [_input_error(row, spec, e)], None
    return [], command


def _taken(code: str) -> bool:
    """Is a loan filed under ``code`` (one indexed read; plain SQL: this runs on every row)?"""
    from django.db import connection

    from riskpool.loans.models import Loan

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {Loan._meta.db_table} WHERE code = %s", [code])
        return cursor.fetchone() is not None
