"""Following redirects without leaking credentials (no I/O here).

httpx's ``follow_redirects`` strips only ``Authorization`` on a cross-origin redirect; the
Synapse headers (``Synapse-Access-Token``, ``SYNAPSE-Agent``, ``Synapse-Tenant``) would
go to whatever host ``Location`` names. So the clients follow redirects themselves, one
:class:`Hop` at a time: auth headers are sent only while every URL of the chain is on
the backend's origin (scheme included, so an https-to-http downgrade loses them; an
http-to-https upgrade on the backend's own host keeps them); 301/302 after a POST and 303
become a GET without a body; at most :data:`MAX_REDIRECTS` hops.

>>> base = "https://api.example.test"
>>> hop = Hop({"method": "GET", "url": base + "/x/", "headers": {"Synapse-Access-Token": "Token t"}},
...           trusted=True)
>>> nxt = next_hop(hop, 302, "https://evil.test/steal", base, {"Synapse-Access-Token": "Token t"})
>>> nxt.kwargs["url"], nxt.kwargs["headers"], nxt.trusted
('https://evil.test/steal', {}, False)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import urljoin, urlsplit

__all__ = ["Hop", "MAX_REDIRECTS", "AUTH_HEADERS", "RedirectRefused", "next_hop", "same_origin"]

#: redirects followed at most per request (httpx's own default)
MAX_REDIRECTS = 20
#: headers that carry who we are: sent to our backend's origin only (lower case)
AUTH_HEADERS = frozenset({"synapse-access-token", "authorization", "synapse-tenant", "synapse-agent"})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class RedirectRefused(Exception):
    """A redirect that is not followed (to a non-HTTP URL, or one hop too many)."""

    def __init__(self, reason: str, url: str) -> None:
        super().__init__(reason)
        self.reason, self.url = reason, url


@dataclass
class Hop:
    """One request of a redirect chain: ``httpx.Client.build_request`` keyword arguments."""

    kwargs: dict[str, Any]
    #: every URL so far was on the backend's origin: auth headers may be sent
    trusted: bool
    redirects: int = 0


def same_origin(url: str, base_url: str) -> bool:
    """Same scheme, host and port (user info is no part of an origin: a ``base_url`` of
    ``http://user:pw@h`` and the server's own ``http://h/...`` links are one origin)."""
    a, b = urlsplit(url), urlsplit(base_url)
    return (a.scheme, a.netloc.rpartition("@")[2]) == (b.scheme, b.netloc.rpartition("@")[2])


def _is_upgrade(url: str, base_url: str) -> bool:
    a, b = urlsplit(url), urlsplit(base_url)
    return (b.scheme, a.scheme) == ("http", "https") and a.hostname == b.hostname and \
        b.port in (None, 80) and a.port in (None, 443)


def next_hop(hop: Hop, status: int, location: str | None, base_url: str,
             auth_headers: Mapping[str, str], answered_url: str | None = None) -> Hop | None:
    """The request an answer with ``status`` and ``Location`` asks for, or None when the
    answer is final. ``answered_url``: the URL that answered (query included), which a
    relative ``Location`` is resolved against. Raises :class:`RedirectRefused` for a
    redirect not to follow."""
    if status not in _REDIRECTS or not location:
        return None
    url = urljoin(answered_url or hop.kwargs["url"], location)
    if urlsplit(url).scheme not in ("http", "https"):
        raise RedirectRefused("redirect to a non-HTTP URL refused", url)
    if hop.redirects >= MAX_REDIRECTS:
        raise RedirectRefused(f"more than {MAX_REDIRECTS} redirects", url)
    kwargs = {k: v for k, v in hop.kwargs.items() if k != "params"}  # the query is in the URL now
    method = kwargs["method"]
    if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
        method = "GET"
        for body in ("json", "data", "files", "content"):
            kwargs.pop(body, None)
    trusted = hop.trusted and (same_origin(url, base_url) or _is_upgrade(url, base_url))
    headers = {k: v for k, v in hop.kwargs["headers"].items()
               if k.lower() not in AUTH_HEADERS and not (method == "GET" and k.lower().startswith("content-"))}
    if trusted:
        headers.update(auth_headers)
    kwargs.update(method=method, url=url, headers=headers)
    return Hop(kwargs, trusted, hop.redirects + 1)
