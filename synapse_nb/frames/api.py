"""Public frame functions: one per resource, plus annotations, streaming and export.

Each ``*_frame(client, **filters)`` returns a pandas DataFrame indexed by ``id`` whose
columns and dtypes are declared in :mod:`synapse_nb.frames.schema` (the list is appended
to every docstring below). With an async client it returns an awaitable of the frame.
Common keyword arguments (``progress``, ``page_size``, ``concurrency``, ``params``,
``cache``, ``refresh``) are described in :mod:`synapse_nb.frames.adapters`.

Example:
    >>> from synapse_nb import connect                                   # doctest: +SKIP
    >>> df = tasks_frame(connect(), project=7, status=["pending", "in_progress"])  # doctest: +SKIP
    >>> df.attrs["fetch_report"]["rows"]                                 # doctest: +SKIP
"""

from __future__ import annotations

import json

import os
from pathlib import Path
from typing import Any, Callable, Mapping, TypeVar

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from synapse_nb._util import atomic_path

from .adapters import _converter, fetch_frame, iter_resource_frames
from .annotations import ANNOTATION_COLUMNS
from .fetch import PageConsumer, aiter_batches, build_params, is_async_client, iter_batches
from .pump import paused_gc
from .schema import RESOURCES

__all__ = [
    "tasks_frame", "assignments_frame", "ground_truth_events_frame", "models_frame",
    "projects_frame", "data_units_frame", "task_tags_frame", "jobs_frame",
    "annotations_frame", "iter_frames", "to_arrow", "to_parquet",
]

F = TypeVar("F", bound=Callable[..., Any])


def _columns_doc(kind: str) -> Callable[[F], F]:
    """Append the declared columns and filters of ``kind`` to a function's docstring."""
    def wrap(fn: F) -> F:
        if kind == "annotations":
            cols = [f"{c.name} ({c.kind})" for c in ANNOTATION_COLUMNS]
            extra = ""
        else:
            res = RESOURCES[kind]
            cols = [f"{c.name} ({c.kind})" for c in res.columns]
            extra = (f"\n\n    Filters: {', '.join(res.filters)} (lists comma-separated for "
                     f"{', '.join(res.list_filters) or 'none'}).")
        fn.__doc__ = (fn.__doc__ or "").rstrip() + "\n\n    Columns: " + ", ".join(cols) + extra + "\n"
        return fn
    return wrap


def _frame(kind: str, client: Any, progress: bool | None, page_size: int | None,
           concurrency: int | None, params: Mapping[str, Any] | None, cache: Any,
           refresh: bool, filters: dict[str, Any]) -> Any:
    return fetch_frame(client, kind, progress=progress, page_size=page_size,
                       concurrency=concurrency, params=params, cache=cache, refresh=refresh,
                       filters=filters)


@_columns_doc("tasks")
def tasks_frame(client: Any, *, progress: bool | None = None, page_size: int | None = None,
                concurrency: int | None = None, params: Mapping[str, Any] | None = None,
                cache: Any = False, refresh: bool = False, **filters: Any) -> Any:
    """Tasks (``sdk/tasks/``) as a DataFrame indexed by task id.

    ``primary_file_url`` is the URL of the task's primary file (the image to show);
    ``data`` holds the annotation payload as JSON text (see ``annotations_frame``).

    >>> df = tasks_frame(client, project=7, status="completed")      # doctest: +SKIP
    >>> df.status.value_counts()                                     # doctest: +SKIP
    """
    return _frame("tasks", client, progress, page_size, concurrency, params, cache, refresh, filters)


@_columns_doc("assignments")
def assignments_frame(client: Any, *, progress: bool | None = None, page_size: int | None = None,
                      concurrency: int | None = None, params: Mapping[str, Any] | None = None,
                      cache: Any = False, refresh: bool = False, **filters: Any) -> Any:
    """Assignments (``sdk/assignments/``) as a DataFrame indexed by assignment id.

    >>> assignments_frame(client, project=7, status_review="rejected")  # doctest: +SKIP
    """
    return _frame("assignments", client, progress, page_size, concurrency, params, cache,
                  refresh, filters)


@_columns_doc("ground_truth_events")
def ground_truth_events_frame(client: Any, *, progress: bool | None = None,
                              page_size: int | None = None, concurrency: int | None = None,
                              params: Mapping[str, Any] | None = None, cache: Any = False,
                              refresh: bool = False, **filters: Any) -> Any:
    """Ground-truth events (``sdk/ground_truth_events/``) indexed by event id.

    ``primary_file_url`` comes from the event's data unit files.

    >>> ground_truth_events_frame(client, ground_truth_dataset_versions=3)  # doctest: +SKIP
    """
    return _frame("ground_truth_events", client, progress, page_size, concurrency, params,
                  cache, refresh, filters)


