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

__all__ = ["page_args", "paginate"]


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
                raise APIError(404, "Invalid page: page must be a positive integer.")
            if page < 1:
                raise APIError(404, "Invalid page: page must be a positive integer.")
    size = settings.default_page_size
    if raw_size not in (None, ""):
        try:
            size = int(raw_size)
        except ValueError:
            raise APIError(400, {"page_size": ["A valid integer is required."]})
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


def paginate(
    request: Request,
    db: Any,
    from_where: str,
    params: Sequence[Any],
    select: str,
    order: str,
    build: Callable[[list[tuple]], list[Any]],
) -> Response:
    """Run the count and page queries and answer the envelope as pre-serialised JSON."""
    page, size = page_args(request)
    count = db.count(f"SELECT COUNT(*) {from_where}", params)
    last = max(1, -(-count // size))
    if page == -1:
        page = last
    if page > last:
        raise APIError(404, "Invalid page.")
    rows = db.query(f"SELECT {select} {from_where} ORDER BY {order} LIMIT ? OFFSET ?",
                    [*params, size, (page - 1) * size])
    public = request.app.state.settings.public_url
    body = {
        "count": count,
        "next": _page_url(request, page + 1, public) if page < last else None,
        "previous": _page_url(request, page - 1, public) if page > 1 else None,
        "results": build(rows),
    }
    return Response(orjson.dumps(body), media_type="application/json")
