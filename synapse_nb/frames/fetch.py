"""Fetching pages into record batches: one driver shared by the sync and async clients.

``client.paginate`` (docs/architecture.md) fetches pages concurrently and yields each
page's records in order, ids already seen dropped. Here pages become Arrow
``RecordBatch`` es as they arrive (a few pages at a time, about :data:`BATCH_ROWS` rows:
see there why), and their dicts are let go, so memory holds compact columns plus a few
pages of dicts, never the whole list. :class:`PageConsumer` is the sans-I/O part
(convert, progress, report); :func:`iter_batches` and :func:`aiter_batches` only differ in
``for`` versus ``async for``.

Filters: keyword arguments are checked against the resource's filter names (contract
section 4 plus the reference server's extras) and turned into query parameters: ``None``
is left out, booleans become ``true``/``false``, dates ISO 8601, and a list given to a
filter that takes several values is sent comma-separated (``status=["pending",
"completed"]`` -> ``status=pending,completed``; likewise ``tags``, ``id__in``,
``expand``, ``fields``). Anything else goes through ``params={...}`` unchecked.
"""

from __future__ import annotations

import asyncio
import inspect
import math
import time
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from typing import Any, AsyncIterator, Iterator, Mapping, Protocol, Sequence

import pyarrow as pa

from .._util.progress import progress_bar
from .convert import ConversionStats, records_to_batch
from .pump import apump_pages, collect_young, pump_pages
from .schema import Column, Resource
from .typed import TypedPlan, plan_of, rows_to_batch, typed_plan
from .typed_pages import reads_typed, typed_pages

__all__ = ["Converter", "ResourceConverter", "PageConsumer", "build_params", "is_async_client",
           "iter_batches", "aiter_batches", "SHORT_FETCH_PAGES", "BATCH_ROWS", "V2_BAR_ROWS"]

# Fetches of fewer pages than this run without a progress bar (they take well under a second).
SHORT_FETCH_PAGES = 5
# v2 reads have no count: their bar (rows so far, no total) opens past this many rows.
V2_BAR_ROWS = 5000
# Pages are converted in batches of about this many rows. Each conversion makes ~30 Arrow
# calls, and each call releases the GIL; with the client's fetch threads busy parsing JSON,
# getting it back can cost up to the 5 ms switch interval. Converting every 100-row page
# on its own doubled a 100k-task fetch; a few thousand rows per batch keeps memory bounded
# (a few pages of dicts) and the overhead small.
BATCH_ROWS = 4000


class Converter(Protocol):
    """What turns one page of records into one batch (resource rows or annotation rows)."""

    # read-only members: a converter may hold them as class or instance attributes,
    # as a list or a tuple
    @property
    def schema(self) -> pa.Schema: ...

    @property
    def columns(self) -> Sequence[Column]: ...

    @property
    def index(self) -> str | None: ...

    def convert(self, records: Any, stats: ConversionStats | None = None) -> pa.RecordBatch: ...


class ResourceConverter:
    """Converter for a resource's own rows (index ``id``)."""

    index: str | None = "id"

    def __init__(self, resource: Resource) -> None:
        self.resource = resource
        self.schema = resource.schema
        self.columns = resource.columns

    def convert(self, records: Any, stats: ConversionStats | None = None) -> pa.RecordBatch:
        """Typed rows (:mod:`.typed`) and dicts (pages that were not of the typed shape)
        each their own way; a batch of both is the two parts, concatenated."""
        stats = stats if stats is not None else ConversionStats()
        records = records if isinstance(records, list) else list(records)
        batches = []
        for plan, run in _runs(records):
            batches.append(rows_to_batch(run, plan, stats) if plan is not None
                           else records_to_batch(run, self.resource, stats)[0])
        if not batches:
            return records_to_batch([], self.resource, stats)[0]
        if len(batches) == 1:
            return batches[0]
        if hasattr(pa, "concat_batches"):  # pyarrow >= 19
            return pa.concat_batches(batches)
        return pa.Table.from_batches(batches).combine_chunks().to_batches()[0]


def _runs(records: list[Any]) -> Iterator[tuple[TypedPlan | None, list[Any]]]:
    """Consecutive records of the same kind: (plan, typed rows) or (None, dicts)."""
    if len(set(map(type, records))) == 1:  # one kind (the rule): no Python step per row
        yield plan_of(records[0]), records
        return
    start = 0
    while start < len(records):
        plan = plan_of(records[start])
        end = start + 1
        while end < len(records) and plan_of(records[end]) is plan:
            end += 1
        yield plan, records[start:end]
        start = end


