"""Request bodies the server refuses before any route reads them.

- A body other than a file upload (multipart, octet-stream: those have their own limit,
  ``max_upload_bytes``, and are spooled to disk) larger than ``settings.max_json_bytes``
  answers 413, whether or not it declares a ``Content-Length``: it is never held whole.
- A JSON body with ``NaN``, ``Infinity`` or ``-Infinity`` answers 400. They are not JSON
  (RFC 8259); Python's parser accepts them and SQLite would store them as null.

>>> _has_constants(b'{"score": NaN}'), _has_constants(b'{"name": "NaN"}')
(True, False)
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from .settings import Settings

__all__ = ["BodyLimitMiddleware"]

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_FILE_TYPES = (b"multipart/", b"application/octet-stream")


class _Constant(ValueError):
    pass


def _reject_constant(name: str) -> float:
    raise _Constant(name)


def _has_constants(body: bytes) -> bool:
    """True when ``body`` is JSON that only parses with NaN/Infinity as numbers."""
    if b"NaN" not in body and b"Infinity" not in body:
        return False  # the common case costs one scan, no parse
    try:
        json.loads(body, parse_constant=_reject_constant)
    except _Constant:
        return True
    except ValueError:
        return False  # not JSON at all: the route says so in its own words
    return False


async def _answer(send: Send, status: int, detail: str) -> None:
    body = orjson.dumps({"detail": detail})
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    """ASGI middleware: bounded non-file bodies, and no NaN/Infinity in JSON."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]],
                 settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if headers.get(b"content-type", b"").lower().startswith(_FILE_TYPES):
            await self.app(scope, receive, send)
            return
        limit = self.settings.max_json_bytes
        too_large = f"Request body too large: at most {limit} bytes (send files as multipart)."
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > limit:
            await _answer(send, 413, too_large)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > limit:
                await _answer(send, 413, too_large)
                return
            if not message.get("more_body", False):
                break
        if _has_constants(bytes(body)):
            await _answer(send, 400, "NaN and Infinity are not valid JSON numbers; send null "
                                     "or a finite number.")
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)
