"""Paging through DRF list endpoints: page 1 once, pages 2..N concurrently, order kept.

:class:`PagePlan` holds every decision and does no I/O; :class:`Pages` (threads) and
:class:`AsyncPages` (tasks) drive it.

How a walk goes:

1. Page 1 is fetched once (with the caller's ``page_size``; the server may clamp it, in
   which case the size it really used is taken from page 1).
2. When page 1 has a ``count`` and a ``next``, pages 2..N (N = ceil(count / size)) are
   requested concurrently, at most ``concurrency`` in flight, and yielded in page order.
3. When the count is missing (or the server ignores ``page``), the walk follows ``next``.
4. Records whose ``id`` was already yielded are dropped (rows move between pages when
   the data changes under the walk); a last page that still has ``next`` (rows were
   added) is followed to the end. ``report`` tells how many of each.
5. Rows deleted during the walk (or leaving the filter) shift later rows onto pages
   already read: when a page's ``count`` is below the first one, the pages of the new
   count are read again (ids already yielded are skipped), up to :data:`MAX_REREADS`
   times while the count keeps falling, so that no surviving row is lost.
   ``report.recovered`` counts the rows found that way.
6. A ``next`` link is followed only when it advances the walk (the rule every walk keeps,
   :class:`~synapse_nb.client.advance.FollowedLinks`): a link already followed, or an
   empty page that still has a ``next``, raises
   :class:`~synapse_nb.client.errors.PaginationStalledError` (a server repeating its
   ``next`` would otherwise be asked forever).

>>> plan = PagePlan({"project": 1}, page_size=2)
>>> plan.first_params()
{'project': 1, 'page': 1, 'page_size': 2}
>>> plan.start({"count": 5, "next": "http://h/x/?page=2", "results": [{"id": 1}, {"id": 2}]})
[{'id': 1}, {'id': 2}]
>>> plan.remaining_pages()
[2, 3]
>>> plan.accept([{"id": 2}, {"id": 3}])   # id 2 moved: dropped
[{'id': 3}]
>>> plan.observe({"count": 4}); plan.reread_pages()   # a row was deleted: read again
[1, 2]
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from concurrent.futures import Executor, Future
from dataclasses import asdict, dataclass, field
from typing import Any, AsyncIterator, Awaitable, Callable, Generator, Iterator, Mapping

from .advance import FollowedLinks

__all__ = ["FetchReport", "PagePlan", "Pages", "AsyncPages", "EMPTY_PAGE", "MAX_REREADS"]

Records = list[dict[str, Any]]
#: what a planned page past the end (404 "Invalid page.") counts as
EMPTY_PAGE: Mapping[str, Any] = {"results": [], "next": None}
#: passes over the pages again at most when rows are deleted during a walk
MAX_REREADS = 2


@dataclass
class FetchReport:
    """What a walk did: pages fetched, rows yielded, duplicates dropped, count drift."""

    pages: int = 0
    rows: int = 0
    duplicates_dropped: int = 0
    #: rows yielded + dropped minus the count page 1 announced (0: no drift)
    count_drift: int = 0
    elapsed: float = 0.0
    count: int | None = None
    mode: str = "concurrent"
    #: pages read again because the count fell during the walk, and rows found there
    reread_pages: int = 0
    recovered: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class PagePlan:
    """Sans-I/O pagination state (see the module docstring)."""

    params: Mapping[str, Any] | None = None
    page_size: int = 100
    report: FetchReport = field(default_factory=FetchReport)
    count: int | None = None
    size: int = 0
    first_next: str | None = None
    #: the lowest ``count`` any page answered (rows deleted during the walk lower it)
    low_count: int | None = None
    rereads: int = 0
    #: the list's path, for the message of a walk that does not advance
    resource: str = ""
    _seen: set[Any] = field(default_factory=set)
    #: the ``next`` links followed (one answered again means the server loops)
    _links: FollowedLinks = field(init=False, repr=False, compare=False)
    _started: float = field(default_factory=time.perf_counter)

    def __post_init__(self) -> None:
        if int(self.page_size) < 1:
            raise ValueError(f"page_size must be a positive integer, got {self.page_size!r}")
        self.page_size = int(self.page_size)
        self.params = dict(self.params or {})
        # a caller's page_size in params wins over the argument (SDK callers put it there)
        if "page_size" in self.params:
            self.page_size = int(self.params.pop("page_size"))
        self.params.pop("page", None)
        self._links = FollowedLinks(self.resource)

    def first_params(self) -> dict[str, Any]:
        return self.page_params(1)

    def page_params(self, page: int) -> dict[str, Any]:
        return {**(self.params or {}), "page": page, "page_size": self.page_size}

    def start(self, body: Mapping[str, Any]) -> Records:
        """Take page 1; returns its records."""
        results = _results(body)
        count = body.get("count") if isinstance(body, Mapping) else None
        self.count = int(count) if isinstance(count, int) else None
        self.low_count = self.count
        self.report.count = self.count
        self.first_next = body.get("next") if isinstance(body, Mapping) else None
        # the server may clamp page_size: page 1 shows the size it really used
        self.size = len(results) if self.first_next else max(len(results), 1)
        if self.count is None or not self.first_next or not results:
            self.report.mode = "sequential"
        return self.accept(results)

    @property
    def concurrent(self) -> bool:
        return self.report.mode == "concurrent"

    def remaining_pages(self) -> list[int]:
        """Pages 2..N to request concurrently (empty when the walk follows ``next``)."""
        if not self.concurrent or self.count is None:
            return []
        total = math.ceil(self.count / self.size)
        return list(range(2, total + 1))

    @property
    def last_page(self) -> int:
        return max([1, *self.remaining_pages()])

    def observe(self, body: Any) -> None:
        """Note the ``count`` a later page answered (it falls when rows are deleted)."""
        count = body.get("count") if isinstance(body, Mapping) else None
        if isinstance(count, int) and self.low_count is not None and count < self.low_count:
            self.low_count = count

    def take(self, body: Any, *, reread: bool = False) -> Records:
        """:meth:`observe` then :meth:`accept` one page body."""
        self.observe(body)
        return self.accept(_results(body), reread=reread)

    def reread_pages(self) -> list[int]:
        """Pages to read again after the walk: all pages of the lower count when the count
        fell since the last pass (empty otherwise, and after :data:`MAX_REREADS` passes)."""
        if (self.count is None or self.low_count is None or self.low_count >= self.count
                or self.rereads >= MAX_REREADS or not self.concurrent):
            return []
        self.rereads += 1
        self.count = self.low_count
        pages = list(range(1, math.ceil(self.count / self.size) + 1))
        self.report.reread_pages += len(pages)
        return pages

    def follow(self, url: str | None, body: Any) -> str | None:
        """``url``, the ``next`` link of page ``body``, once following it is proved to advance
        the walk (None at the end); a link already followed, or an empty page with a
        ``next``, raises :class:`~synapse_nb.client.errors.PaginationStalledError`."""
        return self._links.follow(url, empty=not _results(body), pages=self.report.pages,
                                  rows=self.report.rows)

    def accept(self, records: Records, *, reread: bool = False) -> Records:
        """Drop records already yielded (by ``id``); count the page.

        ``reread``: a page read again (see :meth:`reread_pages`): ids seen are expected
        there, not counted as duplicates; new ones are rows recovered.
        """
        self.report.pages += 1
        out: Records = []
        for rec in records:
            # (a frame's typed rows, synapse_nb.frames.typed, are structs with an ``id``)
            key = rec.get("id") if isinstance(rec, dict) else getattr(rec, "id", None)
            if key is not None:
                if key in self._seen:
                    if not reread:
                        self.report.duplicates_dropped += 1
                    continue
                self._seen.add(key)
            out.append(rec)
        if reread:
            self.report.recovered += len(out)
        self.report.rows += len(out)
        self.report.elapsed = round(time.perf_counter() - self._started, 3)
        if self.report.count is not None:
            self.report.count_drift = self.report.rows + self.report.duplicates_dropped - self.report.count
        return out


def _results(body: Any) -> Records:
    if isinstance(body, list):  # an endpoint that does not paginate
        return body
    if not isinstance(body, Mapping):
        return []
    results = body.get("results")
    return list(results) if isinstance(results, list) else []


def next_url(body: Any) -> str | None:
    return body.get("next") if isinstance(body, Mapping) else None


class Pages:
    """Pages of a list endpoint, fetched by a thread pool; iterate for each page's records.

    >>> pages = client.paginate("sdk/tasks/", {"project": 1})   # doctest: +SKIP
    >>> pages.count                                             # doctest: +SKIP
    1500
    >>> for records in pages: ...                               # doctest: +SKIP
    """

    def __init__(self, plan: PagePlan, fetch: Callable[[Any], Any], executor: Executor | None,
                 concurrency: int, transform: Callable[[Records], Records] | None = None) -> None:
        self.plan = plan
        self._fetch = fetch  # fetch(params dict | absolute URL) -> body
        self._executor = executor
        self._concurrency = max(1, int(concurrency))
        self._transform = transform
        self._first: Records | None = None
        self._used = False

    def _ensure_first(self) -> None:
        if self._first is None:
            self._first = self.plan.start(self._fetch(self.plan.first_params()))

    @property
    def count(self) -> int | None:
        """The server's ``count`` (fetches page 1 if it was not yet)."""
        self._ensure_first()
        return self.plan.count

    @property
    def report(self) -> FetchReport:
        return self.plan.report

    def _out(self, records: Records) -> Records:
        return self._transform(records) if self._transform else records

    def __iter__(self) -> Iterator[Records]:
        if self._used:
            raise RuntimeError("these pages were already iterated; call paginate() again")
        self._used = True
        self._ensure_first()
        assert self._first is not None
        yield self._out(self._first)
        last_body = yield from self._pages(self.plan.remaining_pages(), reread=False)
        url = next_url(last_body) if last_body is not None else self.plan.first_next
        if self.plan.concurrent and last_body is None:
            url = None  # a single page in all
        url = self.plan.follow(url, self._first if last_body is None else last_body)
        while url:  # unknown count, or rows were added during the walk
            body = self._fetch(url)
            yield self._out(self.plan.take(body))
            url = self.plan.follow(next_url(body), body)
        while again := self.plan.reread_pages():  # rows were deleted during the walk
            yield from self._pages(again, reread=True)

    def _pages(self, numbers: list[int], *, reread: bool) -> Generator[Records, None, Any]:
        """Fetch these pages (concurrently when a pool is given), yield them in order;
        returns the last body (None when there was no page)."""
        last_body: Any = None
        pages = deque(numbers)
        if pages and self._executor is not None and self._concurrency > 1:
            inflight: deque[Future[Any]] = deque()
            try:
                while pages or inflight:
                    while pages and len(inflight) < self._concurrency:
                        inflight.append(self._executor.submit(self._fetch, self.plan.page_params(pages.popleft())))
                    last_body = inflight.popleft().result()
                    yield self._out(self.plan.take(last_body, reread=reread))
            finally:
                for fut in inflight:  # the caller stopped early: drop what is pending
                    fut.cancel()
        else:
            for page in pages:
                last_body = self._fetch(self.plan.page_params(page))
                yield self._out(self.plan.take(last_body, reread=reread))
        return last_body

    def records(self) -> Iterator[dict[str, Any]]:
        """Every record, page after page."""
        for page in self:
            yield from page


