"""Reading a whole v2 list fast without a count: slim cursor walks, full payloads on the side.

v2 lists have no count and cursor pages can only be walked one after another, so the
page-number concurrency of v1 does not apply. The read here:

1. splits the list into partitions the filters allow (:class:`V2Source.partitions`: tasks by
   project and ``has_data``, assignments by ``id`` ranges), each walked by its own worker;
2. walks each partition's cursor with slim pages of ``per_page`` (the server's cap);
3. as each slim page arrives, asks for the full payloads of its ids concurrently (bulk
   fetch, 200 ids a call, or one ``retrieve`` per id where v2 has no bulk endpoint);
4. yields the full records page by page (v1 shapes, see ``V2Source.normalize``), ids seen
   twice dropped, while the walks go on.

``report`` says how the read was done (``read``: partitions, page size, detail calls).
Sync: walkers are threads, detail calls run on the client's pool. Async: tasks, bounded
by a semaphore of ``concurrency``.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from synapse_nb.client.methods_common import LIST_TIMEOUT
from synapse_nb.client.ops import Call
from synapse_nb.client.v2.flows import (
    BULK_MAX_IDS,
    CursorPage,
    CursorWalk,
    bulk_flow,
    bulk_id,
    detail_path,
    ids_page,
    retrieve_flow,
    unwrap,
    v2_headers,
)
from synapse_nb.client.wire import decode_json

from .typed import Shape, TypedPlan, typed_plan

__all__ = ["DEFAULT_PER_PAGE", "AsyncV2Pages", "V2Pages", "V2Source"]

#: slim page size asked for (the server clamps it to its cap)
DEFAULT_PER_PAGE = 1000
_END = object()

Records = list[dict[str, Any]]
Partitions = Callable[[Any, dict[str, Any]], Any]   # flow -> (list of params, description)


@dataclass(frozen=True)
class V2Source:
    """Where a frame's rows come from on v2 and how they become v1-shaped records."""

    path: str
    bulk_path: str | None = None
    bulk_key: str = "ids"
    normalize: Callable[[dict[str, Any]], dict[str, Any]] = lambda r: r
    #: a flow planning the partitions (None: one walk)
    partitions: Partitions | None = None
    #: v1 filter name -> v2 query parameter (names not here are refused)
    filters: dict[str, str] = field(default_factory=dict)
    #: (frame resource, how its bulk payloads differ from v1 records): bulk answers are
    #: then decoded straight into typed rows (:mod:`.typed`)
    typed: tuple[str, Shape] | None = None


