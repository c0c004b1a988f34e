"""Undo and redo in the editor journal the task they changed, and only that one: each
task's journal on disk stays what a replay of the edit model gives."""

from __future__ import annotations

import json
from typing import Any

import pytest

from synapse_nb.widgets import TaskBrowser
from synapse_nb.widgets.edit_journal import EditJournal
from synapse_nb.widgets.edits import EditModel

from .conftest import FakeClient, demo_records


class EditClient(FakeClient):
    """The fake client plus ``get_task``, which the editor calls to open a task."""

    def get_task(self, task: int, params: Any = None) -> dict[str, Any]:
        self.calls.append(("get_task", task))
        for rec in self.records["tasks"]:
            if rec["id"] == task:
                return json.loads(json.dumps(rec))
        raise KeyError(task)


@pytest.fixture
def browser(tmp_path, monkeypatch) -> TaskBrowser:
    records, images = demo_records()
    monkeypatch.setattr(TaskBrowser, "edit_journal_root", tmp_path)
    return TaskBrowser(EditClient(records, images), project=7)


def journal_matches_model(b: TaskBrowser, journal: EditJournal, tasks: list[int]) -> None:
    """Each task's file read back from disk is the model's base and operations, and a model
    restored from it replays to the same payload; a task with no operations has no file."""
    for task in tasks:
        found = journal.pending([task])
        base = b.edit_model.tasks[task]
        if not base.ops:
            assert found == [], task
            continue
        assert len(found) == 1, task
        assert found[0].to_json() == json.loads(json.dumps(base.to_json())), task
        restored = EditModel()
        restored.restore(found)
        assert restored.payload(task) == b.edit_model.payload(task), task


def test_undo_and_redo_across_two_tasks_keep_each_journal_right(browser: TaskBrowser,
                                                               tmp_path) -> None:
    b = browser
    journal = EditJournal.for_client(b.client, root=tmp_path)
    b.edit(1)
    b.apply_edit({"op": "set_box", "object": 0, "box": [1, 2, 30, 40]})
    b.apply_edit({"op": "relabel", "object": 1, "label": "tree"})
    b.edit(2)
    b.apply_edit({"op": "delete", "object": 0})
    b.edit(1)
    b.apply_edit({"op": "add", "label": "person", "box": [5, 5, 9, 9]})
    journal_matches_model(b, journal, [1, 2])
    # undo back through both tasks (task 2 to no operations at all), then redo part way
    for step in ("undo", "undo", "undo", "redo", "redo", "undo", "undo", "undo",
                 "redo", "redo", "redo", "redo", "undo"):
        assert getattr(b, step)()
        journal_matches_model(b, journal, [1, 2])
    assert not b.view.status["error"], b.status_text
    assert [len(b.edit_model.tasks[t].ops) for t in (1, 2)] == [2, 1]


def test_an_undo_writes_the_journal_of_its_task_only(browser: TaskBrowser, monkeypatch) -> None:
    b = browser
    for task in (1, 2, 3):
        b.edit(task)
        b.apply_edit({"op": "delete", "object": 0})
    written: list[Any] = []
    write = EditJournal.write
    monkeypatch.setattr(EditJournal, "write",
                        lambda journal, base: (written.append(base.task), write(journal, base))[1])
    assert b.undo()
    assert written == [3]  # not the files of tasks 1 and 2, which the undo left as they were
    assert b.undo() and b.redo()
    assert written == [3, 2, 2]
    written.clear()
    assert b.redo() and not b.redo()
    assert written == [3]  # a redo with nothing to redo writes nothing
    assert b.undo() and b.undo() and b.undo() and not b.undo()
    assert written == [3, 3, 2, 1]
