"""The generic machinery behind every ``*_frame`` function: fetch, build, cache, refresh.

Every frame function takes a client, the resource's filters as keyword arguments, and:

- ``progress``: ``None`` (bar only for fetches of 5 pages or more), ``True``, ``False``;
- ``page_size`` / ``concurrency``: passed to ``client.paginate`` (client defaults if None);
- ``params``: extra query parameters sent as given (not checked);
- ``cache``: ``False`` (default), ``True`` (``<client.cache_dir>/frames``, i.e.
  ``$SYNAPSE_NB_CACHE_DIR/frames`` or the platform's user cache), a folder, or a
  :class:`FrameCache`; a cached frame is returned without a request;
- ``refresh``: with a cache, fetch again anyway, store the new frame, and put what changed
  in ``df.attrs["changes"]`` (counts and up to 20 ids of each kind).

A frame filtered by one ``project`` (or ``data_collection``) that comes back empty is
checked: when that project does not exist (or the token cannot see it) the function raises
:class:`~synapse_nb.client.NotFoundError` naming it, rather than return an empty frame
that looks like a project without tasks. A real project without rows gives an empty frame.

With a sync client the function returns the DataFrame; with an ``AsyncSynapseClient`` it
returns an awaitable that gives the DataFrame (``df = await tasks_frame(aclient)``).
"""

from __future__ import annotations

import os
from typing import Any, AsyncIterator, Iterator, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa

from synapse_nb.client.errors import NotFoundError

from .annotations import AnnotationConverter
from .cache import FrameCache, FrameChanges, diff_frames, resolve_cache
from .convert import table_to_frame
from .fetch import (
    Converter,
    PageConsumer,
    ResourceConverter,
    aiter_batches,
    build_params,
    is_async_client,
    iter_batches,
)
from .pump import paused_gc
from .schema import RESOURCES, Resource

__all__ = ["fetch_frame", "frame_from_batches", "refresh", "resource_for", "iter_resource_frames"]

_CHANGES_SAMPLE = 20


def resource_for(name: str) -> Resource:
    """The declared resource called ``name`` (``tasks``, ``assignments``, ...)."""
    try:
        return RESOURCES[name]
    except KeyError:
        raise ValueError(f"unknown resource {name!r}; choose one of "
                         f"{', '.join(RESOURCES)}") from None


def _converter(kind: str) -> tuple[Resource, Converter]:
    """``tasks`` -> resource rows; ``annotations:tasks`` -> annotation rows of tasks."""
    if kind.startswith("annotations:"):
        resource = resource_for(kind.split(":", 1)[1])
        return resource, AnnotationConverter(resource.name)
    resource = resource_for(kind)
    return resource, ResourceConverter(resource)


def frame_from_batches(batches: list[pa.RecordBatch], converter: Converter, *,
                       sort_by_index: bool = False) -> tuple[pd.DataFrame, int]:
    """One DataFrame from the batches (the list is emptied); also returns duplicates dropped.

    ``sort_by_index``: rows in index order (v2 reads arrive partition by partition). The
    rows are put in order by Arrow before the pandas conversion, one ``take`` of the whole
    table (stable: of rows with the same id, the first to arrive stays first), where a
    ``sort_index`` of the frame cost twice that, column by column.
    """
    table = pa.Table.from_batches(batches, schema=converter.schema)
    batches.clear()  # let the pandas conversion free Arrow memory as it goes
    if sort_by_index and converter.index is not None and table.num_rows > 1:
        ids = table.column(converter.index).to_numpy()
        if (ids[1:] < ids[:-1]).any():
            table = table.take(np.argsort(ids, kind="stable"))
    df = table_to_frame(table, converter.columns, index=converter.index)
    del table
    dups = 0
    if converter.index is not None and not df.index.is_unique:
        # paginate already drops ids it has seen; this guards clients that do not.
        mask = df.index.duplicated(keep="first")
        dups = int(mask.sum())
        df = df[~mask]
    return df, dups


