"""Fetch a snapshot's images into a folder: concurrent, bounded, checksummed, resumable.

Each file is downloaded through the client (``client.download``: retries, auth rules,
error mapping and the content check that refuses an HTML page answered for an image are
the client's), streamed to a temporary file next to its target, hashed (md5, the checksum
``data_files/`` uses), recorded in the ledger ``<state>/files.jsonl`` and only then moved
to its name atomically. Memory does not grow with a file's size, nor with the number of
files (at most ``2 * max_workers`` are in flight).

The ledger keeps, per file, the md5 of what was written and the checksum the server
declared when it was fetched. A re-run fetches a file again when it is missing, when its
content is not what was written, or when the server now declares another checksum (the
image changed on the server); otherwise it is skipped. The ledger is never read or
written through a symlink.

>>> jobs = [FileJob(url, dest / name, declared) for url, name, declared in rows]  # doctest: +SKIP
>>> report = fetch_files(client, jobs, state_dir=dest / ".synapse_nb")          # doctest: +SKIP
"""

from __future__ import annotations

import os
import threading
import uuid
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

import orjson

from .._util import atomic_write, md5_file, private_dir
from .._util.progress import progress_bar

__all__ = ["FileJob", "FetchReport", "fetch_files", "Ledger", "FetchError", "StateSymlinkError"]


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


def open_private(path: Path, flags: int) -> int:
    """``os.open`` that never follows a symlink at ``path`` (the export's state files)."""
    try:
        return os.open(path, flags | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0), 0o600)
    except OSError as err:
        if path.is_symlink():
            raise StateSymlinkError(
                f"{path} is a symlink: the export keeps its state there and does not write "
                "through links; remove it and run the export again") from None
        raise err


class StateSymlinkError(OSError):
    """An export's state file (``.synapse_nb/*``) is a symlink: refused, never followed."""


class Ledger:
    """Append-only JSON lines ``{"name", "md5", "size", "declared"}``: the last line of a
    name wins; opened without following symlinks."""

    def __init__(self, folder: Path) -> None:
        if folder.is_symlink():
            raise StateSymlinkError(f"{folder} is a symlink: the export keeps its state there "
                                    "and does not write through links; remove it")
        private_dir(folder)
        self.path = folder / "files.jsonl"
        self.entries: dict[str, dict[str, Any]] = {}
        if self.path.exists() or self.path.is_symlink():
            with os.fdopen(open_private(self.path, os.O_RDONLY), "rb") as fh:
                for line in fh:
                    try:
                        entry = orjson.loads(line)
                    except orjson.JSONDecodeError:  # a line cut short by a kill
                        continue
                    if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                        self.entries[entry["name"]] = entry
        self._lock = threading.Lock()
        self._fh = os.fdopen(open_private(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT), "ab")

    def record(self, name: str, md5: str, size: int, declared: str | None = None) -> None:
        entry = {"name": name, "md5": md5, "size": size, "declared": declared}
        with self._lock:
            self._fh.write(orjson.dumps(entry) + b"\n")
            self._fh.flush()
            self.entries[name] = entry

    def keep_only(self, names: Iterable[str]) -> None:
        """Rewrite the ledger with the entries of ``names`` only (files removed by a
        re-export leave it)."""
        keep = set(names)
        with self._lock:
            self._fh.close()
            self.entries = {n: e for n, e in self.entries.items() if n in keep}
            atomic_write(self.path, b"".join(orjson.dumps(e) + b"\n" for e in self.entries.values()))
            self._fh = os.fdopen(open_private(self.path, os.O_WRONLY | os.O_APPEND), "ab")

    def close(self) -> None:
        self._fh.close()


def _present(job: FileJob, ledger: Ledger) -> str | None:
    """The md5 of the file at ``job.path`` if it is the right one, else None.

    Right: what this export wrote (size and md5 as recorded) for the checksum the server
    declares now, or content whose md5 is the declared checksum.
    """
    try:
        size = job.path.stat().st_size
    except FileNotFoundError:
        return None
    entry = ledger.entries.get(job.name)
    recorded = entry is not None and entry.get("size") == size \
        and entry.get("declared") == job.declared
    if not recorded and not job.declared:
        return None
    md5 = md5_file(job.path)
    if (recorded and entry is not None and entry.get("md5") == md5) or \
            (job.declared and job.declared == md5):
        if not recorded:
            ledger.record(job.name, md5, size, job.declared)
        return md5
    return None


def _fetch_one(client: Any, job: FileJob, ledger: Ledger, strict: bool) -> tuple[str, int, bool]:
    """(md5, size, verified) after fetching ``job`` into place (streamed, never in memory)."""
    tmp: Path | None = None
    try:
        for attempt in (1, 2):
            # a fresh temporary name next to the target: the client streams into it (and
            # refuses an answer that cannot be the file), then it is renamed into place
            tmp = Path(client.download(job.url, job.path.parent,
                                       name=f".{job.path.name[:40]}.{uuid.uuid4().hex}.part"))
            md5, size = md5_file(tmp), tmp.stat().st_size
            verified = bool(job.declared) and md5 == job.declared
            if verified or not strict:
                break
            tmp.unlink()
            if attempt == 2:
                raise ValueError(f"content md5 {md5} differs from the declared checksum "
                                 f"{job.declared} (twice)")
        assert tmp is not None
        # ledger first, then the rename: a kill between the two leaves a recorded but
        # absent file (fetched again), never a present file that nobody can vouch for
        ledger.record(job.name, md5, size, job.declared)
        os.replace(tmp, job.path)
        return md5, size, verified
    finally:
        if tmp is not None and tmp.exists():
            tmp.unlink()


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
