"""The book a fund backs, as arrays: one slot per loan, sorted by segment.

Three ways in:
- ``portfolio_from_rows(rows)`` — plain dicts (program, lender, amount, outstanding, term_months, issue_date,
  exposure, has_guarantor, segment), e.g. a fund's covered loans read from the database;
- a portfolio file: CSV with those columns, or YAML with ``loans:`` (the same keys);
- a portfolio description (YAML ``segments:``) for a planned program: each segment's share of the book,
  loan size, term, lenders and guaranteed share; the book is drawn to fill fund size × leverage.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np

from riskpool import yamlio
from riskpool.money import MoneyError, to_decimal
from riskpool.sim.errors import SimInputError

ROW_KEYS = ("program", "lender", "amount", "outstanding", "term_months", "issue_date", "exposure",
            "has_guarantor", "segment")
INFORMATIONAL = ("id", "loan_id", "borrower", "note")
REQUIRED = ("lender", "amount", "segment")
TRUE = {"true", "1", "yes", "y", "是"}
FALSE = {"false", "0", "no", "n", "否", ""}


@dataclass
class Portfolio:
    segment_names: list[str]
    lender_names: list[str]
    seg: np.ndarray  # int32, non-decreasing
    lender: np.ndarray  # int32
    amount: np.ndarray  # int64 fen: approved principal, the amount a renewal lends again
    outstanding: np.ndarray  # int64 fen at the start
    exposure: np.ndarray  # int64 fen, −1: not given (the amount is used)
    has_guarantor: np.ndarray  # bool
    term_months: np.ndarray  # int32
    months_left: np.ndarray  # int32, ≥ 1
    first_year_financing: np.ndarray  # bool: issued within the year before the start (counts as that year's)
    as_of: dt.date
    source: str

    def __len__(self) -> int:
        return len(self.seg)

    @property
    def total_outstanding(self) -> int:
        return int(self.outstanding.sum())

    def segment_slices(self) -> list[tuple[int, int]]:
        bounds = np.searchsorted(self.seg, np.arange(len(self.segment_names) + 1), side="left")
        return [(int(bounds[i]), int(bounds[i + 1])) for i in range(len(self.segment_names))]

    def describe(self) -> dict[str, Any]:
        out = {}
        for i, name in enumerate(self.segment_names):
            m = self.seg == i
            out[name] = {"loans": int(m.sum()), "outstanding": int(self.outstanding[m].sum()) / 100}
        return {"loans": len(self), "outstanding": self.total_outstanding / 100, "as_of": self.as_of.isoformat(),
                "lenders": list(self.lender_names), "segments": out, "source": self.source}


def _fen(source: str, key: str, value: Any, *, positive: bool = True) -> int:
    try:
        d = to_decimal(value, what=key)
    except MoneyError:
        raise SimInputError(source, key, "an amount in yuan", value) from None
    if d < 0 or (positive and d == 0):
        raise SimInputError(source, key, "an amount in yuan above 0" if positive else "an amount ≥ 0", value)
    return int((d * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _date(source: str, key: str, value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise SimInputError(source, key, "a date YYYY-MM-DD", value) from None


def _bool(source: str, key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise SimInputError(source, key, "true or false", value)


def _months_between(a: dt.date, b: dt.date) -> int:
    """Whole months from a to b."""
    m = (b.year - a.year) * 12 + (b.month - a.month)
    return m - (1 if b.day < a.day else 0)


def portfolio_from_rows(rows: Iterable[Mapping[str, Any]], *, as_of: dt.date | None = None,
                        program: str | None = None, source: str = "(rows)") -> Portfolio:
    """A book from plain dicts. ``program``: keep only the rows of that program (rows without one are kept).
    ``as_of``: the start of the simulation; default the latest issue date, else today's first of January is
    NOT guessed — a book without any date needs ``as_of``."""
    parsed = []
    for i, row in enumerate(rows):
        where = f"rows[{i}]"
        for k in row:
            if k not in ROW_KEYS and k not in INFORMATIONAL:
                raise SimInputError(source, f"{where}.{k}", "one of " + ", ".join(ROW_KEYS) + " (unknown column)")
        for k in REQUIRED:
            if row.get(k) in (None, ""):
                raise SimInputError(source, f"{where}.{k}", "a value (required)")
        if program is not None and row.get("program") not in (None, "", program):
            continue
        amount = _fen(source, f"{where}.amount", row["amount"])
        out = row.get("outstanding")
        outstanding = amount if out in (None, "") else _fen(source, f"{where}.outstanding", out, positive=False)
        if outstanding > amount:
            raise SimInputError(source, f"{where}.outstanding", f"at most the amount {amount / 100:.2f}", out)
        term = row.get("term_months")
        if term in (None, ""):
            term = 12
        try:
            term_i = int(str(term).strip())
        except ValueError:
            term_i = -1
        if term_i < 1 or term_i > 600:
            raise SimInputError(source, f"{where}.term_months", "whole months from 1 to 600", term)
        exp = row.get("exposure")
        exposure = -1 if exp in (None, "") else _fen(source, f"{where}.exposure", exp)
        hg = row.get("has_guarantor")
        has_g = True if hg in (None, "") else _bool(source, f"{where}.has_guarantor", hg)
        issue = row.get("issue_date")
        issue_d = None if issue in (None, "") else _date(source, f"{where}.issue_date", issue)
        if outstanding == 0:
            continue  # repaid: nothing left to lose
        parsed.append((str(row["segment"]).strip(), str(row["lender"]).strip(), amount, outstanding, exposure,
                       has_g, term_i, issue_d))
    if not parsed:
        raise SimInputError(source, "(loans)", "at least one loan with an outstanding amount (the portfolio is empty)")
    if as_of is None:
        dates = [p[7] for p in parsed if p[7] is not None]
        if not dates:
            raise SimInputError(source, "as_of", "a start date (no loan carries an issue_date)")
        as_of = max(dates)
    segments = sorted({p[0] for p in parsed})
    lenders = sorted({p[1] for p in parsed})
    parsed.sort(key=lambda p: segments.index(p[0]))
    months_left, first_year = [], []
    year_before = dt.date(as_of.year - 1, as_of.month, min(as_of.day, 28))
    for p in parsed:
        issue_d = p[7]
        if issue_d is None:
            months_left.append(p[6])
            first_year.append(True)
        else:
            if issue_d > as_of:
                raise SimInputError(source, "issue_date", f"a date on or before the start {as_of}", str(issue_d))
            months_left.append(max(1, p[6] - _months_between(issue_d, as_of)))
            first_year.append(issue_d > year_before)
    return Portfolio(
        segment_names=segments, lender_names=lenders,
        seg=np.array([segments.index(p[0]) for p in parsed], dtype=np.int32),
        lender=np.array([lenders.index(p[1]) for p in parsed], dtype=np.int32),
        amount=np.array([p[2] for p in parsed], dtype=np.int64),
        outstanding=np.array([p[3] for p in parsed], dtype=np.int64),
        exposure=np.array([p[4] for p in parsed], dtype=np.int64),
        has_guarantor=np.array([p[5] for p in parsed], dtype=bool),
        term_months=np.array([p[6] for p in parsed], dtype=np.int32),
        months_left=np.array(months_left, dtype=np.int32),
        first_year_financing=np.array(first_year, dtype=bool), as_of=as_of, source=source)


# ------------------------------------------------------------------ files

DESCRIPTION_KEYS = {"name", "share", "amount", "term_months", "lenders", "guaranteed"}
AMOUNT_KEYS = {"mean", "cv", "min", "max"}


def _positive(source: str, key: str, value: Any, what: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise SimInputError(source, key, what, value) from None
    if isinstance(value, bool) or not math.isfinite(v) or v <= 0:
        raise SimInputError(source, key, what, value)
    return v


def describe_book(data: Mapping[str, Any], *, source: str, volume_fen: int, seed: int,
                  as_of: dt.date) -> Portfolio:
    """Draw a book of ``volume_fen`` from a description (``segments:`` list)."""
    segs = data.get("segments")
    if not isinstance(segs, list) or not segs:
        raise SimInputError(source, "segments", "a non-empty list of segments (the portfolio is empty)")
    shares = []
    for i, s in enumerate(segs):
        if not isinstance(s, dict):
            raise SimInputError(source, f"segments[{i}]", "a mapping with " + ", ".join(sorted(DESCRIPTION_KEYS)), s)
        for k in s:
            if k not in DESCRIPTION_KEYS:
                raise SimInputError(source, f"segments[{i}].{k}",
                                    "one of " + ", ".join(sorted(DESCRIPTION_KEYS)) + " (unknown key)")
        for k in ("name", "amount", "lenders"):
            if k not in s:
                raise SimInputError(source, f"segments[{i}].{k}", "a value (required)")
        share = s.get("share", 1)
        try:
            share_f = float(share)
        except (TypeError, ValueError):
            share_f = -1.0
        if isinstance(share, bool) or not math.isfinite(share_f) or share_f < 0:
            raise SimInputError(source, f"segments[{i}].share", "a share of the book ≥ 0", share)
        shares.append(share_f)
    if sum(shares) <= 0:
        raise SimInputError(source, "segments", "at least one segment with a share above 0 (the portfolio is empty)")
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(7,)))
    rows: list[dict[str, Any]] = []
    names = set()
    for i, (s, share) in enumerate(zip(segs, shares)):
        key = f"segments[{i}]"
        name = str(s["name"])
        if name in names:
            raise SimInputError(source, f"{key}.name", "a name given once", name)
        names.add(name)
        if share == 0:
            raise SimInputError(source, f"{key}.share", "a share above 0 (a segment with no loans)", s.get("share"))
        amt = s["amount"]
        if isinstance(amt, dict):
            for k in amt:
                if k not in AMOUNT_KEYS:
                    raise SimInputError(source, f"{key}.amount.{k}", "one of mean, cv, min, max (unknown key)")
            if "mean" not in amt:
                raise SimInputError(source, f"{key}.amount.mean", "a value (required)")
            mean = _positive(source, f"{key}.amount.mean", amt["mean"], "an amount in yuan above 0")
            cv = float(amt.get("cv", 0.5))
            lo = float(amt.get("min", mean / 10))
            hi = float(amt.get("max", mean * 5))
        else:
            mean = _positive(source, f"{key}.amount", amt, "an amount in yuan above 0, or {mean, cv, min, max}")
            cv, lo, hi = 0.0, mean, mean
        term = s.get("term_months", 12)
        if isinstance(term, bool) or not isinstance(term, int) or not 1 <= term <= 600:
            raise SimInputError(source, f"{key}.term_months", "whole months from 1 to 600", term)
        lenders = s["lenders"]
        if isinstance(lenders, list):
            lenders = {str(x): 1.0 for x in lenders}
        if not isinstance(lenders, dict) or not lenders:
            raise SimInputError(source, f"{key}.lenders", "a list of lenders or a mapping lender → share", lenders)
        lw = np.array([_positive(source, f"{key}.lenders.{k}", v, "a share above 0") for k, v in lenders.items()])
        g = s.get("guaranteed", 1.0)
        try:
            g_f = float(g)
        except (TypeError, ValueError):
            g_f = -1.0
        if isinstance(g, bool) or not 0 <= g_f <= 1:
            raise SimInputError(source, f"{key}.guaranteed", "the share of loans with a guarantor, in [0, 1]", g)
        seg_volume = volume_fen / 100 * share / sum(shares)
        n = max(1, int(round(seg_volume / mean)))
        if cv > 0:
            sigma = math.sqrt(math.log(1 + cv * cv))
            draws = np.exp(rng.normal(math.log(mean) - sigma * sigma / 2, sigma, n))
            draws = np.clip(draws, lo, hi)
            draws = np.maximum(10_000, np.round(draws / 10_000) * 10_000)  # whole 万元
        else:
            draws = np.full(n, mean)
        who = rng.choice(len(lw), size=n, p=lw / lw.sum())
        has_g = rng.random(n) < g_f
        names_l = list(lenders)
        for j in range(n):
            rows.append({"segment": name, "lender": names_l[who[j]], "amount": Decimal(repr(float(draws[j]))),
                         "term_months": term, "has_guarantor": bool(has_g[j])})
    return portfolio_from_rows(rows, as_of=as_of, source=source)


def read_rows(path: Path) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Rows of a CSV or YAML portfolio file; for YAML also the whole mapping (a description or `as_of`)."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise SimInputError(source, "(file)", "a readable portfolio file (CSV or YAML)", e.strerror) from None
    except UnicodeDecodeError:
        raise SimInputError(source, "(file)", "UTF-8 text") from None
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(text.splitlines())
        if reader.fieldnames is None:
            raise SimInputError(source, "(header)", "a header line with " + ", ".join(REQUIRED))
        return [{k.strip(): (v.strip() if isinstance(v, str) else v) for k, v in r.items() if k is not None}
                for r in reader], None
    if path.suffix.lower() not in (".yaml", ".yml"):
        raise SimInputError(source, "(file)", "a .csv, .yaml or .yml portfolio file", path.suffix)
    try:
        data = yamlio.load(text)
    except yamlio.YamlError as e:
        raise SimInputError(source, "(file)", f"valid YAML ({e})") from None
    if not isinstance(data, dict):
        raise SimInputError(source, "(top level)", "a mapping with `loans:` or `segments:`", type(data).__name__)
    for k in data:
        if k not in ("loans", "segments", "as_of"):
            raise SimInputError(source, str(k), "one of loans, segments, as_of (unknown key)")
    if "loans" in data and "segments" in data:
        raise SimInputError(source, "segments", "either `loans:` or `segments:`, not both")
    if "loans" in data:
        loans = data["loans"]
        if not isinstance(loans, list) or not all(isinstance(r, dict) for r in loans):
            raise SimInputError(source, "loans", "a list of loans (mappings)")
        return loans, data
    return [], data


def load_portfolio(path: str | Path, *, volume_fen: int | None, seed: int, default_as_of: dt.date,
                   program: str | None = None) -> Portfolio:
    """A book from a portfolio file. A description needs ``volume_fen`` (fund size × leverage)."""
    path = Path(path)
    source = str(path)
    rows, data = read_rows(path)
    as_of = None
    if data is not None and "as_of" in data:
        as_of = _date(source, "as_of", data["as_of"])
    if data is not None and "segments" in data:
        if volume_fen is None:
            raise SimInputError(source, "segments", "a fund size (--fund-size) to size a described book")
        return describe_book(data, source=source, volume_fen=volume_fen, seed=seed, as_of=as_of or default_as_of)
    if data is not None and "loans" not in data:
        raise SimInputError(source, "loans", "`loans:` (a list) or `segments:` (a description)")
    if as_of is None and not any(r.get("issue_date") not in (None, "") for r in rows):
        as_of = default_as_of
    return portfolio_from_rows(rows, as_of=as_of, program=program, source=source)
