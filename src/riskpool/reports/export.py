"""Writing reports: CSV, XLSX (openpyxl) and a readable text table, from rows or sheets of rows.

A *row* is a dict whose keys, in order, are the column headers; a *sheet set* is ``{sheet name: rows}``.
``flatten(report)`` turns any report of ``riskpool.reports.services`` into a sheet set.

Money stays Decimal all the way:

* **CSV** writes a Decimal as its exact decimal text (``format(d, "f")``: ``1234567.80``, never an exponent,
  never through float); dates as ISO ``YYYY-MM-DD``; booleans as ``true``/``false``; None as an empty field.
  Reading a column back with ``Decimal(text)`` gives the very same amount. A file path is written in UTF-8
  with a byte-order mark (``utf-8-sig``) so that Excel shows the Chinese text; an open file is written as
  it is.
* **XLSX** must store a number for a cell to be a number. openpyxl accepts a Decimal and writes its value as
  text in the sheet's XML with ``"%.16g"``, which passes through a binary double: exact for up to 15
  significant digits, i.e. any amount below 10^13 yuan to the fen. A Decimal with more digits is written as
  a text cell (exact) rather than a rounded number. Amounts (two decimal places) get the number format
  ``#,##0.00``; columns named ``*ratio`` or ``*rate`` get ``0.0000%``; dates are date cells (``yyyy-mm-dd``).
  The CSV, not the XLSX, is the exact record of a report.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import os
import re
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence, TextIO, Union

Row = Mapping[str, Any]
Sheets = Mapping[str, Sequence[Row]]

AMOUNT_FORMAT = "#,##0.00"
RATIO_FORMAT = "0.0000%"
DATE_FORMAT = "yyyy-mm-dd"
MAX_EXACT_DIGITS = 15


# ============================================================================ cells

def columns(rows: Iterable[Row]) -> list[str]:
    """The union of the rows' keys, in order of first appearance."""
    seen: dict[str, None] = {}
    for row in rows:
        for key in row:
            seen.setdefault(key, None)
    return list(seen)


def _is_ratio(column: str) -> bool:
    return column.endswith(("ratio", "rate"))


def csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def text_value(value: Any, column: str = "") -> str:
    """How a value reads in the text table: amounts with thousands separators, ratios in per cent."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        if _is_ratio(column):
            return f"{(value * 100).quantize(Decimal('0.0001'))}%"
        if value.as_tuple().exponent == -2:
            return f"{value:,.2f}"
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# ============================================================================ CSV

def to_csv(rows: Sequence[Row], path_or_file: Union[str, os.PathLike, TextIO], *,
           header: Sequence[str] | None = None) -> None:
    """Write rows as CSV: a header row from the keys (or ``header``), then one line per row."""
    cols = list(header) if header is not None else columns(rows)

    def write(f: TextIO) -> None:
        w = csv.writer(f, lineterminator="\n")
        if cols:
            w.writerow(cols)
        for row in rows:
            w.writerow([csv_value(row.get(c)) for c in cols])

    if isinstance(path_or_file, (str, os.PathLike)):
        with open(path_or_file, "w", encoding="utf-8-sig", newline="") as f:
            write(f)
    else:
        write(path_or_file)


def csv_text(rows: Sequence[Row]) -> str:
    buffer = io.StringIO()
    to_csv(rows, buffer)
    return buffer.getvalue()


# ============================================================================ XLSX

_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def _sheet_title(name: str, taken: set[str]) -> str:
    title = _BAD_SHEET_CHARS.sub("_", name).strip("'") or "sheet"
    title = title[:31]
    base, n = title, 2
    while title.lower() in taken:
        suffix = f"-{n}"
        title, n = base[:31 - len(suffix)] + suffix, n + 1
    taken.add(title.lower())
    return title


def _as_sheets(rows_or_sheets: Union[Sequence[Row], Sheets]) -> Sheets:
    if isinstance(rows_or_sheets, Mapping):
        return rows_or_sheets
    return {"report": rows_or_sheets}


def _xlsx_cell(cell, value: Any, column: str) -> None:
    if isinstance(value, Decimal):
        digits = len(value.as_tuple().digits)
        if digits > MAX_EXACT_DIGITS:
            cell.value = format(value, "f")  # kept exact as text; see the module doc
        else:
            cell.value = value
        if _is_ratio(column):
            cell.number_format = RATIO_FORMAT
        elif value.as_tuple().exponent == -2:
            cell.number_format = AMOUNT_FORMAT
    elif isinstance(value, dt.datetime):
        cell.value = value
    elif isinstance(value, dt.date):
        cell.value = value
        cell.number_format = DATE_FORMAT
    elif isinstance(value, (bool, int, str)) or value is None:
        cell.value = value
    else:
        cell.value = str(value)


def to_xlsx(rows_or_sheets: Union[Sequence[Row], Sheets], path: Union[str, os.PathLike]) -> None:
    """Write one sheet of rows, or ``{sheet name: rows}``, to an .xlsx workbook with a bold header row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheets = _as_sheets(rows_or_sheets)
    wb = Workbook()
    taken: set[str] = set()
    first = True
    for name, rows in (sheets.items() or [("report", [])]):
        ws = wb.active if first else wb.create_sheet()
        first = False
        ws.title = _sheet_title(name, taken)
        cols = columns(rows)
        bold = Font(bold=True)
        widths = [_width(c) for c in cols]
        for j, col in enumerate(cols, 1):
            ws.cell(row=1, column=j, value=col).font = bold
        for i, row in enumerate(rows, 2):
            for j, col in enumerate(cols, 1):
                value = row.get(col)
                _xlsx_cell(ws.cell(row=i, column=j), value, col)
                widths[j - 1] = max(widths[j - 1], _width(text_value(value, col)))
        for j, w in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(j)].width = min(60, w + 2)
        if cols:
            ws.freeze_panes = "A2"
    wb.save(path)


