"""A frame's v1 list pages, fetched as bytes and decoded straight into typed rows.

``client.paginate`` hands back each page as dicts (the client decodes every answer with
orjson). A frame of a resource with a typed plan (:mod:`.typed`) asks for the bytes
instead (``Call(raw=True)``) and decodes them with the plan, and is otherwise the same
walk: the client's own :class:`~synapse_nb.client.pagination.Pages` (page 1 once, pages
2..N concurrently, in order, ids seen dropped, rows moved or deleted during the walk
recovered) over the client's ``run_flow`` (its auth, retries, timeouts and pool).

Example:
    >>> pages = typed_pages(client, "sdk/tasks/", {"project": "7"}, plan, 100, None)  # doctest: +SKIP
    >>> [type(row).__name__ for row in next(iter(pages))][:1]                       # doctest: +SKIP
    ['TasksRow']
"""

from __future__ import annotations

import inspect
from typing import Any, Mapping

from synapse_nb.client.methods_common import LIST_TIMEOUT
from synapse_nb.client.ops import Answer, Call
from synapse_nb.client.pagination import EMPTY_PAGE, AsyncPages, PagePlan, Pages

from .typed import TypedPlan

__all__ = ["typed_pages", "reads_typed"]

#: ``client.paginate``'s default page size
DEFAULT_PAGE_SIZE = 100


def reads_typed(client: Any) -> bool:
    """True for a synapse_nb client (one with ``run_flow``); fakes that only have
    ``paginate`` keep reading dicts."""
    return callable(getattr(client, "run_flow", None)) and (
        inspect.iscoroutinefunction(client.run_flow) or callable(getattr(client, "_pool", None)))


def _page_flow(path: str, query: Any, plan: TypedPlan) -> Any:
    """One page's body (typed rows, or dicts when the page is not of the typed shape)."""
    if isinstance(query, str):  # a ``next`` link
        content = yield Call("GET", query, timeout=LIST_TIMEOUT, raw=True)
    elif query.get("page", 1) == 1:
        content = yield Call("GET", path, params=query, timeout=LIST_TIMEOUT, raw=True)
    else:
        # rows deleted during the walk: a planned page past the new end answers 404
        # ("Invalid page."), which is an empty last page, not a failure (as paginate)
        content = yield Call("GET", path, params=query, timeout=LIST_TIMEOUT, accept=(404,),
                             raw=True)
        if isinstance(content, Answer):
            return EMPTY_PAGE
    return plan.decode_v1_page(content)


def typed_pages(client: Any, path: str, params: Mapping[str, Any], plan: TypedPlan,
                page_size: int | None, concurrency: int | None) -> Pages | AsyncPages:
    """The walk ``client.paginate(path, params)`` would make, pages decoded by ``plan``."""
    walk = PagePlan(params, page_size or DEFAULT_PAGE_SIZE)
    width = concurrency or client.max_concurrency
    if inspect.iscoroutinefunction(client.run_flow):
        async def afetch(query: Any) -> Any:
            return await client.run_flow(_page_flow(path, query, plan))
        return AsyncPages(walk, afetch, width)

    def fetch(query: Any) -> Any:
        return client.run_flow(_page_flow(path, query, plan))
    return Pages(walk, fetch, client._pool(), width)
