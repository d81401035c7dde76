"""Enterprise size (大型/中型/小型/微型) under 《中小企业划型标准规定》(工信部联企业〔2011〕300号).

The whole industry table of its 第四条 lives in ``riskpool/data/sme-size-2011.yaml`` (figures in 万元
as the standard writes them); this module reads it once, checks it, and classifies a firm.

How a firm is classified (see the YAML header for the wording each step rests on):

* ``X及以上`` is ``>= X``; ``X以下`` is ``< X``.
* large  -- at or above EVERY SME ceiling (the ceiling "…以下或…以下的为中小微型企业" joins with 或, so
  being below any one ceiling makes the firm an SME);
* medium -- otherwise, meets EVERY medium lower bound (且);
* small  -- otherwise, meets EVERY small lower bound (且);
* micro  -- otherwise (below any one small lower bound: 或).

Only the indicators an industry uses are asked for; others are ignored. Revenue and total assets are
given in yuan (``Decimal`` or ``int``); the table's 万元 are converted exactly (× 10000, no float).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from typing import Any, Mapping

import yaml

SIZES = ("large", "medium", "small", "micro")
SIZE_NAMES_ZH = {"large": "大型", "medium": "中型", "small": "小型", "micro": "微型"}

INDICATORS = ("employees", "revenue", "total_assets")
INDICATOR_NAMES_ZH = {"employees": "从业人员", "revenue": "营业收入", "total_assets": "资产总额"}
_MONEY_INDICATORS = ("revenue", "total_assets")
_WAN = Decimal(10000)  # 1 万元 = 10,000 yuan
_JOINS = ("and", "or", "single")
_CLASS_KEYS = ("sme_ceiling", "medium", "small", "micro")
_DATA_PACKAGE = "riskpool.data"
_DATA_FILE = "sme-size-2011.yaml"


class SizeError(ValueError):
    """Unknown industry, a missing indicator the industry needs, or a number that cannot be one."""


@dataclass(frozen=True)
class SizeResult:
    size: str  # one of SIZES
    industry: str  # the table key
    basis: str  # readable, e.g. "工业 (industry): 从业人员 15人 < 20人 (未达小型下限 / misses small) → 微型 (micro)"
    article: str


# --------------------------------------------------------------------------- the table


@dataclass(frozen=True)
class _Bounds:
    join: str  # "and" | "or" | "single"
    values: Mapping[str, Decimal]  # indicator -> bound; employees in persons, money in YUAN


@dataclass(frozen=True)
class _Industry:
    key: str
    name: str
    article: str
    indicators: tuple[str, ...]
    ceiling: _Bounds  # below any -> SME
    medium: _Bounds  # at least all
    small: _Bounds  # at least all
    micro: _Bounds  # below any


@dataclass(frozen=True)
class _Table:
    standard: Mapping[str, Any]
    industries: Mapping[str, _Industry]


def _bound_value(indicator: str, raw: object, where: str) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise ValueError(f"{where}: {indicator} bound must be a non-negative integer, got {raw!r}")
    value = Decimal(raw)
    return value * _WAN if indicator in _MONEY_INDICATORS else value


def _bounds(key: str, cls: str, raw: Any, indicators: tuple[str, ...], side: str) -> _Bounds:
    where = f"{_DATA_FILE}: {key}.{cls}"
    if not isinstance(raw, dict) or set(raw) != {"join", side}:
        raise ValueError(f"{where}: expected keys 'join' and '{side}'")
    join = raw["join"]
    if join not in _JOINS:
        raise ValueError(f"{where}: join must be one of {_JOINS}, got {join!r}")
    values = raw[side]
    if not isinstance(values, dict) or tuple(sorted(values)) != tuple(sorted(indicators)):
        raise ValueError(f"{where}: bounds must name exactly the indicators {list(indicators)}")
    if (join == "single") != (len(indicators) == 1):
        raise ValueError(f"{where}: join 'single' is for exactly one indicator")
    expected = {"sme_ceiling": "or", "medium": "and", "small": "and", "micro": "or"}[cls]
    if join != "single" and join != expected:
        raise ValueError(f"{where}: the standard joins {cls} with {expected!r}, file says {join!r}")
    return _Bounds(join, {ind: _bound_value(ind, values[ind], where) for ind in indicators})


def _parse(doc: Any) -> _Table:
    if not isinstance(doc, dict) or not isinstance(doc.get("industries"), dict) or not doc["industries"]:
        raise ValueError(f"{_DATA_FILE}: no 'industries' table")
    if not isinstance(doc.get("standard"), dict):
        raise ValueError(f"{_DATA_FILE}: no 'standard' identity")
    industries: dict[str, _Industry] = {}
    for key, raw in doc["industries"].items():
        where = f"{_DATA_FILE}: {key}"
        if not isinstance(raw, dict):
            raise ValueError(f"{where}: expected a mapping")
        for field in ("name", "article", "indicators", *_CLASS_KEYS):
            if field not in raw:
                raise ValueError(f"{where}: missing '{field}'")
        indicators = tuple(raw["indicators"])
        if not indicators or len(set(indicators)) != len(indicators) or not set(indicators) <= set(INDICATORS):
            raise ValueError(f"{where}: indicators must be distinct names from {INDICATORS}")
        industry = _Industry(
            key=key,
            name=str(raw["name"]),
            article=str(raw["article"]),
            indicators=indicators,
            ceiling=_bounds(key, "sme_ceiling", raw["sme_ceiling"], indicators, "below"),
            medium=_bounds(key, "medium", raw["medium"], indicators, "at_least"),
            small=_bounds(key, "small", raw["small"], indicators, "at_least"),
            micro=_bounds(key, "micro", raw["micro"], indicators, "below"),
        )
        for ind in indicators:
            ceiling, medium = industry.ceiling.values[ind], industry.medium.values[ind]
            small = industry.small.values[ind]
            if not ceiling > medium > small:
                raise ValueError(f"{where}: {ind} bounds must fall: ceiling > medium > small")
            if industry.micro.values[ind] != small:
                raise ValueError(f"{where}: micro bound for {ind} must equal the small lower bound")
        industries[key] = industry
    return _Table(standard=dict(doc["standard"]), industries=industries)


@functools.lru_cache(maxsize=1)
def _table() -> _Table:
    text = resources.files(_DATA_PACKAGE).joinpath(_DATA_FILE).read_text(encoding="utf-8")
    return _parse(yaml.safe_load(text))


# --------------------------------------------------------------------------- public API


def industries() -> list[str]:
    """The table keys, in the order of 第四条 (一)…(十六)."""
    return list(_table().industries)


def industry_name(industry: str) -> str:
    """The Chinese name of an industry key, e.g. ``industry_name("industry") == "工业"``."""
    return _industry(industry).name


def standard() -> dict[str, Any]:
    """The standard's identity: name, document_number, issuer(s), date."""
    return dict(_table().standard)


