"""Fixtures for the upload tests (the in-memory client is in upload_helpers.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
from upload_helpers import FakeClient, make_tree, sync_client_class


@pytest.fixture
def fake() -> FakeClient:
    return FakeClient()


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return make_tree(tmp_path / "data")


@pytest.fixture(autouse=True)
def _quiet_tqdm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TQDM_DISABLE", "1")


@pytest.fixture
def client(live_server: Any) -> Iterator[Any]:
    """A sync client on the shared demo server (tenant acme)."""
    SynapseClient = sync_client_class()

    c = SynapseClient(base_url=live_server.base_url, access_token=live_server.access_token)
    yield c
    c.close()

