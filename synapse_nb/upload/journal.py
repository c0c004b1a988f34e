"""The folder journal: what an upload of one folder into one backend has done, in SQLite.

One SQLite file per (folder, backend, tenant, data collection), by default in
``<folder>/.synapse_nb/`` (or ``state_dir``). A row per file (size, mtime, md5:
a re-run does not hash again), per data unit (group key -> unit id and the
checksums it holds) and per task (``project:unit`` -> task id). Each write is
its own small transaction (WAL mode): O(1) per item, atomic, and a concurrent
reader always sees a consistent journal.

Before units or tasks are posted their keys are written as *pending*: after a
crash only pending entries need a look at the server. Journaled ids are still
checked against the server before they are trusted (the runner does that): a
journal is a cache of the server's state, never the truth.

:class:`JournalLock` keeps two runs of the same journal apart across processes
(an OS file lock, released by the OS when a process dies, even by ``kill -9``).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from .._util import backend_identity, private_dir
from .errors import UploadError, UploadInProgressError

__all__ = ["FolderJournal", "JournalEntry", "JournalLock", "journal_path", "backend_identity", "canonical_ref"]

_VERSION = 2
_KINDS = ("units", "tasks")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS files (rel TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER,
                                  checksum TEXT, stored INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS units (key TEXT PRIMARY KEY, id INTEGER, ref TEXT, pending INTEGER);
CREATE TABLE IF NOT EXISTS tasks (key TEXT PRIMARY KEY, id INTEGER, ref TEXT, pending INTEGER);
"""


def journal_path(root: Path, data_collection: int, backend: str,
                 state_dir: str | os.PathLike[str] | None = None) -> Path:
    """Where the journal of uploading ``root`` into ``data_collection`` on ``backend`` lives.

    The name carries a hash of the backend (and, in a shared ``state_dir``, of the
    folder): the same folder sent to staging and to production keeps two journals.

    >>> journal_path(Path("/data/set"), 7, "http://h|acme").name
    'upload-dc7-3aaa65d575db.sqlite'
    """
    tag = backend
    base = root / ".synapse_nb"
    if state_dir is not None:
        base = Path(state_dir).expanduser()
        tag += "|" + str(root.expanduser().resolve())
    return base / f"upload-dc{data_collection}-{hashlib.sha256(tag.encode()).hexdigest()[:12]}.sqlite"


@dataclass(frozen=True)
class JournalEntry:
    """A journaled unit or task: its id (None while pending), what it refers to, pending."""

    id: int | None
    ref: str
    pending: bool


def _entry(row: tuple[Any, ...]) -> JournalEntry | None:
    """A row checked for type; None for a row of wrong types (it is then asked of the server)."""
    _, ident, ref, pending = row
    if ident is not None and (not isinstance(ident, int) or isinstance(ident, bool) or ident <= 0):
        return None
    if not isinstance(ref, str) or pending not in (0, 1):
        return None
    if ident is None and not pending:
        return None
    return JournalEntry(ident, ref, bool(pending))


def _unwritable(path: Path, err: BaseException) -> UploadError:
    reason = getattr(err, "strerror", None) or err
    return UploadError(f"cannot write the upload journal {str(path)!r} ({reason}); "
                       "pass state_dir= to keep it somewhere writable")