# ============================================================================ text

def _width(text: str) -> int:
    """Display width: CJK and other wide characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * (width - _width(text))
    return gap + text if right else text + gap


def table(rows: Sequence[Row], title: str = "") -> str:
    """One aligned text table; numbers right-aligned."""
    out = [title] if title else []
    cols = columns(rows)
    if not rows:
        out.append("  (none)")
        return "\n".join(out)
    cells = [[text_value(row.get(c), c) for c in cols] for row in rows]
    right = [all(isinstance(row.get(c), (int, Decimal)) and not isinstance(row.get(c), bool)
                 for row in rows if row.get(c) is not None) for c in cols]
    widths = [max([_width(c)] + [_width(r[j]) for r in cells]) for j, c in enumerate(cols)]
    out.append("  ".join(_pad(c, widths[j], right[j]) for j, c in enumerate(cols)).rstrip())
    out.append("  ".join("-" * w for w in widths))
    for r in cells:
        out.append("  ".join(_pad(v, widths[j], right[j]) for j, v in enumerate(r)).rstrip())
    return "\n".join(out)


def to_text(rows_or_sheets: Union[Sequence[Row], Sheets]) -> str:
    sheets = _as_sheets(rows_or_sheets)
    return "\n\n".join(table(rows, f"== {name} ==") for name, rows in sheets.items()) + "\n"


def write(rows_or_sheets: Union[Sequence[Row], Sheets], fmt: str, output: Union[str, os.PathLike, None]) -> list[str]:
    """Write as ``csv`` or ``xlsx`` (``table`` → text). Returns the files written.

    CSV holds one sheet per file: the first sheet goes to ``output``, each further sheet to
    ``<stem>-<sheet>.csv`` beside it.
    """
    sheets = _as_sheets(rows_or_sheets)
    if fmt == "xlsx":
        if output is None:
            raise ValueError("--format xlsx needs --output FILE")
        to_xlsx(sheets, output)
        return [str(output)]
    if fmt == "csv":
        if output is None:
            raise ValueError("--format csv needs --output FILE")
        out = Path(output)
        written = []
        for i, (name, rows) in enumerate(sheets.items()):
            target = out if i == 0 else out.with_name(f"{out.stem}-{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}{out.suffix or '.csv'}")
            to_csv(rows, target)
            written.append(str(target))
        return written
    raise ValueError(f"unknown format {fmt!r}: expected table, csv or xlsx")


# ============================================================================ flatten

LABELS = {
    # fund position (services.POSITION_LABELS has the rest)
    "fund": "资金", "fund_name": "资金名称", "on": "日期", "program": "产品/办法", "lender": "合作机构",
    "lender_name": "合作机构名称", "start": "起始日", "end": "截止日", "agreement_status": "合作状态",
    # lender return
    "filed_count": "本期入池笔数", "filed_amount": "本期入池金额", "repaid_principal": "本期收回本金",
    "repaid_interest": "本期收回利息", "repaid_in_full": "本期结清笔数", "outstanding_count": "期末在池笔数",
    "outstanding": "期末在池余额", "arrears_outstanding": "期末逾期贷款余额", "npl_outstanding": "期末不良贷款余额",
    "claims_submitted": "本期代偿申请笔数", "claims_submitted_loss": "本期申请损失额", "claims_paid": "本期获代偿笔数",
    "compensation_received": "本期获代偿金额", "recoveries_net": "本期追偿净额", "recoveries_to_fund": "本期应返还资金",
    "remitted_to_fund": "本期已划回资金", "remittance_outstanding": "期末未划回", "remittance_overdue": "期末逾期未划回",
    # quarterly movements
    "capital_injected": "本季注资", "income_interest": "利息收入", "income_coupons": "债券收入", "income": "收益合计",
    "compensation_approved": "本季批准代偿", "compensation_paid": "本季支付代偿", "recoveries": "本季追偿收回（确认）",
    "recoveries_received": "本季追偿收回（到账）", "written_off": "本季核销", "management_fee_accrued": "本季计提管理费",
    "management_fee_paid": "本季支付管理费", "income_year_to_date": "本年累计收益",
    "management_fee_rule": "按办法本年管理费（截至季末）",
    # bad-loan register totals
    "total_paid": "累计代偿支付", "total_recovered_to_fund": "追偿应返还资金", "total_remitted_to_fund": "追偿已划回资金",
    "net_loss_to_fund": "资金净损失",
}

# Labels of the quarterly report's movements, where a word differs from the position's (a flow, not a balance).
QUARTER_LABELS = {
    "year": "年度", "quarter": "季度", "capital_injected": "本季注资", "income_interest": "本季存款利息收入",
    "income_coupons": "本季债券及固定收益收入", "income": "本季收益合计", "written_off": "本季核销",
}


def _label(key: str, override: Mapping[str, str] | None = None) -> str:
    from riskpool.reports.services import POSITION_LABELS

    return (override or {}).get(key) or POSITION_LABELS.get(key) or LABELS.get(key, key)


def _scalars(obj: Any) -> dict[str, Any]:
    """A dataclass's plain fields: no tuples of rows, no nested reports, no decisions."""
    out = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if isinstance(value, (tuple, list, dict)) or dataclasses.is_dataclass(value) or _is_decision(value):
            continue
        out[f.name] = value
    return out