def _cache_for(cache: Any, client: Any) -> FrameCache | None:
    if cache is True and getattr(client, "cache_dir", None):
        return FrameCache(os.path.join(os.fspath(client.cache_dir), "frames"))
    return resolve_cache(cache)


def _finish(df: pd.DataFrame, client: Any, store: FrameCache | None, kind: str,
            query: Mapping[str, str], old: pd.DataFrame | None) -> pd.DataFrame:
    if store is None:
        return df
    if old is not None:
        df.attrs["changes"] = diff_frames(old, df).as_dict(sample=_CHANGES_SAMPLE)
    store.save(client, kind, query, df)
    return df


def fetch_frame(client: Any, kind: str, *, progress: bool | None = None,
                page_size: int | None = None, concurrency: int | None = None,
                params: Mapping[str, Any] | None = None, cache: Any = False,
                refresh: bool = False, filters: Mapping[str, Any] | None = None) -> Any:
    """Fetch the frame ``kind`` (a resource name, or ``annotations:<resource>``).

    Returns the DataFrame, or an awaitable of it for an async client.
    """
    resource, converter = _converter(kind)
    query = build_params(resource, filters or {}, params)
    store = _cache_for(cache, client)
    asynchronous = is_async_client(client)
    old = store.load(client, kind, query, converter.columns, converter.index) if store is not None else None
    if old is not None and not refresh:
        return _resolved(old) if asynchronous else old
    consumer = PageConsumer(converter, resource=kind, progress=progress, page_size=page_size)
    holder: dict[str, Any] = {}
    fetch: dict[str, Any] = dict(page_size=page_size, concurrency=concurrency, holder=holder)

    def build(batches: list[pa.RecordBatch]) -> pd.DataFrame:
        df, dups = frame_from_batches(batches, converter,
                                      sort_by_index=getattr(holder.get("pages"), "sort_by_id", False))
        df.attrs["fetch_report"] = consumer.report(holder.get("pages"), duplicates_in_frame=dups)
        return df

    if asynchronous:
        async def run() -> pd.DataFrame:
            with paused_gc():
                df = build([b async for b in aiter_batches(client, resource.path, query,
                                                           consumer, **fetch)])
            for method, value in _parents_to_check(client, df, filters):
                try:
                    await getattr(client, method)(value)
                except NotFoundError as err:
                    raise _missing_parent(err, kind, method, value) from None
            return _finish(df, client, store, kind, query, old)
        return run()
    with paused_gc():
        df = build(list(iter_batches(client, resource.path, query, consumer, **fetch)))
    for method, value in _parents_to_check(client, df, filters):
        try:
            getattr(client, method)(value)
        except NotFoundError as err:
            raise _missing_parent(err, kind, method, value) from None
    return _finish(df, client, store, kind, query, old)


#: filter -> the client method that fetches that object (asked only when a frame is empty)
_PARENTS = {"project": "get_project", "data_collection": "get_data_collection"}


def _parents_to_check(client: Any, df: pd.DataFrame, filters: Mapping[str, Any] | None) -> list[tuple[str, Any]]:
    """An empty frame filtered by one project (or data collection): is there such a thing?

    ``tasks_frame(client, project=999)`` on a project that does not exist must not look
    like a project without tasks; the one extra request is made only for empty frames.
    """
    if len(df) or not filters:
        return []
    out = []
    for name, method in _PARENTS.items():
        value = filters.get(name)
        if isinstance(value, (int, str)) and not isinstance(value, bool) and callable(getattr(client, method, None)):
            out.append((method, value))
    return out


def _missing_parent(err: NotFoundError, kind: str, method: str, value: Any) -> NotFoundError:
    """The 404 of ``get_project(999)`` as an error that names what is missing."""
    name = method.removeprefix("get_")
    return NotFoundError(404, f"{name.replace('_', ' ')} {value} does not exist (or this token cannot "
                              f"see it), so {kind}_frame({name}={value!r}) has no rows; check the id",
                         response=err.response)


async def _resolved(value: Any) -> Any:
    """An awaitable of ``value``: an async client's caller always awaits, cache hit or not."""
    return value


