"""Resume state of one chunked upload (:class:`ChunkJournal`): a small JSON file per source file.

Not to be confused with :class:`synapse_nb.upload.FolderJournal`, which records what a
folder upload created (files, data units, tasks); this one only records how far the
bytes of one large file have gone (its chunked upload ``url`` and ``offset``).

The key is the absolute path, size and mtime of the file plus the backend (base URL and
tenant, never a token): a file that changed, or the same file sent to another backend,
starts a new upload. Files are written atomically (temp file + ``os.replace``), so a
process killed at any moment leaves either the old or the new state.

>>> import tempfile
>>> j = ChunkJournal(Path(tempfile.mkdtemp()), Path(__file__), "http://h|acme")
>>> j.load() is None
True
>>> j.save({"url": "http://h/chunked_upload/1/", "offset": 10})
>>> j.load()["offset"]
10
>>> j.clear(); j.load() is None
True
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

from .._util import atomic_write

__all__ = ["ChunkJournal"]


class ChunkJournal:
    """Where the chunked upload of one file stands (its ``url``, ``id`` and ``offset``)."""

    def __init__(self, state_dir: Path, source: Path, identity: str) -> None:
        source = Path(source).resolve()
        st = source.stat()
        self.source = source
        self.size = st.st_size
        key = f"{source}|{st.st_size}|{st.st_mtime_ns}|{identity}"
        self.path = Path(state_dir).expanduser() / (hashlib.sha256(key.encode()).hexdigest()[:40] + ".json")

    def load(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # no journal, or a torn one: start afresh
        if not isinstance(data, dict) or not data.get("url") or not isinstance(data.get("offset"), int):
            return None
        if data.get("size") not in (None, self.size) or not 0 <= data["offset"] <= self.size:
            return None
        return data

    def save(self, state: dict[str, Any]) -> None:
        record = {**state, "source": str(self.source), "size": self.size, "updated": time.time()}
        atomic_write(self.path, json.dumps(record))

    def clear(self) -> None:
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
