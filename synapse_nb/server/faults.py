"""Fault injection as a pure ASGI middleware: added latency, 429 and 503 answers.

It reads ``app.state.settings`` on every request, so tests can switch faults while the
server runs. 429 answers carry ``Retry-After``.

Two kinds of 429:

- ``rate_429`` / ``rate_503``: a share of requests refused at random, whatever the load;
- the **rate-limit profile**, a backend of limited capacity as production ones are:
  ``capacity`` requests are served at once (each taking ``latency_ms``); more wait in a
  queue, so latency rises with the load; when ``queue_limit`` requests already wait, the
  next one answers 429 with ``Retry-After``. Any concurrency from ``capacity`` to
  ``capacity + queue_limit`` gets the most throughput; beyond, requests are refused.

>>> server.settings.rate_503 = 0.2                                     # doctest: +SKIP
>>> server.settings.capacity, server.settings.queue_limit = 4, 4       # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from typing import Any

import orjson

__all__ = ["FaultMiddleware", "RateLimitStats"]

_SKIP = ("/openapi.json", "/docs", "/redoc", "/health")


@dataclass
class RateLimitStats:
    """Requests the rate-limit profile served and refused (``app.state.rate_limit``)."""

    served: int = 0
    refused: int = 0


class FaultMiddleware:
    """Wraps the app; on each HTTP request maybe sleeps, maybe answers 429/503 itself."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._rng = random.Random()
        self._seed: object = object()
        self._workers: asyncio.Semaphore | None = None
        self._capacity = 0
        self._waiting = 0

    def _draw(self, settings: Any) -> float:
        if settings.fault_seed != self._seed:
            self._seed = settings.fault_seed
            self._rng = random.Random(settings.fault_seed)
        return self._rng.random()

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith(_SKIP):
            await self.app(scope, receive, send)
            return
        settings = scope["app"].state.settings
        if settings.capacity > 0:
            await self._limited(settings, scope, receive, send)
            return
        if settings.latency_ms > 0:
            await asyncio.sleep(settings.latency_ms / 1000)
        if settings.rate_429 > 0 or settings.rate_503 > 0:
            draw = self._draw(settings)
            if draw < settings.rate_429:
                await _answer(send, 429, "Request was throttled. Expected available in "
                              f"{settings.retry_after} seconds.",
                              [(b"retry-after", str(settings.retry_after).encode())])
                return
            if draw < settings.rate_429 + settings.rate_503:
                await _answer(send, 503, "Service temporarily unavailable, try again later.", [])
                return
        await self.app(scope, receive, send)


    async def _limited(self, settings: Any, scope: dict, receive: Any, send: Any) -> None:
        """The rate-limit profile (see the module docstring)."""
        if self._workers is None or self._capacity != settings.capacity:
            self._capacity, self._workers = settings.capacity, asyncio.Semaphore(settings.capacity)
        workers = self._workers
        state = scope["app"].state
        stats = getattr(state, "rate_limit", None)
        if stats is None:
            state.rate_limit = stats = RateLimitStats()
        if workers.locked() and self._waiting >= settings.queue_limit:
            stats.refused += 1
            await _answer(send, 429, "Request was throttled. Expected available in "
                          f"{settings.retry_after} seconds.",
                          [(b"retry-after", str(settings.retry_after).encode())])
            return
        self._waiting += 1
        try:
            await workers.acquire()
        finally:
            self._waiting -= 1
        try:
            stats.served += 1
            if settings.latency_ms > 0:
                await asyncio.sleep(settings.latency_ms / 1000)
            await self.app(scope, receive, send)
        finally:
            workers.release()


async def _answer(send: Any, status: int, detail: str, headers: list) -> None:
    body = orjson.dumps({"detail": detail})
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()), *headers]})
    await send({"type": "http.response.body", "body": body})
