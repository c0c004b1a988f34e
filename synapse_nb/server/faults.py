"""Fault injection as a pure ASGI middleware: added latency, 429 and 503 answers.

It reads ``app.state.settings`` on every request, so tests can switch faults while the
server runs. 429 answers carry ``Retry-After``.

>>> server.settings.rate_503 = 0.2     # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

import orjson

__all__ = ["FaultMiddleware"]

_SKIP = ("/openapi.json", "/docs", "/redoc", "/health")


class FaultMiddleware:
    """Wraps the app; on each HTTP request maybe sleeps, maybe answers 429/503 itself."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._rng = random.Random()
        self._seed: object = object()

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


async def _answer(send: Any, status: int, detail: str, headers: list) -> None:
    body = orjson.dumps({"detail": detail})
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()), *headers]})
    await send({"type": "http.response.body", "body": body})