class FolderJournal:
    """The SQLite journal of one folder upload (thread-safe; one connection, one lock).

    >>> import tempfile
    >>> j = FolderJournal(Path(tempfile.mkdtemp()) / "j.sqlite", backend="http://h|", data_collection=1)
    >>> j.record("units", [("a", 5, '{"image": "abc"}')])
    >>> j.entries("units")["a"].id
    5
    >>> j.close()
    """

    def __init__(self, path: Path, *, backend: str, data_collection: int) -> None:
        self.path = Path(path)
        self.damaged = 0  # rows of wrong types met (treated as unknown)
        self._lock = threading.Lock()
        self._con = self._open(backend, data_collection)
        self.existed = bool(self._scalar("SELECT EXISTS(SELECT 1 FROM files) OR EXISTS(SELECT 1 FROM units)"))

    def _open(self, backend: str, data_collection: int) -> sqlite3.Connection:
        try:
            private_dir(self.path.parent)
            if not self.path.exists():
                os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
            con = self._connect()
        except sqlite3.DatabaseError:
            # Not an SQLite file (torn, foreign): keep it aside and start afresh. Nothing is
            # lost: every journaled fact is checked against the server anyway.
            aside = self.path.with_name(f"{self.path.name}.corrupt-{int(time.time())}")
            os.replace(self.path, aside)
            warnings.warn(f"the upload journal {self.path.name} was unreadable; moved it to {aside.name} "
                          "and rebuilt the journal from the server", stacklevel=4)
            con = self._connect()
        except OSError as err:
            raise _unwritable(self.path, err) from err
        want = {"version": str(_VERSION), "backend": backend, "data_collection": str(data_collection)}
        have = dict(con.execute("SELECT name, value FROM meta").fetchall())
        if not have:
            con.executemany("INSERT INTO meta VALUES (?, ?)", list(want.items()))
        elif {k: have.get(k) for k in want} != want:
            con.close()
            raise UploadError(f"the upload journal {str(self.path)!r} belongs to another upload "
                              f"({have.get('backend')!r}, collection {have.get('data_collection')}); "
                              "move it away or pass another state_dir=")
        return con

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        try:
            con.execute("PRAGMA journal_mode=WAL")
            # NORMAL: a commit survives a killed process (WAL is in the OS cache); a power
            # cut may lose the last commits, which the server checks make up for.
            con.execute("PRAGMA synchronous=NORMAL")
            con.executescript(_SCHEMA)
        except sqlite3.Error:
            con.close()
            raise
        return con

    def _scalar(self, sql: str, args: tuple[Any, ...] = ()) -> Any:
        with self._lock:
            row = self._con.execute(sql, args).fetchone()
        return row[0] if row else None

    def _write(self, sql: str, rows: Iterable[tuple[Any, ...]]) -> None:
        rows = list(rows)
        if not rows:
            return
        try:
            with self._lock:
                self._con.execute("BEGIN IMMEDIATE")
                try:
                    self._con.executemany(sql, rows)
                except BaseException:
                    self._con.execute("ROLLBACK")
                    raise
                self._con.execute("COMMIT")
        except sqlite3.OperationalError as err:
            raise _unwritable(self.path, err) from err

    # files ---------------------------------------------------------------
    def checksums(self) -> dict[tuple[str, int, int], str]:
        """Every journaled md5, by ``(relative path, size, mtime_ns)``: unchanged files are not hashed again."""
        with self._lock:
            rows = self._con.execute("SELECT rel, size, mtime_ns, checksum FROM files").fetchall()
        return {(rel, size, mtime): checksum for rel, size, mtime, checksum in rows
                if isinstance(checksum, str) and len(checksum) == 32}

    def set_file(self, rel: str, size: int, mtime_ns: int, checksum: str, stored: bool = False) -> None:
        """Record a file's md5 (and that the server stored it, once it did)."""
        self.set_files([(rel, size, mtime_ns, checksum, stored)])

    def set_files(self, rows: Iterable[tuple[str, int, int, str, bool]]) -> None:
        """:meth:`set_file` for many files in one transaction."""
        self._write(
            "INSERT INTO files VALUES (?, ?, ?, ?, ?) ON CONFLICT(rel) DO UPDATE SET size = excluded.size, "
            "mtime_ns = excluded.mtime_ns, stored = excluded.stored OR (files.stored = 1 AND "
            "files.checksum = excluded.checksum), checksum = excluded.checksum",
            [(rel, size, mtime, checksum, int(stored)) for rel, size, mtime, checksum, stored in rows])

    # units and tasks -----------------------------------------------------
    def entries(self, kind: str) -> dict[str, JournalEntry]:
        """Every well-formed entry of ``kind`` (``units`` or ``tasks``), by key."""
        with self._lock:
            rows = self._con.execute(f"SELECT key, id, ref, pending FROM {_table(kind)}").fetchall()
        out: dict[str, JournalEntry] = {}
        for row in rows:
            entry = _entry(row) if isinstance(row[0], str) else None
            if entry is None:
                self.damaged += 1
            else:
                out[row[0]] = entry
        return out

    def mark_pending(self, kind: str, items: Mapping[str, str]) -> None:
        """Record that these keys (key -> ref) are about to be posted."""
        self._write(f"INSERT OR REPLACE INTO {_table(kind)} VALUES (?, NULL, ?, 1)", items.items())

    def record(self, kind: str, items: Iterable[tuple[str, int, str]]) -> None:
        """Record ``(key, id, ref)`` of units or tasks that exist on the server."""
        self._write(f"INSERT OR REPLACE INTO {_table(kind)} VALUES (?, ?, ?, 0)", items)

    def drop(self, kind: str, keys: Iterable[str]) -> None:
        """Forget these keys (the server refused them, or holds something else under the id)."""
        self._write(f"DELETE FROM {_table(kind)} WHERE key = ?", [(k,) for k in keys])

    def close(self) -> None:
        with self._lock:
            self._con.close()


def _table(kind: str) -> str:
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {_KINDS}, got {kind!r}")
    return kind


class JournalLock:
    """An exclusive, cross-process lock on a journal, refused at once when held.

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "j.sqlite"
    >>> with JournalLock(p, "folder x"):
    ...     JournalLock(p, "folder x").acquire()
    Traceback (most recent call last):
    ...
    synapse_nb.upload.errors.UploadInProgressError: another upload of folder x is running ...
    """

    def __init__(self, journal: Path, what: str) -> None:
        self.path = Path(journal).with_suffix(".lock")
        self.what = what
        self._fd: int | None = None

    def acquire(self) -> None:
        try:
            private_dir(self.path.parent)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as err:
            raise _unwritable(self.path, err) from err
        if not _try_lock(fd):
            holder = os.read(fd, 200).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise UploadInProgressError(
                f"another upload of {self.what} is running ({holder}); nothing was sent by this one. "
                "Wait for it to finish (its report has every unit), or stop it and run again: "
                "a re-run resumes where it stopped")
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()}, since {time.strftime('%H:%M:%S %Z')}".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the lock
            self._fd = None

    def __enter__(self) -> JournalLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _try_lock(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def canonical_ref(checksums: Mapping[str, str]) -> str:
    """The ``ref`` of a data unit: its spec -> checksum map as canonical JSON.

    >>> canonical_ref({"b": "2", "a": "1"})
    '{"a":"1","b":"2"}'
    """
    return json.dumps(dict(checksums), sort_keys=True, separators=(",", ":"))
