"""What every engine starts from: the client's spec, the query and the partition plan."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from synapse_nb.frames.fetch import build_params

from .plan import DEFAULT_PAGE_SIZE, DEFAULT_PARTITION_ROWS, Partition, count_rows, plan_partitions, resource_of
from .spec import ClientSpec, Credential, client_spec

__all__ = ["Job", "prepare_job"]


@dataclass(frozen=True)
class Job:
    """A planned read: safe to print (the credential shows as ``***`` or a variable name)."""

    kind: str
    spec: ClientSpec
    partitions: tuple[Partition, ...]
    count: int

    def __repr__(self) -> str:
        return (f"Job({self.kind!r}, rows~{self.count}, partitions={len(self.partitions)}, "
                f"host={self.spec.base_url!r})")


def prepare_job(client: Any, resource: str, filters: Mapping[str, Any], *,
                partition_rows: int = DEFAULT_PARTITION_ROWS, page_size: int = DEFAULT_PAGE_SIZE,
                credential: Credential | None = None) -> Job:
    """Check the filters, count the rows (one request) and plan the partitions."""
    listed, kind = resource_of(resource)
    query = build_params(listed, filters)
    count = count_rows(client, kind, query)
    parts = plan_partitions(kind, count, partition_rows=partition_rows, page_size=page_size,
                            params=query)
    return Job(kind, client_spec(client, credential), tuple(parts), count)
