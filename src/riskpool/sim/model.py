"""The fund over the years, many scenarios at once, in batches.

Each year of each scenario: the systematic factor is drawn (stratified); every covered loan defaults with
its segment's conditional probability; every default becomes a claim decided by the program's rules
(riskpool.sim.engine, exact to the fen) in a random order within the year — limited liability and the
rate cap see the claims one after another; later recoveries are scheduled and split by the program's rule;
at the year's end the fund earns its income (less the management fee), recoveries come in, the sanction
thresholds are reviewed (a suspended or terminated lender lends no more), loans that mature are repaid and
released, and new loans are filed at the start of the next year — renewals of the book's loans, while the
loan window is open, the lender active and covered outstanding within the fund × leverage.

Batches are independent: batch i draws from SeedSequence(seed, spawn_key=(1, i)) and the factor's strata
come from one permutation per year drawn from SeedSequence(seed, spawn_key=(0,)), so a run gives the same
numbers on one machine or on a Dask cluster, whatever the number of workers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable

import numpy as np
from scipy import stats

from riskpool.policy.schema import ParameterNotInForce, Program
from riskpool.sim import engine, sampling
from riskpool.sim.credit import CreditModel, Segment, conditional_pd, default_threshold
from riskpool.sim.errors import SimInputError
from riskpool.sim.portfolio import Portfolio

MEMORY_BUDGET = 256 * 2 ** 20  # bytes of per-batch loan state; the whole run stays well under 1 GiB


def _add_years(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


@dataclass
class Model:
    program_id: str
    program_name: str
    rules: list[engine.CompiledRules]  # in force at the start of each year
    portfolio: Portfolio
    credit: CreditModel
    segments: list[Segment]
    fund_size: int  # fen
    balance0: int  # fen
    leverage: Fraction
    horizon: int
    start: dt.date
    year_starts: list[dt.date]
    priority: np.ndarray  # order in which free slots are lent again
    batch_size: int
    record_claims: bool = False  # keep every claim's facts and amounts (tests)
    brute_force: bool = False  # textbook sampling (plain factor, one Bernoulli draw per loan): the bench's baseline
    tail_focus: tuple[float, float] | None = None  # (α, share): that share of year-1 scenarios in the worst α of
    #                                               the factor, weighted back (disproportionate stratification)

    @property
    def n_lenders(self) -> int:
        return len(self.portfolio.lender_names)


def rules_on(program: Program, on: dt.date) -> engine.CompiledRules:
    return engine.compile_rules(program, max(on, program.effective.start))


def build_model(program: Program, portfolio: Portfolio, credit: CreditModel, *, fund_size: int, horizon: int,
                leverage: Fraction | float | None = None, balance: int | None = None, start: dt.date | None = None,
                seed: int = 0, batch_size: int | None = None, record_claims: bool = False) -> Model:
    if not 1 <= horizon <= 50:
        raise SimInputError("(command line)", "--horizon", "whole years from 1 to 50", horizon)
    if fund_size <= 0:
        raise SimInputError("(command line)", "--fund-size", "an amount in yuan above 0", fund_size / 100)
    start = start or portfolio.as_of
    year_starts = [_add_years(start, t) for t in range(horizon + 1)]
    try:
        rules = [rules_on(program, d) for d in year_starts[:horizon]]
    except ParameterNotInForce as e:
        raise SimInputError(program.id, "(parameters)", f"parameters in force over the horizon ({e})") from None
    lev = Fraction(leverage).limit_denominator(10_000) if leverage is not None else rules[0].leverage
    if lev <= 0:
        raise SimInputError("(command line)", "--leverage", "a leverage above 0", float(lev))
    segments = [credit.segment(name) for name in portfolio.segment_names]
    n = len(portfolio)
    if batch_size is None:
        # loan state per scenario, plus the claims of a bad year (the default rate one in 10,000 years): about
        # 200 bytes of arrays per claim while it is decided
        c = default_threshold(np.array([s.pd for s in segments]), credit.copula, credit.dof)
        w = np.array([stats.chi2.ppf(1e-3, credit.dof)]) if credit.copula == "t" else None
        worst = conditional_pd(c, np.array([s.correlation for s in segments]), np.array([-3.72]), w, credit.dof)[0]
        claims = float((np.bincount(portfolio.seg, minlength=len(segments)) * worst).sum())
        per_scenario = max(1, n) * (40 if horizon > 1 else 4) + 200 * claims + 1
        batch_size = int(max(4, min(256, MEMORY_BUDGET // per_scenario)))
    prio = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2,))).permutation(n)
    return Model(program_id=program.id, program_name=program.name, rules=rules, portfolio=portfolio,
                 credit=credit, segments=segments, fund_size=int(fund_size),
                 balance0=int(fund_size if balance is None else balance), leverage=lev, horizon=horizon,
                 start=start, year_starts=year_starts, priority=prio, batch_size=batch_size,
                 record_claims=record_claims)


# ------------------------------------------------------------------ one batch

def _isum(rows: np.ndarray, weights: np.ndarray, b: int) -> np.ndarray:
    """Per-scenario sums of int64 fen (exact: partial sums stay below 2^53 fen, i.e. 90 trillion yuan)."""
    return np.bincount(rows, weights, minlength=b).astype(np.int64)

OUT_YEARLY = ("payout", "unfunded", "forfeited", "claims", "balance_end", "new_lending", "recovered_to_fund",
              "income", "fee", "lenders_stopped", "loss_base")


def run_batch(model: Model, batch_index: int, strata: tuple[np.ndarray, np.ndarray], total: int,
              seed: int) -> dict[str, Any]:
    """Simulate the scenarios whose factor strata (lower bound and width in probability, years × scenarios)
    are given. Returns per-scenario arrays."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(1, batch_index))))
    pf = model.portfolio
    H = model.horizon
    lo_u, width_u = strata
    b = lo_u.shape[1]
    n = len(pf)
    L = model.n_lenders
    segs = model.segments
    slices = pf.segment_slices()
    thresholds = default_threshold(np.array([s.pd for s in segs]), model.credit.copula, model.credit.dof)
    rho = np.array([s.correlation for s in segs])
    betas = [s.beta for s in segs]
    lgd_mean = np.array([s.lgd_mean for s in segs])
    collateral = np.array([s.collateral_share for s in segs])
    lag = np.array([s.recovery_lag_years for s in segs], dtype=np.int64)
    cost_rate = np.array([s.recovery_cost_rate for s in segs])
    interest_factor = np.array([s.interest_rate * s.arrears_months / 12 for s in segs])
    lender_masks = [pf.lender == le for le in range(L)]
    years_of_term = sampling.ceil_years(pf.term_months).astype(np.int16)

    multi = H > 1
    active = np.ones((b, n), dtype=bool) if multi else None
    initial = np.ones((b, n), dtype=bool) if multi else None
    mature = np.broadcast_to((sampling.ceil_years(pf.months_left) - 1).astype(np.int16), (b, n)).copy() if multi else None
    balance = np.full(b, model.balance0, dtype=np.int64)
    released = np.zeros((b, L), dtype=np.int64)
    compensated = np.zeros((b, L), dtype=np.int64)
    status = np.zeros((b, L), dtype=np.int8)  # 0 active, 1 suspended for the coming year, 2 terminated
    program_stopped = np.zeros(b, dtype=bool)
    financing = np.tile(np.array([pf.amount[m & pf.first_year_financing].sum() for m in lender_masks],
                                 dtype=np.int64), (b, 1))
    sched_fund = np.zeros((b, H + 1), dtype=np.int64)
    out = {k: np.zeros((b, H), dtype=np.int64) for k in OUT_YEARLY}
    out["new_lending"][:, 0] = financing.sum(axis=1)
    lender_bear = np.zeros((b, L), dtype=np.int64)
    lender_forfeited = np.zeros((b, L), dtype=np.int64)
    lender_unfunded = np.zeros((b, L), dtype=np.int64)
    lender_recovered = np.zeros((b, L), dtype=np.int64)
    guarantor_bear = np.zeros(b, dtype=np.int64)
    guarantor_recovered = np.zeros(b, dtype=np.int64)
    exhausted_year = np.zeros(b, dtype=np.int16)
    records: list[dict[str, np.ndarray]] = []

    for t in range(H):
        rules = model.rules[t]
        balance_start = balance.copy()
        z = rng.standard_normal(b) if model.brute_force else sampling.stratified_normal(lo_u[t], width_u[t], rng)
        w = rng.chisquare(model.credit.dof, b) if model.credit.copula == "t" else None
        p = conditional_pd(thresholds, rho, z, w, model.credit.dof)

        rows_l, slots_l = [], []
        for s, (lo, hi) in enumerate(slices):
            if model.brute_force:
                r, pos = np.nonzero(rng.random((b, hi - lo)) < p[:, s][:, None])
            else:
                r, pos = sampling.bernoulli_hits(rng, p[:, s], hi - lo)
            rows_l.append(r)
            slots_l.append(pos + lo)
        rows = np.concatenate(rows_l)
        slots = np.concatenate(slots_l)
        if multi:
            keep = active[rows, slots]
            rows, slots = rows[keep], slots[keep]
        # by scenario, in random order within the year: a random permutation, then a stable sort by scenario
        perm = rng.permutation(len(rows))
        order = perm[np.argsort(rows[perm].astype(np.int16 if b < 32_000 else np.int64), kind="stable")]
        rows, slots = rows[order], slots[order]

        seg = pf.seg[slots]
        lender = pf.lender[slots]
        amount = pf.amount[slots]
        ead = np.where(initial[rows, slots], pf.outstanding[slots], amount) if multi else pf.outstanding[slots]
        lgd = sampling.lgd_draws(rng, seg, betas, lgd_mean)
        recovered = sampling.fen_round((1 - lgd) * ead)
        before_claim = sampling.fen_round(recovered * collateral[seg])
        later = recovered - before_claim
        interest = sampling.fen_round(ead * interest_factor[seg])
        zeros = np.zeros(len(rows), dtype=np.int64)
        if t == 0 or rules is not model.rules[t - 1]:
            slot_w, slot_cov = engine.tier_weights(rules, pf.amount, pf.exposure, pf.has_guarantor)
        sh = engine.share_claims(rules, amount, amount - ead, before_claim, zeros, interest, zeros,
                                 pf.exposure[slots], pf.has_guarantor[slots], weights=(slot_w[slots], slot_cov[slots]))
        fund_balance_before = balance.copy() if model.record_claims else None
        released_before = released.copy() if model.record_claims else None
        compensated_before = compensated.copy() if model.record_claims else None
        st = engine.settle(rules, rows, lender, sh.fund_share, amount, balance, released, compensated)

        out["payout"][:, t] = _isum(rows, st.payable, b)
        out["unfunded"][:, t] = _isum(rows, st.unfunded, b)
        out["forfeited"][:, t] = _isum(rows, st.forfeited, b)
        out["claims"][:, t] = np.bincount(rows, minlength=b)
        out["loss_base"][:, t] = _isum(rows, sh.loss_base, b)
        lender_borne = sh.lender_share + st.forfeited + st.unfunded
        cell = rows * L + lender
        lender_bear += _isum(cell, lender_borne, b * L).reshape(b, L)
        lender_forfeited += _isum(cell, st.forfeited, b * L).reshape(b, L)
        lender_unfunded += _isum(cell, st.unfunded, b * L).reshape(b, L)
        guarantor_bear += _isum(rows, sh.guarantor_share, b)
        annual_comp = _isum(cell, st.payable, b * L).reshape(b, L)

        if model.record_claims:
            records.append({"year": t, "balance": fund_balance_before, "released": released_before,
                            "compensated": compensated_before, "claims": dict(
                                scenario=rows, slot=slots, lender=lender, amount=amount, repaid=amount - ead,
                                recoveries=before_claim, unpaid_interest=interest, exposure=pf.exposure[slots],
                                has_guarantor=pf.has_guarantor[slots], loss_base=sh.loss_base,
                                principal_loss=sh.principal_loss, interest_loss=sh.interest_loss,
                                fund_share=sh.fund_share, lender_share=sh.lender_share,
                                guarantor_share=sh.guarantor_share, fund_payable=st.payable,
                                forfeited=st.forfeited, unfunded=st.unfunded)})

        # later recoveries, split by the rule in force when they come in
        arrival = t + lag[seg]
        for a in np.unique(arrival[arrival < H]) if len(rows) else []:
            m = arrival == a
            gross = later[m]
            costs = sampling.fen_round(gross * cost_rate[seg[m]])
            split = engine.split_recoveries(model.rules[a], gross, costs, st.payable[m], lender_borne[m],
                                            sh.guarantor_share[m])
            np.add.at(sched_fund, (rows[m], a), split[:, 0])
            np.add.at(lender_recovered, (rows[m], lender[m]), split[:, 1])
            guarantor_recovered += _isum(rows[m], split[:, 2], b)

        # the year's end: income, fee, recoveries
        income = sampling.fen_round(np.maximum(0, balance_start) * model.credit.fund_yield)
        fee = engine.management_fees(rules, income)
        out["income"][:, t] = income
        out["fee"][:, t] = fee
        out["recovered_to_fund"][:, t] = sched_fund[:, t]
        dry = (out["unfunded"][:, t] > 0) | (balance <= 0)
        exhausted_year[(exhausted_year == 0) & dry] = t + 1
        balance += sched_fund[:, t] + income - fee
        out["balance_end"][:, t] = balance

        if not multi or t == H - 1:
            continue
        active[rows, slots] = False
        ead_now = np.where(initial, pf.outstanding[None, :], pf.amount[None, :]) * active

        # sanctions reviewed at the year's end: they stop next year's lending
        stop = status == 2
        suspend = np.zeros((b, L), dtype=bool)
        for th in (rules.lender_compensation, rules.lender_npl):
            if th is None:
                continue
            if th is rules.lender_npl:
                npl = _isum(cell, ead, b * L).reshape(b, L)
                outstanding_l = np.stack([ead_now[:, m].sum(axis=1) for m in lender_masks], axis=1)
                hit = engine.breaches(th, npl, outstanding_l + npl)
            else:
                hit = engine.breaches(th, annual_comp, financing)
            if th.action == "terminate":
                stop |= hit
            else:
                suspend |= hit
        if rules.program_compensation is not None:
            program_stopped = engine.breaches(rules.program_compensation, annual_comp.sum(axis=1),
                                              financing.sum(axis=1))
        status = np.where(stop, 2, np.where(suspend, 1, 0)).astype(np.int8)
        out["lenders_stopped"][:, t] = (status > 0).sum(axis=1) + program_stopped * L

        # maturities: repaid, their guarantees released
        matured = active & (mature == t)
        repaid_amount = np.where(initial, pf.outstanding[None, :], pf.amount[None, :]) * matured
        released += np.stack([repaid_amount[:, m].sum(axis=1) for m in lender_masks], axis=1)
        active &= ~matured
        ead_now *= ~matured

        # new loans at the start of next year
        financing = np.zeros((b, L), dtype=np.int64)
        day = model.year_starts[t + 1]
        window = model.rules[t + 1].window
        if not (window[0] <= day <= window[1]):
            continue
        lender_ok = (status == 0) & ~program_stopped[:, None]
        free = ~active & lender_ok[:, pf.lender]
        base = balance if model.rules[t + 1].leverage_base == "fund_balance" else np.full(b, model.fund_size)
        room = np.maximum(0, base) * model.leverage.numerator // model.leverage.denominator - ead_now.sum(axis=1)
        pr = model.priority
        wanted = np.where(free[:, pr], pf.amount[pr][None, :], 0)
        issue_p = free[:, pr] & (np.cumsum(wanted, axis=1) <= room[:, None])
        issue = np.zeros_like(issue_p)
        issue[:, pr] = issue_p
        active |= issue
        initial &= ~issue
        mature = np.where(issue, (t + years_of_term)[None, :], mature).astype(np.int16)
        lent = pf.amount[None, :] * issue
        financing = np.stack([lent[:, m].sum(axis=1) for m in lender_masks], axis=1)
        out["new_lending"][:, t + 1] = financing.sum(axis=1)

    result = dict(out, lender_bear=lender_bear, lender_forfeited=lender_forfeited, lender_unfunded=lender_unfunded,
                  lender_recovered=lender_recovered, guarantor_bear=guarantor_bear,
                  guarantor_recovered=guarantor_recovered, exhausted_year=exhausted_year)
    if model.record_claims:
        result["claims_record"] = records
    return result