@_columns_doc("models")
def models_frame(client: Any, *, progress: bool | None = None, page_size: int | None = None,
                 concurrency: int | None = None, params: Mapping[str, Any] | None = None,
                 cache: Any = False, refresh: bool = False, **filters: Any) -> Any:
    """Models (``models/``) indexed by model id; ``metrics`` needs ``expand="metrics"``.

    >>> models_frame(client, project=7, expand="metrics")            # doctest: +SKIP
    """
    return _frame("models", client, progress, page_size, concurrency, params, cache, refresh,
                  filters)


@_columns_doc("projects")
def projects_frame(client: Any, *, progress: bool | None = None, page_size: int | None = None,
                   concurrency: int | None = None, params: Mapping[str, Any] | None = None,
                   cache: Any = False, refresh: bool = False, **filters: Any) -> Any:
    """Projects (``projects/``) indexed by project id.

    >>> projects_frame(client)                                        # doctest: +SKIP
    """
    return _frame("projects", client, progress, page_size, concurrency, params, cache, refresh,
                  filters)


@_columns_doc("data_units")
def data_units_frame(client: Any, *, progress: bool | None = None, page_size: int | None = None,
                     concurrency: int | None = None, params: Mapping[str, Any] | None = None,
                     cache: Any = False, refresh: bool = False, **filters: Any) -> Any:
    """Data units (``data_units/``) indexed by unit id.

    >>> data_units_frame(client, data_collection=2)                  # doctest: +SKIP
    """
    return _frame("data_units", client, progress, page_size, concurrency, params, cache,
                  refresh, filters)


@_columns_doc("task_tags")
def task_tags_frame(client: Any, *, progress: bool | None = None, page_size: int | None = None,
                    concurrency: int | None = None, params: Mapping[str, Any] | None = None,
                    cache: Any = False, refresh: bool = False, **filters: Any) -> Any:
    """Task tags (``task_tags/``) indexed by tag id.

    >>> task_tags_frame(client, project=7)                            # doctest: +SKIP
    """
    return _frame("task_tags", client, progress, page_size, concurrency, params, cache, refresh,
                  filters)


@_columns_doc("jobs")
def jobs_frame(client: Any, *, progress: bool | None = None, page_size: int | None = None,
               concurrency: int | None = None, params: Mapping[str, Any] | None = None,
               cache: Any = False, refresh: bool = False, **filters: Any) -> Any:
    """Plugin jobs (``jobs/``) indexed by job id (text: v2 job ids are UUIDs).

    ``status`` is folded to lower case (v2 sends ``RUNNING``).

    >>> jobs_frame(client, status="failed")                           # doctest: +SKIP
    """
    return _frame("jobs", client, progress, page_size, concurrency, params, cache, refresh,
                  filters)


@_columns_doc("annotations")
def annotations_frame(source: Any, *, of: str = "tasks", progress: bool | None = None,
                      page_size: int | None = None, concurrency: int | None = None,
                      params: Mapping[str, Any] | None = None, cache: Any = False,
                      refresh: bool = False, **filters: Any) -> Any:
    """One row per annotation object in task data (``of="tasks"``, default) or in
    ground-truth events (``of="ground_truth_events"``); see
    :mod:`synapse_nb.frames.annotations` for the columns.

    ``source`` is a client (the records are fetched with ``filters``), or a frame from
    ``tasks_frame`` / ``ground_truth_events_frame`` (its ``data`` column is read; no
    request).

    >>> ann = annotations_frame(client, project=7)                    # doctest: +SKIP
    >>> ann.groupby("label").area.describe()                          # doctest: +SKIP
    """
    if of not in ("tasks", "ground_truth_events"):
        raise ValueError(f"of= must be 'tasks' or 'ground_truth_events', got {of!r}")
    if isinstance(source, pd.DataFrame):
        return _annotations_of_frame(source, of)
    return fetch_frame(source, f"annotations:{of}", progress=progress, page_size=page_size,
                       concurrency=concurrency, params=params, cache=cache, refresh=refresh,
                       filters=filters)


