"""Frames on Dask and Ray: the partitions of a :class:`~.job.Job` read by their workers.

Example:
    >>> import synapse_nb as snb                                              # doctest: +SKIP
    >>> from distributed import Client, LocalCluster                          # doctest: +SKIP
    >>> dask_client = Client(LocalCluster(n_workers=2))                       # doctest: +SKIP
    >>> ddf = snb.to_dask(snb.connect(), "tasks", project=1)                  # doctest: +SKIP
    >>> ddf.groupby("status", observed=True).size().compute()                # doctest: +SKIP
    >>> ds = snb.to_ray(snb.connect(), "assignments", project=1)              # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from synapse_nb._optional import import_optional

from .budget import DEFAULT_REQUESTS_IN_FLIGHT, DaskBudget, LocalBudget, RayBudget
from .job import prepare_job
from .plan import DEFAULT_PAGE_SIZE, DEFAULT_PARTITION_ROWS, Partition
from .read import converter_for, empty_frame, read_partition, read_partition_frame
from .spec import ClientSpec, Credential

__all__ = ["to_dask", "to_ray", "SynapseDatasource", "dask_budget", "LocalGraphBudget"]


def dask_budget(requests: int) -> Any:
    """A :class:`DaskBudget` when a distributed client is running, else a local one."""
    try:
        from distributed import default_client  # noqa: PLC0415

        default_client()  # type: ignore[no-untyped-call]
    except (ImportError, ValueError):
        return LocalGraphBudget(requests)  # the threaded or sync scheduler: one process
    return DaskBudget(requests)


class LocalGraphBudget:
    """A :class:`LocalBudget` that can sit in a Dask graph.

    Dask names a graph's keys by hashing its arguments, and refuses (``TokenizationError``)
    what it cannot hash deterministically, such as a semaphore. This budget hashes as its
    own random id: one ``to_dask`` call, one budget, stable key names. Sent to another
    process (the ``processes`` scheduler) it arrives as a fresh budget of the same size,
    so there the bound holds per process; a distributed client gives one shared bound.
    """

    def __init__(self, requests: int, key: str | None = None) -> None:
        import uuid  # noqa: PLC0415

        self.budget = LocalBudget(requests)
        self.key = key or uuid.uuid4().hex

    def slot(self) -> Any:
        return self.budget.slot()

    def __dask_tokenize__(self) -> tuple[str, str]:
        return ("synapse-nb-local-budget", self.key)

    def __reduce__(self) -> tuple[Any, tuple[int, str]]:
        return (LocalGraphBudget, (self.budget.requests, self.key))

    def __repr__(self) -> str:
        return f"LocalGraphBudget(requests={self.budget.requests})"


def to_dask(client: Any, resource: str, *, partition_rows: int = DEFAULT_PARTITION_ROWS,
            page_size: int = DEFAULT_PAGE_SIZE,
            requests_in_flight: int = DEFAULT_REQUESTS_IN_FLIGHT,
            credential: Credential | None = None, **filters: Any) -> Any:
    """A lazy dask DataFrame of a resource, one partition per page range.

    Parameters
    ----------
    client
        A synapse_nb client; its host, tenant and credential go to the workers as a
        :class:`~synapse_nb.scale.ClientSpec` (see ``credential``).
    resource
        ``"tasks"``, ``"assignments"``, ``"ground_truth_events"``, ``"models"``, ...
        (the frame resources) or ``"annotations"`` (one row per shape of the tasks).
    partition_rows
        About how many rows each partition holds.
    page_size
        Rows per request (servers cap it; 1000 on the reference server).
    requests_in_flight
        The job's request budget: at most this many requests in flight across every
        worker (a ``distributed.Semaphore`` when a distributed client runs; without one,
        the threads of the local scheduler share a :class:`LocalGraphBudget`).
    credential
        How workers get the token: ``FromEnv("SYNAPSE_ACCESS_TOKEN")``,
        ``FromConfigFile()`` or ``Secret(token)``; by default the environment variable
        when it holds the client's token, else the token as a ``Secret``.
    **filters
        The frame function's filters (``project=1``, ``status=[...]``).

    Returns
    -------
    dask.dataframe.DataFrame
        Columns and dtypes of the matching ``*_frame`` function, index ``id``
        (annotations: a plain index), divisions unknown.

    Examples
    --------
    >>> ddf = to_dask(client, "tasks", project=1, partition_rows=20_000)   # doctest: +SKIP
    >>> ddf.status.value_counts().compute()                                # doctest: +SKIP
    """
    dd = import_optional("dask.dataframe", "dask")
    import dask  # noqa: PLC0415
    job = prepare_job(client, resource, filters, partition_rows=partition_rows,
                      page_size=page_size, credential=credential)
    budget = dask_budget(requests_in_flight)
    # the frames' dtypes as declared: Dask would otherwise turn pandas' ``str`` columns
    # into its own ``string[pyarrow]``
    with dask.config.set({"dataframe.convert-string": False}):
        return dd.from_map(_partition_frame, list(job.partitions), spec=job.spec, budget=budget,
                           meta=empty_frame(job.kind), label=f"synapse-nb-{resource}",
                           enforce_metadata=False)


def _partition_frame(part: Partition, *, spec: ClientSpec, budget: Any) -> Any:
    """``dd.from_map`` hands the partition first."""
    return read_partition_frame(spec, part, budget)


def _datasource_base() -> type:
    ray_data = import_optional("ray.data", "ray")
    return ray_data.Datasource  # type: ignore[no-any-return]


def _make_datasource_class() -> type:
    from ray.data.block import BlockMetadata  # noqa: PLC0415
    from ray.data.datasource import ReadTask  # noqa: PLC0415

    class SynapseDatasource(_datasource_base()):  # type: ignore[misc]
        """A Ray Datasource whose read tasks are a job's partitions."""

        def __init__(self, spec: ClientSpec, partitions: list[Partition], budget: Any) -> None:
            super().__init__()
            self.spec, self.partitions, self.budget = spec, partitions, budget
            self.schema = converter_for(partitions[0].kind).schema

        def get_name(self) -> str:
            return f"Synapse[{self.partitions[0].kind}]"

        def estimate_inmemory_data_size(self) -> int | None:
            return sum(p.expected_rows for p in self.partitions) * 400 or None

        def get_read_tasks(self, parallelism: int, per_task_row_limit: int | None = None,
                           data_context: Any = None) -> list[Any]:
            spec, budget = self.spec, self.budget

            def task(part: Partition) -> Any:
                meta = BlockMetadata(num_rows=part.expected_rows or None, size_bytes=None,
                                     exec_stats=None, input_files=None)
                return ReadTask(lambda: [read_partition(spec, part, budget)], meta,
                                schema=self.schema)
            return [task(p) for p in self.partitions]

    return SynapseDatasource


