"""Saving a browser's pending edits: each task fetched again and compared with the version
its edit began on; written with ``annotate_task_data`` only when nobody changed its
annotations meanwhile (see :mod:`.editing`). The server has no conditional write, so a
change landing between the check and the write is not caught; the window is one request.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import pandas as pd

from .edits import plain_task_id as _task_id

if TYPE_CHECKING:
    from .detail import DetailRenderer
    from .edit_journal import EditJournal
    from .edits import EditModel
    from .query import FrameQuery

__all__ = ["EditSaving", "SaveReport"]

log = logging.getLogger(__name__)


class SaveReport(dict):  # type: ignore[type-arg]
    """What ``save()`` did: ``saved`` and ``conflicts`` (task ids), ``failed`` {task: why}."""

    def __repr__(self) -> str:
        return (f"SaveReport(saved={self['saved']}, conflicts={self['conflicts']}, "
                f"failed={self['failed']})")


class EditSaving:
    """``save``, ``conflicts``, ``rebase`` (mixed into the browsers through ``EditingMixin``)."""

    client: Any
    query: FrameQuery
    renderer: DetailRenderer
    resource: ClassVar[str | None]
    edit_model: EditModel
    editing: Any
    _conflicts: dict[Any, dict[str, Any]]
    _journal: EditJournal | None

    def save(self) -> SaveReport:
        """Write every task with pending edits, unless it changed on the server meanwhile.

        Tasks go concurrently on the client's bounded pool (its ``max_concurrency``), each
        one fetched, compared and written in that order by one worker, so the version
        check still sits right before its own write; what the browser keeps (pending
        edits, journal, conflicts) is updated here afterwards, in task order."""
        report = SaveReport(saved=[], conflicts=[], failed={})
        written_by_task: dict[Any, Mapping[str, Any]] = {}
        jobs = [(task, self.edit_model.payload(task)) for task in self.edit_model.pending_tasks()]
        pool = getattr(self.client, "_pool", None)
        if callable(pool) and len(jobs) > 1:
            outcomes = list(pool().map(lambda job: self._save_task(*job), jobs))
        else:
            outcomes = [self._save_task(*job) for job in jobs]
        for (task, payload), (outcome, value) in zip(jobs, outcomes):
            if outcome == "conflict":
                self._conflicts[task] = {"task": task, "yours": payload,
                                         "theirs": value.get("data"), "modified": value.get("modified")}
                report["conflicts"].append(task)
            elif outcome == "failed":  # the other tasks still went; this one stays pending
                report["failed"][task] = value
            else:
                self._after_write(task, value)
                written_by_task[task] = value
                report["saved"].append(task)
        self._refresh_rows(written_by_task)  # once: the pane redrawn once, not per task
        for task in [t for t in self.edit_model.tasks if not self.edit_model.changes(t)]:
            if task != self.editing:
                self.edit_model.drop(task)
        self._say_saved(report)
        self._push_editor()  # type: ignore[attr-defined]
        return report

    def _save_task(self, task: Any, payload: dict[str, Any]) -> tuple[str, Any]:
        """Fetch, compare, write one task (in a pool thread: reads the edit model only).
        Returns ``("saved", written)``, ``("conflict", current)`` or ``("failed", why)``."""
        try:
            current = self.client.get_task(task)
            if self.edit_model.conflicts_with(task, current.get("data"), current.get("modified")):
                return "conflict", current
            action = "submit" if current.get("status") == "completed" else "save"
            return "saved", self.client.annotate_task_data(task, {"action": action, "data": payload})
        except Exception as err:  # reported per task; the others still go
            return "failed", f"{type(err).__name__}: {err}"

    def _after_write(self, task: Any, written: Mapping[str, Any]) -> None:
        self.edit_model.drop(task)
        self._conflicts.pop(task, None)
        if self._journal is not None:
            self._journal.remove(task)
        if task == self.editing:  # keep editing on top of what was written
            self.edit_model.load(task, written.get("data"), modified=written.get("modified"))

    def _refresh_rows(self, written: Mapping[Any, Mapping[str, Any]]) -> None:
        """The browser's rows of the written tasks take their new ``data`` and ``modified``."""
        frame = self.query.frame
        if self.resource != "tasks" or "data" not in frame.columns:
            return
        tasks = [t for t in written if t in frame.index]
        if not tasks:
            return
        positions = frame.index.get_indexer(pd.Index(tasks))
        data = frame["data"].copy()
        stamps = frame["modified"].copy() if "modified" in frame.columns else None
        zone = getattr(getattr(stamps, "dtype", None), "tz", None)
        for task, position in zip(tasks, positions):
            data.iloc[int(position)] = json.dumps(written[task].get("data"))
            if stamps is not None and written[task].get("modified") is not None:
                try:  # the frame's own dtype (a zone-aware timestamp)
                    stamp = pd.Timestamp(written[task]["modified"])
                    stamps.iloc[int(position)] = stamp.tz_convert(zone) if zone and stamp.tzinfo else stamp
                except (TypeError, ValueError, AssertionError):  # the row keeps its old stamp
                    log.debug("modified not refreshed", exc_info=True)
        frame["data"] = data
        if stamps is not None:
            frame["modified"] = stamps
        self.renderer._thumbnails.clear()
        self._render_detail()  # type: ignore[attr-defined]

    def _say_saved(self, report: SaveReport) -> None:
        parts = [f"Saved {len(report['saved'])} task(s)."]
        if report["conflicts"]:
            parts.append(f"{len(report['conflicts'])} changed on the server since you began "
                         f"and were not written: {report['conflicts']} (rebase or drop).")
        if report["failed"]:
            parts.append(f"Failed: {report['failed']}.")
        self._set_status(" ".join(parts), error=bool(report["conflicts"] or report["failed"]))  # type: ignore[attr-defined]

    @property
    def conflicts(self) -> pd.DataFrame:
        """Tasks not written because they changed on the server: task, yours, theirs."""
        rows = [(c["task"], json.dumps(c["yours"]), json.dumps(c["theirs"]), c["modified"])
                for c in self._conflicts.values()]
        return pd.DataFrame(rows, columns=["task", "yours", "theirs", "server_modified"])

    def rebase(self, task: Any) -> list[str]:
        """Re-apply ``task``'s edits on its current server version (after a conflict);
        returns the edits that no longer apply (their object was deleted there)."""
        task = _task_id(task)
        current = self.client.get_task(task)
        dropped = self.edit_model.rebase(task, current.get("data"), modified=current.get("modified"))
        self._conflicts.pop(task, None)
        self._journal_task(task)  # type: ignore[attr-defined]
        self._push_editor()  # type: ignore[attr-defined]
        return dropped