def _annotations_of_frame(df: pd.DataFrame, of: str) -> pd.DataFrame:
    if "data" not in df.columns:
        raise ValueError("annotations_frame(frame) needs the frame's 'data' column "
                         f"(a {of}_frame result); this frame has {list(df.columns)[:8]}")
    from .adapters import frame_from_batches  # noqa: PLC0415

    _, converter = _converter(f"annotations:{of}")
    keep = [c for c in ("data", "project", "data_unit", "primary_file_url") if c in df.columns]
    sub = df[keep].astype(object).where(df[keep].notna(), None)
    records = sub.reset_index().to_dict("records")
    batches = [converter.convert(records)]
    out, _ = frame_from_batches(batches, converter)
    return out


def iter_frames(client: Any, resource: str = "tasks", *, rows: int = 10_000,
                progress: bool | None = None, page_size: int | None = None,
                concurrency: int | None = None, params: Mapping[str, Any] | None = None,
                **filters: Any) -> Any:
    """Stream a resource as frames of ``rows`` rows (the last one shorter), for data that
    does not fit in memory. Only one frame plus a page or two is held at a time.

    ``resource`` is a resource name (``tasks``, ``assignments``, ...) or
    ``annotations:tasks``. The last frame carries ``attrs["fetch_report"]``. With an async
    client this is an async iterator (``async for df in iter_frames(aclient, ...)``).

    >>> for chunk in iter_frames(client, "tasks", rows=50_000, project=7):  # doctest: +SKIP
    ...     chunk.to_parquet(f"tasks-{chunk.index[0]}.parquet")
    """
    return iter_resource_frames(client, resource, rows, progress=progress, page_size=page_size,
                                concurrency=concurrency, params=params, filters=filters)


def to_arrow(source: Any, resource: str = "tasks", *, progress: bool | None = None,
             page_size: int | None = None, concurrency: int | None = None,
             params: Mapping[str, Any] | None = None, **filters: Any) -> Any:
    """An Arrow table with the resource's declared schema (``id`` as a column).

    ``source`` is a client (fetched page by page, no pandas step; awaitable for an async
    client) or a DataFrame from one of the frame functions.

    >>> table = to_arrow(client, "tasks", project=7)                  # doctest: +SKIP
    """
    if isinstance(source, pd.DataFrame):
        table = pa.Table.from_pandas(source, preserve_index=source.index.name is not None)
        return _readable_pandas_metadata(table)
    resource_, converter = _converter(resource)
    query = build_params(resource_, filters, params)
    consumer = PageConsumer(converter, resource=resource, progress=progress, page_size=page_size)
    if is_async_client(source):
        async def run() -> pa.Table:
            with paused_gc():
                batches = [b async for b in aiter_batches(
                    source, resource_.path, query, consumer, page_size=page_size,
                    concurrency=concurrency)]
            return pa.Table.from_batches(batches, schema=converter.schema)
        return run()
    with paused_gc():
        batches = list(iter_batches(source, resource_.path, query, consumer,
                                    page_size=page_size, concurrency=concurrency))
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


def to_parquet(source: Any, path: str | os.PathLike[str], resource: str = "tasks", *,
               progress: bool | None = None, page_size: int | None = None,
               concurrency: int | None = None, params: Mapping[str, Any] | None = None,
               **filters: Any) -> Any:
    """Write a resource (or a frame) to a Parquet file; returns the path.

    From a client, each page is written as it arrives (memory stays at a page or so);
    awaitable for an async client. An empty result still writes every declared column.

    >>> to_parquet(client, "tasks.parquet", "tasks", project=7)       # doctest: +SKIP
    """
    dest = Path(path)
    if isinstance(source, pd.DataFrame):
        pq.write_table(to_arrow(source), dest)
        return dest
    resource_, converter = _converter(resource)
    query = build_params(resource_, filters, params)
    consumer = PageConsumer(converter, resource=resource, progress=progress, page_size=page_size)
    # atomic: a failed fetch leaves no half-written file under the real name
    if is_async_client(source):
        async def run() -> Path:
            with paused_gc(), atomic_path(dest, mode=0o644) as tmp, \
                    pq.ParquetWriter(tmp, converter.schema) as writer:
                async for batch in aiter_batches(source, resource_.path, query, consumer,
                                                 page_size=page_size, concurrency=concurrency):
                    writer.write_batch(batch)
            return dest
        return run()
    with paused_gc(), atomic_path(dest, mode=0o644) as tmp, pq.ParquetWriter(tmp, converter.schema) as writer:
        for batch in iter_batches(source, resource_.path, query, consumer, page_size=page_size,
                                  concurrency=concurrency):
            writer.write_batch(batch)
    return dest
