"""Fixtures for the upload tests (the in-memory client is in upload_helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from upload_helpers import FakeClient, make_tree


@pytest.fixture
def fake() -> FakeClient:
    return FakeClient()


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return make_tree(tmp_path / "data")


@pytest.fixture(autouse=True)
def _quiet_tqdm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TQDM_DISABLE", "1")
