"""to_dask on a LocalCluster with worker processes, against the reference server."""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any

import pandas as pd
import pytest

import synapse_nb as snb
from synapse_nb.client import SynapseClient
from synapse_nb.frames.annotations import ANNOTATION_COLUMNS

dd = pytest.importorskip("dask.dataframe", reason="the [dask] extra is not installed")

FRAMES = {"tasks": snb.tasks_frame, "assignments": snb.assignments_frame}


@pytest.mark.parametrize("resource", sorted(FRAMES))
def test_ids_dtypes_and_values_equal_the_frame(client: SynapseClient, dask_cluster: Any,
                                               resource: str) -> None:
    expected = FRAMES[resource](client, project=1, progress=False)
    ddf = snb.to_dask(client, resource, project=1, partition_rows=400, page_size=100)
    assert ddf.npartitions == -(-len(expected) // 400)
    got = ddf.compute()
    assert got.index.name == "id" and got.index.is_monotonic_increasing
    assert list(got.dtypes.astype(str)) == list(expected.dtypes.astype(str))
    pd.testing.assert_frame_equal(got, expected.sort_index())


def test_annotations_equal_annotations_frame(client: SynapseClient, dask_cluster: Any) -> None:
    expected = snb.annotations_frame(client, project=1, progress=False)
    got = snb.to_dask(client, "annotations", project=1, partition_rows=500, page_size=250).compute()
    assert list(got.columns) == [c.name for c in ANNOTATION_COLUMNS]
    key = ["source_id", "index"]
    pd.testing.assert_frame_equal(got.sort_values(key).reset_index(drop=True),
                                  expected.sort_values(key).reset_index(drop=True))


def test_the_token_is_in_no_repr_or_graph_text(client: SynapseClient) -> None:
    ddf = snb.to_dask(client, "tasks", project=1, partition_rows=1000)
    token = client.config.access_token
    assert token and token not in repr(ddf) and token not in ddf._name
    graph = ddf.__dask_graph__()
    assert token not in str(dict(graph)) and token not in repr(graph)


def test_rows_added_during_the_read_are_neither_lost_nor_doubled(make_server: Any) -> None:
    server = make_server(scale=200, latency_ms=30)
    with SynapseClient(server.base_url, access_token=server.access_token) as c:
        before = set(snb.tasks_frame(c, project=1, progress=False).index)
        ddf = snb.to_dask(c, "tasks", project=1, partition_rows=100, page_size=50)
        unit = c.list_tasks({"project": 1, "page_size": 1})["results"][0]["data_unit"]
        unit = unit["id"] if isinstance(unit, dict) else unit
        adder = threading.Thread(target=lambda: [c.create_tasks([{"project": 1, "data_unit": unit}])
                                                 for _ in range(20)])
        adder.start()
        got = ddf.compute(scheduler="threads")
        adder.join()
        after = set(snb.tasks_frame(c, project=1, progress=False).index)
    assert got.index.is_unique
    assert before <= set(got.index) <= after
    assert len(after) == len(before) + 20


def test_a_worker_killed_mid_read_and_the_result_is_still_right(make_server: Any,
                                                                 dask_cluster: Any) -> None:
    server = make_server(scale=200, latency_ms=60)
    with SynapseClient(server.base_url, access_token=server.access_token) as c:
        expected = snb.tasks_frame(c, project=1, progress=False)
        ddf = snb.to_dask(c, "tasks", project=1, partition_rows=50, page_size=25)
        future = dask_cluster.compute(ddf)
        time.sleep(1.0)  # partitions are being read on both workers
        pid = next(iter(dask_cluster.run(os.getpid).values()))
        os.kill(pid, signal.SIGKILL)
        got = future.result(timeout=240)
    pd.testing.assert_frame_equal(got, expected.sort_index())


def test_the_request_budget_bounds_requests_across_workers(make_server: Any,
                                                            dask_cluster: Any) -> None:
    server = make_server(scale=200, latency_ms=100)
    with SynapseClient(server.base_url, access_token=server.access_token) as c:
        ddf = snb.to_dask(c, "tasks", project=1, partition_rows=50, page_size=50,
                          requests_in_flight=1)
        pages = ddf.npartitions + 1  # the last partition ends on an empty or short page
        started = time.perf_counter()
        ddf.compute()
        one_at_a_time = time.perf_counter() - started
    # with one slot the requests of 100 ms each cannot overlap, though two workers read at
    # once: without the budget the two workers would take about half this
    assert one_at_a_time >= 0.1 * (pages - 1)