_DATASOURCE: type | None = None


def SynapseDatasource(spec: ClientSpec, partitions: list[Partition], budget: Any) -> Any:  # noqa: N802
    """The Ray Datasource of a job's partitions (its class is made on first use: Ray is optional)."""
    global _DATASOURCE
    if _DATASOURCE is None:
        _DATASOURCE = _make_datasource_class()
    return _DATASOURCE(spec, partitions, budget)


def to_ray(client: Any, resource: str, *, partition_rows: int = DEFAULT_PARTITION_ROWS,
           page_size: int = DEFAULT_PAGE_SIZE, requests_in_flight: int = DEFAULT_REQUESTS_IN_FLIGHT,
           credential: Credential | None = None, **filters: Any) -> Any:
    """A ``ray.data.Dataset`` of a resource, read by Ray tasks, one per partition.

    Blocks are Arrow tables with the resource's declared schema (the columns of the
    matching ``*_frame``); the parameters are those of :func:`to_dask`. Ray is started
    locally when it is not running yet (as ``ray.data`` itself does).

    Examples
    --------
    >>> ds = to_ray(client, "tasks", project=1)                          # doctest: +SKIP
    >>> ds.groupby("status").count().take_all()                          # doctest: +SKIP
    """
    ray = import_optional("ray", "ray")
    job = prepare_job(client, resource, filters, partition_rows=partition_rows,
                      page_size=page_size, credential=credential)
    if not ray.is_initialized():
        ray.init(include_dashboard=False, log_to_driver=False)
    source = SynapseDatasource(job.spec, list(job.partitions), RayBudget(requests_in_flight))
    return ray.data.read_datasource(source, override_num_blocks=len(job.partitions))
