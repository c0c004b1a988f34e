"""Shared live-server fixtures (the reference Synapse server over loopback).

- ``live_server``: one server for the whole session, demo data at scale 2000. Shared by
  every test in the repo: tests that write create their own objects and never assume
  global counts stay unchanged.
- ``make_server(scale=200, **settings) -> ServerHandle``: an isolated server with its own
  temporary database and data folder, stopped at teardown; for tests that mutate data or
  inject faults (``server.settings.rate_429 = 0.5`` works while it runs).

A ``ServerHandle`` has ``base_url`` (no trailing slash), ``access_token`` (tenant acme),
``other_access_token`` (tenant globex), ``settings`` and ``db``.

A hostile server (``tests/hostile.py``: the reference server's answers tampered with on
the way, for client, datasets and ML tests):

- ``hostile_transport(*tamperings) -> HostileTransport``: sync and async; closed at teardown;
- ``hostile_client(*tamperings, server=live_server) -> SynapseClient``: a sync client;
- ``repeating_cursor_client``: a sync client on the live server whose list pages all
  repeat one ``next`` link / ``next_cursor`` (and drop v1's ``count``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from synapse_nb.server import Settings
from synapse_nb.server.testing import ServerHandle, start_server
from tests.hostile import HostileTransport, RepeatingCursor, Tampering

LIVE_SCALE = 2000


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    root = tmp_path_factory.mktemp("live-server")
    handle = start_server(Settings(db_path=root / "synapse.db", data_dir=root / "data",
                                   demo=True, scale=LIVE_SCALE))
    yield handle
    handle.stop()


@pytest.fixture(scope="module")
def clients(live_server: ServerHandle) -> Iterator[tuple[Any, Any]]:
    """A v1 and a v2 client of the live demo server (frames compared across the two APIs)."""
    from synapse_nb.client import SynapseClient

    v1 = SynapseClient(live_server.base_url, access_token=live_server.access_token)
    v2 = SynapseClient(live_server.base_url, access_token=live_server.access_token, api="v2")
    yield v1, v2
    v1.close()
    v2.close()


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


@pytest.fixture
def hostile_transport() -> Iterator[Callable[..., HostileTransport]]:
    """``make(*tamperings)``: a transport that forwards to the real server and lets the
    tamperings (``tests/hostile.py``) rewrite its answers. Pass it as ``transport=`` to
    ``SynapseClient`` or ``AsyncSynapseClient``."""
    made: list[HostileTransport] = []

    def make(*tamperings: Tampering) -> HostileTransport:
        made.append(HostileTransport(*tamperings))
        return made[-1]

    yield make
    for transport in made:
        transport.close()


@pytest.fixture
def hostile_client(live_server: ServerHandle, hostile_transport: Callable[..., HostileTransport]
                   ) -> Iterator[Callable[..., Any]]:
    """``make(*tamperings, server=None)``: a sync ``SynapseClient`` on ``server`` (the live
    server by default) whose answers the tamperings rewrite; ``client.hostile`` is its
    transport (append tamperings to it mid-test). Closed at teardown."""
    from synapse_nb.client import SynapseClient

    clients: list[Any] = []

    def make(*tamperings: Tampering, server: ServerHandle | None = None) -> Any:
        server = server or live_server
        transport = hostile_transport(*tamperings)
        client = SynapseClient(server.base_url, access_token=server.access_token,
                               transport=transport)
        client.hostile = transport
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def repeating_cursor_client(hostile_client: Callable[..., Any]) -> Any:
    """A sync client on the live server whose every list page repeats the first ``next``
    link (v1) or ``next_cursor`` (v2) of its path and has no ``count``: a walk that does
    not check it advanced never ends (``client.hostile.tamperings[0].pages`` counts the
    repeated pages served)."""
    return hostile_client(RepeatingCursor(drop_count=True))
