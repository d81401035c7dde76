"""Builders for import tests: the kezhou world with whitelisted borrowers (tests/claims/conftest.py, made
through the services), and CSV / XLSX files written from rows."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any, Sequence

import pytest

from claims.conftest import KEZHOU_USCC, add_borrower, kezhou_world

PROGRAM, LENDER, GUARANTOR = "kezhou-industry", "kz-bank", "kz-guarantee"
LOAN_HEADER = ["code", "program", "lender", "borrower", "amount", "issue_date", "term_months", "guarantor",
               "guarantee_fee_rate"]


def loan_row(code: str, borrower: int | str = 0, amount: Any = "1000000", issue_date: Any = "2025-06-02",
             term: Any = "36", fee: Any = "0.008") -> list[Any]:
    who = KEZHOU_USCC[borrower] if isinstance(borrower, int) else borrower
    return [code, PROGRAM, LENDER, who, amount, issue_date, term, GUARANTOR, fee]


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, header: Sequence[Any], rows: Sequence[Sequence[Any]]) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return path


def kezhou_with_borrowers(n: int = 4, prefix: str = "kz"):
    world = kezhou_world(prefix=prefix)
    for i in range(n):
        add_borrower(world, KEZHOU_USCC[i], f"阿图什棉纺有限公司{i + 1}")
    return world


@pytest.fixture
def world(db):
    """kezhou-industry: a fund of 100,000,000, lender kz-bank, guarantor kz-guarantee, four whitelisted firms."""
    return kezhou_with_borrowers()


def row_counts() -> dict[str, int]:
    """Rows of every table an import may write: a refused import leaves each as it was."""
    from riskpool.audit.models import AuditEvent, HistoryEvent
    from riskpool.figures.models import RunningTotal
    from riskpool.integrity.models import ChainLink
    from riskpool.loans.models import Loan, Notice, Repayment

    return {m.__name__: m.objects.count() for m in (Loan, Notice, Repayment, AuditEvent, HistoryEvent, ChainLink)} | {
        "totals": sum(RunningTotal.objects.values_list("fen", flat=True))}


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


D = Decimal
