"""When to send a request again, and how long to wait first (no I/O here).

Repeating is only done where it is safe:

- 429 on any method: the server refused before doing anything; ``Retry-After`` is honoured.
- 502 / 503 / 504 and dropped connections (read errors) only for idempotent requests:
  GET, HEAD, OPTIONS, PUT (an annotation saved twice is the same annotation; a chunk PUT
  names its byte range) and DELETE.
- Connect errors on any method: the server never received the request.
- A read timeout (the server took the request but did not answer in time) is retried
  once only: a hung backend should cost about two timeouts, not four.

Waits grow 0.5 s, 1 s, 2 s, ... capped at 8 s, with jitter so that many threads do not
retry in lockstep.

>>> p = RetryPolicy(max_retries=3, jitter=0)
>>> p.delay_for_status("POST", 503, attempt=0, retry_after=None) is None   # a create: not safe
True
>>> p.delay_for_status("GET", 503, attempt=1, retry_after=None)
1.0
>>> p.delay_for_status("POST", 429, attempt=0, retry_after="2")
2.0
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import httpx

__all__ = ["RetryPolicy", "IDEMPOTENT_METHODS"]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({502, 503, 504})


def _parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:  # an HTTP date
        when = parsedate_to_datetime(value)
        return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
    except (TypeError, ValueError):
        return None


@dataclass
class RetryPolicy:
    """Retry decisions: ``delay_for_*`` return seconds to wait, or None to give up."""

    max_retries: int = 3
    initial_delay: float = 0.5
    max_delay: float = 8.0
    #: ``Retry-After`` above this is not waited for (the error is raised instead)
    max_retry_after: float = 60.0
    jitter: float = 0.25

    def _backoff(self, attempt: int) -> float:
        delay = min(self.max_delay, self.initial_delay * 2.0**attempt)
        if self.jitter:
            delay *= 1 - self.jitter * random.random()
        return delay

    def delay_for_status(self, method: str, status: int, *, attempt: int,
                         retry_after: str | None, idempotent: bool | None = None) -> float | None:
        """Delay before retry ``attempt + 1`` after an answer with ``status``."""
        if attempt >= self.max_retries:
            return None
        if idempotent is None:
            idempotent = method.upper() in IDEMPOTENT_METHODS
        if status == 429:
            after = _parse_retry_after(retry_after)
            if after is not None:
                return after if after <= self.max_retry_after else None
            return self._backoff(attempt)
        if status in RETRY_STATUSES and idempotent:
            after = _parse_retry_after(retry_after)
            if after is not None and after <= self.max_retry_after:
                return after
            return self._backoff(attempt)
        return None

    def delay_for_error(self, method: str, exc: Exception, *, attempt: int,
                        idempotent: bool | None = None) -> float | None:
        """Delay before a retry after a transport error (no answer)."""
        if attempt >= self.max_retries:
            return None
        if idempotent is None:
            idempotent = method.upper() in IDEMPOTENT_METHODS
        # The request never reached the server: safe for every method.
        if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)):
            return self._backoff(attempt)
        if isinstance(exc, httpx.ReadTimeout):
            return self._backoff(attempt) if idempotent and attempt < 1 else None
        if isinstance(exc, (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError,
                            httpx.WriteTimeout)) and idempotent:
            return self._backoff(attempt)
        return None
