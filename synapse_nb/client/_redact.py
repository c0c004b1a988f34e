"""Keep tokens out of log lines, including httpx's own (a token can sit in a URL path,
e.g. ``agents/<token>/connect/``).

Clients register their secrets here; a filter on the ``httpx``, ``httpcore`` and
``synapse_nb.client`` loggers replaces them with ``***`` before any handler sees them.

>>> register_secret("agt_secret_1")
>>> scrub("POST /agents/agt_secret_1/connect/")
'POST /agents/***/connect/'
"""

from __future__ import annotations

import logging
import threading
from typing import Any

__all__ = ["register_secret", "scrub", "install_log_filter"]

_secrets: set[str] = set()
_lock = threading.Lock()
_installed = False
_LOGGERS = ("httpx", "httpcore", "synapse_nb.client")


def register_secret(value: str | None) -> None:
    if value and len(value) >= 3:
        with _lock:
            _secrets.add(value)
        install_log_filter()


def scrub(text: str) -> str:
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, "***")
    return text


class _RedactFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if _secrets:
            try:
                message = record.getMessage()
            except Exception:  # a malformed record: leave it to logging's own handling
                return True
            cleaned = scrub(message)
            if cleaned != message:
                record.msg, record.args = cleaned, None
        return True


def install_log_filter() -> None:
    global _installed
    with _lock:
        if _installed:
            return
        flt = _RedactFilter()
        for name in _LOGGERS:
            logging.getLogger(name).addFilter(flt)
        _installed = True


def _all() -> Any:  # for tests
    return frozenset(_secrets)
