"""The edit model (synapse_nb.widgets.edits): apply, undo/redo, diff, payload, conflicts,
rebase; and its journal. Pure Python, no browser."""

from __future__ import annotations

import json

import orjson
import pytest

from synapse_nb.widgets.edit_journal import EditJournal
from synapse_nb.widgets.edits import EditError, EditModel, TaskBase, with_box, with_points

DATA = {"annotations": [
    {"type": "bbox", "coordinates": [10, 10, 50, 40], "label": "car", "id": "a",
     "confidence": 0.9, "attrs": {"occluded": True}},
    {"type": "bbox", "coordinates": {"x": 5, "y": 6, "width": 7, "height": 8}, "label": "tree",
     "id": "b"},
    {"type": "polygon", "points": [[0, 0], [10, 0], [10, 10]], "label": "roof", "id": "c"},
    {"type": "classification", "label": "day", "id": "d"}],
    "metadata": {"annotator_id": "u1", "extra": [1, 2]}}


def model() -> EditModel:
    m = EditModel()
    m.load(1, json.dumps(DATA), modified="2026-01-01T00:00:00Z")
    return m


def test_every_operation_and_untouched_objects_stay_byte_equal() -> None:
    m = model()
    m.apply({"op": "set_box", "task": 1, "object": 0, "box": [20, 20, 60, 50]})
    m.apply({"op": "set_box", "task": 1, "object": 1, "box": [1, 2, 11, 22]})
    m.apply({"op": "set_points", "task": 1, "object": 2, "points": [[1, 1], [9, 1], [9, 9]]})
    m.apply({"op": "add", "task": 1, "object": None, "label": "bus", "box": [70, 70, 80, 90]})
    m.apply({"op": "relabel", "task": 1, "object": 0, "label": "truck"})
    out = m.payload(1)
    assert out["metadata"] == DATA["metadata"]
    car, tree, roof, day, bus = out["annotations"]
    # every field of a touched object is kept; only the geometry/label changed, in its format
    assert car == {**DATA["annotations"][0], "coordinates": [20.0, 20.0, 60.0, 50.0], "label": "truck"}
    assert tree["coordinates"] == {"x": 1.0, "y": 2.0, "width": 10.0, "height": 20.0}
    assert roof["points"] == [[1.0, 1.0], [9.0, 1.0], [9.0, 9.0]]
    assert orjson.dumps(day) == orjson.dumps(DATA["annotations"][3])
    assert bus == {"type": "bbox", "coordinates": [70.0, 70.0, 80.0, 90.0], "label": "bus"}
    frame = m.frame
    assert sorted(frame["change"].tolist()) == ["added", "changed", "changed", "changed"]
    assert set(frame.columns) >= {"task", "object", "before", "after"}


def test_undo_redo_across_operations_and_delete() -> None:
    m = model()
    m.apply({"op": "delete", "task": 1, "object": 1})
    m.apply({"op": "set_box", "task": 1, "object": 0, "box": [0, 0, 5, 5]})
    assert [a["id"] for a in m.payload(1)["annotations"]] == ["a", "c", "d"]
    assert m.undo() and m.undo() and not m.undo()
    assert m.payload(1)["annotations"] == DATA["annotations"] and m.pending_tasks() == []
    assert m.redo()
    assert [a["id"] for a in m.payload(1)["annotations"]] == ["a", "c", "d"]
    m.apply({"op": "relabel", "task": 1, "object": 0, "label": "x"})
    assert not m.can_redo  # a new edit clears what was undone


def test_bad_operations_say_what_is_wrong_and_change_nothing() -> None:
    m = model()
    with pytest.raises(EditError, match="no object 1"):
        m.apply({"op": "delete", "task": 1, "object": 1}) or m.apply(
            {"op": "set_box", "task": 1, "object": 1, "box": [0, 0, 1, 1]})
    m.undo()
    for op in ({"op": "set_box", "task": 1, "object": 0, "box": [0, 0, "x", 1]},
               {"op": "add", "task": 1, "object": None, "label": "", "box": [0, 0, 1, 1]},
               {"op": "spin", "task": 1, "object": 0},
               {"op": "delete", "task": 99, "object": 0}):
        with pytest.raises(EditError):
            m.apply(op)
    assert m.pending_tasks() == [] and not m.can_undo


def test_conflicts_compare_modified_then_content() -> None:
    m = model()
    assert not m.conflicts_with(1, DATA, "2026-01-01T00:00:00Z")
    assert not m.conflicts_with(1, DATA, "2026-02-02T00:00:00Z")  # a tag change: same objects
    theirs = {"annotations": DATA["annotations"][:2]}
    assert m.conflicts_with(1, theirs, "2026-02-02T00:00:00Z")


def test_rebase_moves_edits_onto_the_new_version() -> None:
    m = model()
    m.apply({"op": "set_box", "task": 1, "object": 0, "box": [1, 1, 2, 2]})
    m.apply({"op": "delete", "task": 1, "object": 3})
    m.apply({"op": "add", "task": 1, "object": None, "label": "bus", "box": [5, 5, 6, 6]})
    theirs = {"annotations": [*DATA["annotations"][:3], {"type": "bbox", "coordinates": [0, 0, 3, 3],
                                                           "label": "new", "id": "e"}]}
    dropped = m.rebase(1, theirs, modified="later")
    assert dropped == []
    ids = [a.get("id") for a in m.payload(1)["annotations"]]
    assert ids == ["a", "b", "c", None]  # their d->e replaced our deleted object 3; ours added
    assert m.payload(1)["annotations"][0]["coordinates"] == [1.0, 1.0, 2.0, 2.0]


def test_geometry_writers_keep_formats() -> None:
    assert with_box({"coordinates": [9, 9, 1, 1]}, [4, 3, 2, 1]) == {"coordinates": [2.0, 1.0, 4.0, 3.0]}
    assert with_points({"points": [{"x": 1, "y": 2, "v": 1}]}, [[3, 4], [5, 6]])["points"] == [
        {"x": 3.0, "y": 4.0, "v": 1}, {"x": 5.0, "y": 6.0}]


def test_journal_round_trip_and_restore(tmp_path) -> None:
    m = model()
    m.apply({"op": "delete", "task": 1, "object": 0})
    journal = EditJournal("http://127.0.0.1:1|acme", root=tmp_path)
    journal.write(m.tasks[1])
    assert "acme" in journal.folder.name and journal.folder.parent == tmp_path
    again = EditModel()
    again.restore(journal.pending([1, 2]))
    assert again.payload(1) == m.payload(1) and again.can_undo
    other = EditJournal("http://127.0.0.1:1|globex", root=tmp_path)
    assert other.pending([1]) == []  # per tenant
    journal.write(TaskBase(1, DATA, None, []))  # nothing pending: the file goes
    assert journal.pending([1]) == []
