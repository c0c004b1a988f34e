"""One file at a time: sending it (multipart or chunked) through the client; error reasons.

Kept apart from the orchestration in :mod:`.folder` so the client-facing calls
live in one place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

__all__ = ["send_file", "error_reason"]


def error_reason(err: BaseException) -> str:
    """A short, token-free reason for the report: status and the server's detail."""
    status = getattr(err, "status_code", None) or getattr(err, "status", None)
    detail = getattr(err, "detail", None) or getattr(err, "reason", None)
    if status and detail:
        return f"server refused ({status}): {detail}"
    if status:
        return f"server refused ({status}): {err}"
    if isinstance(err, OSError):
        return f"cannot read file: {err.strerror or err}"
    return f"{type(err).__name__}: {err}"


def send_file(
    client: Any,
    path: Path,
    size: int,
    *,
    chunked: bool,
    chunk_size: int | None = None,
    on_bytes: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Store one file on the server and return the data file (``id``, ``checksum``, ...).

    Small files go as one multipart ``POST data_files/``; large ones through the
    client's chunked upload (which keeps its own resume journal, so a half-sent
    file continues at the server's offset), then ``POST data_files/`` with the
    upload id. ``on_bytes(n)`` is called with each increment of bytes sent.
    """
    if not chunked:
        # Explicit False: the client would otherwise apply its own size threshold.
        out = client.create_data_file(path, use_chunked_upload=False)
        if on_bytes:
            on_bytes(size)
        return dict(out)

    last = 0

    def progress(done: int, total: int | None = None) -> None:
        # The client reports the running offset; the bar wants increments.
        nonlocal last
        if on_bytes and done > last:
            on_bytes(done - last)
        last = max(last, done)

    kwargs: dict[str, Any] = {"use_chunked_upload": True, "on_progress": progress}
    if chunk_size:
        kwargs["chunk_size"] = int(chunk_size)
    out = client.create_data_file(path, **kwargs)
    if on_bytes and size > last:
        on_bytes(size - last)
    return dict(out)
