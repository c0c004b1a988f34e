"""One request budget for a whole job: requests in flight bounded across every worker.

Scaling out must never turn into a storm against the backend: a partition read holds a
slot while it sends its requests (one at a time), so no more than ``requests`` are in
flight across the job. The budget lives where the engine can share it:

- :class:`LocalBudget`: threads of one process (``threading.BoundedSemaphore``);
- :class:`DaskBudget`: every worker of a Dask cluster (``distributed.Semaphore``);
- :class:`RayBudget`: every Ray worker (a small async actor holding the count).

429 answers are honoured by each client's retry policy and its adaptive limit
(``Retry-After``, :mod:`synapse_nb.client.limiter`), on top.

Example:
    >>> budget = LocalBudget(2)
    >>> with budget.slot():
    ...     budget.in_flight
    1
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Iterator, Protocol

__all__ = ["RequestBudget", "LocalBudget", "DaskBudget", "RayBudget", "DEFAULT_REQUESTS_IN_FLIGHT"]

#: the client's own default for one process (client.base.DEFAULT_MAX_CONCURRENCY)
DEFAULT_REQUESTS_IN_FLIGHT = 16


class RequestBudget(Protocol):
    """What a partition read needs: a slot per request."""

    def slot(self) -> Any: ...


class LocalBudget:
    """A budget for the threads of one process; records the most slots ever held."""

    def __init__(self, requests: int = DEFAULT_REQUESTS_IN_FLIGHT) -> None:
        if requests < 1:
            raise ValueError(f"a request budget needs at least 1 request in flight, got {requests}")
        self.requests = requests
        self._sem = threading.BoundedSemaphore(requests)
        self._lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0

    @contextmanager
    def slot(self) -> Iterator[None]:
        with self._sem:
            with self._lock:
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
            try:
                yield
            finally:
                with self._lock:
                    self.in_flight -= 1

    def __repr__(self) -> str:
        return f"LocalBudget(requests={self.requests})"


class DaskBudget:
    """A budget shared by every worker of a Dask cluster (``distributed.Semaphore``)."""

    def __init__(self, requests: int = DEFAULT_REQUESTS_IN_FLIGHT, *, name: str | None = None) -> None:
        import uuid  # noqa: PLC0415

        from distributed import Semaphore  # noqa: PLC0415 (the [dask] extra)

        self.requests = requests
        self.semaphore = Semaphore(max_leases=requests,  # type: ignore[no-untyped-call]
                                   name=name or f"synapse-nb-{uuid.uuid4().hex}")

    def slot(self) -> Any:
        return self.semaphore

    def __repr__(self) -> str:
        return f"DaskBudget(requests={self.requests})"


class RayBudget:
    """A budget shared by every Ray worker: an async actor counting slots."""

    def __init__(self, requests: int = DEFAULT_REQUESTS_IN_FLIGHT) -> None:
        import ray  # noqa: PLC0415 (the [ray] extra)

        self.requests = requests
        self.actor: Any = ray.remote(_SlotCounter).options(max_concurrency=1000).remote(requests)

    @contextmanager
    def slot(self) -> Iterator[None]:
        import ray  # noqa: PLC0415

        ray.get(self.actor.acquire.remote())
        try:
            yield
        finally:
            self.actor.release.remote()

    def max_in_flight(self) -> int:
        import ray  # noqa: PLC0415

        return int(ray.get(self.actor.peak.remote()))

    def __repr__(self) -> str:
        return f"RayBudget(requests={self.requests})"


class _SlotCounter:
    """The actor behind :class:`RayBudget` (async: waiting callers do not block it)."""

    def __init__(self, requests: int) -> None:
        import asyncio  # noqa: PLC0415

        self._sem = asyncio.Semaphore(requests)
        self._held = 0
        self._peak = 0

    async def acquire(self) -> None:
        await self._sem.acquire()
        self._held += 1
        self._peak = max(self._peak, self._held)

    async def release(self) -> None:
        self._held -= 1
        self._sem.release()

    async def peak(self) -> int:
        return self._peak
