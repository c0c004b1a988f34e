"""What an export writes, and what its re-run removes.

Every file of an export is named through :meth:`ExportFiles.path`: the one safe join
(:func:`synapse_nb._util.paths.safe_join`) refuses any path that would leave the export
folder, and the name is recorded. At the end (:meth:`ExportFiles.finish`) the list of
files with their md5 is kept in ``.synapse_nb/written.json``.

A re-run into the same folder compares what the previous run wrote (that list, and the
images' ledger) with what it lists now, and removes each file it no longer lists, but
only when the file is still the one it wrote (same md5): a file changed since, a symlink,
or anything the export did not write is kept and never touched. A split that moved an
image from ``train`` to ``val`` so leaves it in ``val`` only. ``manifest.json`` lists
what was removed and what was kept (``export.removed``, ``export.kept``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable

import orjson

from .._util import atomic_write, md5_file
from .._util.paths import UnsafePathError, safe_join
from .fetch import Ledger, StateSymlinkError, open_private

__all__ = ["ExportFiles", "STATE_DIR"]

#: the export's own state, inside the export folder
STATE_DIR = ".synapse_nb"
_WRITTEN = "written.json"


class ExportFiles:
    """The files of one export run in ``dest`` (see the module docstring)."""

    def __init__(self, dest: Path) -> None:
        self.dest = dest
        self.state = safe_join(dest, STATE_DIR)
        if self.state.is_symlink():
            raise StateSymlinkError(f"{self.state} is a symlink: the export keeps its state "
                                    "there and does not write through links; remove it")
        self.previous = self._read_written()
        self.listed: dict[str, None] = {}

    def path(self, rel: str) -> Path:
        """The path of ``rel`` (``/``-separated, relative to the export), checked and recorded."""
        target = safe_join(self.dest, rel)
        self.listed[rel] = None
        return target

    def _read_written(self) -> dict[str, str]:
        path = self.state / _WRITTEN
        if not (path.exists() or path.is_symlink()):
            return {}
        with os.fdopen(open_private(path, os.O_RDONLY), "rb") as fh:
            try:
                doc = orjson.loads(fh.read())
            except orjson.JSONDecodeError:
                return {}
        files = doc.get("files") if isinstance(doc, dict) else None
        return {str(k): str(v) for k, v in (files or {}).items() if isinstance(v, str)}

    def _write_written(self, files: dict[str, str]) -> None:
        target = self.state / _WRITTEN
        if target.is_symlink():
            raise StateSymlinkError(f"{target} is a symlink: remove it and run the export again")
        atomic_write(target, orjson.dumps({"files": files}, option=orjson.OPT_INDENT_2))

    def finish(self, image_md5: dict[str, str], images: Iterable[str]) -> dict[str, Any]:
        """Record what this run wrote, remove what the previous run wrote and this one does
        not list; returns ``{"removed": [...], "kept": [{"path", "reason"}, ...]}``.

        ``image_md5`` are the md5 of the images fetched (ledger names), ``images`` every
        image path of this export (fetched or not: ``images=False`` keeps earlier ones).
        """
        for rel in images:
            self.listed.setdefault(rel, None)
        ledger = Ledger(self.state)
        try:
            known = {n: str(e.get("md5")) for n, e in ledger.entries.items()}
            current = {}
            for rel in self.listed:
                md5 = image_md5.get(rel) or known.get(rel) or self._md5(rel)
                if md5:
                    current[rel] = md5
            wrote = {**known, **self.previous}
            # first the union: a kill during the clean-up still knows every file it wrote
            self._write_written({**wrote, **current})
            removed, kept = self._remove({rel: md5 for rel, md5 in wrote.items()
                                          if rel not in self.listed})
            self._write_written(current)
            ledger.keep_only(rel for rel in self.listed if rel in ledger.entries)
        finally:
            ledger.close()
        return {"removed": removed, "kept": kept}

    def _md5(self, rel: str) -> str | None:
        path = self.dest.joinpath(*rel.split("/"))
        return md5_file(path) if path.is_file() and not path.is_symlink() else None

    def _remove(self, stale: dict[str, str]) -> tuple[list[str], list[dict[str, str]]]:
        removed: list[str] = []
        kept: list[dict[str, str]] = []
        for rel, md5 in sorted(stale.items()):
            try:
                path = safe_join(self.dest, rel)
            except UnsafePathError as err:
                kept.append({"path": rel, "reason": str(err)})
                continue
            if path.is_symlink() or (path.exists() and not path.is_file()):
                kept.append({"path": rel, "reason": "not a regular file the export wrote"})
            elif not path.exists():
                continue
            elif md5_file(path) != md5:
                kept.append({"path": rel, "reason": "changed since the export wrote it"})
            else:
                path.unlink()
                removed.append(rel)
                self._prune(path.parent)
        return removed, kept

    def _prune(self, folder: Path) -> None:
        """Remove folders left empty by a removal, up to (not including) the export."""
        root = self.dest.resolve()
        while folder.resolve() != root and folder.resolve().is_relative_to(root):
            try:
                folder.rmdir()  # only an empty folder goes
            except OSError:
                return
            folder = folder.parent
