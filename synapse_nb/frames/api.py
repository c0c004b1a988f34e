"""Public frame functions, made from the declared resources: one per resource, and annotations.

Sync and async are two declared entry points, never a return type that depends on the
argument: ``tasks_frame(client)`` takes a ``SynapseClient`` and returns a DataFrame;
``tasks_frame_async(aclient)`` takes an ``AsyncSynapseClient`` and is awaited. Each
passes the wrong kind of client back with an error that names its twin. Columns and
dtypes are declared in :mod:`synapse_nb.frames.schema` (listed in every docstring).
Tasks, assignments and ground-truth events also take ``label=`` (one label or several):
the server has no such filter, so it is applied on the client (:mod:`.labels`, noted in
``df.attrs["label_filter"]``).

Example:
    >>> from synapse_nb import connect                                   # doctest: +SKIP
    >>> df = tasks_frame(connect(), project=7, status=["pending", "in_progress"])  # doctest: +SKIP
    >>> df.attrs["fetch_report"]["rows"]                                 # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Coroutine, Mapping, Protocol, TypeVar

import pandas as pd

from .adapters import _converter, fetch_frame
from .adapters import refresh as _refresh
from .cache import FrameChanges
from .annotations import ANNOTATION_COLUMNS
from .fetch import is_async_client
from .labels import keep_label, take_label
from .schema import RESOURCES

if TYPE_CHECKING:
    from synapse_nb.client import AsyncSynapseClient, SynapseClient

__all__ = [
    "tasks_frame", "assignments_frame", "ground_truth_events_frame", "models_frame",
    "projects_frame", "data_units_frame", "task_tags_frame", "jobs_frame", "annotations_frame",
    "tasks_frame_async", "assignments_frame_async", "ground_truth_events_frame_async",
    "models_frame_async", "projects_frame_async", "data_units_frame_async",
    "task_tags_frame_async", "jobs_frame_async", "annotations_frame_async",
    "refresh", "refresh_async", "FrameFunction", "AsyncFrameFunction", "FRAME_FUNCTIONS",
    "check_client",
]

F = TypeVar("F", bound=Callable[..., Any])

class FrameFunction(Protocol):
    """A resource's frame function for a sync client (``tasks_frame`` and the rest)."""

    __name__: str

    def __call__(self, client: SynapseClient, *, progress: bool | None = None,
                 page_size: int | None = None, concurrency: int | None = None,
                 params: Mapping[str, Any] | None = None, cache: Any = False,
                 refresh: bool = False, **filters: Any) -> pd.DataFrame: ...


class AsyncFrameFunction(Protocol):
    """A resource's frame function for an async client (``tasks_frame_async`` and the rest)."""

    __name__: str

    def __call__(self, client: AsyncSynapseClient, *, progress: bool | None = None,
                 page_size: int | None = None, concurrency: int | None = None,
                 params: Mapping[str, Any] | None = None, cache: Any = False,
                 refresh: bool = False, **filters: Any) -> Coroutine[Any, Any, pd.DataFrame]: ...


_COMMON_DOC = """
    Parameters
    ----------
    client
        {client}
    progress
        ``None``: a progress bar (tqdm.auto) for fetches of 5 pages or more; ``True`` or
        ``False`` force it.
    page_size, concurrency
        Rows per request and requests in flight (the client's defaults when None).
    params
        Extra query parameters, sent unchecked.
    cache
        ``False``, ``True`` (the client's cache folder), a folder, or a ``FrameCache``:
        a cached frame is returned without a request.
    refresh
        With a cache: fetch anyway, store, and put what changed in ``df.attrs["changes"]``.
    **filters
        {filters}

    Returns
    -------
    pandas.DataFrame
        Indexed by ``id``; ``df.attrs["fetch_report"]`` says how it was read.
        Columns: {columns}.

    Examples
    --------
    >>> {example}       # doctest: +SKIP
"""

