"""upload_folder: carry out an upload plan, concurrently, resumably, idempotently.

Phases: hash (md5, cached in the journal), ask the server which checksums it
already has, send the missing files (bounded thread pool; chunked above a
threshold), then data units and, for ``project``, tasks: both through the one
create-or-adopt routine of :mod:`.adopt` (journaled ids confirmed by the server,
pending or possible ones looked up, the rest created in batches).

One run at a time per journal: a second ``upload_folder`` of the same folder,
backend and collection is refused (:class:`UploadInProgressError`) before it
sends anything.
"""

from __future__ import annotations

import datetime as _dt
import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from .adopt import Kind, chunks, create_or_adopt
from .journal import FolderJournal, JournalLock, backend_identity, canonical_ref, journal_path
from .plan import CHUNKED_THRESHOLD, MAX_FILE_SIZE, PlannedUnit, UploadPlan, make_plan
from .progress import Progress, make_progress
from .._util import md5_file
from .transfer import error_reason, send_file

__all__ = ["upload_folder", "run_plan", "REPORT_COLUMNS"]

REPORT_COLUMNS = ["key", "status", "data_unit", "task", "files", "uploaded", "reason"]
_VERIFY_BATCH = 1000
_HASH_WRITE_BATCH = 500  # journal rows per transaction in the hash and send phases


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
                 batch_size: int, state_dir: Any, progress: Progress,
                 created_at: str | None) -> None:
        self.client, self.plan, self.project = client, plan, project
        self.chunk_size, self.batch_size = chunk_size, max(1, batch_size)
        self.dc = plan.data_collection
        self.backend = backend_identity(client)
        self.journal_path = journal_path(plan.root, self.dc, self.backend, state_dir)
        self.progress = progress
        self.created_at = created_at or _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        self.rows = [_Row(u) for u in plan.units]
        for r in self.rows:
            if r.unit.error:
                r.status, r.reason = "failed", r.unit.error
            elif not r.unit.ready:
                r.status, r.reason = "skipped", r.unit.reason
        self.preexisting: set[str] = set()

    # phase 1: md5 ---------------------------------------------------------
    def _hash(self, path: Path) -> tuple[str, tuple[str, int, int, str, bool] | None]:
        """The file's md5, and the journal row to write when it was not journaled yet."""
        st = path.stat()
        rel = self.plan.rel(path)
        cached = self.known.get((rel, st.st_size, st.st_mtime_ns))
        if cached:
            return cached, None
        digest = md5_file(path)
        return digest, (rel, st.st_size, st.st_mtime_ns, digest, False)

    def hash_all(self) -> None:
        self.known = self.journal.checksums()
        jobs = [(r, spec, p) for r in self.rows if r.status == "pending" for spec, p in r.unit.files.items()]
        futures = [(r, spec, p, self.pool.submit(self._hash, p)) for r, spec, p in jobs]
        new: list[tuple[str, int, int, str, bool]] = []
        for r, spec, p, fut in futures:
            try:
                r.checksums[spec], row = fut.result()
            except OSError as err:
                r.fail(f"cannot read {self.plan.rel(p)}: {err.strerror or err}")
                continue
            if row is not None:
                new.append(row)
            if len(new) >= _HASH_WRITE_BATCH:  # a crash loses at most one batch of md5s
                self.journal.set_files(new)
                new = []
        self.journal.set_files(new)

    # phase 2: which checksums does the server have? ---------------------
    def verify(self) -> set[str]:
        wanted = sorted({c for r in self.rows if r.status == "pending" for c in r.checksums.values()})
        existing: set[str] = set()
        # big folders: batches of checksums asked concurrently
        futures = [self.pool.submit(self.client.data_files_verify_checksums, b) for b in chunks(wanted, _VERIFY_BATCH)]
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
                    todo[c] = (r.unit.files[spec], r.unit.sizes.get(spec, 0))
        self.progress.start("files", n_files)
        self.progress.skip("files", n_files - sum(len(owners[c]) for c in todo))  # the server has them
        self.progress.start("bytes", sum(s for _, s in todo.values()))

        def one(path: Path, size: int) -> dict[str, Any]:
            return send_file(self.client, path, size, chunked=size >= self.plan.chunked_threshold,
                             chunk_size=self.chunk_size, on_bytes=lambda n: self.progress.advance("bytes", n))

        futures = {c: self.pool.submit(one, p, s) for c, (p, s) in todo.items()}
        stored: list[tuple[str, int, int, str, bool]] = []  # informational: the server is asked anyway
        for c, fut in futures.items():
            path = todo[c][0]
            try:
                got = fut.result().get("checksum")
                if got and got != c:
                    raise ValueError(f"server stored checksum {got}, expected {c}; the file changed while uploading?")
                st = path.stat()
                stored.append((self.plan.rel(path), st.st_size, st.st_mtime_ns, c, True))
                for r in owners[c]:
                    r.uploaded += 1
            except Exception as err:  # one bad file must not stop the others
                for r in owners[c]:
                    r.fail(f"{self.plan.rel(path)}: {error_reason(err)}")
            self.progress.advance("files", len(owners[c]))
            if len(stored) >= _HASH_WRITE_BATCH:
                self.journal.set_files(stored)
                stored = []
        self.journal.set_files(stored)

    # phase 4: data units ------------------------------------------------
    def _payload(self, r: _Row) -> dict[str, Any]:
        files = {spec: {"checksum": c, "path": self.plan.rel(r.unit.files[spec])} for spec, c in r.checksums.items()}
        meta = dict(r.unit.meta)
        meta.setdefault("created_at", self.created_at)
        return {"data_collection": self.dc, "files": files, "meta": meta}

    def _confirm_units(self, ids: list[int]) -> dict[int, str]:
        resp = self.client.list_data_units({"data_collection": self.dc, "id__in": ",".join(map(str, ids)),
                                            "page_size": len(ids)})
        return {int(u["id"]): canonical_ref(_unit_checksums(u)) for u in _results(resp)}

    def _find_unit(self, r: _Row) -> int | None:
        """The server's unit holding exactly this group's files, if one exists."""
        any_checksum = next(iter(r.checksums.values()))
        resp = self.client.list_data_units({"data_collection": self.dc, "checksum": any_checksum, "page_size": 100})
        return next((int(u["id"]) for u in _results(resp) if _unit_checksums(u) == r.checksums), None)

    def _create_units(self, batch: list[_Row]) -> list[int]:
        created = _results(self.client.create_data_units([self._payload(r) for r in batch]))
        by_sums = {canonical_ref(_unit_checksums(u)): u for u in created}
        return [int(by_sums.get(canonical_ref(r.checksums), u)["id"]) for r, u in zip(batch, created)]

    def _adopt_unit(self, r: _Row, unit_id: int, created: bool) -> None:
        r.data_unit, r.status, r.adopted = unit_id, "created" if created else "exists", not created

    def units(self) -> None:
        kind: Kind[_Row] = Kind(
            phase="units", noun="data unit", key=lambda r: r.unit.key, ref=lambda r: canonical_ref(r.checksums),
            maybe_exists=lambda r: set(r.checksums.values()) <= self.preexisting,
            confirm=self._confirm_units, find=self._find_unit, create=self._create_units,
            adopt=self._adopt_unit, fail=_Row.fail)
        rows = [r for r in self.rows if r.status == "pending"]
        create_or_adopt(rows, kind, self.journal, self.pool, self.progress, batch_size=self.batch_size)

    # phase 5: tasks -----------------------------------------------------
    def _confirm_tasks(self, ids: list[int]) -> dict[int, str]:
        resp = self.client.list_tasks({"project": self.project, "id__in": ",".join(map(str, ids)), "page_size": len(ids)})
        return {int(t["id"]): str(_id(t.get("data_unit"))) for t in _results(resp)}

    def _find_task(self, r: _Row) -> int | None:
        resp = self.client.list_tasks({"project": self.project, "data_unit": r.data_unit, "page_size": 10})
        return next((int(t["id"]) for t in _results(resp) if _id(t.get("data_unit")) in (r.data_unit, None)), None)

    def _create_tasks(self, batch: list[_Row]) -> list[int]:
        created = _results(self.client.create_tasks([{"project": self.project, "data_unit": r.data_unit} for r in batch]))
        by_unit = {_id(t.get("data_unit")): t for t in created}
        return [int(by_unit.get(r.data_unit, t)["id"]) for r, t in zip(batch, created)]

    def _adopt_task(self, r: _Row, task_id: int, created: bool) -> None:
        r.task = task_id

    def tasks(self) -> None:
        kind: Kind[_Row] = Kind(
            phase="tasks", noun="task", key=lambda r: f"{self.project}:{r.data_unit}", ref=lambda r: str(r.data_unit),
            maybe_exists=lambda r: r.adopted, confirm=self._confirm_tasks, find=self._find_task,
            create=self._create_tasks, adopt=self._adopt_task, fail=_Row.fail)
        rows = [r for r in self.rows if r.status in ("created", "exists") and r.data_unit is not None]
        create_or_adopt(rows, kind, self.journal, self.pool, self.progress, batch_size=self.batch_size)

    # driver -------------------------------------------------------------
    def run(self, max_workers: int) -> pd.DataFrame:
        what = f"{str(self.plan.root)!r} into data collection {self.dc} on {self.backend.split('|')[0]}"
        with JournalLock(self.journal_path, what):
            self.journal = FolderJournal(self.journal_path, backend=self.backend, data_collection=self.dc)
            self.pool = ThreadPoolExecutor(max_workers=max(1, max_workers), thread_name_prefix="synapse-upload")
            try:
                self.hash_all()
                self.send_all(self.verify())
                self.units()
                if self.project is not None:
                    self.tasks()
            finally:
                self.pool.shutdown(wait=True, cancel_futures=True)
                self.journal.close()
                self.progress.close()
        if self.journal.damaged:
            warnings.warn(f"the upload journal {self.journal_path.name} had {self.journal.damaged} unreadable "
                          "row(s); they were looked up on the server instead", stacklevel=3)
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
        df.attrs["journal"] = str(self.journal_path)
        df.attrs["data_collection"] = self.dc
        df.attrs["project"] = self.project
        return df