def is_async_client(client: Any) -> bool:
    """True for ``AsyncSynapseClient`` (or any client whose methods are coroutines)."""
    try:
        from synapse_nb.client import AsyncSynapseClient  # noqa: PLC0415 (client may be absent)
    except ImportError:
        AsyncSynapseClient = None  # type: ignore[assignment,misc]
    if AsyncSynapseClient is not None and isinstance(client, AsyncSynapseClient):
        return True
    for name in ("aclose", "list_tasks", "get_project"):
        if inspect.iscoroutinefunction(getattr(client, name, None)):
            return True
    return False


def _param_value(name: str, value: Any, many: bool) -> str:
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()  # numpy arrays, pandas Index / Series
    if isinstance(value, (list, tuple, set, frozenset)):
        if not many:
            raise TypeError(f"filter {name}= takes one value, got {type(value).__name__} "
                            f"{list(value)[:5]!r}; pass a single value")
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return ",".join(_param_value(name, v, False) for v in items)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (str, int, float)):
        return str(value)
    raise TypeError(f"filter {name}= got {type(value).__name__}; pass a str, int, bool, date "
                    f"or a list of those")


def build_params(resource: Resource, filters: Mapping[str, Any],
                 params: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Query parameters for a list call, from keyword filters (checked) and raw ``params``.

    >>> from synapse_nb.frames.schema import RESOURCES
    >>> build_params(RESOURCES["tasks"], {"project": 7, "status": ["pending", "completed"]})
    {'project': '7', 'status': 'pending,completed'}
    """
    unknown = sorted(set(filters) - set(resource.filters))
    if unknown:
        raise TypeError(
            f"{resource.name}: unknown filter(s) {', '.join(unknown)}. Known filters: "
            f"{', '.join(resource.filters)}. Other query parameters go in params={{...}}.")
    out: dict[str, str] = {}
    for name, value in {**(params or {}), **filters}.items():
        if value is None:
            continue
        out[name] = _param_value(name, value, name in resource.list_filters or name not in filters)
    return out


def _report_dict(report: Any) -> dict[str, Any]:
    if report is None:
        return {}
    if is_dataclass(report) and not isinstance(report, type):
        return asdict(report)
    if isinstance(report, Mapping):
        return dict(report)
    keys = ("pages", "rows", "duplicates_dropped", "count", "count_drift", "elapsed")
    return {k: getattr(report, k) for k in keys if hasattr(report, k)}


class PageConsumer:
    """Sans-I/O heart of a fetch: converts pages, drives the progress bar, writes the report.

    ``progress``: ``None`` shows a bar (``tqdm.auto``, total = the server's count of rows)
    only when the fetch has at least :data:`SHORT_FETCH_PAGES` pages; ``True`` always;
    ``False`` never.
    """

    def __init__(self, converter: Converter, *, resource: str, progress: bool | None,
                 page_size: int | None) -> None:
        self.converter = converter
        self.resource = resource
        self.progress = progress
        self.page_size = page_size
        self.stats = ConversionStats()
        self.started = time.perf_counter()
        self.pages = 0
        self.rows = 0
        self.count: int | None = None
        self.batch_rows = BATCH_ROWS
        self._buffer: list[Any] = []
        self._bar: Any = None

    def add(self, records: list[Any], pages: Any) -> bool:
        """Take one page; True once :data:`BATCH_ROWS` rows wait for :meth:`flush`.

        The first page also decides on the progress bar.
        """
        if self.pages == 0:
            self.count = getattr(pages, "count", None)
            self._open_bar(len(records))
        self.pages += 1
        self.rows += len(records)
        self._buffer.extend(records)
        if self._bar is None and self.count is None and getattr(pages, "sort_by_id", False):
            self._open_countless_bar(self.rows - len(records))  # a v2 read: no count
        if self._bar is not None:
            self._bar.update(len(records))
        return len(self._buffer) >= self.batch_rows

    def _open_countless_bar(self, rows_before: int) -> None:
        """A bar of rows so far (no total) once a count-less read passes V2_BAR_ROWS."""
        self._bar = progress_bar(self.progress, None, size=self.rows, min_size=V2_BAR_ROWS,
                                 desc=self.resource, unit="rows")
        if self._bar is not None:
            self._bar.update(rows_before)

    def flush(self) -> pa.RecordBatch | None:
        """Convert what is waiting (None when nothing is)."""
        if not self._buffer:
            return None
        records, self._buffer = self._buffer, []
        batch = self.converter.convert(records, self.stats)
        del records
        collect_young()
        return batch

    def _open_bar(self, first_page_len: int) -> None:
        if self.progress is False or not self.count:
            return
        pages = math.ceil(self.count / (self.page_size or first_page_len or 100))
        self._bar = progress_bar(self.progress, self.count, size=pages, min_size=SHORT_FETCH_PAGES,
                                 desc=self.resource, unit="rows")

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def report(self, pages: Any, *, duplicates_in_frame: int = 0) -> dict[str, Any]:
        """The fetch report stored in ``df.attrs["fetch_report"]``."""
        client_report = _report_dict(getattr(pages, "report", None))
        dropped = int(client_report.get("duplicates_dropped") or 0) + duplicates_in_frame
        drift = client_report.get("count_drift")
        if drift is None and self.count is not None:
            drift = self.count != self.rows + dropped
        return {
            "resource": self.resource,
            "source": "server",
            "pages": int(client_report.get("pages") or self.pages),
            "rows": self.rows - duplicates_in_frame,
            "count": self.count,
            "duplicates_dropped": dropped,
            "count_drift": drift,
            "recovered": int(client_report.get("recovered") or 0),
            "elapsed": round(time.perf_counter() - self.started, 3),
            "conversion": self.stats.as_dict(),
            # how a v2 read went (frames/v2_read.py)
            **{k: client_report[k] for k in ("read", "partitions", "detail_calls")
               if k in client_report},
        }


def _paginate(client: Any, path: str, params: dict[str, str], page_size: int | None,
              concurrency: int | None, converter: Converter) -> Any:
    from .v2 import v2_pages  # noqa: PLC0415 (v2 clients read /v2/: frames/v2.py)
    # typed rows (.typed) for a resource's own frame; annotation frames read dicts
    typed = isinstance(converter, ResourceConverter)
    pages = v2_pages(client, path, params, page_size, concurrency, typed=typed)
    if pages is not None:
        return pages
    plan = typed_plan(converter.resource) if isinstance(converter, ResourceConverter) else None
    if plan is not None and reads_typed(client):
        return typed_pages(client, path, params, plan, page_size, concurrency)
    if not callable(getattr(client, "paginate", None)):
        raise TypeError(
            f"frames need a synapse_nb client (SynapseClient or AsyncSynapseClient, e.g. from "
            f"synapse_nb.connect()); got {type(client).__name__}, which has no paginate()")
    kwargs: dict[str, Any] = {}
    if page_size is not None:
        kwargs["page_size"] = page_size
    if concurrency is not None:
        kwargs["concurrency"] = concurrency
    return client.paginate(path, params, **kwargs)


def iter_batches(client: Any, path: str, params: dict[str, str], consumer: PageConsumer, *,
                 page_size: int | None = None, concurrency: int | None = None,
                 holder: dict[str, Any] | None = None) -> Iterator[pa.RecordBatch]:
    """Yield record batches from a sync client's pages; ``holder["pages"]`` keeps the Pages.

    Pages are pulled by a producer thread (:mod:`.pump`) so that conversion here never
    holds up the client's requests.
    """
    pages = _paginate(client, path, params, page_size, concurrency, consumer.converter)
    if holder is not None:
        holder["pages"] = pages
    try:
        for records in pump_pages(pages):
            if consumer.add(records, pages):
                yield consumer.flush()
        last = consumer.flush()
        if last is not None:
            yield last
    finally:
        consumer.close()


async def aiter_batches(client: Any, path: str, params: dict[str, str], consumer: PageConsumer,
                        *, page_size: int | None = None, concurrency: int | None = None,
                        holder: dict[str, Any] | None = None) -> AsyncIterator[pa.RecordBatch]:
    """Async twin of :func:`iter_batches`: pages pulled by a task, each batch converted in a
    worker thread so that the event loop keeps serving the client's requests meanwhile."""
    pages = _paginate(client, path, params, page_size, concurrency, consumer.converter)
    if inspect.isawaitable(pages):
        pages = await pages
    if holder is not None:
        holder["pages"] = pages
    try:
        async for records in apump_pages(pages):
            if consumer.add(records, pages):
                yield await asyncio.to_thread(consumer.flush)
        last = await asyncio.to_thread(consumer.flush)
        if last is not None:
            yield last
    finally:
        consumer.close()