#: (what the frame holds, an example call) per resource
_DOCS: dict[str, tuple[str, str]] = {
    "tasks": ("Tasks (``sdk/tasks/``) as a DataFrame indexed by task id. ``primary_file_url`` is "
              "the image to show; ``data`` holds the annotation payload as JSON text (see "
              "``annotations_frame``).", "df = tasks_frame(client, project=7, status='completed')"),
    "assignments": ("Assignments (``sdk/assignments/``) indexed by assignment id.",
                    "assignments_frame(client, project=7, status_review='rejected')"),
    "ground_truth_events": ("Ground-truth events (``sdk/ground_truth_events/``) indexed by event "
                            "id; ``primary_file_url`` comes from the event's data unit files.",
                            "ground_truth_events_frame(client, ground_truth_dataset_versions=3)"),
    "models": ("Models (``models/``) indexed by model id; ``metrics`` needs ``expand='metrics'``.",
               "models_frame(client, project=7, expand='metrics')"),
    "projects": ("Projects (``projects/``) indexed by project id.", "projects_frame(client)"),
    "data_units": ("Data units (``data_units/``) indexed by unit id.",
                   "data_units_frame(client, data_collection=2)"),
    "task_tags": ("Task tags (``task_tags/``) indexed by tag id.", "task_tags_frame(client, project=7)"),
    "jobs": ("Plugin jobs (``jobs/``) indexed by job id (text: v2 job ids are UUIDs); ``status`` "
             "is folded to lower case (v2 sends ``RUNNING``).", "jobs_frame(client, status='failed')"),
}


def _doc(kind: str, asynchronous: bool) -> str:
    summary, example = _DOCS[kind]
    res = RESOURCES[kind]
    if asynchronous:
        example = "df = await " + example.replace("_frame(", "_frame_async(", 1).replace("df = ", "")
        client = "An ``AsyncSynapseClient`` (a sync client: use the function without ``_async``)."
    else:
        client = "A ``SynapseClient`` (an async client: use the ``_async`` twin)."
    filters = (f"The resource's filters: {', '.join(res.filters)} (lists sent comma-separated for "
               f"{', '.join(res.list_filters) or 'none'}).")
    columns = ", ".join(f"{c.name} ({c.kind})" for c in res.columns)
    return summary + "\n" + _COMMON_DOC.format(client=client, filters=filters, columns=columns,
                                                example=example)


def check_client(name: str, client: Any, asynchronous: bool) -> None:
    """Raise TypeError naming the twin when ``client`` is not of the kind ``name`` takes."""
    if is_async_client(client) != asynchronous:
        twin = name.removesuffix("_async") if asynchronous else name + "_async"
        kind = "an async" if is_async_client(client) else "a sync"
        hint = f"await {twin}(client, ...)" if not asynchronous else f"{twin}(client, ...)"
        raise TypeError(f"{name} got {kind} client ({type(client).__name__}); use {hint}")


def _frame_function(kind: str) -> FrameFunction:
    def frame(client: SynapseClient, *, progress: bool | None = None, page_size: int | None = None,
              concurrency: int | None = None, params: Mapping[str, Any] | None = None,
              cache: Any = False, refresh: bool = False, **filters: Any) -> pd.DataFrame:
        check_client(frame.__name__, client, False)
        label = take_label(kind, filters)
        df = fetch_frame(client, kind, progress=progress, page_size=page_size,
                         concurrency=concurrency, params=params, cache=cache, refresh=refresh,
                         filters=filters)
        return df if label is None else keep_label(df, label)
    frame.__name__ = frame.__qualname__ = f"{kind}_frame"
    frame.__doc__ = _doc(kind, False)
    return frame


def _async_frame_function(kind: str) -> AsyncFrameFunction:
    async def frame(client: AsyncSynapseClient, *, progress: bool | None = None,
                    page_size: int | None = None, concurrency: int | None = None,
                    params: Mapping[str, Any] | None = None, cache: Any = False,
                    refresh: bool = False, **filters: Any) -> pd.DataFrame:
        check_client(frame.__name__, client, True)
        label = take_label(kind, filters)
        df = await fetch_frame(client, kind, progress=progress, page_size=page_size,
                               concurrency=concurrency, params=params, cache=cache,
                               refresh=refresh, filters=filters)
        return df if label is None else keep_label(df, label)
    frame.__name__ = frame.__qualname__ = f"{kind}_frame_async"
    frame.__doc__ = _doc(kind, True)
    return frame


tasks_frame = _frame_function("tasks")
assignments_frame = _frame_function("assignments")
ground_truth_events_frame = _frame_function("ground_truth_events")
models_frame = _frame_function("models")
projects_frame = _frame_function("projects")
data_units_frame = _frame_function("data_units")
task_tags_frame = _frame_function("task_tags")
jobs_frame = _frame_function("jobs")

