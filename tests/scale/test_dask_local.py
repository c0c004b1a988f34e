"""to_dask without a distributed client: the local threaded and sync schedulers (issue 20:
the local request budget could not be hashed into the graph, so every such read failed)."""

from __future__ import annotations

import pickle
import time
from typing import Any

import pandas as pd
import pytest

import synapse_nb as snb
from synapse_nb.client import SynapseClient
from synapse_nb.scale.engines import LocalGraphBudget

pytest.importorskip("dask.dataframe", reason="the [dask] extra is not installed")


@pytest.fixture
def no_distributed_client() -> None:
    try:
        from distributed import default_client
    except ImportError:
        return
    with pytest.raises(ValueError):
        default_client()  # this test is about the scheduler Dask uses without one


@pytest.mark.parametrize("scheduler", ["threads", "sync"])
def test_to_dask_runs_on_the_local_schedulers(client: SynapseClient, no_distributed_client: None,
                                              scheduler: str) -> None:
    expected = snb.tasks_frame(client, project=1, progress=False)
    ddf = snb.to_dask(client, "tasks", project=1, partition_rows=400, page_size=200)
    got = ddf.compute(scheduler=scheduler)
    pd.testing.assert_frame_equal(got, expected.sort_index())


def test_the_local_budget_bounds_the_threads(make_server: Any, no_distributed_client: None) -> None:
    server = make_server(scale=200, latency_ms=100)
    with SynapseClient(server.base_url, access_token=server.access_token) as c:
        ddf = snb.to_dask(c, "tasks", project=1, partition_rows=25, page_size=25,
                          requests_in_flight=1)
        pages = ddf.npartitions
        started = time.perf_counter()
        got = ddf.compute(scheduler="threads", num_workers=4)
        elapsed = time.perf_counter() - started
        assert len(got) == len(snb.tasks_frame(c, project=1, progress=False))
    # one slot: the 100 ms requests of four threads cannot overlap
    assert elapsed >= 0.1 * pages


def test_the_budget_hashes_by_its_id_and_travels_as_one_of_the_same_size() -> None:
    from dask.base import tokenize

    a, b = LocalGraphBudget(3), LocalGraphBudget(3)
    assert tokenize(a) == tokenize(a) != tokenize(b)
    copy = pickle.loads(pickle.dumps(a))
    assert copy.budget.requests == 3 and tokenize(copy) == tokenize(a)
    with copy.slot():
        assert copy.budget.in_flight == 1
