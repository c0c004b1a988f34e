"""The v2 wire format: envelopes, the error envelope, and DRF-style cursor pages.

Every answer is ``{"data": ..., "meta": {"request_id": ...}}``; a list adds
``meta.pagination`` (``next_cursor``, ``previous_cursor``, ``per_page``) and has no count.
Errors are ``{"error": {"code", "message", "details"}, "meta": {"request_id"}}``.

Cursors work as DRF's ``CursorPagination`` does: opaque (base64 of ``p=<position>`` plus
``r=1`` for a backwards page), over a stable order (the id, ascending or descending), and
``next_cursor`` / ``previous_cursor`` are absolute URLs that keep the caller's filters (the
SDK's paginator follows them as given). A page is a keyset query (``id > p``), so a deep
page costs what the first one costs, and rows added or removed during a walk never make
it skip or repeat a row.

>>> decode_cursor(encode_cursor(41, reverse=False))
(41, False)
"""

from __future__ import annotations

import base64
import binascii
import itertools
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode

import orjson
from fastapi import Request, Response

__all__ = [
    "PageArgs",
    "V2Error",
    "cursor_page",
    "decode_cursor",
    "encode_cursor",
    "envelope",
    "error_body",
    "json_array",
    "page_args",
    "request_id",
]


class V2Error(Exception):
    """A 4xx answer in the v2 error envelope (``code`` is an upper-case machine name)."""

    def __init__(self, status_code: int, code: str, message: str,
                 details: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message
        self.details = details


#: request ids: this process's random prefix, then a counter (a uuid4 per request cost
#: more than rendering a slim item)
_RUN = secrets.token_hex(4)
_COUNT = itertools.count(1)


def request_id(request: Request) -> str:
    """One id per request (kept on the request so an error reuses it): ``req_`` and 16 hex
    digits, unique in this process and unlikely to repeat across runs."""
    rid = getattr(request.state, "v2_request_id", None)
    if rid is None:
        rid = request.state.v2_request_id = f"req_{_RUN}{next(_COUNT) & 0xFFFFFFFF:08x}"
    return rid


def envelope(request: Request, data: Any, pagination: dict[str, Any] | None = None,
             status_code: int = 200) -> Response:
    """``{"data": data, "meta": {...}}`` as a JSON response (orjson Fragments pass through)."""
    meta: dict[str, Any] = {"request_id": request_id(request)}
    if pagination is not None:
        meta["pagination"] = pagination
    return Response(orjson.dumps({"data": data, "meta": meta}), status_code=status_code,
                    media_type="application/json")


def json_array(texts: Iterable[str]) -> Any:
    """JSON texts as one JSON array, passed through by orjson as it is.

    One ``Fragment`` for the whole array instead of one per item: orjson then copies one
    string, where a list of fragments cost it a Python object and a call per item.

    >>> orjson.dumps({"data": json_array(['{"id":1}', '{"id":2}'])})
    b'{"data":[{"id":1},{"id":2}]}'
    """
    return orjson.Fragment("[" + ",".join(texts) + "]")


def error_body(request: Request, code: str, message: str,
               details: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details},
            "meta": {"request_id": request_id(request)}}


