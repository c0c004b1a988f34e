"""The v2 wire protocol as flows (no I/O): envelopes, cursor pages, bulk fetch, API probe.

Each function is a generator driven by either client (``client._run(flow)``), like the
v1 methods in :mod:`synapse_nb.client.methods`.

- Answers are envelopes: ``{"data": ..., "meta": {"request_id", "pagination"}}``;
  :func:`unwrap` gives the data (a :class:`CursorPage` for lists).
- ``next_cursor`` may be an absolute URL (what DRF and the reference server send) or a
  bare cursor; either way the next page is asked of our own path with ``cursor=``, so a
  page link can never send credentials to another origin.
- Every walk over a list goes through :class:`CursorWalk`, which proves each page advanced
  before it asks again (the rule of every walk, :class:`~synapse_nb.client.advance.FollowedLinks`,
  keyed by cursor): a ``next`` cursor already followed, or an empty page that links to a
  next one, raises :class:`~synapse_nb.client.errors.PaginationStalledError` instead of
  looping forever.
- Answers of the wrong shape (a list envelope whose ``data`` is not a list of objects, a
  detail whose ``data`` is not an object) raise
  :class:`~synapse_nb.client.errors.DecodingError`, naming what was expected.
- Ids go into paths through the v1 validator (:func:`~synapse_nb.client.methods_common.path_id`):
  ``retrieve("1/../../admin")`` is refused before any request.
- Bulk fetch takes at most :data:`BULK_MAX_IDS` ids a call: more are split into calls
  run concurrently, results in the order of the ids asked (unknown ids left out). An item's
  id may come as a number or as a digit string (``"id": "1"``, as serializers that keep
  big ids exact send them): both match id 1. An item with no id, or an id that is not an
  integer, raises :class:`~synapse_nb.client.errors.DecodingError` (never dropped silently).
- v2 auth headers: ``SYNAPSE-ACCESS-TOKEN`` and ``SYNAPSE-Tenant`` carry the raw values
  (``Authorization`` keeps ``Token <drf>``).

>>> cursor_of("http://h/v2/tasks/?per_page=5&cursor=cD0z")
'cD0z'
>>> cursor_of("cD0z")
'cD0z'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, Optional, Union
from urllib.parse import parse_qs, urlsplit

import msgspec

from .._redact import scrub_signatures
from ..advance import FollowedLinks
from ..base import Call, Flow, Gather
from ..errors import DecodingError, PaginationStalledError
from ..methods import LIST_TIMEOUT
from ..methods_common import path_id
from ..ops import Answer
from ..wire import decode_json

__all__ = [
    "BULK_MAX_IDS",
    "CursorPage",
    "CursorWalk",
    "bulk_flow",
    "cursor_of",
    "detail_path",
    "ids_page",
    "list_all_flow",
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


class _IdItem(msgspec.Struct, gc=False):
    id: Union[int, str]  # anything else: the page is read the general way


class _Pagination(msgspec.Struct, gc=False):
    next_cursor: Optional[str] = None
    previous_cursor: Optional[str] = None
    per_page: Any = None


class _IdsMeta(msgspec.Struct, gc=False):
    pagination: Optional[_Pagination] = None
    request_id: Any = None


class _IdsEnvelope(msgspec.Struct, gc=False):
    data: list[_IdItem]
    meta: _IdsMeta


_IDS_PAGE = msgspec.json.Decoder(_IdsEnvelope)


def ids_page(content: bytes) -> CursorPage | None:
    """A list page's body read for its items' ids only: ``results`` is the list of ids
    (``{"id": ...}`` objects are not made), ``next`` / ``previous`` / ``request_id`` /
    ``per_page`` as :func:`unwrap` reads them; ``meta`` is left empty. None when the
    body is not a list envelope of objects that all have a number or string ``id`` (read it with
    :func:`unwrap` then: its errors name what is wrong).

    A page of 1,000 slim tasks is read in a third of the time of parsing it to dicts,
    which the frames' cursor walks only need for the ids.

    >>> ids_page(b'{"data": [{"id": 1, "name": "a"}], "meta": {"pagination": {"next_cursor": null}}}')
    CursorPage(results=[1], next=None, previous=None, request_id=None, per_page=None)
    >>> ids_page(b'{"data": [{"name": "a"}], "meta": {}}') is None
    True
    """
    try:
        envelope = _IDS_PAGE.decode(content)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None
    pagination = envelope.meta.pagination or _Pagination()
    # results: the ids, not the items (CursorWalk.advance reads only their number)
    return CursorPage(list(map(_ID, envelope.data)), pagination.next_cursor,
                      pagination.previous_cursor, envelope.meta.request_id, pagination.per_page)


_ID = attrgetter("id")


def unwrap(body: Any, where: str = "") -> Any:
    """The data of a v2 envelope (lists become a :class:`CursorPage`); other bodies as is.

    A list envelope must hold a list of objects and its ``meta.pagination`` an object with
    string cursors; anything else raises :class:`DecodingError` (``where``: the call, for
    the message).
    """
    if not (isinstance(body, dict) and "data" in body and "meta" in body):
        return body
    data, meta = body["data"], body["meta"] if isinstance(body["meta"], dict) else {}
    if isinstance(data, list):
        pagination = meta.get("pagination") or {}
        if not isinstance(pagination, dict):
            raise _wrong("meta.pagination as an object", pagination, where, body)
        for key in ("next_cursor", "previous_cursor"):
            if not isinstance(pagination.get(key), (str, type(None))):
                raise _wrong(f"meta.pagination.{key} as a string or null", pagination.get(key),
                             where, body)
        for n, item in enumerate(data):
            if not isinstance(item, dict):
                raise _wrong(f"a list of objects in data (item {n})", item, where, body)
        return CursorPage(data, pagination.get("next_cursor"), pagination.get("previous_cursor"),
                          meta.get("request_id"), pagination.get("per_page"), meta)
    return data


def _wrong(expected: str, got: Any, where: str, body: Any) -> DecodingError:
    method, _, url = where.partition(" ")
    return DecodingError(f"{expected}, got {type(got).__name__}", method=method or None,
                         url=url or None, response=body)


def cursor_of(link: str) -> str:
    """The cursor in a page link (an absolute URL with ``cursor=``) or the link itself."""
    if "://" in link or link.startswith("/") or "cursor=" in link:
        values = parse_qs(urlsplit(link).query).get("cursor")
        if not values:
            # the link may be signed (``sig=``): never in a message
            raise ValueError(f"page link without a cursor: {scrub_signatures(link)[:120]!r}")
        return values[0]
    return link


def detail_path(path: str, pk: Any, name: str = "id") -> str:
    """``path`` + one validated id segment + ``/`` (the v1 validator: no ``../`` ever reaches
    another endpoint with the credentials).

    >>> detail_path("v2/tasks/", 7)
    'v2/tasks/7/'
    >>> detail_path("v2/tasks/", "1/../../admin")
    Traceback (most recent call last):
    ...
    ValueError: id must be an integer id (such as 12), not '1/../../admin'
    """
    return f"{path}{path_id(pk, name)}/"


def v2_headers(config: Any) -> dict[str, str]:
    """Auth headers as v2 wants them: raw access token and tenant code."""
    headers: dict[str, str] = {}
    if config.access_token:
        headers["Synapse-Access-Token"] = config.access_token.removeprefix("Token ")
    if config.tenant:
        headers["Synapse-Tenant"] = config.tenant.removeprefix("Token ")
    return headers


def _call(client: Any, method: str, path: str, params: Mapping[str, Any] | None = None,
          json: Any = None, accept: tuple[int, ...] = (), raw: bool = False) -> Call:
    return Call(method, path, params=params, json=json, headers=v2_headers(client.config),
                timeout=LIST_TIMEOUT, accept=accept, idempotent=True, raw=raw)


def page_flow(client: Any, path: str, params: Mapping[str, Any] | None = None,
              cursor: str | None = None, per_page: int | None = None, *,
              fast: Callable[[bytes], CursorPage | None] | None = None) -> Flow:
    """One page of ``path`` (``cursor`` from a previous page's ``next``, if any).

    ``fast``: a decoder of the body's bytes into a page (e.g. only the ids, see
    :func:`ids_page`), None when the body is not of its shape: the page is then read
    the general way (:func:`unwrap`), so both agree on every body they both accept.
    """
    query = {k: v for k, v in (params or {}).items() if v is not None}
    if per_page is not None:
        query["per_page"] = per_page
    if cursor:
        query["cursor"] = cursor_of(cursor)
    if fast is None:
        page = unwrap((yield _call(client, "GET", path, query)), f"GET {path}")
    else:
        content = yield _call(client, "GET", path, query, raw=True)
        page = fast(content)
        if page is None:
            page = unwrap(decode_json(content), f"GET {path}")
    if not isinstance(page, CursorPage):
        raise _wrong('a v2 list envelope {"data": [...], "meta": {...}} (is this a v2 backend?)',
                     page, f"GET {path}", page)
    return page


class CursorWalk:
    """The one cursor walk every v2 list shares (``list(list_all=True)``, the frames' walkers,
    member names, partition listings): page after page, each proved to advance.

    A walk ends at a page without ``next``. A ``next`` cursor it already followed, or an
    empty page that still has a ``next``, would make it ask forever: that raises
    :class:`PaginationStalledError` (naming the list and the cursor, signatures masked).

    >>> walk = CursorWalk(None, "v2/tasks/")
    >>> walk.advance(CursorPage([{"id": 1}], "http://h/v2/tasks/?cursor=cD0x"))
    >>> walk.done, walk.cursor
    (False, 'http://h/v2/tasks/?cursor=cD0x')
    >>> walk.advance(CursorPage([{"id": 2}], "http://h/v2/tasks/?cursor=cD0x"))
    Traceback (most recent call last):
    ...
    synapse_nb.client.errors.PaginationStalledError: Pagination Stalled: the list v2/tasks/ ...
    """

    def __init__(self, client: Any, path: str, params: Mapping[str, Any] | None = None,
                 cursor: str | None = None, per_page: int | None = None) -> None:
        self.client, self.path, self.params, self.per_page = client, path, params, per_page
        self.cursor = cursor
        self.done = False
        self.pages = self.rows = 0
        self._followed = FollowedLinks(path, key=cursor_of, start=cursor)

    def next_page(self, fast: Callable[[bytes], CursorPage | None] | None = None) -> Flow:
        """A flow of the next page (then :meth:`advance`); check :attr:`done` before asking.
        ``fast``: as in :func:`page_flow`."""
        page = yield from page_flow(self.client, self.path, self.params, self.cursor,
                                    self.per_page, fast=fast)
        self.advance(page)
        return page

    def advance(self, page: CursorPage) -> None:
        """Take the page's ``next``: the walk is done, or goes on to a cursor never followed."""
        self.pages += 1
        self.rows += len(page.results)
        try:
            link = self._followed.follow(page.next, empty=not page.results, pages=self.pages,
                                         rows=self.rows)
        except PaginationStalledError:
            self.done = True
            raise
        if link is None:
            self.done = True
        else:
            self.cursor = link


