"""Hive-partitioned Parquet datasets of a resource, written partition by partition.

``to_parquet_dataset`` plans the read (see :mod:`.plan`), then each partition is read and
written as ``<dest>/<col>=<value>/part-<NNNNN>-<i>.parquet`` by this process (threads) or
by the workers of an engine (a Dask ``distributed.Client`` or Ray). A partition is
marked done (``<dest>/_partitions/<NNNNN>.json``, written atomically) only after its
files are complete, so a run that is killed and started again skips what was written
and rewrites the rest under the same file names (nothing is doubled). The manifest
``<dest>/_manifest.json`` names the resource, the query, the plan and the rows.

Files and folders starting with ``_`` are ignored by Arrow, pandas, Dask, DuckDB and
Spark, so the dataset reads as it is:

>>> import pandas as pd                                                      # doctest: +SKIP
>>> pd.read_parquet("tasks-ds")                                             # doctest: +SKIP
>>> duckdb.sql("select project, count(*) from read_parquet("                # doctest: +SKIP
...            "'tasks-ds/**/*.parquet', hive_partitioning=true) group by 1")
"""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Sequence

import pyarrow as pa
import pyarrow.parquet as pq

from synapse_nb._util import atomic_write

from .._util.progress import progress_bar
from .budget import DEFAULT_REQUESTS_IN_FLIGHT, LocalBudget
from .job import Job, prepare_job
from .plan import DEFAULT_PAGE_SIZE, DEFAULT_PARTITION_ROWS, Partition
from .read import read_partition
from .spec import ClientSpec, Credential

__all__ = ["to_parquet_dataset", "write_partition", "MANIFEST_NAME"]

MANIFEST_NAME = "_manifest.json"
_DONE_DIR = "_partitions"


def _plan_fingerprint(job: Job) -> dict[str, Any]:
    first = job.partitions[0]
    return {"kind": job.kind, "path": first.path, "query": dict(first.params),
            "page_size": first.page_size,
            "pages": [[p.first_page, p.last_page] for p in job.partitions]}


def write_partition(spec: ClientSpec, part: Partition, dest: str, partition_by: Sequence[str],
                    budget: Any = None) -> dict[str, Any]:
    """Read one partition and write its files; returns what it wrote (and marks it done)."""
    root = Path(dest)
    table = read_partition(spec, part, budget)
    template = f"part-{part.index:05d}-{{i}}.parquet"
    if table.num_rows:
        if partition_by:
            pq.write_to_dataset(table, root, partition_cols=list(partition_by),
                                basename_template=template,
                                existing_data_behavior="overwrite_or_ignore")
        else:
            pq.write_table(table, root / template.format(i=0))
    done = {"index": part.index, "rows": table.num_rows, "written": time.time()}
    atomic_write(root / _DONE_DIR / f"{part.index:05d}.json", json.dumps(done))
    return done


def _done(root: Path) -> dict[int, dict[str, Any]]:
    out = {}
    for file in (root / _DONE_DIR).glob("*.json"):
        try:
            entry = json.loads(file.read_text())
            out[int(entry["index"])] = entry
        except (OSError, ValueError, KeyError, TypeError):
            continue  # a torn marker: the partition is written again
    return out


def _run(engine: Any, spec: ClientSpec, todo: list[Partition], dest: str,
         partition_by: Sequence[str], requests: int, progress: Any) -> list[dict[str, Any]]:
    """Write ``todo`` with the engine; results in any order."""
    budget: Any
    if engine is None:
        budget = LocalBudget(requests)
        with ThreadPoolExecutor(max_workers=min(4, requests)) as pool:
            futures = [pool.submit(write_partition, spec, p, dest, partition_by, budget) for p in todo]
            return [progress(f.result()) for f in futures]
    if engine == "ray" or type(engine).__module__.startswith("ray"):
        import ray  # noqa: PLC0415

        from .budget import RayBudget  # noqa: PLC0415

        if not ray.is_initialized():
            ray.init(include_dashboard=False, log_to_driver=False)
        budget = RayBudget(requests)
        remote = ray.remote(max_retries=3)(write_partition)
        refs = [remote.remote(spec, p, dest, list(partition_by), budget) for p in todo]
        return [progress(r) for r in ray.get(refs)]
    from distributed import as_completed, default_client  # noqa: PLC0415

    from .budget import DaskBudget  # noqa: PLC0415

    dask_client = default_client() if engine == "dask" else engine  # type: ignore[no-untyped-call]
    budget = DaskBudget(requests)
    futures = [dask_client.submit(write_partition, spec, p, dest, list(partition_by), budget,
                                  pure=False, retries=3) for p in todo]
    return [progress(f.result()) for f in as_completed(futures)]  # type: ignore[no-untyped-call]


