"""Partition plans: a resource's listing cut into pieces any process can read on its own.

Planning does no I/O: it takes the row count (one cheap request made by the caller, see
:func:`count_rows`) and cuts the listing, ordered by ``id``, into page ranges of about
``partition_rows`` rows. Each :class:`Partition` is small, picklable and safe to print.

Why page ranges stay right while the data changes: the listing is ordered by ``id``, so
rows created during the read (new, larger ids) land after every planned page. The last
partition is open-ended: it reads on until the server says there is no next page, so new
rows are read exactly once, and no planned row moves to a page another partition owns.

Example:
    >>> plan = plan_partitions("tasks", count=25_000, partition_rows=10_000, page_size=1000)
    >>> [(p.first_page, p.last_page) for p in plan]
    [(1, 10), (11, 20), (21, None)]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

from synapse_nb.frames.schema import RESOURCES, Resource

__all__ = ["Partition", "plan_partitions", "count_rows", "resource_of", "RESOURCE_NAMES",
           "DEFAULT_PARTITION_ROWS", "DEFAULT_PAGE_SIZE"]

#: rows per partition: large enough that a partition's overhead (a client, a few
#: requests) is small, small enough that a worker's memory stays modest.
DEFAULT_PARTITION_ROWS = 50_000
#: the contract's largest page (servers clamp larger values)
DEFAULT_PAGE_SIZE = 1000

#: what :func:`synapse_nb.to_dask` and friends read: the frame resources, and
#: ``annotations`` (one row per shape of the tasks' data).
RESOURCE_NAMES = (*RESOURCES, "annotations")


def resource_of(name: str) -> tuple[Resource, str]:
    """(the listed resource, the frame kind) for a resource name.

    ``annotations`` lists tasks and converts each into its annotation rows.
    """
    if name == "annotations":
        return RESOURCES["tasks"], "annotations:tasks"
    if name.startswith("annotations:") and name.split(":", 1)[1] in RESOURCES:
        return RESOURCES[name.split(":", 1)[1]], name
    if name not in RESOURCES:
        raise ValueError(f"unknown resource {name!r}: choose one of {', '.join(RESOURCE_NAMES)}")
    return RESOURCES[name], name


@dataclass(frozen=True)
class Partition:
    """Pages ``first_page`` .. ``last_page`` (inclusive; None: to the end) of one listing."""

    index: int
    kind: str
    path: str
    params: tuple[tuple[str, str], ...]
    page_size: int
    first_page: int
    last_page: int | None
    expected_rows: int = 0
    query: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def open_ended(self) -> bool:
        return self.last_page is None

    def page_params(self, page: int) -> dict[str, str]:
        return {**dict(self.params), "page": str(page), "page_size": str(self.page_size)}


def plan_partitions(kind: str, count: int, *, partition_rows: int = DEFAULT_PARTITION_ROWS,
                    page_size: int = DEFAULT_PAGE_SIZE,
                    params: Mapping[str, str] | None = None) -> list[Partition]:
    """Cut a listing of ``count`` rows into partitions of about ``partition_rows`` rows.

    ``params`` are the list call's query parameters (filters already encoded); an
    ``ordering`` of ``id`` is added where the resource takes one, so pages are stable.
    Always at least one partition (an empty listing still has a typed, empty frame).
    """
    if partition_rows < 1 or page_size < 1:
        raise ValueError(f"partition_rows and page_size must be positive, got "
                         f"{partition_rows} and {page_size}")
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    resource, kind = resource_of(kind)
    query = dict(params or {})
    if "ordering" in resource.filters:
        query.setdefault("ordering", "id")
    frozen = tuple(sorted(query.items()))
    pages_per = max(1, partition_rows // page_size)
    total_pages = max(1, math.ceil(count / page_size))
    n = math.ceil(total_pages / pages_per)
    out = []
    for i in range(n):
        first = i * pages_per + 1
        last = None if i == n - 1 else first + pages_per - 1
        rows = min(count, (last or total_pages) * page_size) - (first - 1) * page_size
        out.append(Partition(i, kind, resource.path, frozen, page_size, first, last, max(rows, 0)))
    return out


def count_rows(client: Any, kind: str, query: Mapping[str, str]) -> int:
    """The server's count for a listing: one request for a one-row page."""
    from .read import get_page  # noqa: PLC0415

    resource, _ = resource_of(kind)
    body = get_page(client, resource.path, {**query, "page": "1", "page_size": "1"})
    count = body.get("count") if isinstance(body, dict) else None
    if not isinstance(count, int):
        raise ValueError(f"{resource.path} answered without a count: partitions need one")
    return count
