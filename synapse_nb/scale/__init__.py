"""Past one machine: resource frames read in partitions by Dask, Ray, or into Parquet.

- :func:`to_dask`: a dask DataFrame (``dd.from_map``), meta from the declared schema,
  index ``id``; runs on any scheduler (a ``LocalCluster`` or a scheduler address).
- :func:`to_ray`: a ``ray.data.Dataset`` from a Datasource whose read tasks are the
  partitions.
- :func:`to_polars`: a polars DataFrame over the frame's Arrow table (no copy; one
  process, for people who work in polars).
- :func:`to_parquet_dataset`: a hive-partitioned Parquet dataset with a manifest,
  resumable, written by the workers when an engine is given.

All three start from a partition plan made without I/O (:func:`plan_partitions`), a
picklable :class:`ClientSpec` whose credential never prints, and one request budget for
the whole job (:class:`DaskBudget`, :class:`RayBudget`, :class:`LocalBudget`).

Example:
    >>> from synapse_nb.scale import plan_partitions
    >>> len(plan_partitions("tasks", count=120_000, partition_rows=50_000))
    3
"""

from __future__ import annotations

from .budget import DaskBudget, LocalBudget, RayBudget, RequestBudget
from .engines import SynapseDatasource, to_dask, to_ray
from .job import Job, prepare_job
from .parquet import to_parquet_dataset, write_partition
from .plan import Partition, count_rows, plan_partitions
from .polars import to_polars
from .read import read_partition, read_partition_frame
from .spec import ClientSpec, FromConfigFile, FromEnv, Secret, client_spec

__all__ = [
    "to_dask", "to_ray", "to_polars", "to_parquet_dataset", "plan_partitions", "Partition", "count_rows",
    "prepare_job", "Job", "read_partition", "read_partition_frame", "write_partition",
    "ClientSpec", "client_spec", "Secret", "FromEnv", "FromConfigFile", "RequestBudget",
    "LocalBudget", "DaskBudget", "RayBudget", "SynapseDatasource",
]