@dataclass
class _Report:
    pages: int = 0
    rows: int = 0
    duplicates_dropped: int = 0
    detail_calls: int = 0
    partitions: int = 1
    elapsed: float = 0.0
    read: str = ""
    count: None = None
    count_drift: None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class _Plan:
    """What both drivers share: partitions, chunks of ids, dedup, the report."""

    def __init__(self, client: Any, source: V2Source, params: dict[str, Any],
                 per_page: int, concurrency: int, typed: bool = False) -> None:
        self.client, self.source, self.params = client, source, params
        self.typed = _typed(source) if typed else None
        self.per_page, self.concurrency = per_page, concurrency
        self.report = _Report()
        self._seen: set[Any] = set()
        self._started = time.perf_counter()

    def partitions_flow(self) -> Any:
        if self.source.partitions is None:
            return [self.params], "one cursor walk"
        return (yield from self.source.partitions(self.client, self.params))

    def describe(self, parts: list[dict[str, Any]], how: str) -> None:
        self.report.partitions = len(parts)
        detail = (f"bulk fetch of {BULK_MAX_IDS} ids a call" if self.source.bulk_path
                  else "one retrieve per id")
        self.report.read = (f"v2: {how}, slim pages of up to {self.per_page} (cursor), full "
                            f"payloads by {detail}, {self.concurrency} requests in flight")

    def detail_flows(self, ids: list[Any]) -> list[Any]:
        """One flow per detail call for the ids of a slim page."""
        s, c = self.source, self.client
        plan = self.typed
        if s.bulk_path and plan is not None and s.bulk_key == "ids":
            return [typed_bulk_flow(c, s.bulk_path, ids[k:k + BULK_MAX_IDS], plan)
                    for k in range(0, len(ids), BULK_MAX_IDS)]
        if s.bulk_path:
            return [bulk_flow(c, s.bulk_path, ids[k:k + BULK_MAX_IDS], key=s.bulk_key)
                    for k in range(0, len(ids), BULK_MAX_IDS)]
        return [_one(retrieve_flow(c, detail_path(s.path, pk))) for pk in ids]

    def accept(self, records: list[Any]) -> list[Any]:
        if records and not isinstance(records[0], dict):
            fast = self._accept_typed(records)
            if fast is not None:
                return fast
        out = []
        for record in records:
            typed = not isinstance(record, dict)  # a typed row is already v1-shaped
            rid = record.id if typed else record.get("id")
            if rid in self._seen:
                self.report.duplicates_dropped += 1
                continue
            self._seen.add(rid)
            out.append(record if typed else self.source.normalize(record))
        self.report.pages += 1
        self.report.rows += len(out)
        self.report.elapsed = round(time.perf_counter() - self._started, 3)
        return out


    def _accept_typed(self, rows: list[Any]) -> list[Any] | None:
        """:meth:`accept` of typed rows (already v1-shaped) none of which was seen: the
        ids checked by C-level set operations, no Python step per row. None when some
        row is a dict or a repeat (then :meth:`accept` walks them)."""
        if len(set(map(type, rows))) != 1:
            return None
        ids = list(map(_ID, rows))
        fresh = set(ids)
        if len(fresh) != len(ids) or not self._seen.isdisjoint(fresh):
            return None
        self._seen |= fresh
        self.report.pages += 1
        self.report.rows += len(rows)
        self.report.elapsed = round(time.perf_counter() - self._started, 3)
        return rows


_ID = attrgetter("id")


def _typed(source: V2Source) -> TypedPlan | None:
    if source.typed is None:
        return None
    from .schema import RESOURCES  # noqa: PLC0415 (v2-only resources are added by .v2)
    resource = RESOURCES.get(source.typed[0])
    return typed_plan(resource, source.typed[1]) if resource is not None else None


def typed_bulk_flow(client: Any, path: str, ids: list[Any], plan: TypedPlan) -> Any:
    """``bulk_flow`` for one call of ids, the answer decoded into typed rows (the rows of
    an answer not of the typed shape as dicts, read as ``bulk_flow`` reads them)."""
    asked = [int(i) for i in ids]  # (a slim page may send an id as a digit string)
    content = yield Call("POST", path, params={"response_mode": "inline"},
                         json={"ids": asked},
                         headers=v2_headers(client.config), timeout=LIST_TIMEOUT,
                         idempotent=True, raw=True)
    rows = plan.decode_v2_items(content)
    if rows is not None and list(map(_ID, rows)) == asked and len(set(asked)) == len(asked):
        return rows  # the answer keeps the order of the ids asked (the rule), none missing
    if rows is None:
        page = unwrap(decode_json(content))
        rows = page.results if isinstance(page, CursorPage) else page or []
    # the id rule of ``bulk_flow``: a digit string is that number, no id is a DecodingError
    found: dict[Any, Any] = {(bulk_id(r, "id", path) if isinstance(r, dict) else r.id): r
                             for r in rows}
    return [found[i] for i in asked if i in found]


def _one(flow: Any) -> Any:
    return [(yield from flow)]


def _slim_flow(cursor: CursorWalk, key: str) -> Any:
    """The next slim page's ids. Where items are asked for by ``id`` the page is read for
    its ids only (:func:`ids_page`: no dict per item); a page not of that shape is read
    the general way, as is every page of a list keyed otherwise (``pgh_id``)."""
    if key == "ids":
        page = yield from cursor.next_page(fast=ids_page)
        if page.results and not isinstance(page.results[0], dict):
            return page.results
    else:
        page = yield from cursor.next_page()
    id_key = "pgh_id" if key == "pgh_ids" else "id"
    return [r.get(id_key, r.get("id")) for r in page.results]


