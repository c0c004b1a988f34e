"""Fixtures for the scale-out tests: a client of the shared live server, a Dask cluster."""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from synapse_nb.client import SynapseClient


@pytest.fixture(scope="module")
def client(live_server: Any) -> Iterator[SynapseClient]:
    with SynapseClient(live_server.base_url, access_token=live_server.access_token) as c:
        yield c


@pytest.fixture(scope="module")
def dask_cluster() -> Iterator[Any]:
    """Two worker processes, one thread each: the shape of a small real cluster."""
    distributed = pytest.importorskip("distributed", reason="the [dask] extra is not installed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", silence_logs=40)
    with distributed.Client(cluster) as dask_client:
        yield dask_client
    cluster.close()
