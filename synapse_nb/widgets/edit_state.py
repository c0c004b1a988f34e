"""What the view's editor draws: the open task's image (scaled for the page, coordinates
kept in image pixels), its objects, the extra shapes (predictions, suspects), the
project's labels and their colours, and the counts of pending edits and conflicts."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from synapse_nb.frames.computed import _primary_file_url

from .overlay import LabelPalette, embeddable, image_info, shapes_of

if TYPE_CHECKING:
    import pandas as pd

    from .detail import DetailRenderer
    from .edits import EditModel, TaskBase
    from .query import FrameQuery
    from .table import PagedTable

__all__ = ["EDITOR_IMAGE_PX", "EditorState"]

EDITOR_IMAGE_PX = 1600  # the editor's image is scaled to this; coordinates stay image pixels


def _labels(data: Any) -> list[str]:
    anns = data.get("annotations", []) if isinstance(data, dict) else []
    return [str(a.get("label", a.get("class", "?"))) if isinstance(a, dict) else "?" for a in anns]


def _conflict_summary(conflict: dict[str, Any]) -> dict[str, Any]:
    """Both versions of a task that changed on the server, as the view lists them."""
    yours, theirs = _labels(conflict["yours"]), _labels(conflict["theirs"])
    return {"task": conflict["task"], "yours": len(yours), "theirs": len(theirs),
            "yours_labels": yours[:30], "theirs_labels": theirs[:30]}


class EditorState:
    """``editor_state()`` (mixed into the browsers through ``EditingMixin``)."""

    client: Any
    query: FrameQuery
    table: PagedTable
    renderer: DetailRenderer
    edit_model: EditModel
    editing: Any
    _conflicts: dict[Any, dict[str, Any]]
    _editor_images: dict[Any, tuple[str, int, int]]
    _project_labels: dict[Any, list[str]]
    _restorable: list[TaskBase]

    def task_of_row(self, row: pd.Series) -> Any:
        raise NotImplementedError

    def extra_shapes(self, row: pd.Series) -> list[dict[str, Any]]:
        raise NotImplementedError

    def _editor_extras(self) -> list[dict[str, Any]]:
        if self.table.current is None:
            return []
        row = self.query.frame.iloc[self.table.current]
        if self.task_of_row(row) != self.editing:
            return []
        return self.extra_shapes(row)

    def _editor_image(self, task: Any) -> tuple[str, int, int]:
        if task in self._editor_images:
            return self._editor_images[task]
        url = None
        if self.table.current is not None:
            url = self.query.frame.iloc[self.table.current].get("primary_file_url")
        if not isinstance(url, str) or not url:
            record = self.client.get_task(task, params={"expand": "data_unit"})
            url = _primary_file_url(record)
        uri, width, height = "", 0, 0
        if isinstance(url, str) and url:
            data, _why = self.renderer.image_bytes(url)
            if data is not None:
                mime, (width, height) = image_info(data)
                shown, shown_mime = embeddable(data, mime, (width, height), EDITOR_IMAGE_PX)
                uri = f"data:{shown_mime};base64,{base64.b64encode(shown).decode('ascii')}"
        self._editor_images[task] = (uri, width, height)
        return uri, width, height

    def editor_state(self) -> dict[str, Any]:
        """What the view's editor draws (also what tests read without a browser)."""
        model = self.edit_model
        # each task replayed once (len(model.frame) and pending_tasks() replayed all twice,
        # and built a frame, on every drag and key)
        changes = [model.changes(t) for t in model.tasks]
        state: dict[str, Any] = {
            "task": None, "pending": sum(map(len, changes)), "tasks": sum(1 for c in changes if c),
            "can_undo": model.can_undo, "can_redo": model.can_redo,
            "conflicts": [_conflict_summary(c) for c in self._conflicts.values()],
            "restore": len(self._restorable), "editable": self.client is not None}
        task = self.editing
        if task is None or task not in model.tasks:
            return state
        palette: LabelPalette = self.renderer.palette
        objects: list[dict[str, Any]] = []
        for key, obj in model.objects(task).items():
            shapes, _ = shapes_of({"annotations": [obj]})
            for s in shapes:
                objects.append({"key": key, "kind": s.kind, "label": s.label, "box": list(s.box or ()),
                                "points": [list(p) for p in s.points], "color": palette.color(s.label)})
        extras = [{**e, "id": i, "color": palette.color(e["label"])} for i, e in enumerate(self._editor_extras())]
        labels = list(self._project_labels.get(task, []))
        for name in [o["label"] for o in objects] + [e["label"] for e in extras]:
            if name not in labels:
                labels.append(name)
        uri, width, height = self._editor_image(task)
        if not width:
            width = int(max([o["box"][2] for o in objects if o["box"]] or [100])) + 10
            height = int(max([o["box"][3] for o in objects if o["box"]] or [100])) + 10
        state.update(task=task, image=uri, width=width, height=height, objects=objects,
                     extras=extras, labels=labels,
                     colors={name: palette.color(name) for name in labels})
        return state
