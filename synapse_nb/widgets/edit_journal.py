"""Pending edits on disk, so a kernel restart loses nothing.

One small JSON file per edited task, under ``<synapse_nb cache>/edits/<backend>/``: the
backend folder is :func:`~synapse_nb._util.path_key` of the client's identity (base URL and
tenant, as the upload journal keys its files; never a token). Each file holds the task's
base version (payload and ``modified``) and its operations (:class:`~.edits.TaskBase`),
rewritten atomically after every operation and removed once the task is saved or its
edits dropped. A browser opened later on the same tasks finds them with :meth:`pending`
and offers to restore them.

Example:
    >>> import tempfile
    >>> from synapse_nb.widgets.edits import TaskBase
    >>> j = EditJournal("http://h|acme", root=tempfile.mkdtemp())
    >>> j.write(TaskBase(4, {"annotations": []}, "t1", [{"op": "delete", "task": 4, "object": 0}]))
    >>> [b.task for b in j.pending([4, 5])]
    [4]
    >>> j.remove(4); j.pending([4])
    []
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from synapse_nb._util import atomic_write, backend_identity, default_cache_dir, path_key, private_dir

from .edits import TaskBase

__all__ = ["EditJournal", "client_identity"]


#: the key of a client's journal files, as the upload journal keys them
client_identity = backend_identity


class EditJournal:
    """The journal of one backend and tenant (``identity``); ``root`` defaults to the cache."""

    def __init__(self, identity: str, *, root: str | os.PathLike[str] | None = None) -> None:
        base = Path(root).expanduser() if root is not None else default_cache_dir() / "edits"
        self.folder = base / path_key(identity)

    @classmethod
    def for_client(cls, client: Any, *, root: str | os.PathLike[str] | None = None) -> EditJournal:
        return cls(client_identity(client), root=root)

    def _path(self, task: Any) -> Path:
        return self.folder / f"task-{path_key(str(task))}.json"

    def write(self, base: TaskBase) -> None:
        """Record ``base`` (replaces what was there; no operations left: removes it)."""
        if not base.ops:
            self.remove(base.task)
            return
        private_dir(self.folder)
        atomic_write(self._path(base.task), json.dumps(base.to_json()))

    def remove(self, task: Any) -> None:
        self._path(task).unlink(missing_ok=True)

    def pending(self, tasks: Iterable[Any]) -> list[TaskBase]:
        """The journaled edits of any of ``tasks`` (a file that cannot be read is skipped:
        it is left on disk for the user to look at, not deleted)."""
        out = []
        for task in tasks:
            path = self._path(task)
            if not path.exists():
                continue
            try:
                base = TaskBase.from_json(json.loads(path.read_text()))
            except (ValueError, KeyError, TypeError):
                continue
            if base.task == task:
                out.append(base)
        return out
