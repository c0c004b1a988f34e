"""Frames as polars DataFrames: the frame's Arrow table handed to polars without a copy.

Beside :func:`~synapse_nb.scale.to_dask` and :func:`~synapse_nb.scale.to_ray`, for people
who work in polars. The pages are read and converted exactly as for ``tasks_frame`` and
the other frame functions (the same declared Arrow schema, the same duplicate and order
handling), then ``polars.from_arrow(table, rechunk=False)`` takes the Arrow buffers as
they are: no pandas step, no copy of the numeric, string, list or time columns. Only the
declared enum columns (``status``, ``priority``, ...) are cast, from Arrow dictionaries to
a ``polars.Enum`` of the declared values (then any value the server added), so their
categories are the pandas frame's. ``id`` is a column (polars has no index).

Example:
    >>> import synapse_nb as snb                                              # doctest: +SKIP
    >>> tasks = snb.to_polars(snb.connect(), "tasks", project=1)             # doctest: +SKIP
    >>> tasks.group_by("status").len()                                        # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

import pyarrow as pa

from synapse_nb._optional import import_optional

from ..frames.adapters import _converter
from ..frames.api import check_client
from ..frames.fetch import PageConsumer, build_params, iter_batches
from ..frames.pump import paused_gc
from .plan import resource_of

if TYPE_CHECKING:
    import polars as pl

    from synapse_nb.client import SynapseClient

__all__ = ["to_polars", "polars_from_arrow"]


def polars_from_arrow(table: pa.Table, columns: Any = ()) -> pl.DataFrame:
    """A polars DataFrame over ``table``'s buffers; enum ``columns`` become ``polars.Enum``.

    ``columns`` are the declared columns (:class:`~synapse_nb.frames.schema.Column`) of the
    table's resource; those of kind ``enum`` get their declared categories first, as the
    pandas frames do.

    >>> polars_from_arrow(pa.table({"n": [1, 2]})).to_dict(as_series=False)
    {'n': [1, 2]}
    """
    pl = import_optional("polars", "polars")
    frame = pl.from_arrow(table, rechunk=False)
    casts = {}
    for col in columns:
        if col.kind == "enum" and col.name in frame.columns:
            present = frame[col.name].drop_nulls().unique(maintain_order=True).cast(pl.String)
            extra = [v for v in present.to_list() if v not in col.categories]
            casts[col.name] = pl.Enum([*col.categories, *extra])
    return frame.cast(casts) if casts else frame  # type: ignore[no-any-return]


def to_polars(client: SynapseClient, resource: str, *, progress: bool | None = None,
              page_size: int | None = None, concurrency: int | None = None,
              params: Mapping[str, Any] | None = None, **filters: Any) -> pl.DataFrame:
    """A resource as a polars DataFrame, with the columns and values of its pandas frame.

    Parameters
    ----------
    client
        A ``SynapseClient`` (v1 or v2 API).
    resource
        ``"tasks"``, ``"assignments"``, ``"ground_truth_events"``, ``"models"``, ... (the
        frame resources) or ``"annotations"`` (one row per shape of the tasks, as
        ``annotations_frame(client, ...)``).
    progress, page_size, concurrency, params
        As for the frame functions (``tasks_frame`` and the rest).
    **filters
        The resource's filters (``project=1``, ``status=["pending", "completed"]``).

    Returns
    -------
    polars.DataFrame
        ``id`` first (where the resource has ids), then the pandas frame's columns in its
        order, with the matching polars types (``Int64``, ``String``, ``Datetime("us",
        "UTC")``, ``List``, ``Enum`` for categoricals).

    Examples
    --------
    >>> import polars as pl                                                  # doctest: +SKIP
    >>> tasks = snb.to_polars(client, "tasks", project=1)                    # doctest: +SKIP
    >>> tasks.filter(pl.col("annotation_count") >= 3).group_by("status").len()  # doctest: +SKIP
    """
    check_client("to_polars", client, False)
    import_optional("polars", "polars")  # before any request: say which extra is missing
    _, kind = resource_of(resource)
    res, converter = _converter(kind)
    query = build_params(res, filters, params)
    consumer = PageConsumer(converter, resource=kind, progress=progress, page_size=page_size)
    holder: dict[str, Any] = {}
    with paused_gc():
        batches = list(iter_batches(client, res.path, query, consumer, page_size=page_size,
                                    concurrency=concurrency, holder=holder))
    table = pa.Table.from_batches(batches, schema=converter.schema)
    del batches
    frame = polars_from_arrow(table, converter.columns)
    index = converter.index
    if index is not None:
        # as the pandas frames: a row seen twice keeps its first copy; v2 partitioned reads
        # arrive out of order and are sorted by id
        if frame[index].is_duplicated().any():
            frame = frame.unique(subset=index, keep="first", maintain_order=True)
        if getattr(holder.get("pages"), "sort_by_id", False) and not frame[index].is_sorted():
            frame = frame.sort(index)
    return frame
