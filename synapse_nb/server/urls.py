"""Absolute URLs: the server's base URL for a request, and signed file URLs.

File URLs need no auth headers, like presigned storage URLs: ``/media/<path>?sig=<hmac>``.
The key lives in the database, so URLs stay valid across restarts of the same file.

>>> signer = Signer(b"k")
>>> signer.relative("demo/1/7/image_1.png").startswith("media/demo/1/7/image_1.png?sig=")
True
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import quote

from fastapi import Request

__all__ = ["Signer", "base_url"]


class Signer:
    """HMAC signatures for file paths below the data folder."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def sign(self, path: str) -> str:
        return hmac.new(self._key, path.encode(), hashlib.sha256).hexdigest()[:32]

    def check(self, path: str, sig: str | None) -> bool:
        if not sig:
            return False
        # bytes, so a non-ASCII signature is simply wrong (compare_digest refuses such str)
        return hmac.compare_digest(self.sign(path).encode(), sig.encode("utf-8", "replace"))

    def relative(self, path: str) -> str:
        """``media/<path>?sig=...``, to be joined to the base URL."""
        return f"media/{quote(path)}?sig={self.sign(path)}"


def base_url(request: Request) -> str:
    """``http://host:port`` as the client reached us (or the configured public URL)."""
    public = request.app.state.settings.public_url
    if public:
        return public.rstrip("/")
    return str(request.base_url).rstrip("/")
