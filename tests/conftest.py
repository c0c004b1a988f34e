"""Shared live-server fixtures (the reference Synapse server over loopback).

- ``live_server``: one server for the whole session, demo data at scale 2000. Shared by
  every test in the repo: tests that write create their own objects and never assume
  global counts stay unchanged.
- ``make_server(scale=200, **settings) -> ServerHandle``: an isolated server with its own
  temporary database and data folder, stopped at teardown; for tests that mutate data or
  inject faults (``server.settings.rate_429 = 0.5`` works while it runs).

A ``ServerHandle`` has ``base_url`` (no trailing slash), ``access_token`` (tenant acme),
``other_access_token`` (tenant globex), ``settings`` and ``db``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from synapse_nb.server import Settings
from synapse_nb.server.testing import ServerHandle, start_server

LIVE_SCALE = 2000


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    root = tmp_path_factory.mktemp("live-server")
    handle = start_server(Settings(db_path=root / "synapse.db", data_dir=root / "data",
                                   demo=True, scale=LIVE_SCALE))
    yield handle
    handle.stop()


@pytest.fixture(scope="session")
def _stopping_servers() -> Iterator[list[ServerHandle]]:
    """Servers asked to stop; joined once at the end so teardowns need not wait for each."""
    stopping: list[ServerHandle] = []
    yield stopping
    for handle in stopping:
        handle.stop()


@pytest.fixture
def make_server(tmp_path_factory: pytest.TempPathFactory, _stopping_servers: list[ServerHandle]
                ) -> Iterator[Callable[..., ServerHandle]]:
    started: list[ServerHandle] = []

    def make(scale: int = 200, **settings: Any) -> ServerHandle:
        root: Path = tmp_path_factory.mktemp("server")
        settings.setdefault("demo", True)
        handle = start_server(Settings(db_path=root / "synapse.db", data_dir=root / "data",
                                       scale=scale, **settings))
        started.append(handle)
        return handle

    yield make
    for handle in started:
        if handle._server is not None:
            handle._server.should_exit = True
        _stopping_servers.append(handle)
