"""Keep tokens and URL signatures out of log lines, httpx's and httpcore's included.

Each client holds its own :class:`SecretSet` (its tokens, and any token it was handed
later, e.g. the agent token that sits in the URL path ``agents/<token>/connect/``). A
filter on the ``httpx``, ``httpcore`` and ``synapse_nb.client`` loggers *and their child
loggers* (``httpcore.http11``, ``httpcore.connection``, ...: a filter on a parent logger
does not see records logged to a child) replaces the secrets of every open client with
``***`` and the value of URL signatures (``sig=``, ``signature=``, ``X-Amz-Signature=``,
...) with ``***``, and the password of a URL's user info (``http://user:pw@host``, as
``SYNAPSE_HOST`` may carry it) with ``***``. A closed or collected client's secrets leave
the filter with it: no process-wide set that only grows.

>>> secrets = SecretSet(["agt_secret_1"])
>>> secrets.scrub("POST /agents/agt_secret_1/connect/")
'POST /agents/***/connect/'
>>> scrub_signatures("GET http://h/media/1.png?sig=abc123&exp=9")
'GET http://h/media/1.png?sig=***&exp=9'
>>> scrub_signatures("no answer from http://ann:pa55word@h:8000/sdk/tasks/")
'no answer from http://ann:***@h:8000/sdk/tasks/'
"""

from __future__ import annotations

import logging
import re
import threading
import weakref
from typing import Any, Iterable

__all__ = ["SecretSet", "scrub", "scrub_signatures", "scrub_value", "install_log_filter", "url_password"]

_LOGGERS = ("httpx", "httpcore", "synapse_nb.client")
# children that exist in httpx/httpcore today; children made later are covered at the
# next install_log_filter() (each client construction calls it)
_CHILDREN = ("httpx._client", "httpcore.connection", "httpcore.connection_pool", "httpcore.http11",
             "httpcore.http2", "httpcore.proxy", "httpcore.socks")
_SIGNED = re.compile(r"(?i)([?&;](?:sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token"
                     r"|x-goog-signature|x-goog-credential|token|access_token)=)[^&\s\"'<>]+")
_lock = threading.Lock()
_live: "weakref.WeakSet[SecretSet]" = weakref.WeakSet()
_filtered: "weakref.WeakSet[logging.Logger]" = weakref.WeakSet()


# scheme://user:password@ -- the password is what goes (the user name helps to read logs)
_USERINFO = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^\s/?#@:]*:)[^\s/?#@]*@")


def scrub_signatures(text: str) -> str:
    """Mask the value of signature parameters, and user-info passwords, in every URL of ``text``."""
    if "=" in text:
        text = _SIGNED.sub(r"\1***", text)
    if "@" in text:
        text = _USERINFO.sub(r"\1***@", text)
    return text


def url_password(url: str) -> str | None:
    """The password in ``url``'s user info (``http://user:pw@host``), if any: a secret.

    >>> url_password("http://ann:pa55word@h:8000"), url_password("http://h:8000")
    ('pa55word', None)
    """
    from urllib.parse import unquote, urlsplit

    try:
        password = urlsplit(url).password
    except ValueError:
        return None
    return unquote(password) if password else None


def _replace(text: str, secrets: Iterable[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, "***")
    return text


class SecretSet:
    """The secrets of one client; registered with the log filter while it is open."""

    def __init__(self, values: Iterable[str | None] = ()) -> None:
        self._values: set[str] = set()
        for value in values:
            self.add(value)
        with _lock:
            _live.add(self)
        install_log_filter()

    def add(self, value: str | None) -> None:
        """Keep ``value`` out of logs and errors from now on (values under 3 characters are ignored)."""
        if value and len(value) >= 3:
            with _lock:
                self._values.add(value)

    def values(self) -> frozenset[str]:
        with _lock:
            return frozenset(self._values)

    def scrub(self, text: str) -> str:
        """``text`` with this client's secrets and any URL signature masked."""
        return scrub_signatures(_replace(text, self.values()))

    def close(self) -> None:
        """Stop filtering this client's secrets (the client is closed)."""
        with _lock:
            _live.discard(self)

    def __repr__(self) -> str:  # never the values
        return f"SecretSet({len(self._values)} secrets)"


def _all_secrets() -> set[str]:
    with _lock:
        return {v for holder in _live for v in holder._values}


def scrub(text: str) -> str:
    """``text`` with the secrets of every open client and URL signatures masked."""
    return scrub_signatures(_replace(text, _all_secrets()))


def scrub_value(value: Any, secrets: SecretSet) -> Any:
    """A copy of a decoded body (str, dict, list) with ``secrets`` masked in every string."""
    if isinstance(value, str):
        return secrets.scrub(value)
    if isinstance(value, dict):
        return {scrub_value(k, secrets): scrub_value(v, secrets) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(scrub_value(v, secrets) for v in value)
    return value


class _RedactFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to logging's own handling
            return True
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_FILTER = _RedactFilter()


def _wanted(name: str) -> bool:
    return any(name == root or name.startswith(root + ".") for root in _LOGGERS)


def install_log_filter() -> None:
    """Put the filter on the covered loggers and every child logger that exists now."""
    names = set(_LOGGERS) | set(_CHILDREN)
    names.update(n for n in list(logging.root.manager.loggerDict) if _wanted(n))
    with _lock:
        for name in names:
            log = logging.getLogger(name)
            if log not in _filtered:
                log.addFilter(_FILTER)
                _filtered.add(log)