class AsyncPages:
    """Async twin of :class:`Pages`: ``await pages.first()`` for the count, ``async for`` pages.

    >>> pages = client.paginate("sdk/tasks/")   # doctest: +SKIP
    >>> async for records in pages: ...         # doctest: +SKIP
    """

    def __init__(self, plan: PagePlan, fetch: Callable[[Any], Awaitable[Any]], concurrency: int,
                 transform: Callable[[Records], Awaitable[Records]] | None = None) -> None:
        self.plan = plan
        self._fetch = fetch
        self._concurrency = max(1, int(concurrency))
        self._transform = transform
        self._first: Records | None = None
        self._used = False

    async def first(self) -> "AsyncPages":
        """Fetch page 1 (once) so that ``count`` is known; returns self."""
        if self._first is None:
            self._first = self.plan.start(await self._fetch(self.plan.first_params()))
        return self

    def __await__(self) -> Generator[Any, None, AsyncPages]:  # ``pages = await client.paginate(...)`` also works
        return self.first().__await__()

    @property
    def count(self) -> int | None:
        return self.plan.count

    @property
    def report(self) -> FetchReport:
        return self.plan.report

    async def _out(self, records: Records) -> Records:
        return await self._transform(records) if self._transform else records

    def __aiter__(self) -> AsyncIterator[Records]:
        return self._walk()

    async def _walk(self) -> AsyncIterator[Records]:
        if self._used:
            raise RuntimeError("these pages were already iterated; call paginate() again")
        self._used = True
        await self.first()
        assert self._first is not None
        yield await self._out(self._first)
        holder: list[Any] = [None]
        async for records in self._pages(self.plan.remaining_pages(), holder, reread=False):
            yield records
        last_body = holder[0]
        url = next_url(last_body) if last_body is not None else self.plan.first_next
        if self.plan.concurrent and last_body is None:
            url = None
        url = self.plan.follow(url, self._first if last_body is None else last_body)
        while url:
            body = await self._fetch(url)
            yield await self._out(self.plan.take(body))
            url = self.plan.follow(next_url(body), body)
        while again := self.plan.reread_pages():  # rows were deleted during the walk
            async for records in self._pages(again, holder, reread=True):
                yield records

    async def _pages(self, numbers: list[int], holder: list[Any], *, reread: bool) -> AsyncIterator[Records]:
        """Fetch these pages concurrently, yield them in order; ``holder[0]``: the last body."""
        pages = deque(numbers)
        inflight: deque[asyncio.Task[Any]] = deque()
        try:
            while pages or inflight:
                while pages and len(inflight) < self._concurrency:
                    inflight.append(asyncio.ensure_future(self._fetch(self.plan.page_params(pages.popleft()))))
                holder[0] = await inflight.popleft()
                yield await self._out(self.plan.take(holder[0], reread=reread))
        finally:
            for task in inflight:
                task.cancel()

    async def records(self) -> AsyncIterator[dict[str, Any]]:
        async for page in self:
            for rec in page:
                yield rec
