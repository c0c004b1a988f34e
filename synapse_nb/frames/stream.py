"""Streaming and export: frames of N rows, Arrow tables and Parquet files of a resource.

Each has a sync function for a ``SynapseClient`` and an ``_async`` twin for an
``AsyncSynapseClient`` (``iter_frames_async`` is an async iterator, the others are
awaited). ``to_arrow`` and ``to_parquet`` also take a frame (no request).

Example:
    >>> for chunk in iter_frames(client, "tasks", rows=50_000):          # doctest: +SKIP
    ...     chunk.to_parquet(f"tasks-{chunk.index[0]}.parquet")
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, AsyncIterator, Iterator, Mapping

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from synapse_nb._util import atomic_path

from .adapters import _converter, iter_resource_frames
from .api import check_client
from .fetch import PageConsumer, aiter_batches, build_params, iter_batches
from .pump import paused_gc

if TYPE_CHECKING:
    from synapse_nb.client import AsyncSynapseClient, SynapseClient

__all__ = ["iter_frames", "iter_frames_async", "to_arrow", "to_arrow_async", "to_parquet",
           "to_parquet_async"]


def iter_frames(client: SynapseClient, resource: str = "tasks", *, rows: int = 10_000,
                progress: bool | None = None, page_size: int | None = None,
                concurrency: int | None = None, params: Mapping[str, Any] | None = None,
                **filters: Any) -> Iterator[pd.DataFrame]:
    """Stream a resource as frames of ``rows`` rows (the last one shorter).

    For data that does not fit in memory: one frame plus a page or two is held at a time.

    Parameters
    ----------
    client
        A ``SynapseClient`` (an async one: :func:`iter_frames_async`).
    resource
        A resource name (``tasks``, ``assignments``, ...) or ``annotations:tasks``.
    rows
        Rows per frame.
    progress, page_size, concurrency, params, **filters
        As for the frame functions.

    Yields
    ------
    pandas.DataFrame
        Frames with the resource's columns; the last carries ``attrs["fetch_report"]``.

    Examples
    --------
    >>> for chunk in iter_frames(client, "tasks", rows=50_000, project=7):  # doctest: +SKIP
    ...     chunk.to_parquet(f"tasks-{chunk.index[0]}.parquet")
    """
    check_client("iter_frames", client, False)
    return iter_resource_frames(client, resource, rows, progress=progress,  # type: ignore[return-value]
                                page_size=page_size, concurrency=concurrency, params=params,
                                filters=filters)


def iter_frames_async(client: AsyncSynapseClient, resource: str = "tasks", *, rows: int = 10_000,
                      progress: bool | None = None, page_size: int | None = None,
                      concurrency: int | None = None, params: Mapping[str, Any] | None = None,
                      **filters: Any) -> AsyncIterator[pd.DataFrame]:
    """:func:`iter_frames` for an ``AsyncSynapseClient``: an async iterator of frames.

    >>> async for chunk in iter_frames_async(aclient, "tasks", rows=10_000):  # doctest: +SKIP
    ...     print(len(chunk))
    """
    check_client("iter_frames_async", client, True)
    return iter_resource_frames(client, resource, rows, progress=progress,  # type: ignore[return-value]
                                page_size=page_size, concurrency=concurrency, params=params,
                                filters=filters)


def _reader(resource: str, progress: bool | None, page_size: int | None,
            params: Mapping[str, Any] | None, filters: Mapping[str, Any]) -> tuple[Any, Any, Any, Any]:
    resource_, converter = _converter(resource)
    query = build_params(resource_, filters, params)
    consumer = PageConsumer(converter, resource=resource, progress=progress, page_size=page_size)
    return resource_.path, converter, query, consumer


def to_arrow(source: SynapseClient | pd.DataFrame, resource: str = "tasks", *,
             progress: bool | None = None, page_size: int | None = None,
             concurrency: int | None = None, params: Mapping[str, Any] | None = None,
             **filters: Any) -> pa.Table:
    """An Arrow table with the resource's declared schema (``id`` as a column).

    Parameters
    ----------
    source
        A ``SynapseClient`` (fetched page by page, no pandas step) or a DataFrame from one
        of the frame functions (no request).
    resource, progress, page_size, concurrency, params, **filters
        As for :func:`iter_frames`.

    Examples
    --------
    >>> table = to_arrow(client, "tasks", project=7)                  # doctest: +SKIP
    """
    if isinstance(source, pd.DataFrame):
        table = pa.Table.from_pandas(source, preserve_index=source.index.name is not None)
        return _readable_pandas_metadata(table)
    check_client("to_arrow", source, False)
    path, converter, query, consumer = _reader(resource, progress, page_size, params, filters)
    with paused_gc():
        batches = list(iter_batches(source, path, query, consumer, page_size=page_size,
                                    concurrency=concurrency))
    return pa.Table.from_batches(batches, schema=converter.schema)


async def to_arrow_async(client: AsyncSynapseClient, resource: str = "tasks", *,
                         progress: bool | None = None, page_size: int | None = None,
                         concurrency: int | None = None, params: Mapping[str, Any] | None = None,
                         **filters: Any) -> pa.Table:
    """:func:`to_arrow` for an ``AsyncSynapseClient``.

    >>> table = await to_arrow_async(aclient, "tasks", project=7)     # doctest: +SKIP
    """
    check_client("to_arrow_async", client, True)
    path, converter, query, consumer = _reader(resource, progress, page_size, params, filters)
    with paused_gc():
        batches = [b async for b in aiter_batches(client, path, query, consumer,
                                                  page_size=page_size, concurrency=concurrency)]
    return pa.Table.from_batches(batches, schema=converter.schema)


def _readable_pandas_metadata(table: pa.Table) -> pa.Table:
    """Let plain ``pd.read_parquet`` read the file back.

    pandas records an ArrowDtype list column's dtype as ``list<item: int64>[pyarrow]``,
    a string its own reader cannot parse (TypeError on read). Recording such columns as
    ``object`` makes them come back as arrays per row, or as ArrowDtype again with
    ``dtype_backend="pyarrow"``.
    """
    raw = (table.schema.metadata or {}).get(b"pandas")
    if raw is None:
        return table
    meta = json.loads(raw)
    changed = False
    for column in meta.get("columns", []):
        try:
            pd.api.types.pandas_dtype(column.get("numpy_type"))
        except TypeError:
            column["numpy_type"] = "object"
            changed = True
    if not changed:
        return table
    return table.replace_schema_metadata({**table.schema.metadata,
                                          b"pandas": json.dumps(meta).encode()})


def to_parquet(source: SynapseClient | pd.DataFrame, path: str | os.PathLike[str],
               resource: str = "tasks", *, progress: bool | None = None,
               page_size: int | None = None, concurrency: int | None = None,
               params: Mapping[str, Any] | None = None, **filters: Any) -> Path:
    """Write a resource (or a frame) to a Parquet file; returns the path.

    From a client, each page is written as it arrives (memory stays at a page or so), to
    a temporary name replaced at the end: a failed fetch leaves no half-written file under
    the real name. An empty result still writes every declared column.

    Parameters
    ----------
    source
        A ``SynapseClient`` or a frame.
    path
        The file to write.
    resource, progress, page_size, concurrency, params, **filters
        As for :func:`iter_frames`.

    Examples
    --------
    >>> to_parquet(client, "tasks.parquet", "tasks", project=7)       # doctest: +SKIP
    """
    dest = Path(path)
    if isinstance(source, pd.DataFrame):
        pq.write_table(to_arrow(source), dest)
        return dest
    check_client("to_parquet", source, False)
    src, converter, query, consumer = _reader(resource, progress, page_size, params, filters)
    # atomic (synapse_nb._util): a failed fetch leaves no half-written file under the name
    with paused_gc(), atomic_path(dest, mode=0o644) as tmp, pq.ParquetWriter(tmp, converter.schema) as writer:
        for batch in iter_batches(source, src, query, consumer, page_size=page_size,
                                  concurrency=concurrency):
            writer.write_batch(batch)
    return dest


async def to_parquet_async(client: AsyncSynapseClient, path: str | os.PathLike[str],
                           resource: str = "tasks", *, progress: bool | None = None,
                           page_size: int | None = None, concurrency: int | None = None,
                           params: Mapping[str, Any] | None = None, **filters: Any) -> Path:
    """:func:`to_parquet` for an ``AsyncSynapseClient``.

    >>> await to_parquet_async(aclient, "tasks.parquet", "tasks")      # doctest: +SKIP
    """
    check_client("to_parquet_async", client, True)
    dest = Path(path)
    src, converter, query, consumer = _reader(resource, progress, page_size, params, filters)
    with paused_gc(), atomic_path(dest, mode=0o644) as tmp, pq.ParquetWriter(tmp, converter.schema) as writer:
        async for batch in aiter_batches(client, src, query, consumer, page_size=page_size,
                                         concurrency=concurrency):
            writer.write_batch(batch)
    return dest
