"""One check for geometry and scores that cross in from a file, a frame or a server.

Each function returns the reason a value is unusable, in words a user can act on, or None
when it is fine. Callers put the reason in their plan, one per row, and go on with the
other rows: a bad box never aborts a run, and is never silently written as something else.

- :func:`box_problem`: corners ``x1 y1 x2 y2`` must be real, finite numbers with
  ``x1 < x2`` and ``y1 < y2``; inside ``[0, width] x [0, height]`` when the image size is known.
- :func:`score_problem`: a confidence must be a real number in ``[0, 1]`` (``True`` is refused:
  a bool is not a score).

>>> box_problem(0, 0, 10, 5) is None
True
>>> box_problem(0, float("nan"), 10, 5)
'y1 is NaN'
>>> box_problem(10, 0, 2, 5)
'x2 (2) is not greater than x1 (10): an empty or inverted box'
>>> box_problem(0, 0, 330, 5, width=320, height=240)
'x2 (330) lies outside the image (0..320)'
>>> score_problem(0.5) is None, score_problem(7.0), score_problem(True)
(True, 'confidence 7.0 is outside [0, 1]', 'confidence True is a bool, not a number')
"""

from __future__ import annotations

import math
import numbers
from typing import Any

__all__ = ["box_problem", "number_problem", "score_problem"]


def number_problem(name: str, value: Any) -> str | None:
    """Why ``value`` is not a real, finite number (None when it is).

    >>> number_problem("x1", "3"), number_problem("x1", float("inf")), number_problem("x1", 3)
    ("x1 is '3', not a number", 'x1 is inf', None)
    """
    if _is_bool(value):
        return f"{name} is {bool(value)}, a bool, not a number"
    if not isinstance(value, numbers.Real):
        if value is None or value.__class__.__name__ == "NAType":
            return f"{name} is missing"
        return f"{name} is {value!r}, not a number"
    number = float(value)
    if math.isnan(number):
        return f"{name} is NaN"
    if math.isinf(number):
        return f"{name} is {number}"
    return None


def _is_bool(value: Any) -> bool:
    # numpy's bool_ is no subclass of bool, and is no number either
    return isinstance(value, bool) or type(value).__name__ in ("bool", "bool_")


def _fmt(value: float) -> str:
    return f"{value:g}"


def box_problem(x1: Any, y1: Any, x2: Any, y2: Any, *, width: float | None = None,
                height: float | None = None) -> str | None:
    """Why the box with corners ``(x1, y1)``, ``(x2, y2)`` cannot be used, or None.

    Parameters
    ----------
    x1, y1, x2, y2 : number
        The corners, in pixels (``x1 < x2``, ``y1 < y2``).
    width, height : float, optional
        The image's size; when given, every corner must lie inside it.

    Examples
    --------
    >>> box_problem(5, 5, 5, 9)
    'x2 (5) is not greater than x1 (5): an empty or inverted box'
    >>> box_problem(-1, 0, 4, 4, width=10, height=10)
    'x1 (-1) lies outside the image (0..10)'
    """
    for name, value in (("x1", x1), ("y1", y1), ("x2", x2), ("y2", y2)):
        problem = number_problem(name, value)
        if problem:
            return problem
    a, b, c, d = float(x1), float(y1), float(x2), float(y2)
    if c <= a:
        return f"x2 ({_fmt(c)}) is not greater than x1 ({_fmt(a)}): an empty or inverted box"
    if d <= b:
        return f"y2 ({_fmt(d)}) is not greater than y1 ({_fmt(b)}): an empty or inverted box"
    for name, value, size in (("x1", a, width), ("x2", c, width), ("y1", b, height),
                              ("y2", d, height)):
        if size is not None and not 0 <= value <= size:
            return f"{name} ({_fmt(value)}) lies outside the image (0..{_fmt(size)})"
    return None


def score_problem(value: Any) -> str | None:
    """Why ``value`` is not a confidence: a real number in ``[0, 1]``, or None when it is.

    Examples
    --------
    >>> score_problem(-2), score_problem(float("nan")), score_problem(1)
    ('confidence -2 is outside [0, 1]', 'confidence is NaN', None)
    """
    if _is_bool(value):
        return f"confidence {bool(value)} is a bool, not a number"
    problem = number_problem("confidence", value)
    if problem:
        return problem
    if not 0 <= float(value) <= 1:
        return f"confidence {value} is outside [0, 1]"
    return None
