"""Detections and ground truth as plain arrays: the one input format of the ML functions.

Every evaluation function takes "annotations frames or frames with the same columns":
``data_unit`` (the image key; ``image_id`` or ``image`` also accepted), ``label``,
``x1 y1 x2 y2`` (a box) or ``points`` (a polygon, ``[[x, y], ...]``) and, for predictions,
``confidence`` (``score`` also accepted). :func:`shape_table` reads such a frame into a
:class:`ShapeTable` of numpy arrays once; everything else works on those.

Example:
    >>> import pandas as pd
    >>> t = shape_table(pd.DataFrame({"data_unit": [7, 7], "label": ["car", "person"],
    ...                               "x1": [0, 5], "y1": [0, 5], "x2": [10, 9], "y2": [4, 9]}),
    ...                 role="ground truth")
    >>> t.boxes.tolist()
    [[0.0, 0.0, 10.0, 4.0], [5.0, 5.0, 9.0, 9.0]]
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["IMAGE_KEYS", "ShapeTable", "shape_table"]

IMAGE_KEYS = ("data_unit", "image_id", "image")
_SCORE_KEYS = ("confidence", "score")


@dataclass
class ShapeTable:
    """One row per shape: the frame's row labels, image keys, labels, boxes, polygons, scores.

    ``row_ids`` are the input frame's index values (so results point back at its rows);
    ``polygons`` holds a flat ``[x1, y1, x2, y2, ...]`` list per row, or None for boxes.
    """

    row_ids: np.ndarray
    images: np.ndarray
    labels: np.ndarray
    boxes: np.ndarray
    polygons: list[list[float] | None]
    scores: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def has_polygons(self) -> bool:
        return any(p is not None for p in self.polygons)


def _image_column(frame: pd.DataFrame, role: str) -> str:
    for key in IMAGE_KEYS:
        if key in frame.columns:
            return key
    raise ValueError(f"the {role} frame needs an image key column: one of {', '.join(IMAGE_KEYS)} "
                     f"(its columns are {', '.join(map(str, frame.columns[:12]))})")


def missing(value: Any) -> bool:
    """True for None, NaN (of any float type, numpy's too) and pandas' NA: a cell a frame
    leaves empty. A list or an array is never missing, nor is a bool or an int.

    >>> missing(None), missing(float("nan")), missing(np.float32("nan")), missing(pd.NA)
    (True, True, True, True)
    >>> missing(0.0), missing(False), missing([]), missing("")
    (False, False, False, False)
    """
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float):  # the usual cell (numpy's float64 is one): no ABC check
        return math.isnan(value)
    # numpy's float32 is no Python float, but holds NaN all the same; an int never does
    # (and a very large one would not even convert to a float)
    return (isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral)
            and math.isnan(value))


def _flat(points: Any) -> list[float] | None:
    if missing(points):
        return None
    flat = [float(v) for p in points for v in (p[0], p[1])]
    return flat if len(flat) >= 6 else None


def shape_table(frame: pd.DataFrame, *, role: str, scores: bool = False,
                drop: Sequence[str] = ("classification",)) -> ShapeTable:
    """Read an annotations-like frame (see the module docstring).

    Rows whose ``type`` is in ``drop`` are left out (classifications have no geometry).
    Raises ValueError naming the missing column or the number of rows without geometry.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"the {role} must be a DataFrame (an annotations frame or one with "
                        f"the same columns), not {type(frame).__name__}")
    if "type" in frame.columns and len(frame):
        frame = frame[~frame["type"].astype("string").isin(list(drop)).fillna(False).to_numpy()]
    image_col = _image_column(frame, role)
    if "label" not in frame.columns:
        raise ValueError(f"the {role} frame needs a 'label' column")
    has_box = all(c in frame.columns for c in ("x1", "y1", "x2", "y2"))
    if not has_box and "points" not in frame.columns:
        raise ValueError(f"the {role} frame needs box columns x1 y1 x2 y2 or a 'points' column")
    n = len(frame)
    polygons: list[list[float] | None] = ([_flat(p) for p in frame["points"]]
                                          if "points" in frame.columns else [None] * n)
    if has_box:
        boxes = frame[["x1", "y1", "x2", "y2"]].to_numpy(dtype=float, na_value=np.nan)
    else:
        boxes = np.full((n, 4), np.nan)
    for i, poly in enumerate(polygons):  # boxes of polygons given only as points
        if poly is not None and np.isnan(boxes[i]).any():
            xs, ys = poly[0::2], poly[1::2]
            boxes[i] = (min(xs), min(ys), max(xs), max(ys))
    missing = int(np.isnan(boxes).any(axis=1).sum())
    if missing:
        raise ValueError(f"{missing} {role} row(s) have neither a box nor points: drop them "
                         "first (for example df.dropna(subset=['x1']))")
    labels = frame["label"].astype("string").fillna("(no label)").to_numpy(dtype=object)
    score = np.ones(n)
    if scores:
        col = next((c for c in _SCORE_KEYS if c in frame.columns), None)
        if col is None:
            raise ValueError(f"the {role} frame needs a 'confidence' (or 'score') column")
        score = frame[col].to_numpy(dtype=float, na_value=np.nan)
        if np.isnan(score).any():
            raise ValueError(f"{int(np.isnan(score).sum())} {role} row(s) have no confidence")
    return ShapeTable(row_ids=frame.index.to_numpy(), images=frame[image_col].to_numpy(),
                      labels=labels, boxes=boxes, polygons=polygons, scores=score)