def _is_decision(value: Any) -> bool:
    from riskpool.rules.decision import Decision

    return isinstance(value, Decision)


def _items(values: Mapping[str, Any], labels: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    return [{"item": k, "label": _label(k, labels), "value": v} for k, v in values.items()]


def _verdict_columns(decision) -> dict[str, Any]:
    return {
        "outcome": decision.outcome,
        "action": (decision.details or {}).get("action") or "",
        "reasons": "; ".join(f"{'✗' if r.blocking else '·'} {r.code} [{r.article}] {r.message}"
                             for r in decision.reasons),
    }


def flatten(report: Any) -> dict[str, list[dict[str, Any]]]:
    """Any report of ``riskpool.reports.services`` as ``{sheet name: rows}``."""
    from riskpool.reports import services as s

    if isinstance(report, s.FundPosition):
        return {"position": _items(_scalars(report)),
                "capacity": [dataclasses.asdict(p) for p in report.programs],
                **({"contributors": [dict(c) for c in report.contributors]} if report.contributors else {})}
    if isinstance(report, s.LenderReturn):
        return {"summary": _items(_scalars(report)), "filed": list(report.filed), "arrears": list(report.arrears),
                "recoveries": list(report.recoveries)}
    if isinstance(report, s.QuarterlyReport):
        head = {k: v for k, v in _scalars(report).items()
                if k in ("fund", "fund_name", "year", "quarter", "start", "end")}
        movements = {k: v for k, v in _scalars(report).items() if k not in head}
        rows = _items(head, QUARTER_LABELS) + _items(movements, QUARTER_LABELS)
        if report.management_fee_rule is not None:
            fee = report.management_fee_rule
            rows.append({"item": "management_fee_rule", "label": _label("management_fee_rule"),
                         "value": fee.amounts.get("fee"),
                         "note": "; ".join(f"{r.code} [{r.article}] {r.message}" for r in fee.reasons)})
        opening, closing = _scalars(report.opening), _scalars(report.closing)
        position = [{"item": k, "label": _label(k), "opening": opening[k], "closing": closing[k]}
                    for k in opening if k not in ("fund", "fund_name")]
        lenders = [_scalars(r) for r in report.lenders]
        arrears = [row for r in report.lenders for row in r.arrears]
        return {"quarter": rows, "position": position,
                "capacity": [dataclasses.asdict(p) for p in report.closing.programs],
                "programs": [dataclasses.asdict(p) for p in report.programs], "lenders": lenders, "arrears": arrears}
    if isinstance(report, s.LenderPerformance):
        lenders = [{**_scalars(line), **_verdict_columns(line.verdict)} for line in report.lenders]
        reasons = [{"lender": line.lender, **r.as_dict()} for line in report.lenders for r in line.verdict.reasons]
        program = [{**_scalars(report), **_verdict_columns(report.program_verdict)}]
        reasons += [{"lender": "(program)", **r.as_dict()} for r in report.program_verdict.reasons]
        return {"lenders": lenders, "program": program, "reasons": reasons}
    if isinstance(report, s.BadLoanRegister):
        return {"claims": list(report.claims), "recoveries": list(report.recoveries),
                "totals": _items(_scalars(report))}
    if isinstance(report, s.UsageRegister):
        opening = {"date": report.start, "txn": None, "kind": "opening", "kind_name": "期初余额", "memo": "",
                   "cash_in": None, "cash_out": None, "cash_balance": report.opening_cash,
                   "money_held": report.opening_money_held, "postings": "", "reverses": None}
        closing = {**opening, "date": report.end, "kind": "total", "kind_name": "本期合计", "cash_in": report.total_in,
                   "cash_out": report.total_out, "cash_balance": report.closing_cash,
                   "money_held": report.closing_money_held}
        return {"usage": [opening, *report.rows, closing]}
    raise TypeError(f"not a report: {type(report).__name__}")


__all__ = ["columns", "csv_value", "text_value", "to_csv", "csv_text", "to_xlsx", "table", "to_text", "write",
           "flatten", "AMOUNT_FORMAT", "RATIO_FORMAT", "DATE_FORMAT"]