def run_plan(client: Any, plan: UploadPlan, *, project: int | None = None, chunk_size: int | None = None,
             max_workers: int = 8, batch_size: int = 100, state_dir: str | os.PathLike[str] | None = None,
             progress: bool | Progress = True, created_at: str | None = None) -> pd.DataFrame:
    """Carry out an :class:`UploadPlan` (see :func:`upload_folder`)."""
    return _Runner(client, plan, project=project, chunk_size=chunk_size, batch_size=batch_size,
                   state_dir=state_dir, progress=make_progress(progress), created_at=created_at).run(max_workers)


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
    Running it again after an interruption does only what is missing: the
    journal (SQLite, in ``<folder>/.synapse_nb/`` or ``state_dir``) is kept per
    backend, tenant and collection, and the ids it holds are confirmed by the
    server before they are trusted. A second run of the same upload while one is
    running is refused with :class:`UploadInProgressError`, before it sends
    anything. Sync clients only (an async client is refused with a hint).

    Report columns: ``key``, ``status`` (``created`` / ``exists`` / ``skipped`` /
    ``failed``), ``data_unit``, ``task``, ``files``, ``uploaded`` (files sent in
    this run), ``reason``. ``report.attrs["summary"]`` counts the statuses. A unit
    whose metadata cannot be sent (``inf``, ``nan``) fails alone, with its reason.

    Example::

        report = upload_folder(client, 12, "~/datasets/batch-7", project=3, metadata="meta.xlsx")
        report[report.status == "failed"]
    """
    plan = make_plan(client, data_collection, path, recursive, metadata,
                     chunked_threshold=chunked_threshold, max_file_size=max_file_size)
    return run_plan(client, plan, project=project, chunk_size=chunk_size, max_workers=max_workers,
                    batch_size=batch_size, state_dir=state_dir, progress=progress)
