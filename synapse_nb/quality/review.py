"""The review queue's frames for a :class:`~synapse_nb.quality.LabelIssues`: pure functions.

The fix-in-place browser (``synapse_nb.widgets.review.ReviewQueue``) takes ``items`` (a
column named by its key, ``task`` or ``data_unit``) and ``overlays`` (``key, label, x1, y1,
x2, y2, role``; role ``suspect`` or ``prediction``). These build them from the issues found.

>>> import pandas as pd
>>> from synapse_nb.quality import label_issues
>>> gt = pd.DataFrame({"data_unit": [1, 2], "label": ["car", "car"],
...                    "x1": [0, 100], "y1": [0, 100], "x2": [50, 150], "y2": [50, 150]})
>>> pred = pd.DataFrame({"data_unit": [1, 1, 2], "label": ["car", "car", "person"],
...                      "x1": [2, 250, 100], "y1": [2, 200, 100], "x2": [50, 260, 150],
...                      "y2": [50, 210, 150], "confidence": [0.99, 0.3, 0.99]})
>>> review_overlays(label_issues(pred, gt))[["data_unit", "label", "role"]].values.tolist()
[[2, 'car', 'suspect'], [2, 'person', 'prediction']]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from .detection import LabelIssues

__all__ = ["review_items", "review_overlays"]


def _key_values(units: pd.Series, key: str, task_of: Any) -> pd.Series:
    if key == "data_unit":
        return units
    if key != "task":
        raise ValueError(f'key must be "data_unit" or "task", got {key!r}')
    if task_of is None:
        raise ValueError('key="task" needs task_of=: a mapping (or Series) data unit -> task id')
    mapped = units.map(task_of)
    if mapped.isna().any():
        missing = units[mapped.isna()].head(3).tolist()
        raise ValueError(f"task_of has no task for data unit(s) {missing}")
    return mapped.astype("int64")


def review_items(found: "LabelIssues", *, key: str = "data_unit", task_of: Any = None
                 ) -> pd.DataFrame:
    """The review queue's items: one row per flagged image, worst first.

    Columns: ``key`` (data unit or task), ``data_unit``, ``quality``, ``reason`` (the
    kinds found, e.g. ``"swap: car as truck; overlooked: person"``).
    """
    flagged = found.images[found.images["issue"]]
    units = pd.Series(flagged.index, name="data_unit")
    boxes = found.boxes[found.boxes["kind"] != "ok"]
    reasons = {}
    for unit, part in boxes.groupby("data_unit", sort=False):
        words = []
        for row in part.itertuples():
            if row.kind == "swap":
                words.append(f"swap: {row.label} (model: {row.pred_label})")
            else:
                words.append(f"{row.kind}: {row.label}")
        reasons[unit] = "; ".join(words)
    out = pd.DataFrame({key: _key_values(units, key, task_of).to_numpy()})
    if key != "data_unit":
        out["data_unit"] = units.to_numpy()
    out["quality"] = flagged["quality"].to_numpy()
    out["reason"] = [reasons.get(u, "low image score") for u in units]
    return out


def review_overlays(found: "LabelIssues", *, key: str = "data_unit", task_of: Any = None
                    ) -> pd.DataFrame:
    """Boxes to draw on the flagged images: the suspect ground truth and the predictions.

    Columns ``key, label, x1, y1, x2, y2, role`` (role ``suspect`` or ``prediction``) plus
    ``kind``: a swapped or badly located box is a ``suspect`` row followed by the
    prediction it was judged by; an overlooked object is a ``prediction`` row.
    """
    flagged = set(found.images.index[found.images["issue"]])
    b = found.boxes
    b = b[(b["kind"] != "ok") & b["data_unit"].isin(flagged)]
    rows: list[tuple[Any, ...]] = []
    for r in b.itertuples():
        if r.kind != "overlooked":
            rows.append((r.data_unit, r.label, r.x1, r.y1, r.x2, r.y2, "suspect", r.kind))
        if r.kind == "overlooked":
            rows.append((r.data_unit, r.label, r.x1, r.y1, r.x2, r.y2, "prediction", r.kind))
        elif isinstance(r.pred_label, str):
            rows.append((r.data_unit, r.pred_label, r.pred_x1, r.pred_y1, r.pred_x2, r.pred_y2,
                         "prediction", r.kind))
    out = pd.DataFrame(rows, columns=["data_unit", "label", "x1", "y1", "x2", "y2", "role",
                                      "kind"])
    out = out.astype({c: "float64" for c in ("x1", "y1", "x2", "y2")})
    if key != "data_unit":
        out.insert(0, key, _key_values(out["data_unit"], key, task_of).to_numpy()
                   if len(out) else np.zeros(0, dtype=np.int64))
    return out[[key, "label", "x1", "y1", "x2", "y2", "role", "kind"]]
