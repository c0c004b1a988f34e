"""Flatten a JSON-text column (``meta``, ``data``, ``configuration``, ...) into dotted columns.

Frames keep free-form objects whole, as JSON text, so that their columns are the same for
every project. When one project's ``meta`` has a known shape, :func:`expand_json` turns it
into ``meta.<key>`` columns (nested objects into ``meta.<key>.<sub>`` down to ``depth``).

Example:
    >>> import pandas as pd
    >>> df = pd.DataFrame({"meta": ['{"a": 1, "b": {"c": 2}}', None]})
    >>> list(expand_json(df, "meta", depth=2).columns)
    ['meta', 'meta.a', 'meta.b.c']
"""

from __future__ import annotations

from typing import Any

import orjson
import pandas as pd

__all__ = ["expand_json"]


def _flatten(obj: Any, prefix: str, depth: int, out: dict[str, Any]) -> None:
    if isinstance(obj, dict) and depth > 0:
        for key, value in obj.items():
            _flatten(value, f"{prefix}.{key}", depth - 1, out)
    else:
        out[prefix] = obj


def expand_json(df: pd.DataFrame, column: str, *, depth: int = 1, drop: bool = False) -> pd.DataFrame:
    """A copy of ``df`` with ``column`` (JSON text) flattened into dotted columns.

    ``depth`` is how many object levels become column names (1: ``meta.a``; 2:
    ``meta.b.c``); deeper objects and lists stay as Python values. ``drop`` removes the
    JSON column itself.
    """
    if column not in df.columns:
        raise KeyError(f"no column {column!r}; JSON columns of this frame: "
                       f"{[c for c in df.columns if df[c].dtype == object or str(df[c].dtype) == 'str']}")
    if depth < 1:
        raise ValueError(f"depth must be at least 1, got {depth}")
    rows = []
    for text in df[column].tolist():
        flat: dict[str, Any] = {}
        if isinstance(text, str) and text:
            _flatten(orjson.loads(text), column, depth, flat)
        rows.append(flat)
    wide = pd.DataFrame(rows, index=df.index)
    base = df.drop(columns=[column]) if drop else df
    return pd.concat([base, wide.drop(columns=[c for c in wide.columns if c == column])], axis=1)
