"""upload_folder: carry out an upload plan, concurrently, resumably, idempotently.

Phases: hash (md5, cached in the journal), ask the server which checksums it
already has, send the missing files (bounded thread pool; chunked above a
threshold), create data units in batches, then tasks for ``project``.

Idempotency, even across a killed process: a unit or task batch is written to
the journal as *pending* before it is posted. On the next run, a pending entry,
or a group whose files were all on the server before this run started, is
looked up on the server (data units by ``checksum``, tasks by ``data_unit``)
before anything is created again.
"""

from __future__ import annotations

import datetime as _dt
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import pandas as pd

from .journal import UploadJournal, journal_path
from .plan import CHUNKED_THRESHOLD, MAX_FILE_SIZE, PlannedUnit, UploadPlan, make_plan
from .progress import Progress, make_progress
from .transfer import error_reason, md5_file, send_file

__all__ = ["upload_folder", "run_plan", "REPORT_COLUMNS"]

REPORT_COLUMNS = ["key", "status", "data_unit", "task", "files", "uploaded", "reason"]
_VERIFY_BATCH = 1000


@dataclass
class _Row:
    unit: PlannedUnit
    status: str = "pending"  # created / exists / skipped / failed
    data_unit: int | None = None
    task: int | None = None
    uploaded: int = 0
    reason: str | None = None
    checksums: dict[str, str] = field(default_factory=dict)
    adopted: bool = False  # unit known from journal or server, not created now

    def fail(self, reason: str) -> None:
        if self.status != "failed":
            self.status, self.reason = "failed", reason


