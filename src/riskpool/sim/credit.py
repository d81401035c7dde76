"""The credit model: per segment an annual default probability, a Beta loss given default, a recovery lag;
one systematic factor shared by every loan (Gaussian or Student-t copula).

Parameters come from a small YAML file; every key not given takes the default below, documented with its
source in docs/simulation.md. Unknown keys and values out of range are refused with the file, the key and
what was expected.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from scipy import special, stats

from riskpool import yamlio
from riskpool.sim.errors import SimInputError

# Defaults (docs/simulation.md, "Credit-model defaults", gives each one's source).
SEGMENT_DEFAULTS: dict[str, float] = {
    "pd": 0.03,                   # annual default probability
    "correlation": 0.15,          # asset correlation ρ with the systematic factor
    "lgd_mean": 0.45,             # loss given default, mean (of the exposure at default)
    "lgd_sd": 0.25,               # … and standard deviation of its Beta distribution
    "collateral_share": 0.5,      # part of the recoveries realised before the claim (collateral first)
    "recovery_lag_years": 2,      # the rest comes back this many years after the claim
    "recovery_cost_rate": 0.10,   # litigation and other costs, as a share of a later recovery
    "interest_rate": 0.045,       # loan rate, for the unpaid interest in a claim
    "arrears_months": 3,          # months of unpaid interest when the loan is claimed
}
FUND_DEFAULTS: dict[str, float] = {"yield": 0.015}  # the fund's income on its balance, per year
TOP_KEYS = {"copula", "dof", "defaults", "segments", "fund", "correlation"}


@dataclass(frozen=True)
class Segment:
    name: str
    pd: float
    correlation: float
    lgd_mean: float
    lgd_sd: float
    collateral_share: float
    recovery_lag_years: int
    recovery_cost_rate: float
    interest_rate: float
    arrears_months: int

    @property
    def beta(self) -> tuple[float, float] | None:
        """Beta(a, b) with the segment's mean and sd; None when the sd is 0 (a fixed LGD)."""
        m, s = self.lgd_mean, self.lgd_sd
        if s == 0 or m in (0.0, 1.0):
            return None
        k = m * (1 - m) / (s * s) - 1
        return m * k, (1 - m) * k


@dataclass(frozen=True)
class CreditModel:
    copula: str = "gaussian"
    dof: float = 5.0
    defaults: dict[str, float] = field(default_factory=lambda: dict(SEGMENT_DEFAULTS))
    overrides: dict[str, dict[str, float]] = field(default_factory=dict)
    fund_yield: float = FUND_DEFAULTS["yield"]
    source: str = "(defaults)"

    def segment(self, name: str) -> Segment:
        values = {**self.defaults, **self.overrides.get(name, {})}
        return Segment(name=name, **{k: (int(v) if k in ("recovery_lag_years", "arrears_months") else float(v))
                                     for k, v in values.items()})

    def scaled(self, pd_factor: float = 1.0, correlation: float | None = None) -> "CreditModel":
        """The same model with every PD multiplied (capped at 1) and, if given, one correlation for all."""
        def adj(d: dict[str, float]) -> dict[str, float]:
            d = dict(d)
            if "pd" in d:
                d["pd"] = min(1.0, d["pd"] * pd_factor)
            if correlation is not None and "correlation" in d:
                d["correlation"] = correlation
            return d
        defaults = adj(self.defaults)
        if correlation is not None:
            defaults["correlation"] = correlation
        return replace(self, defaults=defaults, overrides={k: adj(v) for k, v in self.overrides.items()})


def _number(source: str, key: str, value: Any, lo: float, hi: float, *, lo_open=False, hi_open=False,
            integer=False, what: str = "") -> float:
    lb, rb = ("(" if lo_open else "["), (")" if hi_open else "]")
    expect = what or f"a number in {lb}{lo:g}, {hi:g}{rb}"
    if integer:
        expect = what or f"a whole number from {lo:g} to {hi:g}"
    if isinstance(value, str):  # yamlio keeps 1e-3, 1_000 and over-long decimals as text
        try:
            value = float(value.replace("_", ""))
        except ValueError:
            raise SimInputError(source, key, expect, value) from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SimInputError(source, key, expect, value)
    v = float(value)
    if math.isnan(v) or v < lo or v > hi or (lo_open and v == lo) or (hi_open and v == hi) or (
            integer and v != int(v)):
        raise SimInputError(source, key, expect, value)
    return v


CHECKS = {
    "pd": dict(lo=0, hi=1, what="a default probability in [0, 1]"),
    "correlation": dict(lo=0, hi=1, hi_open=True, what="a correlation in [0, 1)"),
    "lgd_mean": dict(lo=0, hi=1, what="a loss given default in [0, 1]"),
    "lgd_sd": dict(lo=0, hi=0.5, what="a standard deviation in [0, 0.5), below √(mean·(1−mean))"),
    "collateral_share": dict(lo=0, hi=1, what="a share in [0, 1]"),
    "recovery_lag_years": dict(lo=0, hi=30, integer=True, what="whole years from 0 to 30"),
    "recovery_cost_rate": dict(lo=0, hi=1, what="a share in [0, 1]"),
    "interest_rate": dict(lo=0, hi=1, what="a yearly rate in [0, 1]"),
    "arrears_months": dict(lo=0, hi=120, integer=True, what="whole months from 0 to 120"),
}


def check_segment_values(source: str, prefix: str, values: Any) -> dict[str, float]:
    if not isinstance(values, dict):
        raise SimInputError(source, prefix, "a mapping of credit parameters", values)
    out: dict[str, float] = {}
    for k, v in values.items():
        if k not in CHECKS:
            raise SimInputError(source, f"{prefix}.{k}", "one of " + ", ".join(CHECKS) + " (unknown key)")
        out[k] = _number(source, f"{prefix}.{k}", v, **CHECKS[k])
    return out