def refresh(client: Any, resource: str, *, cache: Any = True, progress: bool | None = None,
            params: Mapping[str, Any] | None = None, **filters: Any) -> Any:
    """Fetch a cached frame again, store it, and return what changed (:class:`FrameChanges`).

    The fresh frame is ``changes.frame``. With an async client, returns an awaitable.

    Example:
        >>> changes = refresh(client, "tasks", project=7)            # doctest: +SKIP
        >>> changes.added, changes.removed, changes.modified         # doctest: +SKIP
    """
    store = _cache_for(cache, client)
    if store is None:
        raise ValueError("refresh() needs a cache: pass cache=True or a folder")
    _, converter = _converter(resource)
    query = build_params(_converter(resource)[0], filters, params)

    def changes_of(old: pd.DataFrame | None, new: pd.DataFrame) -> FrameChanges:
        if old is None:  # nothing cached yet: everything is new
            changes = FrameChanges(new.index.tolist(), [], [])
        else:
            changes = diff_frames(old, new)
        changes.frame = new  # type: ignore[attr-defined]
        return changes

    if is_async_client(client):
        async def run() -> FrameChanges:
            old = store.load(client, resource, query, converter.columns, converter.index)
            new = await fetch_frame(client, resource, progress=progress, params=params,
                                    cache=store, refresh=True, filters=filters)
            return changes_of(old, new)
        return run()
    old = store.load(client, resource, query, converter.columns, converter.index)
    new = fetch_frame(client, resource, progress=progress, params=params, cache=store,
                      refresh=True, filters=filters)
    return changes_of(old, new)


def iter_resource_frames(client: Any, kind: str, rows: int, *, progress: bool | None,
                         page_size: int | None, concurrency: int | None,
                         params: Mapping[str, Any] | None,
                         filters: Mapping[str, Any]) -> Iterator[pd.DataFrame] | AsyncIterator[pd.DataFrame]:
    """Frames of ``rows`` rows each (the last may be shorter); see ``iter_frames``."""
    if rows < 1:
        raise ValueError(f"rows must be a positive number of rows per frame, got {rows}")
    resource, converter = _converter(kind)
    query = build_params(resource, filters, params)
    consumer = PageConsumer(converter, resource=kind, progress=progress, page_size=page_size)
    holder: dict[str, Any] = {}
    chunker = _Chunker(converter, rows)
    if is_async_client(client):
        async def agen() -> AsyncIterator[pd.DataFrame]:
            async for batch in aiter_batches(client, resource.path, query, consumer,
                                             page_size=page_size, concurrency=concurrency,
                                             holder=holder):
                for df in chunker.push(batch):
                    yield df
            for df in chunker.flush(consumer, holder):
                yield df
        return agen()

    def gen() -> Iterator[pd.DataFrame]:
        for batch in iter_batches(client, resource.path, query, consumer, page_size=page_size,
                                  concurrency=concurrency, holder=holder):
            yield from chunker.push(batch)
        yield from chunker.flush(consumer, holder)
    return gen()


class _Chunker:
    """Regroups page batches into frames of exactly ``rows`` rows."""

    def __init__(self, converter: Converter, rows: int) -> None:
        self.converter, self.rows = converter, rows
        self.pending: list[pa.RecordBatch] = []
        self.n = 0

    def _take(self, n: int) -> pd.DataFrame:
        table = pa.Table.from_batches(self.pending, schema=self.converter.schema)
        head, tail = table.slice(0, n), table.slice(n)
        self.pending = tail.to_batches()
        self.n = tail.num_rows
        return table_to_frame(head, self.converter.columns, index=self.converter.index)

    def push(self, batch: pa.RecordBatch) -> Iterator[pd.DataFrame]:
        self.pending.append(batch)
        self.n += batch.num_rows
        while self.n >= self.rows:
            yield self._take(self.rows)

    def flush(self, consumer: PageConsumer, holder: dict[str, Any]) -> Iterator[pd.DataFrame]:
        report = consumer.report(holder.get("pages"))
        if self.n or not report["rows"]:
            df = self._take(self.n)
            df.attrs["fetch_report"] = report
            yield df
