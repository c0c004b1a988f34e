"""The upload journal: what is already done, written atomically as JSON.

One file per (folder, data collection), by default in ``<folder>/.synapse_nb/``
(or ``state_dir``). It holds each file's size, mtime and md5 (so a re-run does
not hash again), the data units created per group key and the tasks created per
unit. Before units or tasks are posted, their keys are written as *pending*:
after a crash, only pending entries need a look at the server to learn whether
the POST landed, everything else is known.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from .errors import UploadError

__all__ = ["UploadJournal", "journal_path"]

_VERSION = 1


def journal_path(root: Path, data_collection: int, state_dir: str | os.PathLike[str] | None = None) -> Path:
    """Where the journal of uploading ``root`` into ``data_collection`` lives.

    >>> journal_path(Path("/data/set"), 7).as_posix()
    '/data/set/.synapse_nb/upload-dc7.json'
    """
    base = Path(state_dir).expanduser() if state_dir is not None else root / ".synapse_nb"
    if state_dir is not None:
        # One state dir may serve many folders: tell them apart by a hash of the path.
        import hashlib

        tag = hashlib.sha1(str(root.resolve()).encode()).hexdigest()[:10]
        return base / f"upload-{tag}-dc{data_collection}.json"
    return base / f"upload-dc{data_collection}.json"


class UploadJournal:
    """Thread-safe JSON journal with atomic writes (temp file + ``os.replace``).

    Writes are throttled (``flush_interval``) for speed; :meth:`flush` with
    ``force=True`` is used before a POST whose outcome must survive a crash.

    >>> import tempfile
    >>> j = UploadJournal(Path(tempfile.mkdtemp()) / "j.json", data_collection=1)
    >>> j.set_unit("a", 5, {"image": "abc"}); j.flush(force=True)
    >>> UploadJournal(j.path, data_collection=1).unit_id("a")
    5
    """

    def __init__(self, path: Path, data_collection: int, flush_interval: float = 0.5) -> None:
        self.path = Path(path)
        self.flush_interval = flush_interval
        self._lock = threading.RLock()
        self._dirty = False
        self._last_flush = 0.0
        self.data: dict[str, Any] = {"version": _VERSION, "data_collection": data_collection, "files": {}, "units": {}, "tasks": {}}
        if self.path.exists():
            try:
                loaded = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                # A torn or foreign file: start over; the server checks keep us idempotent.
                loaded = None
            if isinstance(loaded, dict) and loaded.get("version") == _VERSION and loaded.get("data_collection") == data_collection:
                for k in ("files", "units", "tasks"):
                    self.data[k] = dict(loaded.get(k) or {})
        self.existed = bool(self.data["files"] or self.data["units"])

    # files ---------------------------------------------------------------
    def cached_checksum(self, rel: str, size: int, mtime_ns: int) -> str | None:
        """The md5 recorded for ``rel`` if the file is unchanged since."""
        with self._lock:
            rec = self.data["files"].get(rel)
        if rec and rec.get("size") == size and rec.get("mtime_ns") == mtime_ns:
            return rec.get("checksum")
        return None

    def set_file(self, rel: str, size: int, mtime_ns: int, checksum: str, stored: bool = False) -> None:
        with self._lock:
            rec = self.data["files"].get(rel) or {}
            was_stored = rec.get("checksum") == checksum and rec.get("stored", False)
            self.data["files"][rel] = {"size": size, "mtime_ns": mtime_ns, "checksum": checksum, "stored": stored or was_stored}
            self._dirty = True
        self.flush()

    def file_stored(self, rel: str, checksum: str) -> bool:
        with self._lock:
            rec = self.data["files"].get(rel)
        return bool(rec and rec.get("checksum") == checksum and rec.get("stored"))

    # units ---------------------------------------------------------------
    def unit_entry(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            rec = self.data["units"].get(key)
            return dict(rec) if rec else None

    def unit_id(self, key: str) -> int | None:
        rec = self.unit_entry(key)
        return rec.get("id") if rec else None

    def mark_units_pending(self, items: dict[str, dict[str, str]]) -> None:
        """Record that units for these keys (key -> spec checksums) are about to be posted."""
        with self._lock:
            for key, checksums in items.items():
                self.data["units"][key] = {"id": None, "checksums": checksums, "pending": True}
            self._dirty = True
        self.flush(force=True)

    def set_unit(self, key: str, unit_id: int, checksums: dict[str, str]) -> None:
        with self._lock:
            self.data["units"][key] = {"id": unit_id, "checksums": checksums, "pending": False}
            self._dirty = True
        self.flush()

    def drop_unit(self, key: str) -> None:
        with self._lock:
            self.data["units"].pop(key, None)
            self._dirty = True
        self.flush()

    # tasks ---------------------------------------------------------------
    @staticmethod
    def _task_key(project: int, unit_id: int) -> str:
        return f"{project}:{unit_id}"

    def task_entry(self, project: int, unit_id: int) -> dict[str, Any] | None:
        with self._lock:
            rec = self.data["tasks"].get(self._task_key(project, unit_id))
            return dict(rec) if rec else None

    def mark_tasks_pending(self, project: int, unit_ids: list[int]) -> None:
        with self._lock:
            for uid in unit_ids:
                self.data["tasks"][self._task_key(project, uid)] = {"id": None, "pending": True}
            self._dirty = True
        self.flush(force=True)

    def set_task(self, project: int, unit_id: int, task_id: int) -> None:
        with self._lock:
            self.data["tasks"][self._task_key(project, unit_id)] = {"id": task_id, "pending": False}
            self._dirty = True
        self.flush()

    def drop_task(self, project: int, unit_id: int) -> None:
        with self._lock:
            self.data["tasks"].pop(self._task_key(project, unit_id), None)
            self._dirty = True
        self.flush()

    # persistence ---------------------------------------------------------
    def flush(self, force: bool = False) -> None:
        """Write to disk if dirty and (``force`` or the throttle interval has passed)."""
        with self._lock:
            if not self._dirty:
                return
            now = time.monotonic()
            if not force and now - self._last_flush < self.flush_interval:
                return
            payload = json.dumps(self.data, separators=(",", ":"))
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(prefix=".journal-", dir=self.path.parent)
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(payload)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, self.path)
            except OSError as err:
                raise UploadError(
                    f"cannot write the upload journal {str(self.path)!r} ({err.strerror or err}); "
                    "pass state_dir= to keep it somewhere writable"
                ) from err
            self._dirty = False
            self._last_flush = now
