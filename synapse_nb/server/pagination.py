"""DRF page-number pagination: ``count``, absolute ``next``/``previous``, ``results``.

``page`` is 1-based; a page past the end answers 404 ``{"detail": "Invalid page."}`` as
DRF does; ``page_size`` is clamped to ``settings.max_page_size``.

>>> # in a handler:
>>> # return paginate(request, db, "FROM tasks WHERE tenant_id = ?", [1], "id", "id", build)
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import orjson
from fastapi import Request, Response

from .common import APIError
from .settings import Settings

__all__ = ["page_args", "paginate", "page_body"]


def page_args(request: Request) -> tuple[int, int]:
    """The requested (page, page_size), checked and clamped."""
    settings: Settings = request.app.state.settings
    query = request.query_params
    raw_page = query.get("page")
    raw_size = query.get("page_size")
    page = 1
    if raw_page not in (None, ""):
        if raw_page == "last":
            page = -1
        else:
            try:
                page = int(raw_page)
            except ValueError:
                raise APIError(404, "Invalid page: page must be a positive integer.") from None
            if page < 1:
                raise APIError(404, "Invalid page: page must be a positive integer.")
    size = settings.default_page_size
    if raw_size not in (None, ""):
        try:
            size = int(raw_size)
        except ValueError:
            raise APIError(400, {"page_size": ["A valid integer is required."]}) from None
        if size < 1:
            raise APIError(400, {"page_size": ["Ensure this value is greater than 0."]})
        size = min(size, settings.max_page_size)
    return page, size


def _page_url(request: Request, page: int, public: str | None) -> str:
    url = request.url.include_query_params(page=page)
    if public:
        base = public.rstrip("/")
        return base + url.path + ("?" + url.query if url.query else "")
    return str(url)


def page_body(
    db: Any,
    from_where: str,
    params: Sequence[Any],
    select: str,
    order: str,
    build: Callable[[list[tuple]], list[Any]],
    page: int,
    size: int,
    page_url: Callable[[int], str],
    *,
    key: str | None = None,
    fetch_from: str | None = None,
    select_params: Sequence[Any] = (),
) -> bytes:
    """The envelope of one page as JSON bytes (``page`` -1 means the last page).

    With ``key`` (the id column) the page's ids are found first on ``from_where`` (cheap,
    index only), then the rows are fetched from ``fetch_from`` (joins included) by id;
    ``select_params`` fill placeholders in ``select`` (key mode only).
    """
    count = db.count(f"SELECT COUNT(*) {from_where}", params)
    last = max(1, -(-count // size))
    if page == -1:
        page = last
    if page > last:
        raise APIError(404, "Invalid page.")
    if key is None:
        rows = db.query(f"SELECT {select} {from_where} ORDER BY {order} LIMIT ? OFFSET ?",
                        [*params, size, (page - 1) * size])
    else:
        ids = db.id_slice(f"SELECT {key} {from_where} ORDER BY {order}", params,
                          (page - 1) * size, size, count)
        rows = db.query(f"SELECT {select} {fetch_from} WHERE {key} IN "
                        f"({','.join('?' * len(ids))})", [*select_params, *ids]) if ids else []
        position = {pk: k for k, pk in enumerate(ids)}
        rows.sort(key=lambda row: position[row[0]])
    return orjson.dumps({
        "count": count,
        "next": page_url(page + 1) if page < last else None,
        "previous": page_url(page - 1) if page > 1 else None,
        "results": build(rows),
    })


def paginate(
    request: Request,
    db: Any,
    from_where: str,
    params: Sequence[Any],
    select: str,
    order: str,
    build: Callable[[list[tuple]], list[Any]],
    *,
    key: str | None = None,
    fetch_from: str | None = None,
    select_params: Sequence[Any] = (),
) -> Response:
    """Answer one page of a list endpoint, from the request's ``page``/``page_size``."""
    page, size = page_args(request)
    public = request.app.state.settings.public_url
    body = page_body(db, from_where, params, select, order, build, page, size,
                     lambda n: _page_url(request, n, public), key=key, fetch_from=fetch_from,
                     select_params=select_params)
    return Response(body, media_type="application/json")
