"""The one check of a shape's geometry and score, with a reason (see :func:`check_shape`).

Annotations that come in from a file (``import_annotations``) or from a model
(``upload_predictions``) are checked here, once, before they are planned: a row that
fails keeps its reason in the plan instead of being written as some other shape.

>>> check_shape((10, 10, 5, 30), size=(320, 240))
'inverted box: x2 (5) < x1 (10), width -5; refused rather than flipped into another box'
>>> check_shape((0, 0, 4, 5), score=0.9, size=(320, 240)) is None
True
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Sequence

__all__ = ["check_shape", "check_score"]


def _number(value: Any, what: str) -> tuple[float | None, str | None]:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None, f"{what} is {value!r}, not a number"
    v = float(value)
    if math.isnan(v):
        return None, f"{what} is NaN"
    if math.isinf(v):
        return None, f"{what} is {'-' if v < 0 else ''}inf"
    return v, None


def check_score(score: Any) -> str | None:
    """Why ``score`` is not a confidence (None: it is one, or there is none).

    A confidence is a real number in [0, 1]: not a bool, not NaN, not 7.0.

    >>> check_score(0.5), check_score(None), check_score(True), check_score(7.0)
    (None, None, 'score is True, not a number', 'score 7.0 is outside [0, 1]')
    """
    if score is None:
        return None
    v, why = _number(score, "score")
    if why is not None or v is None:
        return why
    return None if 0.0 <= v <= 1.0 else f"score {score!r} is outside [0, 1]"


def check_shape(box: Sequence[Any] | None = None, *, points: Sequence[Sequence[Any]] | None = None,
                score: Any = None, size: tuple[float, float] | None = None,
                tolerance: float = 0.01) -> str | None:
    """Why a shape cannot be written as it stands (None: it can).

    Parameters
    ----------
    box : (x1, y1, x2, y2), optional
        Corners in pixels as given (not normalised: an inverted box is refused, never
        turned into another box).
    points : sequence of (x, y), optional
        A polygon's or a line's points, in pixels.
    score : float, optional
        A confidence; see :func:`check_score`.
    size : (width, height), optional
        The image's size: with it, a coordinate outside ``[0, width] x [0, height]`` (by
        more than ``tolerance`` px) is refused.

    Returns
    -------
    str or None
        The first problem found, in words a user can act on.

    Examples
    --------
    >>> check_shape((float("nan"), 0, 4, 5))
    'x1 is NaN'
    >>> check_shape((-5, 0, 330, 20), size=(320, 240))
    'box (-5, 0, 330, 20) is outside the 320x240 image'
    >>> check_shape(points=[(0, 0), (4, 0), (4, float("inf"))])
    'point 3 y is inf'
    """
    if box is not None:
        if len(box) != 4:
            return f"a box has 4 coordinates (x1, y1, x2, y2), got {len(box)}"
        values = []
        for name, raw in zip(("x1", "y1", "x2", "y2"), box):
            v, why = _number(raw, name)
            if why is not None or v is None:
                return why
            values.append(v)
        x1, y1, x2, y2 = values
        for lo, hi, axis, extent in ((x1, x2, "x", "width"), (y1, y2, "y", "height")):
            if hi < lo:
                return (f"inverted box: {axis}2 ({_fmt(hi)}) < {axis}1 ({_fmt(lo)}), {extent} "
                        f"{_fmt(hi - lo)}; refused rather than flipped into another box")
        if size is not None and _outside(values, size, tolerance):
            return f"box ({', '.join(_fmt(v) for v in box)}) is outside the {_size(size)} image"
    if points is not None:
        for i, point in enumerate(points, start=1):
            if len(point) != 2:
                return f"point {i} has {len(point)} values, not (x, y)"
            xy = []
            for axis, raw in zip("xy", point):
                v, why = _number(raw, f"point {i} {axis}")
                if why is not None or v is None:
                    return why
                xy.append(v)
            if size is not None and _outside([xy[0], xy[1], xy[0], xy[1]], size, tolerance):
                return f"point {i} ({_fmt(xy[0])}, {_fmt(xy[1])}) is outside the {_size(size)} image"
    return check_score(score)


def _outside(box: list[float], size: tuple[float, float], tol: float) -> bool:
    w, h = size
    return min(box[0], box[2]) < -tol or min(box[1], box[3]) < -tol or \
        max(box[0], box[2]) > w + tol or max(box[1], box[3]) > h + tol


def _fmt(v: Any) -> str:
    if isinstance(v, numbers.Real) and math.isfinite(float(v)) and float(v).is_integer():
        return str(int(float(v)))
    return str(v)


def _size(size: tuple[float, float]) -> str:
    return f"{_fmt(size[0])}x{_fmt(size[1])}"
