"""Reading one partition into an Arrow table with the resource's declared schema.

This runs on workers: it builds its own client from a :class:`~.spec.ClientSpec`, holds
a slot of the job's :class:`~.budget.RequestBudget` while it reads (one request at a
time), and converts pages
with the same converters the frames use, so a partition's table has exactly the schema
of ``tasks_frame`` and friends.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any, ContextManager, Mapping

import pyarrow as pa

from synapse_nb.client.advance import FollowedLinks
from synapse_nb.frames.annotations import AnnotationConverter
from synapse_nb.frames.convert import table_to_frame
from synapse_nb.frames.fetch import ResourceConverter

from .plan import Partition, resource_of
from .spec import ClientSpec

__all__ = ["read_partition", "read_partition_frame", "converter_for", "get_page", "empty_frame"]


def converter_for(kind: str) -> AnnotationConverter | ResourceConverter:
    """The frames' converter for a kind (``tasks``, ``annotations:tasks``, ...)."""
    resource, kind = resource_of(kind)
    if kind.startswith("annotations:"):
        return AnnotationConverter(resource.name)
    return ResourceConverter(resource)


def _one(call: Any) -> Any:
    """A flow of one request."""
    return (yield call)


def get_page(client: Any, path: str, params: Mapping[str, str]) -> Any:
    """One list page (the DRF envelope), with the client's retries, timeout and auth."""
    from synapse_nb.client.base import Call  # noqa: PLC0415
    from synapse_nb.client.methods import LIST_TIMEOUT  # noqa: PLC0415

    # a planned page past the end (rows deleted since planning) answers 404: no rows
    body = client.run_flow(_one(Call("GET", path, params=dict(params), timeout=LIST_TIMEOUT,
                                      accept=(404,))))
    return body if isinstance(body, (dict, list)) else {"results": [], "next": None}


def read_partition(spec: ClientSpec, part: Partition, budget: Any = None) -> pa.Table:
    """The rows of one partition as an Arrow table with the declared schema.

    ``budget``: a context manager factory (``budget.slot()``) bounding requests in flight
    across the whole job (held while this partition reads: its requests go one at a
    time); None for no bound beyond one request at a time here.
    """
    converter = converter_for(part.kind)
    batches: list[pa.RecordBatch] = []
    # One slot for the whole partition, not one per page: a partition sends its requests
    # one after the other, so it never has more than one in flight either way, and a
    # Dask or Ray budget costs a round trip to the scheduler or actor per acquire
    # (benchmarks/scale.py: that traffic was most of the driver's CPU during a read).
    slot: ContextManager[Any] = budget.slot() if budget is not None else nullcontext()
    # The pages are asked by number, but an open-ended partition ends only when a page has
    # no ``next``: a server that keeps answering empty pages with a ``next`` (or repeats one
    # link) would be asked forever. The walks' rule stops it (PaginationStalledError).
    links = FollowedLinks(part.path)
    pages = rows = 0
    with slot, spec.make_client() as client:
        page = part.first_page
        while part.last_page is None or page <= part.last_page:
            body = get_page(client, part.path, part.page_params(page))
            records = body.get("results", []) if isinstance(body, dict) else list(body or [])
            pages += 1
            rows += len(records)
            if records:
                batches.append(converter.convert(records))
            if not links.follow(body.get("next") if isinstance(body, dict) else None,
                                empty=not records, pages=pages, rows=rows):
                break
            page += 1
    return pa.Table.from_batches(batches, schema=converter.schema)


def read_partition_frame(spec: ClientSpec, part: Partition, budget: Any = None) -> Any:
    """:func:`read_partition` as a pandas frame with the frames' dtypes (and index)."""
    converter = converter_for(part.kind)
    return table_to_frame(read_partition(spec, part, budget), converter.columns,
                          index=converter.index)


def empty_frame(kind: str) -> Any:
    """A typed, empty frame of ``kind`` (Dask's ``meta``)."""
    converter = converter_for(kind)
    return table_to_frame(converter.schema.empty_table(), converter.columns, index=converter.index)
