"""The worst images of an evaluation in a RecordBrowser: ground truth solid, predictions dashed.

Each row is one image (``data_unit``) with its TP / FP / FN counts; the detail pane draws
the image with both sets of shapes (predictions dashed, with their confidence in the
tooltip), through the widgets' overlay.

Example:
    >>> browser = evaluation.browse(client=client, images=20)      # doctest: +SKIP
"""

from __future__ import annotations

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


def evaluation_browser(evaluation: Evaluation, gt: ShapeTable, dt: ShapeTable, *,
                       client: Any = None, limit: int = 50,
                       image_urls: Mapping[Any, str] | None = None,
                       **browser_options: Any) -> Any:
    """RecordBrowser over the ``limit`` images with the most errors (FP + FN)."""
    from synapse_nb.widgets import RecordBrowser

    worst = evaluation.images.head(limit).copy()
    urls = dict(image_urls or {})
    worst["primary_file_url"] = [urls.get(k) for k in worst.index]
    worst["data"] = [overlay_payload(gt, dt, k) for k in worst.index]
    worst.index.name = "data_unit"
    browser_options.setdefault("title", "Worst images (ground truth solid, predictions dashed)")
    browser_options.setdefault("columns", ["data_unit", "errors", "FP", "FN", "TP",
                                           "ground_truth", "predictions"])
    return RecordBrowser(pd.DataFrame(worst), client=client, **browser_options)
