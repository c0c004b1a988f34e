"""The worst images of an evaluation in a RecordBrowser: ground truth solid, predictions dashed.

Each row is one image (``data_unit``) with its TP / FP / FN counts; the detail pane draws
the image with both sets of shapes (predictions dashed, with their confidence in the
tooltip; a legend says which is which), through the widgets' overlay.

With a client the image can be fixed in place (the browsers' edit mode, see
:mod:`synapse_nb.widgets.editing`): the image's task opens in the editor with its objects
(the ground truth) editable and the predictions drawn dashed beside them. Select a
prediction and Accept: it becomes an annotation of the task; Delete a ground-truth box to
reject it; drag or relabel one to fix it; then Save. The task of an image is
``tasks[data_unit]`` when given, else the one task the server has for that data unit
(in ``project`` when given).

Example:
    >>> browser = evaluation.browse(client=client, images=20)      # doctest: +SKIP
    >>> browser.look(browser.frame.index[0]); browser.edit()       # doctest: +SKIP
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson
import pandas as pd

from .shapes import ShapeTable

if TYPE_CHECKING:
    from .detection import Evaluation

__all__ = ["evaluation_browser", "overlay_payload"]


def _objects(table: ShapeTable, rows: np.ndarray, *, prediction: bool) -> list[dict[str, Any]]:
    out = []
    for i in rows:
        obj: dict[str, Any] = {"label": str(table.labels[i])}
        poly = table.polygons[i]
        if poly is not None:
            obj.update(type="polygon", points=[[poly[k], poly[k + 1]] for k in range(0, len(poly), 2)])
        else:
            obj.update(type="bbox", coordinates=[float(v) for v in table.boxes[i]])
        if prediction:
            obj.update(style="dashed", confidence=round(float(table.scores[i]), 3))
        out.append(obj)
    return out


def overlay_payload(gt: ShapeTable, dt: ShapeTable, image: Any) -> str:
    """The annotation payload (JSON text) of one image: its objects, then its predictions."""
    anns = (_objects(gt, np.flatnonzero(gt.images == image), prediction=False)
            + _objects(dt, np.flatnonzero(dt.images == image), prediction=True))
    return orjson.dumps({"annotations": anns}).decode()


@functools.cache
def _browser_class() -> Any:
    """The class, made once on first use (importing the widgets only when browsing)."""
    from synapse_nb.widgets import RecordBrowser

    class EvaluationBrowser(RecordBrowser):  # built on first use: importing widgets costs time
        """The worst images; edit mode opens each image's task with the predictions beside."""

        def __init__(self, frame: pd.DataFrame, *, dt: ShapeTable,
                     tasks: Mapping[Any, Any] | None, project: int | None, **options: Any) -> None:
            self._dt = dt
            self._tasks = dict(tasks or {})
            self._project = project
            super().__init__(frame, **options)

        def task_of_row(self, row: pd.Series) -> Any:
            unit = row.name
            if unit not in self._tasks:
                if self.client is None:
                    return None
                params: dict[str, Any] = {"data_unit": unit}
                if self._project is not None:
                    params["project"] = self._project
                found = self.client.list_tasks(params)["results"]
                if len(found) != 1:
                    raise ValueError(
                        f"data unit {unit} has {len(found)} tasks on the server; say which one: "
                        f"evaluation.browse(client=client, tasks={{{unit}: task_id}}) or project=...")
                self._tasks[unit] = int(found[0]["id"])
            return self._tasks[unit]

        def extra_shapes(self, row: pd.Series) -> list[dict[str, Any]]:
            out = []
            for obj in _objects(self._dt, np.flatnonzero(self._dt.images == row.name), prediction=True):
                points = obj.get("points") or []
                if obj["type"] == "bbox":
                    box = obj["coordinates"]
                else:
                    xs, ys = [p[0] for p in points], [p[1] for p in points]
                    box = [min(xs), min(ys), max(xs), max(ys)]
                out.append({"kind": obj["type"], "label": obj["label"], "box": box, "points": points,
                            "role": "prediction", "confidence": obj.get("confidence")})
            return out

    return EvaluationBrowser


def evaluation_browser(evaluation: Evaluation, gt: ShapeTable, dt: ShapeTable, *,
                       client: Any = None, limit: int = 50,
                       image_urls: Mapping[Any, str] | None = None,
                       tasks: Mapping[Any, Any] | None = None, project: int | None = None,
                       **browser_options: Any) -> Any:
    """A browser over the ``limit`` images with the most errors (FP + FN), editable with a
    client (``tasks``: data unit -> task, when a unit has several)."""
    worst = evaluation.images.head(limit).copy()
    urls = dict(image_urls or {})
    worst["primary_file_url"] = [urls.get(k) for k in worst.index]
    worst["data"] = [overlay_payload(gt, dt, k) for k in worst.index]
    worst.index.name = "data_unit"
    browser_options.setdefault("title", "Worst images (ground truth solid, predictions dashed)")
    browser_options.setdefault("columns", ["data_unit", "errors", "FP", "FN", "TP",
                                           "ground_truth", "predictions"])
    return _browser_class()(pd.DataFrame(worst), dt=dt, tasks=tasks, project=project,
                            client=client, **browser_options)