# ------------------------------------------------------------------ the run: local or Dask

def strata_for(seed: int, horizon: int, scenarios: int,
               tail_focus: tuple[float, float] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each scenario's stratum of the factor's probability scale per year — (lower bound, width), both
    years × scenarios — and the scenario's weight. One stratum per scenario, shuffled per year (Latin
    hypercube). With ``tail_focus`` (α, share), year 1 puts that share of the scenarios in [0, α) — the worst
    factor values — and the rest in [α, 1); weights restore the true probabilities."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(0,))))
    lo = np.empty((horizon, scenarios))
    width = np.full((horizon, scenarios), 1.0 / scenarios)
    weights = np.full(scenarios, 1.0 / scenarios)
    for t in range(horizon):
        perm = rng.permutation(scenarios)
        lo[t] = perm / scenarios
        if t == 0 and tail_focus is not None:
            alpha, share = tail_focus
            k = min(scenarios - 1, max(1, int(round(scenarios * share))))
            tail = perm < k
            rank = np.where(tail, perm, perm - k)
            lo[t] = np.where(tail, alpha * rank / k, alpha + (1 - alpha) * rank / (scenarios - k))
            width[t] = np.where(tail, alpha / k, (1 - alpha) / (scenarios - k))
            weights = np.where(tail, alpha / k, (1 - alpha) / (scenarios - k))
    return lo, width, weights


