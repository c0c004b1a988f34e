"""Fetch a snapshot's images into a folder: concurrent, bounded, checksummed, resumable.

Each file is fetched through the client (``client.get_bytes``: retries, auth rules and
error mapping are the client's), hashed (md5, the checksum ``data_files/`` uses), recorded
in the ledger ``<state>/files.jsonl`` and only then moved to its name atomically. A re-run
reads the ledger: a file present with its recorded md5 (or with the md5 the server
declared) is not fetched again; a file whose content changed is fetched again. At most
``2 * max_workers`` files are in flight, so memory does not grow with the number of
images.

>>> jobs = [FileJob(url, dest / name, declared) for url, name, declared in rows]  # doctest: +SKIP
>>> report = fetch_files(client, jobs, state_dir=dest / ".synapse_nb")          # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import threading
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

import orjson

from .._util import atomic_file, md5_file
from .._util.progress import progress_bar

__all__ = ["FileJob", "FetchReport", "fetch_files", "Ledger", "FetchError"]


class FetchError(RuntimeError):
    """Some files could not be fetched; the others are kept and a re-run resumes."""


@dataclass(frozen=True)
class FileJob:
    """One file to have at ``path`` (``name`` is its key in the ledger)."""

    url: str
    path: Path
    declared: str | None = None
    name: str = ""


@dataclass
class FetchReport:
    """What :func:`fetch_files` did. ``md5`` maps each file's ledger name to its md5."""

    fetched: int = 0
    skipped: int = 0
    bytes: int = 0
    verified: int = 0
    unverified: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    md5: dict[str, str] = field(default_factory=dict)


class Ledger:
    """Append-only JSON lines ``{"name", "md5", "size"}``: the last line of a name wins."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "files.jsonl"
        self.entries: dict[str, dict[str, Any]] = {}
        if self.path.exists():
            with open(self.path, "rb") as fh:
                for line in fh:
                    try:
                        entry = orjson.loads(line)
                    except orjson.JSONDecodeError:  # a line cut short by a kill
                        continue
                    if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                        self.entries[entry["name"]] = entry
        self._lock = threading.Lock()
        self._fh = open(self.path, "ab")

    def record(self, name: str, md5: str, size: int) -> None:
        line = orjson.dumps({"name": name, "md5": md5, "size": size}) + b"\n"
        with self._lock:
            self._fh.write(line)
            self._fh.flush()
            self.entries[name] = {"name": name, "md5": md5, "size": size}

    def close(self) -> None:
        self._fh.close()


def _present(job: FileJob, ledger: Ledger) -> str | None:
    """The md5 of the file at ``job.path`` if it is the right one, else None."""
    try:
        size = job.path.stat().st_size
    except FileNotFoundError:
        return None
    entry = ledger.entries.get(job.name)
    if entry is not None and entry.get("size") != size:
        return None
    md5 = md5_file(job.path)
    if (entry is not None and entry.get("md5") == md5) or (job.declared and job.declared == md5):
        if entry is None:
            ledger.record(job.name, md5, size)
        return md5
    return None


def _fetch_one(client: Any, job: FileJob, ledger: Ledger, strict: bool) -> tuple[str, int, bool]:
    """(md5, size, verified) after fetching ``job`` into place."""
    for attempt in (1, 2):
        data = client.get_bytes(job.url)
        md5 = hashlib.md5(data).hexdigest()
        verified = bool(job.declared) and md5 == job.declared
        if verified or not strict:
            break
        if attempt == 2:
            raise ValueError(f"content md5 {md5} differs from the declared checksum "
                             f"{job.declared} (twice)")
    with atomic_file(job.path) as fh:
        fh.write(data)
        # ledger first, then the rename (on leaving the block): a kill between the two
        # leaves a recorded but absent file (fetched again), never a present file that
        # nobody can vouch for
        ledger.record(job.name, md5, len(data))
    return md5, len(data), verified


def fetch_files(client: Any, jobs: Iterable[FileJob], *, state_dir: Path, total: int = 0,
                max_workers: int = 8, progress: bool | None = None,
                strict_checksums: bool = False) -> FetchReport:
    """Have every job's file in place (see the module docstring).

    Failures of single files are collected; the rest go on. Raises :class:`FetchError`
    listing them at the end (everything fetched is kept: a re-run fetches only those).
    """
    if max_workers < 1:
        raise ValueError(f"max_workers must be >= 1, got {max_workers}")
    report = FetchReport()
    ledger = Ledger(state_dir)
    files_bar = progress_bar(progress, total, desc="images", unit="files")
    bytes_bar = progress_bar(progress, total, desc="bytes", unit="B", count_bytes=True)

    def work(job: FileJob) -> tuple[str, int, bool, bool]:
        md5 = _present(job, ledger)
        if md5 is not None:
            return md5, 0, bool(job.declared) and md5 == job.declared, False
        md5, size, verified = _fetch_one(client, job, ledger, strict_checksums)
        return md5, size, verified, True

    def done(job: FileJob, future: Future[tuple[str, int, bool, bool]]) -> None:
        try:
            md5, size, verified, fetched = future.result()
        except Exception as err:  # noqa: BLE001 (reported per file; the others go on)
            report.failed.append((job.name, f"{type(err).__name__}: {err}"))
        else:
            report.md5[job.name] = md5
            report.fetched += fetched
            report.skipped += not fetched
            report.bytes += size
            report.verified += verified
            report.unverified += not verified
            if bytes_bar is not None:
                bytes_bar.update(size)
        if files_bar is not None:
            files_bar.update(1)

    try:
        with ThreadPoolExecutor(max_workers, thread_name_prefix="synapse-nb-export") as pool:
            pending: dict[Future[tuple[str, int, bool, bool]], FileJob] = {}
            for job in _named(jobs):
                if len(pending) >= 2 * max_workers:
                    finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for fut in finished:
                        done(pending.pop(fut), fut)
                pending[pool.submit(work, job)] = job
            for fut in list(pending):
                wait([fut])
                done(pending.pop(fut), fut)
    finally:
        ledger.close()
        for bar in (files_bar, bytes_bar):
            if bar is not None:
                bar.close()
    if report.failed:
        head = "; ".join(f"{n}: {r}" for n, r in report.failed[:5])
        err = FetchError(f"{len(report.failed)} of {total or '?'} files could not be fetched "
                         f"({head}). The {report.fetched + report.skipped} others are in place; "
                         "run the export again to fetch only the missing ones.")
        err.report = report  # type: ignore[attr-defined]
        raise err
    return report


def _named(jobs: Iterable[FileJob]) -> Iterator[FileJob]:
    for job in jobs:
        yield job if job.name else FileJob(job.url, job.path, job.declared, job.path.name)
