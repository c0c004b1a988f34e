"""Fixtures for the dataset tests: a client on the shared live server, snapshots of its
ground-truth versions (2: boxes, project 1; 3: polygons, project 2), made once per module."""

from __future__ import annotations

import warnings
from typing import Any, Iterator

import pytest

from synapse_nb.client import SynapseClient
from synapse_nb.datasets import Snapshot, snapshot

warnings.filterwarnings("ignore", message=".*OpenCV.*")  # supervision's numpy fallback is fine


@pytest.fixture(scope="module")
def client(live_server: Any) -> Iterator[SynapseClient]:
    with SynapseClient(live_server.base_url, access_token=live_server.access_token) as c:
        yield c


@pytest.fixture(scope="module")
def boxes(client: SynapseClient) -> Snapshot:
    return snapshot(client, ground_truth_dataset_version=2, progress=False)


@pytest.fixture(scope="module")
def polygons(client: SynapseClient) -> Snapshot:
    return snapshot(client, ground_truth_dataset_version=3, progress=False)
