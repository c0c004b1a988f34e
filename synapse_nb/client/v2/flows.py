"""The v2 wire protocol as flows (no I/O): envelopes, cursor pages, bulk fetch, API probe.

Each function is a generator driven by either client (``client._run(flow)``), like the
v1 methods in :mod:`synapse_nb.client.methods`.

- Answers are envelopes: ``{"data": ..., "meta": {"request_id", "pagination"}}``;
  :func:`unwrap` gives the data (a :class:`CursorPage` for lists).
- ``next_cursor`` may be an absolute URL (what DRF and the reference server send) or a
  bare cursor; either way the next page is asked of our own path with ``cursor=``, so a
  page link can never send credentials to another origin.
- Bulk fetch takes at most :data:`BULK_MAX_IDS` ids a call: more are split into calls
  run concurrently, results in the order of the ids asked (unknown ids left out).
- v2 auth headers: ``SYNAPSE-ACCESS-TOKEN`` and ``SYNAPSE-Tenant`` carry the raw values
  (``Authorization`` keeps ``Token <drf>``).

>>> cursor_of("http://h/v2/tasks/?per_page=5&cursor=cD0z")
'cD0z'
>>> cursor_of("cD0z")
'cD0z'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..base import Call, Flow, Gather
from ..methods import LIST_TIMEOUT
from ..ops import Answer

__all__ = [
    "BULK_MAX_IDS",
    "CursorPage",
    "bulk_flow",
    "cursor_of",
    "member_names_flow",
    "page_flow",
    "probe_flow",
    "retrieve_flow",
    "unwrap",
    "v2_headers",
]

#: ids per bulk call, as the backend caps it (``ids_limit_exceeded`` above)
BULK_MAX_IDS = 200


@dataclass
class CursorPage:
    """One page of a v2 list: ``results``, the ``next`` / ``previous`` cursors (None at
    the ends), and the answer's ``request_id``. No count: v2 has none."""

    results: list[dict[str, Any]]
    next: str | None = None
    previous: str | None = None
    request_id: str | None = None
    per_page: int | None = None
    meta: dict[str, Any] = field(default_factory=dict, repr=False)

    def __iter__(self) -> Any:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)


def unwrap(body: Any) -> Any:
    """The data of a v2 envelope (lists become a :class:`CursorPage`); other bodies as is."""
    if not (isinstance(body, dict) and "data" in body and "meta" in body):
        return body
    data, meta = body["data"], body["meta"] if isinstance(body["meta"], dict) else {}
    if isinstance(data, list):
        pagination = meta.get("pagination") or {}
        return CursorPage(data, pagination.get("next_cursor"), pagination.get("previous_cursor"),
                          meta.get("request_id"), pagination.get("per_page"), meta)
    return data


def cursor_of(link: str) -> str:
    """The cursor in a page link (an absolute URL with ``cursor=``) or the link itself."""
    if "://" in link or link.startswith("/") or "cursor=" in link:
        values = parse_qs(urlsplit(link).query).get("cursor")
        if not values:
            raise ValueError(f"page link without a cursor: {link[:80]!r}")
        return values[0]
    return link


def v2_headers(config: Any) -> dict[str, str]:
    """Auth headers as v2 wants them: raw access token and tenant code."""
    headers: dict[str, str] = {}
    if config.access_token:
        headers["Synapse-Access-Token"] = config.access_token.removeprefix("Token ")
    if config.tenant:
        headers["Synapse-Tenant"] = config.tenant.removeprefix("Token ")
    return headers


def _call(client: Any, method: str, path: str, params: Mapping[str, Any] | None = None,
          json: Any = None, accept: tuple[int, ...] = ()) -> Call:
    return Call(method, path, params=params, json=json, headers=v2_headers(client.config),
                timeout=LIST_TIMEOUT, accept=accept, idempotent=True)


def page_flow(client: Any, path: str, params: Mapping[str, Any] | None = None,
              cursor: str | None = None, per_page: int | None = None) -> Flow:
    """One page of ``path`` (``cursor`` from a previous page's ``next``, if any)."""
    query = {k: v for k, v in (params or {}).items() if v is not None}
    if per_page is not None:
        query["per_page"] = per_page
    if cursor:
        query["cursor"] = cursor_of(cursor)
    page = unwrap((yield _call(client, "GET", path, query)))
    if not isinstance(page, CursorPage):
        raise TypeError(f"GET {path} did not answer a v2 list envelope; is this a v2 backend?")
    return page


def retrieve_flow(client: Any, path: str) -> Flow:
    """``GET path`` unwrapped."""
    return unwrap((yield _call(client, "GET", path)))


def bulk_flow(client: Any, path: str, ids: list[int], *, key: str = "ids",
              params: Mapping[str, Any] | None = None) -> Flow:
    """Full payloads of ``ids`` by ``POST path`` (chunks of 200, concurrent), in id order."""
    ids = [int(i) for i in ids]
    if not ids:
        return []
    chunks = [ids[k:k + BULK_MAX_IDS] for k in range(0, len(ids), BULK_MAX_IDS)]
    query = {"response_mode": "inline", **(params or {})}
    answers = yield Gather([Call("POST", path, params=query, json={key: chunk},
                                 headers=v2_headers(client.config), timeout=LIST_TIMEOUT,
                                 idempotent=True) for chunk in chunks])
    found: dict[Any, dict[str, Any]] = {}
    id_key = "pgh_id" if key == "pgh_ids" else "id"
    for answer in answers:
        page = unwrap(answer)
        for item in (page.results if isinstance(page, CursorPage) else page or []):
            found[item.get(id_key, item.get("id"))] = item
    return [found[i] for i in ids if i in found]


def probe_flow(client: Any) -> Flow:
    """``"v2"`` when the backend answers ``/v2/`` with an envelope, else ``"v1"``."""
    answer = yield _call(client, "GET", "v2/projects/", {"per_page": 1}, accept=(404, 405, 501))
    if isinstance(answer, Answer):
        return "v1"
    return "v2" if isinstance(unwrap(answer), CursorPage) else "v1"


def member_names_flow(client: Any, path: str = "v2/members/") -> Flow:
    """``{user_id: name}`` of the tenant's members: every page; members whose list item has
    no name (the schema's slim item has none) are retrieved, concurrently."""
    members: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = yield from page_flow(client, path, {}, cursor, 1000)
        members += page.results
        if not page.next or not page.results:
            break
        cursor = page.next
    missing = [m for m in members if not m.get("name")]
    if missing:
        details = yield Gather([_call(client, "GET", f"{path}{m['id']}/") for m in missing])
        by_id = {d["id"]: d for d in map(unwrap, details)}
        for m in missing:
            m.update(by_id.get(m["id"], {}))
    return {m["user_id"]: m.get("name") or m.get("username") or f"user {m['user_id']}"
            for m in members}