def list_all_flow(client: Any, path: str, params: Mapping[str, Any] | None = None,
                  per_page: int | None = None) -> Flow:
    """Every item of a v2 list, page after page (a :class:`CursorWalk`)."""
    walk = CursorWalk(client, path, params, None, per_page)
    items: list[dict[str, Any]] = []
    while not walk.done:
        page = yield from walk.next_page()
        items += page.results
    return items


def retrieve_flow(client: Any, path: str) -> Flow:
    """``GET path`` unwrapped (a detail path made by :func:`detail_path`): an object."""
    data = unwrap((yield _call(client, "GET", path)), f"GET {path}")
    if not isinstance(data, dict):
        raise _wrong("an object in data", data, f"GET {path}", data)
    return data


def bulk_id(item: dict[str, Any], id_key: str, path: str) -> int:
    """The id of a bulk item: a number, or a digit string (``"1"``) read as that number."""
    value = item.get(id_key, item.get("id"))
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    raise _wrong(f"an integer {id_key} on every item", value, f"POST {path}", item)


def bulk_flow(client: Any, path: str, ids: list[int], *, key: str = "ids",
              params: Mapping[str, Any] | None = None) -> Flow:
    """Full payloads of ``ids`` by ``POST path`` (chunks of 200, concurrent), in id order.

    Ids asked that the answer lacks are left out; an item whose id is a digit string
    matches that number; an item without an integer id raises :class:`DecodingError`.
    """
    ids = [int(i) for i in ids]
    if not ids:
        return []
    chunks = [ids[k:k + BULK_MAX_IDS] for k in range(0, len(ids), BULK_MAX_IDS)]
    query = {"response_mode": "inline", **(params or {})}
    answers = yield Gather([Call("POST", path, params=query, json={key: chunk},
                                 headers=v2_headers(client.config), timeout=LIST_TIMEOUT,
                                 idempotent=True) for chunk in chunks])
    found: dict[int, dict[str, Any]] = {}
    id_key = "pgh_id" if key == "pgh_ids" else "id"
    for answer in answers:
        page = unwrap(answer, f"POST {path}")
        items = page.results if isinstance(page, CursorPage) else page
        if items is None:
            continue
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise _wrong("a list of objects", items, f"POST {path}", answer)
        for item in items:
            found[bulk_id(item, id_key, path)] = item
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
    members = yield from list_all_flow(client, path, {}, 1000)
    missing = [m for m in members if not m.get("name")]
    if missing:
        details = yield Gather([_call(client, "GET", detail_path(path, m.get("id"), "member id"))
                                for m in missing])
        by_id = {d["id"]: d for d in (unwrap(d, f"GET {path}") for d in details)
                 if isinstance(d, dict) and "id" in d}
        for m in missing:
            m.update(by_id.get(m["id"], {}))
    return {m["user_id"]: m.get("name") or m.get("username") or f"user {m['user_id']}"
            for m in members}
