"""Random draws: the systematic factor (stratified), defaults by geometric gaps, LGDs.

Conditional on the systematic factor the loans of a segment default independently with one probability p;
the positions of the defaulted loans among the segment's n loans are then the partial sums of geometric
gaps (P(gap = k) = (1−p)^(k−1)·p) — exactly the same law as n Bernoulli(p) draws, at a cost proportional to
the number of defaults, not to n. The factor itself is stratified (Latin hypercube over the scenarios, one
stratum per scenario and year), which removes most of the sampling noise of tail quantiles.
"""

from __future__ import annotations

import numpy as np
from scipy import special

CHUNK_ROWS = 64


def stratified_normal(lower: np.ndarray, width: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One standard normal per stratum [lower, lower + width) of the probability scale: Φ⁻¹(lower + width·U)."""
    u = rng.random(len(lower))
    return special.ndtri(np.clip(lower + width * u, 1e-300, 1 - 1e-16))


def _gaps(rng: np.random.Generator, p: np.ndarray, width: int, cap: int) -> np.ndarray:
    """Geometric gaps (support 1, 2, …) of shape (len(p), width), each capped at ``cap``."""
    v = 1.0 - rng.random((len(p), width))  # in (0, 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.floor(np.log(v) / np.log1p(-p)[:, None])
    g = np.nan_to_num(g, nan=0.0, posinf=cap, neginf=cap)
    return np.minimum(g, cap - 1).astype(np.int64) + 1


def bernoulli_hits(rng: np.random.Generator, p: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, position) of every success when row r makes n independent Bernoulli(p[r]) draws."""
    p = np.clip(np.asarray(p, dtype=float), 0.0, 1.0)
    live = np.flatnonzero(p * n > 1e-12)  # rows with less than a 1e-12 chance of any default are skipped
    if n == 0 or len(live) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    pl = p[live]
    need = np.ceil(n * pl + 6.0 * np.sqrt(n * pl * (1 - pl)) + 8).astype(np.int64)
    need = np.minimum(need, n + 1)
    order = np.argsort(need, kind="stable")
    rows_out, pos_out = [], []
    for c0 in range(0, len(order), CHUNK_ROWS):
        idx = order[c0:c0 + CHUNK_ROWS]
        width = int(need[idx].max())
        cs = np.cumsum(_gaps(rng, pl[idx], width, n + 1), axis=1) - 1
        short = np.flatnonzero(cs[:, -1] < n)  # rows whose draws have not yet passed the last loan
        r, c = np.nonzero(cs < n)
        rows_out.append(live[idx][r])
        pos_out.append(cs[r, c])
        for i in short:  # rare (beyond six standard deviations): keep drawing for that row
            last = int(cs[i, -1])
            while last < n:
                more = last + np.cumsum(_gaps(rng, pl[idx[i:i + 1]], max(16, width // 4), n + 1)[0])
                hit = more[more < n]
                rows_out.append(np.full(len(hit), live[idx[i]], dtype=np.int64))
                pos_out.append(hit)
                last = int(more[-1])
    return np.concatenate(rows_out), np.concatenate(pos_out)


def lgd_draws(rng: np.random.Generator, seg_of_claim: np.ndarray, betas: list[tuple[float, float] | None],
              means: np.ndarray) -> np.ndarray:
    """A loss given default per claim from its segment's Beta (or the fixed mean)."""
    if len(betas) == 1:
        ab = betas[0]
        return np.full(len(seg_of_claim), means[0]) if ab is None else rng.beta(ab[0], ab[1], len(seg_of_claim))
    out = np.empty(len(seg_of_claim))
    for s, ab in enumerate(betas):
        m = seg_of_claim == s
        k = int(m.sum())
        if k:
            out[m] = means[s] if ab is None else rng.beta(ab[0], ab[1], k)
    return out


def fen_round(x: np.ndarray) -> np.ndarray:
    """Float yuan-fen amounts to int64 fen (half up; inputs are non-negative)."""
    return np.floor(np.asarray(x, dtype=float) + 0.5).astype(np.int64)


def ceil_years(months: np.ndarray) -> np.ndarray:
    return (np.asarray(months) + 11) // 12

