"""Fixtures for the quality tests: a client on the shared live server (demo scale 2000)."""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from synapse_nb.client import SynapseClient


@pytest.fixture(scope="module")
def client(live_server: Any) -> Iterator[SynapseClient]:
    with SynapseClient(live_server.base_url, access_token=live_server.access_token) as c:
        yield c
