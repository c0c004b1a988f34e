"""Edit mode of the browsers: what connects the view's edit events, the edit model
(:mod:`.edits`), its journal (:mod:`.edit_journal`) and the client.

Mixed into :class:`~.browser.RecordBrowser`, so ``TaskBrowser``, a ``RecordBrowser`` over
an ``annotations_frame``, the evaluation browser and the review queue all edit the same
way. ``browser.edit()`` (or the Edit button) opens the focused record's task: the task is
fetched afresh (that version is the base the save compares with), its image and objects
go to the view's ``editor`` trait, and the frontend sends back operations in image pixels.

``browser.save()`` writes each edited task with ``annotate_task_data`` after fetching it
again: a task whose annotations changed on the server since the edit began is not
written; it is listed in ``browser.conflicts`` with both versions, and
``browser.rebase(task)`` or ``browser.drop_edits(task)`` settles it.

Example:
    >>> b = TaskBrowser(client, project=1)                          # doctest: +SKIP
    >>> b.edit(); b.apply_edit({"op": "delete", "object": 0})       # doctest: +SKIP
    >>> b.edits; b.save()                                           # doctest: +SKIP
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import pandas as pd

from .._util.labels import configured_labels
from .edit_journal import EditJournal
from .edit_save import EditSaving, SaveReport
from .edit_state import EditorState
from .edits import EditError, EditModel, TaskBase
from .edits import plain_task_id as _task_id

if TYPE_CHECKING:
    from .detail import DetailRenderer
    from .query import FrameQuery
    from .table import PagedTable
    from .view import BrowserView

__all__ = ["EditingMixin", "SaveReport"]

log = logging.getLogger(__name__)


class EditingMixin(EditSaving, EditorState):
    """Edit mode: ``edit``, ``apply_edit``, ``undo``/``redo``, ``edits``, ``save``,
    ``discard``, ``conflicts``, ``rebase``, ``drop_edits``, ``restore_edits``."""

    client: Any
    query: FrameQuery
    table: PagedTable
    view: BrowserView
    renderer: DetailRenderer
    resource: ClassVar[str | None]
    edit_journal_root: Any = None  # tests point the journal elsewhere

    def _init_editing(self) -> None:
        self.edit_model = EditModel()
        self.editing: Any = None  # the task open in the editor
        self._conflicts: dict[Any, dict[str, Any]] = {}
        self._editor_images: dict[Any, tuple[str, int, int]] = {}
        self._project_labels: dict[Any, list[str]] = {}
        self._journal = (EditJournal.for_client(self.client, root=self.edit_journal_root)
                         if self.client is not None else None)
        self._restorable: list[TaskBase] = []

    # -- which task a row is ------------------------------------------------------------

    def task_of_row(self, row: pd.Series) -> Any:
        """The task a record's shapes belong to (None: the record is not editable)."""
        if "task" in row.index and not pd.isna(row.get("task")):
            return _task_id(row["task"])
        if self.resource == "tasks":
            return _task_id(row.name)
        if str(row.get("source", "task")) == "task" and "source_id" in row.index:
            return _task_id(row["source_id"])
        return None

    def extra_shapes(self, row: pd.Series) -> list[dict[str, Any]]:
        """Shapes drawn beside the task's (predictions, suspects): not the task's own."""
        return []

    # -- opening ------------------------------------------------------------------------

    def offer_restore(self, tasks: list[Any]) -> None:
        """Look for journaled edits of ``tasks`` (the view offers to restore them)."""
        if self._journal is None:
            return
        self._restorable = [b for b in self._journal.pending(tasks) if b.task not in self.edit_model.tasks]
        self._push_editor()

    def restore_edits(self) -> list[Any]:
        """Take back the journaled edits found for this browser's tasks; returns the tasks."""
        found, self._restorable = self._restorable, []
        self.edit_model.restore(found)
        self._push_editor()
        return [b.task for b in found]

    def edit(self, task: Any = None) -> None:
        """Open the editor on ``task`` (default: the focused record's task)."""
        if self.client is None:
            raise TypeError("editing writes through a client: build the browser with client=...")
        row = None if self.table.current is None else self.query.frame.iloc[self.table.current]
        if task is None:
            if row is None:
                raise ValueError("click a record first, or pass the task: browser.edit(task=4)")
            task = self.task_of_row(row)
            if task is None:
                raise ValueError("this record is not a task's annotation; nothing to edit")
        task = _task_id(task)
        if task not in self.edit_model.tasks:
            record = self.client.get_task(task)
            self.edit_model.load(task, record.get("data"), modified=record.get("modified"))
            self._remember_project(task, record)
        self.editing = task
        self._push_editor()

    def close_editor(self) -> None:
        self.editing = None
        self._push_editor()

    def _remember_project(self, task: Any, record: Mapping[str, Any]) -> None:
        project = record.get("project")
        if project is None or project in self._project_labels:
            self._project_labels.setdefault(task, self._project_labels.get(project, []))
            return
        try:
            configuration = self.client.get_project(project).get("configuration")
        except Exception:  # labels then come from the objects themselves
            log.debug("project %r not readable", project, exc_info=True)
            configuration = None
        self._project_labels[project] = configured_labels(configuration)
        self._project_labels[task] = self._project_labels[project]

    # -- operations ---------------------------------------------------------------------

    def apply_edit(self, op: Mapping[str, Any]) -> None:
        """Apply one edit operation (see :mod:`.edits`); ``task`` defaults to the open one."""
        op = dict(op)
        op.setdefault("task", self.editing)
        op["task"] = _task_id(op["task"])
        if op.get("op") == "accept":  # a prediction (an extra shape) becomes an annotation
            op = self._accepted(op)
        self.edit_model.apply(op)
        self._journal_task(op["task"])
        self._push_editor()

    def _accepted(self, op: dict[str, Any]) -> dict[str, Any]:
        extras = self._editor_extras()
        i = int(op.get("extra", -1))
        if not 0 <= i < len(extras):
            raise EditError(f"no prediction {i} on this image")
        shape = extras[i]
        out: dict[str, Any] = {"op": "add", "task": op["task"], "label": shape["label"],
                               "fields": {"type": shape["kind"]}}
        if shape["kind"] == "bbox":
            out["box"] = shape["box"]
        else:
            out["points"] = shape["points"]
        return out

    def undo(self) -> bool:
        """Undo the last edit (of any task); False when there is none."""
        task = self.edit_model.undo_task
        done = self.edit_model.undo()
        if done:  # only that task's operations changed: the other journals stand as written
            self._journal_task(task)
        self._push_editor()
        return done

    def redo(self) -> bool:
        """Redo the last undone edit; False when there is none."""
        task = self.edit_model.redo_task
        done = self.edit_model.redo()
        if done:
            self._journal_task(task)
        self._push_editor()
        return done

    @property
    def edits(self) -> pd.DataFrame:
        """Pending changes: task, object, change (added/changed/deleted), before, after."""
        return self.edit_model.frame

    def discard(self) -> None:
        """Drop every pending edit (and its journal)."""
        for task in list(self.edit_model.tasks):
            self.drop_edits(task)

    def drop_edits(self, task: Any) -> None:
        """Drop the edits of one task (e.g. after a conflict)."""
        task = _task_id(task)
        self.edit_model.drop(task)
        self._conflicts.pop(task, None)
        if self._journal is not None:
            self._journal.remove(task)
        self._push_editor()

    # -- journal and view ---------------------------------------------------------------

    def _journal_task(self, task: Any) -> None:
        if self._journal is not None and task in self.edit_model.tasks:
            self._journal.write(self.edit_model.tasks[task])

    def _push_editor(self) -> None:
        try:
            self.view.editor = self.editor_state()
        except Exception as err:  # the editor must not take the browser down
            log.debug("editor state failed", exc_info=True)
            self._set_status(f"Editor: {type(err).__name__}: {err}", error=True)  # type: ignore[attr-defined]

    def _on_edit_event(self, event: Mapping[str, Any]) -> None:
        """``{"event": "edit", "op": ...}`` from the frontend."""
        op = str(event.get("op"))
        if op == "open":
            self.edit()
        elif op == "close":
            self.close_editor()
        elif op == "undo":
            self.undo()
        elif op == "redo":
            self.redo()
        elif op == "save":
            self.save()
        elif op == "discard":
            self.discard()
        elif op == "restore":
            self.restore_edits()
        elif op == "rebase":
            self.rebase(event.get("task"))
        elif op == "drop":
            self.drop_edits(event.get("task"))
        else:
            self.apply_edit({k: v for k, v in event.items() if k != "event"})