class _Pages:
    """What the drivers share: the plan and its report; ``count`` is None (v2 has none)."""

    count = None
    #: pages come partition by partition: the frame is sorted by id afterwards
    sort_by_id = True

    def __init__(self, client: Any, source: V2Source, params: dict[str, Any], *,
                 per_page: int = DEFAULT_PER_PAGE, concurrency: int | None = None,
                 typed: bool = False) -> None:
        self._plan = _Plan(client, source, params, per_page,
                           concurrency or client.max_concurrency, typed)
        self.report = self._plan.report


class V2Pages(_Pages):
    """Sync driver: iterate for pages of full records."""

    def __iter__(self) -> Iterator[Records]:
        plan, client = self._plan, self._plan.client
        parts, how = client.run_flow(plan.partitions_flow())
        plan.describe(parts, how)
        pool = client._pool()
        out: queue.Queue[Any] = queue.Queue()
        window = threading.Semaphore(4 * plan.concurrency)   # detail calls not yet consumed
        stop = threading.Event()

        def walk(params: dict[str, Any]) -> None:
            cursor = CursorWalk(client, plan.source.path, params, None, plan.per_page)
            try:
                while not stop.is_set() and not cursor.done:
                    ids = client.run_flow(_slim_flow(cursor, plan.source.bulk_key))
                    for flow in plan.detail_flows(ids):
                        window.acquire()
                        out.put(pool.submit(client.run_flow, flow))
                out.put(_END)
            except BaseException as err:  # noqa: BLE001 (raised in the consumer)
                out.put(err)

        threads = [threading.Thread(target=walk, args=(p,), daemon=True,
                                    name="synapse-nb-v2-walk") for p in parts]
        for thread in threads:
            thread.start()
        done = 0
        try:
            while done < len(threads):
                item = out.get()
                if item is _END:
                    done += 1
                    continue
                if isinstance(item, BaseException):
                    raise item
                records = item.result()
                window.release()
                plan.report.detail_calls += 1
                yield plan.accept(records)
        finally:
            stop.set()
            while any(t.is_alive() for t in threads):   # unblock walkers waiting on the window
                window.release()
                for thread in threads:
                    thread.join(0.05)


class AsyncV2Pages(_Pages):
    """Async driver: ``async for`` pages of full records."""

    async def __aiter__(self) -> AsyncIterator[Records]:
        plan, client = self._plan, self._plan.client
        parts, how = await client.run_flow(plan.partitions_flow())
        plan.describe(parts, how)
        out: asyncio.Queue[Any] = asyncio.Queue()
        flight = asyncio.Semaphore(plan.concurrency)
        window = asyncio.Semaphore(4 * plan.concurrency)

        async def detail(flow: Any) -> Any:
            async with flight:
                return await client.run_flow(flow)

        async def walk(params: dict[str, Any]) -> None:
            cursor = CursorWalk(client, plan.source.path, params, None, plan.per_page)
            try:
                while not cursor.done:
                    ids = await client.run_flow(_slim_flow(cursor, plan.source.bulk_key))
                    for flow in plan.detail_flows(ids):
                        await window.acquire()
                        out.put_nowait(asyncio.ensure_future(detail(flow)))
                out.put_nowait(_END)
            except asyncio.CancelledError:
                raise
            except BaseException as err:  # noqa: BLE001 (raised in the consumer)
                out.put_nowait(err)

        walkers = [asyncio.ensure_future(walk(p)) for p in parts]
        pending: list[Any] = []
        done = 0
        try:
            while done < len(walkers):
                item = await out.get()
                if item is _END:
                    done += 1
                    continue
                if isinstance(item, BaseException):
                    raise item
                pending.append(item)
                records = await item
                pending.remove(item)
                window.release()
                plan.report.detail_calls += 1
                yield plan.accept(records)
        finally:
            while not out.empty():      # detail calls queued but never awaited
                item = out.get_nowait()
                if isinstance(item, asyncio.Future):
                    pending.append(item)
            for task in [*walkers, *pending]:
                task.cancel()
