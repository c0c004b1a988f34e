"""Client test fixtures: one test body runs against the sync and the async client.

``api`` is a :class:`Driver` over ``SynapseClient`` or ``AsyncSynapseClient`` (on a
private event loop), connected to the session's live reference server; ``api.x(...)``
calls method ``x`` and returns its result, with ``list_all=True`` iterators collected
into lists, so assertions are the same for both.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any, Callable, Iterator

import pytest

from synapse_nb.client import AsyncSynapseClient, SynapseClient


class Driver:
    """Calls a sync or async client the same way (see the module docstring)."""

    def __init__(self, kind: str, client_kwargs: dict[str, Any]) -> None:
        self.kind = kind
        self.loop = asyncio.new_event_loop() if kind == "async" else None
        cls = AsyncSynapseClient if kind == "async" else SynapseClient
        self.client = cls(**client_kwargs)

    def run(self, value: Any) -> Any:
        if inspect.isawaitable(value):
            assert self.loop is not None
            return self.loop.run_until_complete(value)
        return value

    def collect(self, iterator: Any) -> list[Any]:
        if hasattr(iterator, "__aiter__"):
            async def gather() -> list[Any]:
                return [x async for x in iterator]
            return self.run(gather())
        return list(iterator)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self.client, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            result = method(*args, **kwargs)
            if self.kind == "async":
                assert inspect.iscoroutine(result), f"{name} must be a coroutine on the async client"
            result = self.run(result)
            if kwargs.get("list_all") and isinstance(result, tuple):
                it, count = result
                return self.collect(it), count
            return result
        return call

    def close(self) -> None:
        if self.kind == "async":
            self.run(self.client.aclose())
            assert self.loop is not None
            self.loop.close()
        else:
            self.client.close()


@pytest.fixture(params=["sync", "async"])
def make_api(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Callable[..., Driver]]:
    made: list[Driver] = []

    def make(server: Any, **kwargs: Any) -> Driver:
        kwargs.setdefault("base_url", server.base_url)
        kwargs.setdefault("access_token", server.access_token)
        kwargs.setdefault("cache_dir", tmp_path / "cache")
        driver = Driver(request.param, kwargs)
        made.append(driver)
        return driver

    yield make
    for d in made:
        d.close()


@pytest.fixture
def api(make_api: Callable[..., Driver], live_server: Any) -> Driver:
    """Sync and async client (two runs of each test) on the shared live server."""
    return make_api(live_server)