def encode_cursor(position: int, reverse: bool) -> str:
    raw = f"p={position}" + ("&r=1" if reverse else "")
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, bool]:
    """``(position, reverse)`` from a cursor; a malformed one is a 400 as in DRF."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        fields = parse_qs(base64.urlsafe_b64decode(padded.encode()).decode(), strict_parsing=True)
        position = int(fields["p"][0])
        reverse = fields.get("r", ["0"])[0] == "1"
    except (binascii.Error, UnicodeError, ValueError, KeyError, IndexError):
        raise V2Error(400, "INVALID_CURSOR", "Invalid cursor.",
                      [{"field": "cursor", "message": "Use a cursor from a previous page."}]) from None
    if not -(2**63) < position < 2**63:
        raise V2Error(400, "INVALID_CURSOR", "Invalid cursor.")
    return position, reverse


@dataclass(frozen=True)
class PageArgs:
    """What one list request asks for: size, direction, start position, order."""

    per_page: int
    descending: bool
    position: int | None
    reverse: bool


def page_args(request: Request, default_descending: bool = False,
              order_names: Sequence[str] = ("id",)) -> PageArgs:
    """Parse ``per_page`` (clamped to ``max_page_size``), ``cursor`` and ``sort``/``ordering``."""
    settings = request.app.state.settings
    query = request.query_params
    per_page = settings.default_page_size
    raw = query.get("per_page")
    if raw not in (None, ""):
        try:
            per_page = int(raw)
        except ValueError:
            raise V2Error(400, "VALIDATION_ERROR", "per_page must be an integer.",
                          [{"field": "per_page", "message": "A valid integer is required."}]) from None
        if per_page < 1:
            raise V2Error(400, "VALIDATION_ERROR", "per_page must be positive.",
                          [{"field": "per_page", "message": "Ensure this value is >= 1."}])
        per_page = min(per_page, settings.max_page_size)
    descending = default_descending
    order = query.get("sort") or query.get("ordering")
    if order:
        if order.lstrip("-") not in order_names:
            allowed = ", ".join(f"{n}, -{n}" for n in order_names)
            raise V2Error(400, "VALIDATION_ERROR", f"Unknown sort {order[:40]!r}.",
                          [{"field": "sort", "message": f"Use one of {allowed}."}])
        descending = order.startswith("-")
    position, reverse = None, False
    cursor = query.get("cursor")
    if cursor:
        position, reverse = decode_cursor(cursor)
    return PageArgs(per_page, descending, position, reverse)


def _link(request: Request, cursor: str) -> str:
    public = request.app.state.settings.public_url
    items = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"]
    items.append(("cursor", cursor))
    url = request.url
    base = public.rstrip("/") + url.path if public else f"{url.scheme}://{url.netloc}{url.path}"
    return base + "?" + urlencode(items)


def cursor_page(request: Request, db: Any, from_where: str, params: Sequence[Any], key: str,
                args: PageArgs, fetch: Callable[[list[int]], list[Any]],
                text: str | None = None) -> Response:
    """One cursor page: ids by keyset on ``key`` (index only), then ``fetch(ids)`` in order.

    One id more than the page is read to know whether a next page exists. With ``text``
    (SQL writing an item's JSON from the columns of ``from_where``'s table alone) the
    keyset query returns the items too, and the page's ``data`` is their texts joined into
    one array: one query and no Python object per item (``fetch`` is then not called).
    """
    # walking forwards in a descending order is walking backwards in id order
    backwards = args.descending != args.reverse
    where = from_where
    sql_params = list(params)
    if args.position is not None:
        where += f" AND {key} {'<' if backwards else '>'} ?"
        sql_params.append(args.position)
    select = key if text is None else f"{key}, {text}"
    rows = db.query(f"SELECT {select} {where} ORDER BY {key} {'DESC' if backwards else 'ASC'} "
                    f"LIMIT ?", [*sql_params, args.per_page + 1])
    more = len(rows) > args.per_page
    rows = rows[:args.per_page]
    if args.reverse:
        rows.reverse()
    ids = [row[0] for row in rows]
    next_cursor = previous_cursor = None
    if ids:
        last, first = ids[-1], ids[0]
        # forwards: a next page exists if there was one more id; backwards: we came from it
        if (more and not args.reverse) or (args.reverse and args.position is not None):
            next_cursor = _link(request, encode_cursor(last, False))
        if (args.position is not None and not args.reverse) or (args.reverse and more):
            previous_cursor = _link(request, encode_cursor(first, True))
    data = fetch(ids) if text is None else json_array(row[1] for row in rows)
    return envelope(request, data, {"next_cursor": next_cursor,
                                          "previous_cursor": previous_cursor,
                                          "per_page": args.per_page})
