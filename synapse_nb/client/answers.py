"""How both clients read answers: retry decisions, decoding, errors, downloads' checks.

A mixin of :class:`~synapse_nb.client.base.BaseClient` (kept apart so that the class stays
readable): it needs the client's ``config``, ``retry`` policy and per-client ``_secrets``,
and does no I/O.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from synapse_nb._util import private_dir

from ._redact import SecretSet, scrub_value
from .config import ClientConfig
from .errors import APIConnectionError, ClientError, ContentTypeError, RequestTimeoutError, error_for_status
from .files import cache_name, safe_join, wrong_content
from .ops import Answer, Call, Download
from .retry import RetryPolicy
from .wire import decode_body

__all__ = ["AnswerHandling", "mask_query"]

logger = logging.getLogger("synapse_nb.client")


def mask_query(url: str) -> str:
    """``url`` without its query (signed file URLs carry ``?sig=...``): for logs and messages."""
    parts = urlsplit(url)
    return url.split("?", 1)[0] + ("?..." if parts.query else "")


class AnswerHandling:
    """Retry decisions, body decoding, error mapping and scrubbing, download checks."""

    config: ClientConfig
    retry: RetryPolicy
    _secrets: SecretSet

    # -- answers ---------------------------------------------------------------------
    def _retry_delay(self, call: Call, response: httpx.Response, attempt: int) -> float | None:
        if response.status_code < 400 or response.status_code in call.accept:
            return None
        delay = self.retry.delay_for_status(call.method, response.status_code, attempt=attempt,
                                            retry_after=response.headers.get("Retry-After"),
                                            idempotent=call.idempotent)
        if delay is not None:
            logger.info("%s %s answered %s; retry %d in %.2fs", call.method, mask_query(str(response.url)),
                        response.status_code, attempt + 1, delay)
        return delay

    def _error_delay(self, call: Call, exc: Exception, attempt: int) -> float | None:
        delay = self.retry.delay_for_error(call.method, exc, attempt=attempt, idempotent=call.idempotent)
        if delay is not None:
            logger.info("%s %s failed (%s); retry %d in %.2fs", call.method, mask_query(self.config.url(call.path)),
                        type(exc).__name__, attempt + 1, delay)
        return delay

    def _decode(self, call: Call, response: httpx.Response) -> Any:
        """Body -> data, or raise the matching :class:`ClientError`."""
        status = response.status_code
        if status < 400 and call.raw:
            return response.content
        body = decode_body(response)
        if status < 400:
            return body
        if status in call.accept:
            return Answer(status, body, response.headers)
        err = error_for_status(status, body, reason=response.reason_phrase or None,
                               method=call.method, url=mask_query(str(response.url)))
        if status == 429:
            from .retry import _parse_retry_after
            err.retry_after = _parse_retry_after(response.headers.get("Retry-After"))  # type: ignore[attr-defined]
        self._scrub(err)
        raise err

    def _transport_error(self, call: Call, exc: Exception) -> ClientError:
        url = mask_query(self.config.url(call.path))
        text = self._secrets.scrub(f"{type(exc).__name__}: {exc}")
        if isinstance(exc, httpx.TimeoutException) and not isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout)):
            err: ClientError = RequestTimeoutError(408, text, reason="Request Timeout", method=call.method, url=url)
        else:
            err = APIConnectionError(text, method=call.method, url=url)
        return self._scrub(err)

    def _scrub(self, err: ClientError) -> ClientError:
        """Mask this client's secrets (a server may echo a token) everywhere in ``err``."""
        err.args = tuple(self._secrets.scrub(str(a)) for a in err.args)
        err.detail = scrub_value(err.detail, self._secrets)
        err.response = scrub_value(err.response, self._secrets)
        if err.url:
            err.url = self._secrets.scrub(err.url)
        return err

    # -- downloads -------------------------------------------------------------------
    def _download_target(self, op: Download) -> Path:
        folder = private_dir(op.folder)
        return safe_join(folder, op.name or cache_name(op.url))

    def _check_content(self, op: Download, response: httpx.Response) -> None:
        """Refuse an answer that cannot be the file (see :func:`.files.wrong_content`)."""
        problem = wrong_content(op.url, response.headers.get("Content-Type", ""))
        if problem:
            raise self._scrub(ContentTypeError(response.status_code, problem, method="GET",
                                               url=mask_query(op.url)))

    def _download_call(self, op: Download) -> Call:
        return Call("GET", op.url, headers={"Accept": "*/*"}, idempotent=True)

