"""Reading an import file: the rows of a CSV (UTF-8, with or without a byte-order mark) or of the first sheet of
an XLSX workbook, one at a time, in constant memory.

* The file's kind comes from its name (``.csv``, ``.xlsx``/``.xlsm``) and must match its content: a picture
  or a zip renamed ``.xlsx``, a workbook renamed ``.csv``, an old ``.xls``, text that is not UTF-8 — each is
  one :class:`ImportFileError` naming the file, before any row is read.
* The first row is the header. Each header cell is a column's name (``amount``) or its Chinese name
  (``贷款金额``); a column named twice, a name that is no column of this kind, a required column missing, or
  a blank header cell with named columns after it — each is one :class:`ImportFileError` naming the file
  and the column, before any row is read. Blank header cells at the end are allowed; their cells must be
  blank.
* Every cell is handed on as **text** (or ``None`` when blank): the commands parse it with the one strict
  parser (``riskpool.inputs``), so a row of the file is checked exactly as a single filing is. An XLSX number
  becomes its shortest decimal spelling (``0.008``, ``1500000``), a date cell ``YYYY-MM-DD``; a formula, an
  error cell (``#N/A``) or a number too long for a spreadsheet to hold exactly (an ID number typed as a
  number) is not a value: the row reports it.
* Rows are numbered as a spreadsheet shows them: the header is row 1. Blank rows are skipped.

An XLSX is opened with openpyxl in read-only mode (its rows are parsed from the zip as they are read; the
sheet is never loaded), with ``data_only=False`` so that a formula is seen as a formula — a cached result
could be stale, and the file must say what it means.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

MAX_ROWS = 1_000_000  # data rows of one file (settable: --max-rows)
CSV_EXTENSIONS = (".csv",)
XLSX_EXTENSIONS = (".xlsx", ".xlsm")
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls (and other OLE files)
EXACT_NUMBER = 10 ** 15  # a spreadsheet number holds 15 significant digits exactly


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (its kind, its header, its size): ``file``, ``column``."""

    def __init__(self, file: str | Path, message: str, column: str = ""):
        self.file, self.column, self.reason = str(file), column, message
        super().__init__(f"{file}: {message}")


@dataclass(frozen=True)
class Column:
    """A column of an import file: its field name, its Chinese name, whether the header must have it."""

    name: str
    zh: str
    required: bool = False
    description: str = ""


@dataclass
class Problem:
    """A cell that is no value (a formula, an error cell, a cell under no column)."""

    column: str
    value: str
    rule: str
    message: str


@dataclass
class Row:
    number: int  # as a spreadsheet shows it: the header is row 1
    values: dict[str, str]  # column name -> text; blank cells are absent
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class Scan:
    """What a first pass over the file found: its digest and how many data rows it holds."""

    sha256: str
    rows: int
    first_row: int | None  # the number of the first data row (None: no data rows)


# ----------------------------------------------------------------------------------------------- cells

