"""The edit model of the browsers' edit mode: pending edits of tasks' annotation objects.

Pure Python, no widget and no I/O: the browser feeds it operations (the frontend sends
them in image pixels), reads back what to draw and what to write, and journals it
(:mod:`.edit_journal`). Each task keeps the version it was loaded at (``base``: its
``data`` and ``modified``); its current objects are ``base`` with the task's operations
replayed, so undo is "replay one fewer" and can never drift.

Objects are known by a stable key: an object of the loaded task by its position in the
loaded ``annotations`` list, a drawn one by ``len(loaded) + n``. An operation is a dict:

=============  ====================================================================
``set_box``    ``{"op", "task", "object", "box": [x1, y1, x2, y2]}`` (move, resize)
``set_points`` ``{"op", "task", "object", "points": [[x, y], ...]}`` (vertices)
``relabel``    ``{"op", "task", "object", "label"}``
``delete``     ``{"op", "task", "object"}``
``add``        ``{"op", "task", "object": None, "label", "box"}`` or ``"points"``, and
               optionally ``"fields"`` (e.g. the type of an accepted prediction)
=============  ====================================================================

What is written keeps every field of an object the user did not touch (the same dict,
so the same JSON bytes) and, in a touched one, every field but its geometry or label;
geometry is written in the object's own format (``[x1, y1, x2, y2]``, ``{x, y, width,
height}``, ``[[x, y]]`` or ``[{x, y}]``).

Example:
    >>> m = EditModel()
    >>> m.load(7, {"annotations": [{"type": "bbox", "coordinates": [0, 0, 10, 10],
    ...                              "label": "car", "id": "a"}]}, modified="t1")
    >>> m.apply({"op": "set_box", "task": 7, "object": 0, "box": [5, 5, 15, 15]})
    >>> m.payload(7)["annotations"][0]
    {'type': 'bbox', 'coordinates': [5.0, 5.0, 15.0, 15.0], 'label': 'car', 'id': 'a'}
    >>> m.undo(); m.pending_tasks()
    []
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

__all__ = ["OPS", "EditError", "EditModel", "TaskBase", "annotations_equal", "plain_task_id", "with_box",
           "with_points"]

OPS = frozenset({"set_box", "set_points", "relabel", "delete", "add"})
EDIT_COLUMNS = ("task", "object", "change", "before", "after")


def plain_task_id(value: Any) -> Any:
    """Task ids as plain ints (frames hold numpy ints; the journal writes JSON).

    >>> import numpy as np; type(plain_task_id(np.int64(4)))
    <class 'int'>
    """
    try:
        if float(value) == int(value):
            return int(value)
    except (TypeError, ValueError):
        pass
    return value


class EditError(ValueError):
    """An edit operation that cannot apply (unknown task or object, bad geometry)."""


def _decode(data: Any) -> dict[str, Any]:
    if data is None or (isinstance(data, float) and data != data):
        return {"annotations": []}
    if isinstance(data, (str, bytes)):
        data = json.loads(data) if data else {}
    if not isinstance(data, Mapping):
        raise EditError(f"a task's data must be a JSON object, got {type(data).__name__}")
    out = dict(data)
    anns = out.get("annotations", [])
    if not isinstance(anns, list):
        raise EditError("a task's data.annotations must be a list")
    out["annotations"] = anns
    return out


def _box(value: Any) -> list[float]:
    try:
        x1, y1, x2, y2 = (float(v) for v in value)
    except (TypeError, ValueError) as err:
        raise EditError(f"a box is [x1, y1, x2, y2] in image pixels, got {value!r}") from err
    if not all(v == v and abs(v) < 1e9 for v in (x1, y1, x2, y2)):
        raise EditError(f"a box needs finite numbers, got {value!r}")
    return [min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)]


def _pts(value: Any) -> list[list[float]]:
    try:
        pts = [[float(p[0]), float(p[1])] for p in value]
    except (TypeError, ValueError, IndexError, KeyError) as err:
        raise EditError(f"points are [[x, y], ...] in image pixels, got {value!r}") from err
    if not pts or not all(abs(c) < 1e9 and c == c for p in pts for c in p):
        raise EditError("points need at least one finite [x, y]")
    return pts


def with_box(obj: Mapping[str, Any], box: Iterable[float]) -> dict[str, Any]:
    """``obj`` with its box set to ``box``, in the object's own format; other fields kept.

    >>> with_box({"coordinates": {"x": 1, "y": 1, "width": 2, "height": 2}, "z": 1}, [0, 0, 4, 3])
    {'coordinates': {'x': 0.0, 'y': 0.0, 'width': 4.0, 'height': 3.0}, 'z': 1}
    """
    x1, y1, x2, y2 = _box(box)
    out = dict(obj)
    coords = obj.get("coordinates")
    if isinstance(coords, Mapping):
        out["coordinates"] = {**coords, "x": x1, "y": y1, "width": x2 - x1, "height": y2 - y1}
    else:
        out["coordinates"] = [x1, y1, x2, y2]
    return out


def with_points(obj: Mapping[str, Any], points: Iterable[Iterable[float]]) -> dict[str, Any]:
    """``obj`` with its vertices set, as ``[x, y]`` pairs or ``{x, y}`` dicts as it had them.

    >>> with_points({"type": "polygon", "points": [{"x": 0, "y": 0, "v": 2}]}, [[3, 4]])
    {'type': 'polygon', 'points': [{'x': 3.0, 'y': 4.0, 'v': 2}]}
    """
    pts = _pts(points)
    out = dict(obj)
    under = "points" if "points" in obj or not isinstance(obj.get("coordinates"), list) else "coordinates"
    old = obj.get(under) or []
    if old and all(isinstance(p, Mapping) for p in old):
        extra = [dict(p) for p in old] + [{}] * max(0, len(pts) - len(old))
        out[under] = [{**extra[i], "x": x, "y": y} for i, (x, y) in enumerate(pts)]
    else:
        out[under] = pts
    return out


def annotations_equal(a: Any, b: Any) -> bool:
    """Whether two task payloads hold the same annotation objects (content, not text)."""
    return bool(_decode(a)["annotations"] == _decode(b)["annotations"])


@dataclass
class TaskBase:
    """A task as it was when the edit started: its payload and its ``modified`` stamp."""

    task: Any
    data: dict[str, Any]
    modified: str | None = None
    ops: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"task": self.task, "data": self.data, "modified": self.modified, "ops": self.ops}

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> TaskBase:
        return cls(value["task"], _decode(value["data"]), value.get("modified"),
                   [dict(op) for op in value.get("ops", [])])


class EditModel:
    """Pending edits of tasks: apply, undo/redo (across tasks, in the order made), diff,
    the payload to write, and the conflict check against a task's current version."""

    def __init__(self) -> None:
        self.tasks: dict[Any, TaskBase] = {}
        self._done: list[Any] = []  # task of each applied operation, oldest first
        self._undone: list[tuple[Any, dict[str, Any]]] = []

    # -- loading ------------------------------------------------------------------------

    def load(self, task: Any, data: Any, *, modified: str | None = None) -> None:
        """Start editing ``task`` at this version (no-op when it is already being edited)."""
        if task not in self.tasks:
            self.tasks[task] = TaskBase(task, _decode(data), modified)

    def restore(self, bases: Iterable[TaskBase]) -> None:
        """Take back journaled tasks (their operations become undoable again)."""
        for base in bases:
            self.tasks[base.task] = base
            self._done.extend([base.task] * len(base.ops))

    # -- operations ---------------------------------------------------------------------

    def apply(self, op: Mapping[str, Any]) -> None:
        """Apply one operation (module docstring); raises :class:`EditError` if it cannot."""
        op = dict(op)
        task = op.get("task")
        if task not in self.tasks:
            raise EditError(f"task {task!r} is not open for editing; call load() first")
        if op.get("op") not in OPS:
            raise EditError(f"unknown edit {op.get('op')!r}; one of {sorted(OPS)}")
        base = self.tasks[task]
        if op["op"] == "add":
            op["object"] = self._next_key(base)
        objects = self._replay(base.data, base.ops)
        self._step(objects, op)  # validates before anything is recorded
        base.ops.append(op)
        self._done.append(task)
        self._undone.clear()

    def undo(self) -> bool:
        """Undo the last operation; False when there is none."""
        if not self._done:
            return False
        task = self._done.pop()
        self._undone.append((task, self.tasks[task].ops.pop()))
        return True

    def redo(self) -> bool:
        """Redo the last undone operation; False when there is none."""
        if not self._undone:
            return False
        task, op = self._undone.pop()
        self.tasks[task].ops.append(op)
        self._done.append(task)
        return True

    @property
    def undo_task(self) -> Any:
        """The task the next :meth:`undo` changes (None: nothing to undo)."""
        return self._done[-1] if self._done else None

    @property
    def redo_task(self) -> Any:
        """The task the next :meth:`redo` changes (None: nothing to redo)."""
        return self._undone[-1][0] if self._undone else None

    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)

    def drop(self, task: Any) -> None:
        """Forget ``task``'s edits (saved, or dropped by the user)."""
        self.tasks.pop(task, None)
        self._done = [t for t in self._done if t != task]
        self._undone = [(t, op) for t, op in self._undone if t != task]

    def rebase(self, task: Any, data: Any, *, modified: str | None = None) -> list[str]:
        """Move ``task``'s edits onto its current server version; returns why each
        operation that no longer applies (its object deleted there) was left out."""
        base = self.tasks[task]
        kept: list[dict[str, Any]] = []
        dropped: list[str] = []
        new = TaskBase(task, _decode(data), modified)
        shift = len(new.data["annotations"]) - len(base.data["annotations"])
        for op in base.ops:
            op = dict(op)
            old_key = op.get("object")
            if isinstance(old_key, int) and old_key >= len(base.data["annotations"]):
                op["object"] = old_key + shift  # a drawn object keeps coming after the rest
            try:
                self._step(self._replay(new.data, kept), op)
                kept.append(op)
            except EditError as err:
                dropped.append(f"{op['op']} of object {old_key}: {err}")
        new.ops = kept
        self.drop(task)
        self.tasks[task] = new
        self._done.extend([task] * len(kept))
        return dropped

    # -- reading ------------------------------------------------------------------------

    def objects(self, task: Any) -> dict[int, dict[str, Any]]:
        """key -> object as it is now (deleted objects absent), in write order."""
        base = self.tasks[task]
        return {k: v for k, v in self._replay(base.data, base.ops).items() if v is not None}

    def payload(self, task: Any) -> dict[str, Any]:
        """The task's ``data`` to write: every other field of the payload kept."""
        base = self.tasks[task]
        return {**base.data, "annotations": list(self.objects(task).values())}

    def pending_tasks(self) -> list[Any]:
        """Tasks whose current objects differ from the loaded ones."""
        return [t for t in self.tasks if self.changes(t)]

    def changes(self, task: Any) -> list[tuple[int, str, dict[str, Any] | None, dict[str, Any] | None]]:
        """``(object, change, before, after)`` for each object that differs from the base."""
        base = self.tasks[task]
        now = self._replay(base.data, base.ops)
        loaded = base.data["annotations"]
        out = []
        for key, after in now.items():
            before = loaded[key] if key < len(loaded) else None
            if before == after:
                continue
            change = "added" if before is None else "deleted" if after is None else "changed"
            out.append((key, change, before, after))
        return out

    @property
    def frame(self) -> pd.DataFrame:
        """One row per changed object: task, object, change, before, after (JSON text)."""
        rows = [(t, k, c, None if b is None else json.dumps(b), None if a is None else json.dumps(a))
                for t in self.tasks for k, c, b, a in self.changes(t)]
        return pd.DataFrame(rows, columns=list(EDIT_COLUMNS))

    def conflicts_with(self, task: Any, current_data: Any, current_modified: str | None) -> bool:
        """Whether the task changed on the server since its edit started: a different
        ``modified`` stamp whose annotations differ too (a tag change is no conflict)."""
        base = self.tasks[task]
        if base.modified is not None and current_modified == base.modified:
            return False
        return not annotations_equal(base.data, current_data)

    # -- internals ----------------------------------------------------------------------

    @staticmethod
    def _next_key(base: TaskBase) -> int:
        added = [int(op["object"]) for op in base.ops if op["op"] == "add"]
        return max([len(base.data["annotations"]) - 1, *added]) + 1

    @classmethod
    def _replay(cls, data: dict[str, Any], ops: list[dict[str, Any]]) -> dict[int, dict[str, Any] | None]:
        objects: dict[int, dict[str, Any] | None] = dict(enumerate(data["annotations"]))
        for op in ops:
            cls._step(objects, op)
        return objects

    @staticmethod
    def _step(objects: dict[int, dict[str, Any] | None], op: Mapping[str, Any]) -> None:
        key: Any = op.get("object")
        kind = op["op"]
        geometry: Any = op.get("box")
        if kind == "add":
            label = str(op.get("label") or "")
            if not label:
                raise EditError("a new object needs a label")
            fields = dict(op.get("fields") or {})
            if op.get("points") is not None:
                obj = with_points({"type": fields.pop("type", "polygon"), "points": [], "label": label},
                                  op["points"])
            else:
                obj = with_box({"type": fields.pop("type", "bbox"), "coordinates": [], "label": label},
                               geometry)
            objects[int(key)] = {**obj, **{k: v for k, v in fields.items() if k not in obj}}
            return
        current = objects.get(key) if isinstance(key, int) else None
        if current is None:
            raise EditError(f"no object {key!r} in task {op.get('task')!r} (deleted, or never there)")
        if not isinstance(current, dict):
            raise EditError(f"object {key!r} is not a JSON object; it cannot be edited")
        if kind == "set_box":
            objects[key] = with_box(current, geometry)
        elif kind == "set_points":
            points: Any = op.get("points")
            objects[key] = with_points(current, points)
        elif kind == "relabel":
            label = str(op.get("label") or "")
            if not label:
                raise EditError("relabel needs a label")
            name = "class" if "class" in current and "label" not in current else "label"
            objects[key] = {**current, name: label}
        elif kind == "delete":
            objects[key] = None

    def copy(self) -> EditModel:
        return copy.deepcopy(self)