def to_parquet_dataset(client: Any, resource: str, dest: str | os.PathLike[str], *,
                       partition_by: Sequence[str] = ("project",), engine: Any = None,
                       partition_rows: int = DEFAULT_PARTITION_ROWS,
                       page_size: int = DEFAULT_PAGE_SIZE,
                       requests_in_flight: int = DEFAULT_REQUESTS_IN_FLIGHT,
                       credential: Credential | None = None, progress: bool | None = None,
                       **filters: Any) -> dict[str, Any]:
    """Write a resource as a hive-partitioned Parquet dataset; resumable.

    Parameters
    ----------
    client
        A synapse_nb client (its host, tenant and credential go to the writers).
    resource
        A frame resource (``"tasks"``, ``"assignments"``, ...) or ``"annotations"``.
    dest
        The dataset folder. Running again with the same resource and filters resumes:
        partitions marked done are skipped. A folder holding another dataset is refused.
    partition_by
        Columns that become ``col=value`` folders (``()`` for flat files).
    engine
        None (this process, a few threads), a Dask ``distributed.Client`` or ``"dask"``
        (the running default client), or ``"ray"``: their workers read and write.
    partition_rows, page_size, requests_in_flight, credential
        As for :func:`synapse_nb.to_dask`.
    progress
        A progress bar over partitions (None: when there are 3 or more).
    **filters
        The frame function's filters.

    Returns
    -------
    dict
        The manifest (also in ``<dest>/_manifest.json``): resource, query, partitions,
        rows, and ``skipped`` (partitions already written by an earlier run).

    Examples
    --------
    >>> m = to_parquet_dataset(client, "tasks", "tasks-ds", project=1)   # doctest: +SKIP
    >>> m["rows"]                                                        # doctest: +SKIP
    """
    root = Path(dest).expanduser()
    for col in partition_by:
        if not isinstance(col, str):
            raise TypeError(f"partition_by takes column names, got {col!r}")
    job = prepare_job(client, resource, filters, partition_rows=partition_rows,
                      page_size=page_size, credential=credential)
    names = {f.name for f in read_schema(job)}
    missing = [c for c in partition_by if c not in names]
    if missing:
        raise ValueError(f"partition_by names {missing}, which {resource} frames do not have; "
                         f"choose among {sorted(names)}")
    fingerprint = _plan_fingerprint(job)
    manifest_path = root / MANIFEST_NAME
    (root / _DONE_DIR).mkdir(parents=True, exist_ok=True)
    done: dict[int, dict[str, Any]] = {}
    if manifest_path.exists():
        old = json.loads(manifest_path.read_text())
        if old.get("plan", {}).get("kind") != job.kind or old["plan"].get("query") != fingerprint["query"]:
            raise ValueError(f"{root} holds another dataset ({old.get('plan', {}).get('kind')} with "
                             f"{old.get('plan', {}).get('query')}); choose an empty folder")
        if old["plan"] == fingerprint:
            done = _done(root)
    started = time.perf_counter()
    manifest = {"synapse_nb": _version(), "resource": resource, "plan": fingerprint,
                "partition_by": list(partition_by), "complete": False}
    atomic_write(manifest_path, json.dumps(manifest, indent=1))
    todo = [p for p in job.partitions if p.index not in done]
    bar = _bar(progress, len(job.partitions), len(done))

    def tick(result: dict[str, Any]) -> dict[str, Any]:
        if bar is not None:
            bar.update(1)
        return result

    try:
        for result in _run(engine, job.spec, todo, str(root), partition_by, requests_in_flight, tick):
            done[int(result["index"])] = result
    finally:
        if bar is not None:
            bar.close()
    manifest.update(complete=True, rows=sum(int(d["rows"]) for d in done.values()),
                    partitions=[{"index": i, "rows": done[i]["rows"]} for i in sorted(done)],
                    skipped=len(job.partitions) - len(todo),
                    elapsed=round(time.perf_counter() - started, 3))
    atomic_write(manifest_path, json.dumps(manifest, indent=1))
    return manifest


def read_schema(job: Job) -> pa.Schema:
    from .read import converter_for  # noqa: PLC0415

    return converter_for(job.kind).schema


def _bar(progress: bool | None, total: int, initial: int) -> Any:
    return progress_bar(progress, total, min_size=3, initial=initial, desc="parquet dataset", unit="partition")


def _version() -> str:
    from synapse_nb import __version__  # noqa: PLC0415

    return __version__
