"""A batch of filings (批量入池备案, ``riskpool.loans.batch.FileLoans``) decides each row as filing the loans one
by one would — kezhou 第九条's per-borrower cap and 第二条's leverage counted across the rows of the batch, a
lender terminated by 第二十五条（二） refused on every row — and writes all of it or, refused whole, none."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection, transaction

from riskpool.commands import dispatch
from riskpool.figures import totals
from riskpool.loans.batch import BatchRefused, FileLoans
from riskpool.loans.commands import FileLoan
from riskpool.loans.models import Loan

from claims.conftest import (KEZHOU_USCC, KUNSHAN_USCC, add_borrower, kezhou_defaulted_loan, kezhou_world,
                             kunshan_world)
from imports.conftest import row_counts

pytestmark = pytest.mark.django_db
ON = dt.date(2025, 6, 2)


def _row(code: str, amount: str, borrower: int = 0) -> FileLoan:
    return FileLoan.build(on=ON, code=code, program="kezhou-industry", lender="kz-bank",
                          borrower=KEZHOU_USCC[borrower], amount=Decimal(amount), issue_date=ON, term_months=36,
                          guarantor="kz-guarantee", guarantee_fee_rate=Decimal("0.008"))


def _world(capital: str = "100000000", borrowers: int = 2):
    world = kezhou_world(capital=capital)
    for i in range(borrowers):
        add_borrower(world, KEZHOU_USCC[i], f"阿图什棉纺有限公司{i + 1}")
    return world


class _Undo(Exception):
    pass


def _one_by_one(rows: list[FileLoan]) -> list[str | None]:
    """Each row's first blocking rule code (None: filed), filing one by one, undone afterwards."""
    out: list[str | None] = []
    try:
        with transaction.atomic():
            for row in rows:
                try:
                    dispatch(row, actor="bank")
                    out.append(None)
                except ValueError as e:
                    d = getattr(e, "decision", None)
                    out.append(next(r.code for r in d.reasons if r.blocking) if d else str(e))
            raise _Undo
    except _Undo:
        pass
    return out


def _batch(rows: list[FileLoan]) -> tuple[FileLoans, dict]:
    command = FileLoans.build(on=ON, loans=rows, refusals="report")
    return command, dispatch(command, actor="bank")


def _codes(command: FileLoans) -> list[str | None]:
    refused = dict(command.refused)
    out: list[str | None] = []
    for i, _ in enumerate(command.loans):
        e = refused.get(i)
        if e is None:
            out.append(None)
        else:
            out.append(next(r.code for r in e.decision.reasons if r.blocking) if e.decision else str(e))
    return out


def test_kezhou_article_9_the_per_borrower_cap_counts_the_rows_before_in_the_batch():
    _world()
    rows = [_row("B-1", "4000000"), _row("B-2", "4000000"), _row("B-3", "4000000"), _row("B-4", "2000000"),
            _row("B-5", "9000000", borrower=1)]
    expected = _one_by_one(rows)
    assert expected == [None, None, "PER_BORROWER_CAP", None, None]
    command, result = _batch(rows)
    assert _codes(command) == expected
    assert result["filed"] == 4 and [r["index"] for r in result["refused"]] == [2]
    assert "PER_BORROWER_CAP [第九条]" in result["refused"][0]["reason"]
    assert sorted(Loan.objects.values_list("code", flat=True)) == ["B-1", "B-2", "B-4", "B-5"]
    assert totals.check() == []  # the running totals moved exactly as four single filings move them
    assert totals.count(totals.covered_count(Loan.objects.first().fund_id)) == 4


def test_kunshan_article_9_the_leverage_counts_the_rows_before_in_the_batch():
    world = kunshan_world(capital="1000000")  # 15 × 1,000,000 = 15,000,000 covered at most
    for i, code in enumerate(KUNSHAN_USCC):
        add_borrower(world, code, f"昆山企业{i}")
    on = dt.date(2025, 3, 3)

    def row(code: str, amount: str, firm: int) -> FileLoan:
        return FileLoan.build(on=on, code=code, program="kunshan-kunyurong", lender="ks-bank",
                              borrower=KUNSHAN_USCC[firm], amount=Decimal(amount), exposure=Decimal(amount),
                              issue_date=on, term_months=12, guarantor="ks-guarantee",
                              guarantee_fee_rate=Decimal("0.01"))

    rows = [row("L-1", "4000000", 0), row("L-2", "4000000", 1), row("L-3", "4000000", 2),
            row("L-4", "4000000", 3), row("L-5", "3000000", 3)]
    expected = _one_by_one(rows)
    assert expected == [None, None, None, "LEVERAGE", None]
    command = FileLoans.build(on=on, loans=rows, refusals="report")
    dispatch(command, actor="bank")
    assert _codes(command) == expected
    assert totals.get(totals.covered(world.fund.pk)) == Decimal("15000000")