def _check_lgd(source: str, key: str, values: dict[str, float]) -> None:
    m, s = values["lgd_mean"], values["lgd_sd"]
    if s > 0 and s * s >= m * (1 - m):
        raise SimInputError(source, f"{key}.lgd_sd", f"a standard deviation below √(mean·(1−mean)) = "
                            f"{math.sqrt(m * (1 - m)):.4f} for a Beta LGD with mean {m:g}", s)


def load_credit_model(path: str | Path | None) -> CreditModel:
    if path is None:
        return CreditModel()
    source = str(path)
    try:
        data = yamlio.load(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise SimInputError(source, "(file)", "a readable YAML file", e.strerror) from None
    except yamlio.YamlError as e:
        raise SimInputError(source, "(file)", f"valid YAML ({e})") from None
    return credit_model_from_dict(data if data is not None else {}, source)


def credit_model_from_dict(data: Any, source: str = "(params)") -> CreditModel:
    if not isinstance(data, dict):
        raise SimInputError(source, "(top level)", "a mapping with keys " + ", ".join(sorted(TOP_KEYS)), data)
    for k in data:
        if k not in TOP_KEYS:
            raise SimInputError(source, str(k), "one of " + ", ".join(sorted(TOP_KEYS)) + " (unknown key)")
    copula = data.get("copula", "gaussian")
    if copula not in ("gaussian", "t"):
        raise SimInputError(source, "copula", "gaussian or t", copula)
    dof = _number(source, "dof", data.get("dof", 5), 2, 1000, lo_open=True, what="degrees of freedom above 2")
    defaults = dict(SEGMENT_DEFAULTS)
    if "correlation" in data:
        defaults["correlation"] = _number(source, "correlation", data["correlation"], **CHECKS["correlation"])
    defaults.update(check_segment_values(source, "defaults", data.get("defaults", {})))
    _check_lgd(source, "defaults", defaults)
    segments = data.get("segments", {}) or {}
    if not isinstance(segments, dict):
        raise SimInputError(source, "segments", "a mapping: segment name → credit parameters", segments)
    overrides = {}
    for name, values in segments.items():
        overrides[str(name)] = check_segment_values(source, f"segments.{name}", values or {})
        _check_lgd(source, f"segments.{name}", {**defaults, **overrides[str(name)]})
    fund = data.get("fund", {}) or {}
    if not isinstance(fund, dict):
        raise SimInputError(source, "fund", "a mapping with the key yield", fund)
    for k in fund:
        if k not in FUND_DEFAULTS:
            raise SimInputError(source, f"fund.{k}", "yield (unknown key)")
    fund_yield = _number(source, "fund.yield", fund.get("yield", FUND_DEFAULTS["yield"]), -0.1, 1,
                         what="a yearly rate in [-0.1, 1]")
    return CreditModel(copula=copula, dof=dof, defaults=defaults, overrides=overrides, fund_yield=fund_yield,
                       source=source)


# ------------------------------------------------------------------ the one-factor model

def default_threshold(pd: np.ndarray, copula: str, dof: float) -> np.ndarray:
    """The latent-variable threshold: Φ⁻¹(pd), or t_ν⁻¹(pd) for the Student-t copula."""
    pd = np.asarray(pd, dtype=float)
    if copula == "t":
        return stats.t.ppf(pd, dof)
    return special.ndtri(pd)


def conditional_pd(threshold: np.ndarray, rho: np.ndarray, z: np.ndarray, w: np.ndarray | None,
                   dof: float) -> np.ndarray:
    """P(default | Z, W) per (scenario, segment): Φ((c·√(W/ν) − √ρ·Z) / √(1−ρ)), W ≡ ν for the Gaussian.

    A loan defaults when √ρ·Z + √(1−ρ)·ε ≤ c·√(W/ν) — i.e. when the t-distributed latent variable
    (√ρ·Z + √(1−ρ)·ε)/√(W/ν) falls below c = t_ν⁻¹(pd)."""
    c = threshold[None, :]
    if w is not None:
        c = c * np.sqrt(w / dof)[:, None]
    rho = np.asarray(rho, dtype=float)[None, :]
    with np.errstate(invalid="ignore"):
        p = special.ndtr((c - np.sqrt(rho) * z[:, None]) / np.sqrt(1 - rho))
    return np.nan_to_num(p, nan=0.0)


def vasicek_quantile(pd: float, rho: float, q: float) -> float:
    """Large-portfolio default-rate quantile (Vasicek 2002): Φ((Φ⁻¹(pd) + √ρ·Φ⁻¹(q)) / √(1−ρ))."""
    return float(stats.norm.cdf((stats.norm.ppf(pd) + math.sqrt(rho) * stats.norm.ppf(q)) / math.sqrt(1 - rho)))


def t_copula_quantile(pd: float, rho: float, dof: float, q: float) -> float:
    """Large-portfolio default-rate quantile under the one-factor Student-t copula, by integration over W."""
    from scipy import integrate, optimize
    c = stats.t.ppf(pd, dof)

    def cdf(x: float) -> float:
        g = lambda w: stats.norm.cdf((math.sqrt(1 - rho) * stats.norm.ppf(x) - c * math.sqrt(w / dof))  # noqa: E731
                                     / math.sqrt(rho)) * stats.chi2.pdf(w, dof)
        return integrate.quad(g, 0, np.inf, limit=200)[0]

    return float(optimize.brentq(lambda x: cdf(x) - q, 1e-12, 1 - 1e-12, xtol=1e-12))
