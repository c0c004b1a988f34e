"""Hive-partitioned Parquet datasets of a resource, written partition by partition.

``to_parquet_dataset`` plans the read (see :mod:`.plan`), then each partition is read and
written as ``<dest>/<col>=<value>/part-<NNNNN>-<i>.parquet`` by this process (threads) or
by the workers of an engine (a Dask ``distributed.Client`` or Ray). A partition is
marked done (``<dest>/_partitions/<NNNNN>.json``, written atomically, listing its files)
only after its files are complete, so a run that is killed and started again skips what
was written and rewrites the rest under the same file names (nothing is doubled). The
manifest ``<dest>/_manifest.json`` names the resource, the query, the plan and the rows.

A re-run leaves exactly the files its partitions list. Part files (``part-*.parquet``,
the only files it ever writes) that no done partition lists are removed at the end: those
of a partition rewritten on resume whose rows moved to another ``col=value`` folder, those
of partitions a shrunk plan no longer has, those of another ``partition_by``. Other files
in the folder are left alone. The manifest counts what was removed, and its ``rows`` are
the rows the files hold.

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
import re
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
#: the names ``write_partition`` gives its files (and the only files a re-run removes)
_PART_FILE = re.compile(r"part-\d{5,}-\d+\.parquet")
_SHOWN_REMOVED = 100


def _plan_fingerprint(job: Job) -> dict[str, Any]:
    first = job.partitions[0]
    return {"kind": job.kind, "path": first.path, "query": dict(first.params),
            "page_size": first.page_size,
            "pages": [[p.first_page, p.last_page] for p in job.partitions]}


def write_partition(spec: ClientSpec, part: Partition, dest: str, partition_by: Sequence[str],
                    budget: Any = None) -> dict[str, Any]:
    """Read one partition and write its files; returns what it wrote (and marks it done).

    The done marker lists the files (relative to ``dest``): a re-run keeps those and
    removes any other part file, such as one an earlier attempt wrote into a
    ``col=value`` folder its rows have left since.
    """
    root = Path(dest)
    table = read_partition(spec, part, budget)
    template = f"part-{part.index:05d}-{{i}}.parquet"
    files: list[str] = []
    if table.num_rows:
        if partition_by:
            pq.write_to_dataset(table, root, partition_cols=list(partition_by),
                                basename_template=template,
                                existing_data_behavior="overwrite_or_ignore",
                                file_visitor=lambda written: files.append(written.path))
        else:
            pq.write_table(table, root / template.format(i=0))
            files.append(str(root / template.format(i=0)))
    relative = sorted(Path(f).resolve().relative_to(root.resolve()).as_posix() for f in files)
    done = {"index": part.index, "rows": table.num_rows, "files": relative,
            "written": time.time()}
    atomic_write(root / _DONE_DIR / f"{part.index:05d}.json", json.dumps(done))
    return done


def _done(root: Path, partitions: int) -> dict[int, dict[str, Any]]:
    """The done markers of partitions ``0 .. partitions - 1``; other markers are removed."""
    out = {}
    for file in (root / _DONE_DIR).glob("*.json"):
        try:
            entry = json.loads(file.read_text())
            index = int(entry["index"])
            if 0 <= index < partitions and isinstance(entry["files"], list):
                out[index] = entry
                continue
        except (OSError, ValueError, KeyError, TypeError):
            pass  # a torn marker, or one from before markers listed files: written again
        file.unlink(missing_ok=True)
    return out


def _part_files(root: Path) -> list[Path]:
    """Every part file under ``root``: flat, or in ``col=value`` folders at any depth."""
    found: list[Path] = []
    for folder, dirs, names in os.walk(root):
        # only hive folders: not ``_partitions``, hidden folders, or a user's own folders
        dirs[:] = [d for d in dirs if "=" in d and not d.startswith(("_", "."))]
        found.extend(Path(folder, n) for n in names if _PART_FILE.fullmatch(n))
    return found


def _remove_unlisted(root: Path, done: dict[int, dict[str, Any]]) -> list[str]:
    """Remove the part files no done partition lists (and hive folders left empty)."""
    keep = {f for entry in done.values() for f in entry["files"]}
    removed: list[str] = []
    for path in _part_files(root):
        name = path.relative_to(root).as_posix()
        if name in keep:
            continue
        path.unlink(missing_ok=True)
        removed.append(name)
        folder = path.parent
        while folder != root and "=" in folder.name:
            try:
                folder.rmdir()  # only when empty
            except OSError:
                break
            folder = folder.parent
    return sorted(removed)


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
        partitions marked done are skipped, part files no partition lists any more are
        removed. A folder holding another dataset is refused.
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
        rows (the rows the dataset's files hold), ``skipped`` (partitions already written
        by an earlier run), ``removed`` (stale part files of earlier runs deleted: see the
        module docstring) and ``removed_files`` (the first 100 of them).

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
    done: dict[int, dict[str, Any]] = {}
    if manifest_path.exists():
        old = json.loads(manifest_path.read_text())
        if old.get("plan", {}).get("kind") != job.kind or old["plan"].get("query") != fingerprint["query"]:
            raise ValueError(f"{root} holds another dataset ({old.get('plan', {}).get('kind')} with "
                             f"{old.get('plan', {}).get('query')}); choose an empty folder")
        if old["plan"] == fingerprint and old.get("partition_by") == list(partition_by):
            done = _done(root, len(job.partitions))
        else:  # another plan: every partition is written again
            _done(root, 0)
    elif _part_files(root):
        # part files with no manifest of ours: not ours to overwrite or remove
        raise ValueError(f"{root} holds part-*.parquet files but no {MANIFEST_NAME}: it is not "
                         "a dataset written here; choose an empty folder")
    (root / _DONE_DIR).mkdir(parents=True, exist_ok=True)
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
    removed = _remove_unlisted(root, done)
    manifest.update(complete=True, rows=sum(int(d["rows"]) for d in done.values()),
                    partitions=[{"index": i, "rows": done[i]["rows"]} for i in sorted(done)],
                    skipped=len(job.partitions) - len(todo), removed=len(removed),
                    removed_files=removed[:_SHOWN_REMOVED],
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