def cell_text(value: Any) -> str | None:
    """A cell's value as the text a person would type (None when blank)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < EXACT_NUMBER:
            return str(int(value))
        return repr(value)  # the shortest exact spelling of the double: 0.008, 1234.5 (an exponent is refused)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _xlsx_cell(cell: Any, column: str) -> tuple[str | None, Problem | None]:
    value = cell.value
    kind = getattr(cell, "data_type", "n")
    if value is None:
        return None, None
    if kind == "f":
        return None, Problem(column, str(value), "FORMULA",
                             "a formula is not a value: enter the value itself (copy, paste as values)")
    if kind == "e":
        return None, Problem(column, str(value), "ERROR_CELL", f"the cell holds the spreadsheet error {value}")
    if isinstance(value, float) and abs(value) >= EXACT_NUMBER:
        return None, Problem(column, repr(value), "NUMBER_TOO_LONG",
                             "a number this long is not held exactly by a spreadsheet: format the column as text "
                             "and type the value again")
    return cell_text(value), None


# ----------------------------------------------------------------------------------------------- the file

def file_kind(path: Path) -> str:
    """"csv" or "xlsx", from the name, checked against the first bytes."""
    suffix = path.suffix.lower()
    try:
        with path.open("rb") as f:
            head = f.read(8)
    except FileNotFoundError:
        raise ImportFileError(path, "no such file") from None
    except IsADirectoryError:
        raise ImportFileError(path, "is a folder, not a file") from None
    except OSError as e:
        raise ImportFileError(path, f"cannot be read ({e.strerror or e})") from None
    if suffix == ".xls" or head.startswith(OLE_MAGIC):
        raise ImportFileError(path, "is an old binary Excel workbook (.xls) or another OLE file: save it as .xlsx "
                                    "(Excel Workbook) or as CSV UTF-8")
    if suffix in XLSX_EXTENSIONS:
        if not head.startswith(ZIP_MAGIC):
            raise ImportFileError(path, "is not a spreadsheet: an .xlsx file is a zip archive (Excel Workbook), "
                                        "this one is not")
        return "xlsx"
    if suffix in CSV_EXTENSIONS:
        if head.startswith(ZIP_MAGIC):
            raise ImportFileError(path, "is a zip archive (an Excel workbook?), not CSV text: name it .xlsx or "
                                        "save it as CSV UTF-8")
        return "csv"
    raise ImportFileError(path, f"expected a .csv or .xlsx file, not {suffix or 'a file without extension'}")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _raw_csv(path: Path) -> Iterator[tuple[int, list[tuple[str | None, Problem | None]]]]:
    try:
        with path.open("r", encoding="utf-8-sig", newline="", errors="strict") as f:
            for number, record in enumerate(csv.reader(f, strict=True), start=1):
                if any("\x00" in cell for cell in record):
                    raise ImportFileError(path, f"is not a spreadsheet: row {number} holds a NUL character, which "
                                                "CSV text never does (a binary file?)")
                yield number, [(cell if cell.strip() else None, None) for cell in record]
    except UnicodeDecodeError as e:
        byte = e.object[e.start:e.start + 1]
        raise ImportFileError(path, f"is not a spreadsheet: not UTF-8 text (byte {e.start} is {byte!r}); save it as "
                                    "CSV UTF-8 or as .xlsx") from None
    except csv.Error as e:
        raise ImportFileError(path, f"is not readable CSV: {e}") from None


def _open_xlsx(path: Path) -> Any:
    import zipfile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it does not read
            return openpyxl.load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError, AttributeError,
            IndexError, EOFError) as e:
        raise ImportFileError(path, f"is not a spreadsheet: not a readable .xlsx workbook ({type(e).__name__}: "
                                    f"{str(e)[:120]})") from None
    except Exception as e:  # a damaged archive can fail in the XML parser in many ways
        raise ImportFileError(path, f"is not a spreadsheet: not a readable .xlsx workbook ({type(e).__name__})") \
            from None


def _raw_xlsx(path: Path) -> Iterator[tuple[int, list[tuple[str | None, Problem | None]]]]:
    wb = _open_xlsx(path)
    try:
        if not wb.worksheets:
            raise ImportFileError(path, "the workbook has no worksheet")
        ws = wb.worksheets[0]
        ws.reset_dimensions()  # the size a tool wrote may be wrong: read every row there is
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for number, cells in enumerate(ws.iter_rows(), start=1):
                    yield number, [_xlsx_cell(c, "") for c in cells]
        except ImportFileError:
            raise
        except Exception as e:  # a damaged sheet inside a valid zip
            raise ImportFileError(path, f"is not a spreadsheet: its first sheet cannot be read "
                                        f"({type(e).__name__}: {str(e)[:120]})") from None
    finally:
        wb.close()


_SPACES = re.compile(r"\s+")


def _header_name(text: str | None) -> str:
    return _SPACES.sub("", text or "")


class Sheet:
    """The rows of one import file for one kind of import (its ``columns``)."""

    def __init__(self, path: str | Path, columns: Sequence[Column], *, max_rows: int = MAX_ROWS):
        self.path = Path(path)
        self.columns = list(columns)
        if not isinstance(max_rows, int) or max_rows < 1:
            raise ImportFileError(self.path, f"the row limit must be a whole number above 0, not {max_rows!r}")
        self.max_rows = max_rows
        self.kind = file_kind(self.path)

    def _raw(self) -> Iterator[tuple[int, list[tuple[str | None, Problem | None]]]]:
        return _raw_csv(self.path) if self.kind == "csv" else _raw_xlsx(self.path)

    def _header(self, cells: list[tuple[str | None, Problem | None]]) -> list[str | None]:
        """The column of each position (None: a blank header cell at the end)."""
        by_name: dict[str, Column] = {}
        for c in self.columns:
            by_name[c.name.lower()] = c
            by_name[c.zh] = c
        names = [_header_name(text) if problem is None else None for text, problem in cells]
        for position, (text, problem) in enumerate(cells):
            if problem is not None:
                raise ImportFileError(self.path, f"header cell {_letter(position)}1 holds {problem.value!r}: "
                                                 "a header cell must be a column name", column=problem.value)
        while names and not names[-1]:
            names.pop()
        if not names:
            raise ImportFileError(self.path, "the header row (row 1) is blank: it must name the columns "
                                             f"({', '.join(c.name for c in self.columns)})")
        header: list[str | None] = []
        seen: dict[str, int] = {}
        expected = ", ".join(f"{c.name} ({c.zh})" for c in self.columns)
        for position, name in enumerate(names):
            if not name:
                raise ImportFileError(self.path, f"header cell {_letter(position)}1 is blank but columns follow it: "
                                                 "every column needs a name", column=_letter(position))
            column = by_name.get(name.lower()) or by_name.get(name)
            if column is None:
                raise ImportFileError(self.path, f"unknown column {name!r} (header cell {_letter(position)}1); "
                                                 f"the columns are: {expected}", column=name)
            if column.name in seen:
                raise ImportFileError(self.path, f"column {column.name!r} appears twice in the header (cells "
                                                 f"{_letter(seen[column.name])}1 and {_letter(position)}1)",
                                      column=column.name)
            seen[column.name] = position
            header.append(column.name)
        missing = [c for c in self.columns if c.required and c.name not in seen]
        if missing:
            raise ImportFileError(self.path, "missing required column" + ("s " if len(missing) > 1 else " ")
                                  + ", ".join(f"{c.name!r} ({c.zh})" for c in missing), column=missing[0].name)
        return header

    def rows(self) -> Iterator[Row]:
        """The data rows, one at a time; the header is checked before the first is read."""
        raw = self._raw()
        header: list[str | None] | None = None
        count = 0
        for number, cells in raw:
            if header is None:
                header = self._header(cells)
                continue
            if all(text is None and problem is None for text, problem in cells):
                continue
            count += 1
            if count > self.max_rows:
                raise ImportFileError(self.path, f"more than {self.max_rows:,} data rows: row {number:,} is data row "
                                                 f"{count:,}; split the file (or set a higher --max-rows)")
            row = Row(number, {})
            for position, (text, problem) in enumerate(cells):
                name = header[position] if position < len(header) else None
                if problem is not None:
                    problem.column = name or _letter(position)
                    row.problems.append(problem)
                elif text is None:
                    continue
                elif name is None:
                    row.problems.append(Problem(_letter(position), text, "NO_COLUMN",
                                                f"cell {_letter(position)}{number} is under no column (its header "
                                                "cell is blank)"))
                else:
                    row.values[name] = text
            yield row
        if header is None:
            raise ImportFileError(self.path, "the file is empty: the first row must name the columns "
                                             f"({', '.join(c.name for c in self.columns)})")

    def scan(self, progress: Callable[[int], None] | None = None, every: int = 5000) -> Scan:
        """A first pass: the header, the number of data rows (within the limit), the file's sha256 — before
        the database is touched. Reads as the import will, in constant memory; ``progress(n)`` every ``every``
        rows."""
        digest = sha256_of(self.path)
        count, first = 0, None
        for row in self.rows():
            count += 1
            first = first or row.number
            if progress is not None and count % every == 0:
                progress(every)
        if progress is not None and count % every:
            progress(count % every)
        return Scan(digest, count, first)


def _letter(position: int) -> str:
    """The spreadsheet letter of a 0-based column position (0 → A, 26 → AA)."""
    letters = ""
    n = position + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


__all__ = ["Column", "ImportFileError", "MAX_ROWS", "Problem", "Row", "Scan", "Sheet", "cell_text"]
