"""A fixed seed gives the same numbers: twice on one machine, and on a Dask cluster (LocalCluster with two
worker processes), because every batch draws from its own stream and the factor's strata are fixed first."""

from __future__ import annotations

import numpy as np
import pytest

from riskpool.policy import load_program
from riskpool.sim.credit import load_credit_model
from riskpool.sim.model import build_model, simulate
from riskpool.sim.portfolio import load_portfolio


@pytest.fixture(scope="module")
def model():
    from pathlib import Path
    examples = Path(__file__).resolve().parents[2] / "examples" / "simulate"
    program = load_program("pingluo-puhui-yidai")
    book = load_portfolio(examples / "pingluo-book.yaml", volume_fen=8_000_000_00 * 62, seed=3,
                          default_as_of=program.effective.start)
    credit = load_credit_model(examples / "params.yaml")
    return build_model(program, book, credit, fund_size=8_000_000_00, horizon=4, seed=3, batch_size=40)


def same(a, b):
    assert a.keys() == b.keys()
    for k in a:
        assert np.array_equal(a[k], b[k]), k


def test_same_seed_same_numbers_and_another_seed_other_numbers(model):
    a = simulate(model, 150, 11)
    b = simulate(model, 150, 11)
    same(a.data, b.data)
    c = simulate(model, 150, 12)
    assert not np.array_equal(a["payout"], c["payout"])
    assert a["payout"].sum() > 0 and a["forfeited"].sum() > 0  # the run did exercise the rate cap


def test_dask_local_cluster_gives_identical_results(model):
    distributed = pytest.importorskip("dask.distributed")
    local = simulate(model, 150, 11)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        remote = simulate(model, 150, 11, client=client)
    assert len(range(0, 150, model.batch_size)) > 2  # several batches, spread over the workers
    same(local.data, remote.data)