tasks_frame_async = _async_frame_function("tasks")
assignments_frame_async = _async_frame_function("assignments")
ground_truth_events_frame_async = _async_frame_function("ground_truth_events")
models_frame_async = _async_frame_function("models")
projects_frame_async = _async_frame_function("projects")
data_units_frame_async = _async_frame_function("data_units")
task_tags_frame_async = _async_frame_function("task_tags")
jobs_frame_async = _async_frame_function("jobs")

#: every resource frame function, sync then async, by name
FRAME_FUNCTIONS: dict[str, FrameFunction] = {f.__name__: f for f in (
    tasks_frame, assignments_frame, ground_truth_events_frame, models_frame, projects_frame,
    data_units_frame, task_tags_frame, jobs_frame)}


def _annotations_doc(fn: F) -> F:
    cols = ", ".join(f"{c.name} ({c.kind})" for c in ANNOTATION_COLUMNS)
    fn.__doc__ = (fn.__doc__ or "").rstrip() + "\n\n    Columns: " + cols + "\n"
    return fn


@_annotations_doc
def annotations_frame(source: SynapseClient | pd.DataFrame, *, of: str = "tasks", progress: bool | None = None,
                      page_size: int | None = None, concurrency: int | None = None,
                      params: Mapping[str, Any] | None = None, cache: Any = False,
                      refresh: bool = False, **filters: Any) -> pd.DataFrame:
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
    check_client("annotations_frame", source, False)
    return fetch_frame(source, f"annotations:{of}", progress=progress,  # type: ignore[no-any-return]
                       page_size=page_size, concurrency=concurrency, params=params, cache=cache,
                       refresh=refresh, filters=filters)


@_annotations_doc
async def annotations_frame_async(client: AsyncSynapseClient, *, of: str = "tasks",
                                  progress: bool | None = None, page_size: int | None = None,
                                  concurrency: int | None = None,
                                  params: Mapping[str, Any] | None = None, cache: Any = False,
                                  refresh: bool = False, **filters: Any) -> pd.DataFrame:
    """:func:`annotations_frame` for an ``AsyncSynapseClient``.

    >>> ann = await annotations_frame_async(aclient, project=7)       # doctest: +SKIP
    """
    if of not in ("tasks", "ground_truth_events"):
        raise ValueError(f"of= must be 'tasks' or 'ground_truth_events', got {of!r}")
    check_client("annotations_frame_async", client, True)
    return await fetch_frame(client, f"annotations:{of}", progress=progress,  # type: ignore[no-any-return]
                             page_size=page_size, concurrency=concurrency, params=params,
                             cache=cache, refresh=refresh, filters=filters)


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


def refresh(client: SynapseClient, resource: str, *, cache: Any = True, progress: bool | None = None,
            params: Mapping[str, Any] | None = None, **filters: Any) -> FrameChanges:
    """Fetch a cached frame again, store it, and return what changed.

    Parameters
    ----------
    client
        A ``SynapseClient`` (an async one: :func:`refresh_async`).
    resource
        The frame's resource (``tasks``, ``assignments``, ... or ``annotations:tasks``).
    cache
        ``True`` (the client's cache folder), a folder, or a ``FrameCache``.
    progress, params, **filters
        As for the frame functions; the filters pick the cached frame.

    Returns
    -------
    FrameChanges
        ``added``, ``removed``, ``modified`` ids; the fresh frame is ``changes.frame``.

    Examples
    --------
    >>> changes = refresh(client, "tasks", project=7)            # doctest: +SKIP
    >>> changes.added, changes.removed, changes.modified         # doctest: +SKIP
    """
    check_client("refresh", client, False)
    return _refresh(client, resource, cache=cache, progress=progress,  # type: ignore[no-any-return]
                    params=params, **filters)


async def refresh_async(client: AsyncSynapseClient, resource: str, *, cache: Any = True,
                        progress: bool | None = None, params: Mapping[str, Any] | None = None,
                        **filters: Any) -> FrameChanges:
    """:func:`refresh` for an ``AsyncSynapseClient``.

    >>> changes = await refresh_async(aclient, "tasks", project=7)   # doctest: +SKIP
    """
    check_client("refresh_async", client, True)
    return await _refresh(client, resource, cache=cache, progress=progress,  # type: ignore[no-any-return]
                          params=params, **filters)