def _chunks(items: list[Any], n: int) -> Iterable[list[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def _results(resp: Any) -> list[dict[str, Any]]:
    if isinstance(resp, Mapping):
        return list(resp.get("results", [resp] if "id" in resp else []))
    return list(resp or [])


def _unit_checksums(unit: Mapping[str, Any]) -> dict[str, str]:
    out = {}
    for spec, f in (unit.get("files") or {}).items():
        if isinstance(f, Mapping) and f.get("checksum"):
            out[spec] = f["checksum"]
    return out


def _id(value: Any) -> int | None:
    if isinstance(value, Mapping):
        value = value.get("id")
    return int(value) if value is not None else None


class _Runner:
    def __init__(self, client: Any, plan: UploadPlan, *, project: int | None, chunk_size: int | None,
                 max_workers: int, batch_size: int, state_dir: Any, progress: Progress,
                 created_at: str | None) -> None:
        self.client, self.plan, self.project = client, plan, project
        self.chunk_size, self.batch_size = chunk_size, max(1, batch_size)
        self.dc = plan.data_collection
        self.journal = UploadJournal(journal_path(plan.root, self.dc, state_dir), self.dc)
        self.progress = progress
        self.pool = ThreadPoolExecutor(max_workers=max(1, max_workers), thread_name_prefix="synapse-upload")
        self.created_at = created_at or _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        self.rows = [_Row(u) for u in plan.units]
        for r in self.rows:
            if not r.unit.ready:
                r.status, r.reason = "skipped", r.unit.reason
        self.preexisting: set[str] = set()

    # phase 1: md5 ---------------------------------------------------------
    def _hash(self, path: Path) -> str:
        st = path.stat()
        rel = self.plan.rel(path)
        cached = self.journal.cached_checksum(rel, st.st_size, st.st_mtime_ns)
        if cached:
            return cached
        digest = md5_file(path)
        self.journal.set_file(rel, st.st_size, st.st_mtime_ns, digest)
        return digest

    def hash_all(self) -> None:
        jobs = [(r, spec, p) for r in self.rows if r.status == "pending" for spec, p in r.unit.files.items()]
        futures = [(r, spec, p, self.pool.submit(self._hash, p)) for r, spec, p in jobs]
        for r, spec, p, fut in futures:
            try:
                r.checksums[spec] = fut.result()
            except OSError as err:
                r.fail(f"cannot read {self.plan.rel(p)}: {err.strerror or err}")

    # phase 2: which checksums does the server have? ---------------------
    def verify(self) -> set[str]:
        wanted = sorted({c for r in self.rows if r.status == "pending" for c in r.checksums.values()})
        existing: set[str] = set()
        # big folders: batches of checksums asked concurrently
        futures = [self.pool.submit(self.client.data_files_verify_checksums, b) for b in _chunks(wanted, _VERIFY_BATCH)]
        for fut in futures:
            existing.update(fut.result().get("existing", []))
        self.preexisting = existing
        return existing

    # phase 3: send missing files ----------------------------------------
    def send_all(self, existing: set[str]) -> None:
        todo: dict[str, tuple[Path, int]] = {}  # one send per checksum, even if two files share it
        owners: dict[str, list[_Row]] = {}
        n_files = 0
        for r in self.rows:
            if r.status != "pending":
                continue
            for spec, c in r.checksums.items():
                n_files += 1
                owners.setdefault(c, []).append(r)
                if c not in existing and c not in todo:
                    p = r.unit.files[spec]
                    todo[c] = (p, r.unit.sizes.get(spec, 0))
        self.progress.start("files", n_files)
        self.progress.start("bytes", sum(s for _, s in todo.values()))
        # files the server already has are done before we start
        self.progress.advance("files", n_files - sum(len(owners[c]) for c in todo))

        def one(checksum: str, path: Path, size: int) -> dict[str, Any]:
            chunked = size >= self.plan.chunked_threshold
            return send_file(self.client, path, size, chunked=chunked, chunk_size=self.chunk_size,
                             on_bytes=lambda n: self.progress.advance("bytes", n))

        futures = {c: self.pool.submit(one, c, p, s) for c, (p, s) in todo.items()}
        for c, fut in futures.items():
            path = todo[c][0]
            try:
                out = fut.result()
                got = out.get("checksum")
                if got and got != c:
                    raise ValueError(f"server stored checksum {got}, expected {c}; the file changed while uploading?")
                st = path.stat()
                self.journal.set_file(self.plan.rel(path), st.st_size, st.st_mtime_ns, c, stored=True)
                for r in owners[c]:
                    r.uploaded += 1
            except Exception as err:  # one bad file must not stop the others
                for r in owners[c]:
                    r.fail(f"{self.plan.rel(path)}: {error_reason(err)}")
            self.progress.advance("files", len(owners[c]))

    # phase 4: data units ------------------------------------------------
    def _payload(self, r: _Row) -> dict[str, Any]:
        files = {spec: {"checksum": c, "path": self.plan.rel(r.unit.files[spec])} for spec, c in r.checksums.items()}
        meta = dict(r.unit.meta)
        meta.setdefault("created_at", self.created_at)
        return {"data_collection": self.dc, "files": files, "meta": meta}

    def _find_unit(self, r: _Row) -> dict[str, Any] | None:
        """The server's unit holding exactly this group's files, if one exists."""
        any_checksum = next(iter(r.checksums.values()))
        resp = self.client.list_data_units({"data_collection": self.dc, "checksum": any_checksum, "page_size": 100})
        for unit in _results(resp):
            if _unit_checksums(unit) == r.checksums:
                return unit
        return None

    def units(self) -> None:
        rows = [r for r in self.rows if r.status == "pending"]
        self.progress.start("units", len(rows))
        to_check, to_create = [], []
        for r in rows:
            entry = self.journal.unit_entry(r.unit.key)
            if entry and entry.get("id") and entry.get("checksums") == r.checksums:
                r.status, r.data_unit, r.adopted = "exists", int(entry["id"]), True
                self.progress.advance("units")
            elif (entry and entry.get("pending")) or set(r.checksums.values()) <= self.preexisting:
                to_check.append(r)  # a POST may have landed before a crash, or someone else made it
            else:
                to_create.append(r)
        for r, fut in [(r, self.pool.submit(self._find_unit, r)) for r in to_check]:
            try:
                unit = fut.result()
            except Exception as err:
                r.fail(f"could not check the server for an existing data unit: {error_reason(err)}")
                self.progress.advance("units")
                continue
            if unit is None:
                to_create.append(r)
            else:
                r.status, r.data_unit, r.adopted = "exists", int(unit["id"]), True
                self.journal.set_unit(r.unit.key, r.data_unit, r.checksums)
                self.progress.advance("units")
        batches = list(_chunks(to_create, self.batch_size))
        for fut in [self.pool.submit(self._create_units, b) for b in batches]:
            fut.result()

    def _create_units(self, batch: list[_Row]) -> None:
        self.journal.mark_units_pending({r.unit.key: r.checksums for r in batch})
        try:
            created = _results(self.client.create_data_units([self._payload(r) for r in batch]))
            if len(created) != len(batch):
                raise ValueError(f"server answered {len(created)} data units for {len(batch)} sent")
        except Exception as err:
            status = getattr(err, "status_code", None)
            if status is not None and 400 <= int(status) < 500:
                # Refused as a whole: nothing was stored. Retry one by one to find the bad one.
                for r in batch:
                    self.journal.drop_unit(r.unit.key)
                if len(batch) > 1:
                    for r in batch:
                        self._create_units([r])
                    return
            for r in batch:  # unknown outcome stays pending: the next run asks the server
                r.fail(f"data unit not created: {error_reason(err)}")
                self.progress.advance("units")
            return
        by_sums = {tuple(sorted(_unit_checksums(u).items())): u for u in created}
        for r, unit in zip(batch, created):
            unit = by_sums.get(tuple(sorted(r.checksums.items())), unit)
            r.status, r.data_unit = "created", int(unit["id"])
            self.journal.set_unit(r.unit.key, r.data_unit, r.checksums)
            self.progress.advance("units")

    # phase 5: tasks -----------------------------------------------------
    def _find_task(self, unit_id: int) -> int | None:
        resp = self.client.list_tasks({"project": self.project, "data_unit": unit_id, "page_size": 10})
        for t in _results(resp):
            if _id(t.get("data_unit")) in (unit_id, None):
                return int(t["id"])
        return None

    def tasks(self) -> None:
        p = self.project
        rows = [r for r in self.rows if r.status in ("created", "exists") and r.data_unit is not None]
        self.progress.start("tasks", len(rows))
        to_check, to_create = [], []
        for r in rows:
            entry = self.journal.task_entry(p, r.data_unit)
            if entry and entry.get("id"):
                r.task = int(entry["id"])
                self.progress.advance("tasks")
            elif r.adopted or (entry and entry.get("pending")):
                to_check.append(r)
            else:
                to_create.append(r)
        for r, fut in [(r, self.pool.submit(self._find_task, r.data_unit)) for r in to_check]:
            try:
                tid = fut.result()
            except Exception as err:
                r.fail(f"could not check the server for an existing task: {error_reason(err)}")
                self.progress.advance("tasks")
                continue
            if tid is None:
                to_create.append(r)
            else:
                r.task = tid
                self.journal.set_task(p, r.data_unit, tid)
                self.progress.advance("tasks")
        for fut in [self.pool.submit(self._create_tasks, b) for b in _chunks(to_create, self.batch_size)]:
            fut.result()

    def _create_tasks(self, batch: list[_Row]) -> None:
        p = self.project
        self.journal.mark_tasks_pending(p, [r.data_unit for r in batch])
        try:
            created = _results(self.client.create_tasks([{"project": p, "data_unit": r.data_unit} for r in batch]))
        except Exception as err:
            status = getattr(err, "status_code", None)
            if status is not None and 400 <= int(status) < 500:
                for r in batch:
                    self.journal.drop_task(p, r.data_unit)
                if len(batch) > 1:
                    for r in batch:
                        self._create_tasks([r])
                    return
            for r in batch:
                r.fail(f"task not created: {error_reason(err)}")
                self.progress.advance("tasks")
            return
        by_unit = {_id(t.get("data_unit")): t for t in created}
        for r, task in zip(batch, created):
            task = by_unit.get(r.data_unit, task)
            r.task = int(task["id"])
            self.journal.set_task(p, r.data_unit, r.task)
            self.progress.advance("tasks")

    # driver -------------------------------------------------------------
    def run(self) -> pd.DataFrame:
        try:
            self.hash_all()
            self.send_all(self.verify())
            self.units()
            if self.project is not None:
                self.tasks()
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.journal.flush(force=True)
            self.progress.close()
        return self.report()

    def report(self) -> pd.DataFrame:
        recs = [
            {"key": r.unit.key, "status": r.status, "data_unit": r.data_unit, "task": r.task,
             "files": {s: self.plan.rel(p) for s, p in r.unit.files.items()}, "uploaded": r.uploaded,
             "reason": r.reason}
            for r in self.rows
        ]
        recs += [{"key": rel, "status": "skipped", "data_unit": None, "task": None, "files": {}, "uploaded": 0,
                  "reason": reason} for rel, reason in self.plan.skipped_files]
        df = pd.DataFrame(recs, columns=REPORT_COLUMNS)
        df = df.astype({"data_unit": "Int64", "task": "Int64", "uploaded": "int64"})
        counts = df["status"].value_counts()
        df.attrs["summary"] = {k: int(counts.get(k, 0)) for k in ("created", "exists", "skipped", "failed")}
        df.attrs["files_uploaded"] = int(df["uploaded"].sum())
        df.attrs["journal"] = str(self.journal.path)
        df.attrs["data_collection"] = self.dc
        df.attrs["project"] = self.project
        return df


def run_plan(client: Any, plan: UploadPlan, *, project: int | None = None, chunk_size: int | None = None,
             max_workers: int = 8, batch_size: int = 100, state_dir: str | os.PathLike[str] | None = None,
             progress: bool | Progress = True, created_at: str | None = None) -> pd.DataFrame:
    """Carry out an :class:`UploadPlan` (see :func:`upload_folder`)."""
    return _Runner(client, plan, project=project, chunk_size=chunk_size, max_workers=max_workers,
                   batch_size=batch_size, state_dir=state_dir, progress=make_progress(progress),
                   created_at=created_at).run()


def upload_folder(
    client: Any,
    data_collection: int | Mapping[str, Any],
    path: str | os.PathLike[str],
    *,
    recursive: bool = True,
    metadata: Any = None,
    project: int | None = None,
    chunked_threshold: int = CHUNKED_THRESHOLD,
    chunk_size: int | None = None,
    max_file_size: int = MAX_FILE_SIZE,
    max_workers: int = 8,
    batch_size: int = 100,
    state_dir: str | os.PathLike[str] | None = None,
    progress: bool | Progress = True,
) -> pd.DataFrame:
    """Upload a folder into a data collection; return a report frame.

    The folder holds one sub-folder per file spec; files sharing a stem become one
    data unit. Files the server already has are not sent; files at or above
    ``chunked_threshold`` go through the resumable chunked upload; data units are
    created in batches of ``batch_size`` and, with ``project``, tasks for them.
    Running it again after an interruption does only what is missing (the
    journal lives in ``<folder>/.synapse_nb/`` or ``state_dir``).

    Report columns: ``key``, ``status`` (``created`` / ``exists`` / ``skipped`` /
    ``failed``), ``data_unit``, ``task``, ``files``, ``uploaded`` (files sent in
    this run), ``reason``. ``report.attrs["summary"]`` counts the statuses.

    Example::

        report = upload_folder(client, 12, "~/datasets/batch-7", project=3, metadata="meta.xlsx")
        report[report.status == "failed"]
    """
    plan = make_plan(client, data_collection, path, recursive, metadata,
                     chunked_threshold=chunked_threshold, max_file_size=max_file_size)
    return run_plan(client, plan, project=project, chunk_size=chunk_size, max_workers=max_workers,
                    batch_size=batch_size, state_dir=state_dir, progress=progress)