def batches(model: Model, scenarios: int) -> list[tuple[int, int, int]]:
    bs = model.batch_size
    return [(i, j, min(scenarios, j + bs)) for i, j in enumerate(range(0, scenarios, bs))]


@dataclass
class Results:
    model: Model
    scenarios: int
    seed: int
    data: dict[str, np.ndarray] = field(default_factory=dict)

    def __getitem__(self, key: str) -> np.ndarray:
        return self.data[key]


def _merge(parts: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    merged: dict[str, np.ndarray] = {}
    for k in parts[0]:
        if k == "claims_record":
            continue
        merged[k] = np.concatenate([p[k] for p in parts])
    if "claims_record" in parts[0]:
        merged["claims_record"] = [p["claims_record"] for p in parts]  # type: ignore[assignment]
    return merged


def simulate(model: Model, scenarios: int, seed: int, *, client: Any = None,
             progress: Callable[[int], None] | None = None) -> Results:
    """Run ``scenarios`` scenarios, locally or on a dask.distributed ``client``; same numbers either way."""
    if not 1 <= scenarios <= 10_000_000:
        raise SimInputError("(command line)", "--scenarios", "a number of scenarios from 1 to 10,000,000", scenarios)
    lo, width, weights = strata_for(seed, model.horizon, scenarios, model.tail_focus)
    plan = batches(model, scenarios)
    parts: list[dict[str, Any]] = [None] * len(plan)  # type: ignore[list-item]
    if client is None:
        for i, j0, j1 in plan:
            parts[i] = run_batch(model, i, (lo[:, j0:j1], width[:, j0:j1]), scenarios, seed)
            if progress:
                progress(j1 - j0)
    else:
        from dask.distributed import as_completed
        m = client.scatter(model, broadcast=True)
        futures = [client.submit(run_batch, m, i, (lo[:, j0:j1], width[:, j0:j1]), scenarios, seed, pure=False)
                   for i, j0, j1 in plan]
        index = {f.key: k for k, f in enumerate(futures)}
        for f in as_completed(futures):
            k = index[f.key]
            parts[k] = f.result()
            if progress:
                progress(plan[k][2] - plan[k][1])
    data = _merge(parts)
    data["weight"] = weights
    return Results(model=model, scenarios=scenarios, seed=seed, data=data)