def is_small_or_micro(result: SizeResult) -> bool:
    return result.size in ("small", "micro")


def classify_enterprise_size(
    industry: str,
    *,
    employees: int | None = None,
    revenue: Decimal | None = None,
    total_assets: Decimal | None = None,
) -> SizeResult:
    """Classify a firm; ``revenue`` and ``total_assets`` in yuan. Raises ``SizeError``."""
    spec = _industry(industry)
    given = {"employees": employees, "revenue": revenue, "total_assets": total_assets}
    missing = [ind for ind in spec.indicators if given[ind] is None]
    if missing:
        names = ", ".join(f"{ind} ({INDICATOR_NAMES_ZH[ind]})" for ind in missing)
        raise SizeError(f"{spec.name} ({industry}) needs {names}; not given")
    facts = {ind: _fact(ind, given[ind]) for ind in spec.indicators}

    def meets(bounds: _Bounds) -> bool:
        return all(facts[ind] >= bounds.values[ind] for ind in spec.indicators)

    if meets(spec.ceiling):
        size, shown = "large", [_cmp(ind, facts[ind], spec.ceiling.values[ind]) for ind in spec.indicators]
        why = " 且 ".join(shown) + " (不低于中小微型企业上限 / at or above every SME ceiling)"
    elif meets(spec.medium):
        size = "medium"
        below = [_cmp(ind, facts[ind], spec.ceiling.values[ind]) for ind in spec.indicators
                 if facts[ind] < spec.ceiling.values[ind]]
        why = " 或 ".join(below) + " (中小微型企业 / SME); " + " 且 ".join(
            _cmp(ind, facts[ind], spec.medium.values[ind]) for ind in spec.indicators) + " (中型下限 / medium bounds)"
    elif meets(spec.small):
        size = "small"
        why = _misses(spec.indicators, facts, spec.medium) + " (未达中型下限 / misses medium); " + " 且 ".join(
            _cmp(ind, facts[ind], spec.small.values[ind]) for ind in spec.indicators) + " (小型下限 / small bounds)"
    else:
        size = "micro"
        why = _misses(spec.indicators, facts, spec.small) + " (未达小型下限 / misses small)"
    basis = f"{spec.name} ({industry}): {why} → {SIZE_NAMES_ZH[size]} ({size})"
    return SizeResult(size=size, industry=industry, basis=basis, article=spec.article)


# --------------------------------------------------------------------------- helpers


def _industry(industry: str) -> _Industry:
    table = _table().industries
    if not isinstance(industry, str) or industry not in table:
        raise SizeError(f"unknown industry {industry!r}; valid keys: {', '.join(table)}")
    return table[industry]


def _fact(indicator: str, value: object) -> Decimal:
    name = f"{indicator} ({INDICATOR_NAMES_ZH[indicator]})"
    if isinstance(value, bool):
        raise SizeError(f"{name}: expected a number, got {value!r}")
    if indicator == "employees":
        if not isinstance(value, int):
            raise SizeError(f"{name}: expected a whole number of persons, got {value!r}")
        result = Decimal(value)
    elif isinstance(value, (Decimal, int)):
        result = Decimal(value)
        if not result.is_finite():
            raise SizeError(f"{name}: expected a finite amount of yuan, got {value!r}")
    else:
        raise SizeError(f"{name}: expected a Decimal amount of yuan, got {type(value).__name__} {value!r}")
    if result < 0:
        raise SizeError(f"{name}: must not be negative, got {value!r}")
    return result


def _show(indicator: str, value: Decimal) -> str:
    if indicator == "employees":
        return f"{value}人"
    if value % _WAN == 0 and value != 0:
        return f"{(value / _WAN).normalize():f}万元"
    return f"{value:f}元"


def _cmp(indicator: str, value: Decimal, bound: Decimal) -> str:
    op = "≥" if value >= bound else "<"
    return f"{INDICATOR_NAMES_ZH[indicator]} {_show(indicator, value)} {op} {_show(indicator, bound)}"


def _misses(indicators: tuple[str, ...], facts: Mapping[str, Decimal], bounds: _Bounds) -> str:
    return " 或 ".join(_cmp(ind, facts[ind], bounds.values[ind]) for ind in indicators
                       if facts[ind] < bounds.values[ind])