def test_kezhou_article_25_a_terminated_lender_is_refused_on_every_row_as_one_by_one():
    world = _world()
    kezhou_defaulted_loan(world)  # kz-bank's only loan in arrears: NPL ratio 100 % > 5 %, 立即终止合作
    on = dt.date(2026, 10, 12)
    rows = [FileLoan.build(on=on, code=f"T-{i}", program="kezhou-industry", lender="kz-bank",
                           borrower=KEZHOU_USCC[1], amount=Decimal("1000000"), issue_date=on, term_months=12,
                           guarantor="kz-guarantee", guarantee_fee_rate=Decimal("0.008")) for i in range(3)]
    expected = _one_by_one(rows)
    assert expected == ["LENDER_STATUS"] * 3
    command = FileLoans.build(on=on, loans=rows, refusals="report")
    dispatch(command, actor="bank")
    assert _codes(command) == expected


def test_a_batch_refused_whole_writes_nothing_and_names_every_refused_row():
    _world()
    before = row_counts()
    rows = [_row("W-1", "6000000"), _row("W-2", "6000000"), _row("W-3", "1000000"), _row("W-4", "9000000")]
    with pytest.raises(BatchRefused) as refused:
        dispatch(FileLoans.build(on=ON, loans=rows), actor="bank")
    assert [i for i, _ in refused.value.refused] == [1, 3]
    assert str(refused.value).startswith("2 of 4 loans refused; nothing was filed. First: loans[1] loan W-2 refused: "
                                         "PER_BORROWER_CAP [第九条]")
    assert row_counts() == before


def test_a_code_twice_in_a_batch_or_filed_before_is_refused():
    _world()
    dispatch(_row("D-1", "1000000"), actor="bank")
    command, result = _batch([_row("D-1", "1000000"), _row("D-2", "1000000"), _row("D-2", "1000000")])
    assert [(r["index"], r["reason"]) for r in result["refused"]] == [
        (0, "loan D-1 is already filed"), (2, "loan D-2 is already filed")]
    assert Loan.objects.count() == 2


def test_a_batch_is_one_audit_row_with_one_history_event_and_change_per_loan():
    from riskpool.audit.models import AuditEvent

    _world()
    _batch([_row("H-1", "1000000"), _row("H-2", "1000000", borrower=1)])
    audit = AuditEvent.objects.get(action="loans.file_loans")
    assert audit.subject == "loans:2:H-1..H-2"
    assert [c["row"] for c in audit.changes] == ["loan:H-1", "loan:H-2"]
    assert sorted(audit.history.values_list("kind", "loan")) == [("loan.filed", "H-1"), ("loan.filed", "H-2")]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="racing needs PostgreSQL; set DATABASE_URL")
@pytest.mark.django_db(transaction=True)
def test_racing_batches_and_single_filings_never_exceed_the_per_borrower_cap():
    """kezhou 第九条 under concurrency: two batches of 4 × 2,000,000 and four single filings of 1,000,000 for one
    firm (cap 10,000,000) at the same instant — whatever the order, the firm's covered outstanding ends at most
    at the cap (the dispatcher's lock on the borrower covers batches and single filings alike)."""
    from commands.race import in_threads

    _world(borrowers=1)

    def work(i: int):
        if i < 2:
            command = FileLoans.build(on=ON, loans=[_row(f"R{i}-{j}", "2000000") for j in range(4)],
                                      refusals="report")
            dispatch(command, actor="bank")
            return len(command.loans) - len(command.refused)
        dispatch(_row(f"S-{i}", "1000000"), actor="bank")
        return 1

    in_threads(6, work)
    covered = sum(Loan.objects.filter(borrower__code=KEZHOU_USCC[0]).values_list("outstanding_principal", flat=True),
                  Decimal(0))
    assert Decimal("8000000") <= covered <= Decimal("10000000")
    assert totals.check() == []
