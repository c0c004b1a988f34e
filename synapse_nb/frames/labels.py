"""Annotation labels in frames: which rows hold an object with a given label.

The v1 task, assignment and ground-truth endpoints have no label filter, so
``tasks_frame(client, label="car")`` (and the assignment and ground-truth frames) fetch the
rows the other filters select and keep those whose annotation payload (``data``) has an
object labelled so, here, on the client. The frame says so in
``df.attrs["label_filter"]``. The browsers' label filter uses the same :func:`label_mask`.

Example:
    >>> import pandas as pd
    >>> data = pd.Series(['{"annotations": [{"label": "car"}]}', None, '{"annotations": []}'])
    >>> label_mask(data, {"car"}).tolist()
    [True, False, False]
"""

from __future__ import annotations

import json
from typing import Any, Iterable

import numpy as np
import orjson
import pandas as pd

__all__ = ["annotations_of", "row_labels", "label_mask", "take_label", "keep_label",
           "CLIENT_SIDE_NOTE"]

CLIENT_SIDE_NOTE = ("client-side: the server has no label filter, so the rows were fetched "
                    "and kept when their annotation payload has the label")


def annotations_of(data: Any) -> list[Any]:
    """The ``annotations`` list of a payload (dict or JSON text); [] when there is none."""
    if isinstance(data, str):
        try:
            data = orjson.loads(data)
        except orjson.JSONDecodeError:
            return []
    anns = data.get("annotations") if isinstance(data, dict) else None
    return anns if isinstance(anns, list) else []


def row_labels(data: Any) -> set[str]:
    """The labels of the annotation objects in one ``data`` value (dict or JSON text).

    >>> sorted(row_labels('{"annotations": [{"label": "car"}, {"class": "person"}]}'))
    ['car', 'person']
    """
    out: set[str] = set()
    for ann in annotations_of(data):
        if isinstance(ann, dict):
            label = ann.get("label", ann.get("class"))
            if label is not None:
                out.add(str(label))
    return out


def label_mask(data: pd.Series, wanted: Iterable[str], within: np.ndarray | None = None) -> np.ndarray:
    """Rows of ``data`` (among ``within``) with an annotation labelled one of ``wanted``.

    On JSON text, a substring search for the quoted label picks the candidates first
    (vectorised), and only those are parsed: on a million rows the cost follows the rows
    that can match, not the column's length.
    """
    wanted = {str(w) for w in wanted}
    candidates = np.zeros(len(data), dtype=bool)
    # Quoted as in the JSON text, whether non-ASCII was written raw or \\u-escaped.
    needles = {json.dumps(label, ensure_ascii=e) for label in wanted for e in (True, False)}
    is_text = data.dtype != object or pd.api.types.infer_dtype(data, skipna=True) == "string"
    if is_text:
        for needle in needles:
            found = data.str.contains(needle, regex=False)
            candidates |= found.to_numpy(dtype=bool, na_value=False)
    else:  # dicts (or a mix) in an object column: check every row
        candidates[:] = True
    if within is not None:
        candidates &= within
    positions = np.flatnonzero(candidates)
    out = np.zeros(len(data), dtype=bool)
    values = data.iloc[positions].tolist()
    out[positions] = [bool(row_labels(v) & wanted) for v in values]
    return out


def take_label(kind: str, filters: dict[str, Any]) -> Any:
    """Pop ``label`` from a frame function's filters when the server has no label filter
    for ``kind`` (None when absent); refuses a ``fields=`` that leaves out the payloads
    the label is read from."""
    from .schema import RESOURCES

    if kind in RESOURCES and "label" in RESOURCES[kind].filters:
        return None  # the server filters
    label = filters.pop("label", None)
    fields = filters.get("fields")
    if label is not None and fields is not None and "data" not in str(fields).split(","):
        raise ValueError("label= reads the annotation payloads (the 'data' column): add "
                         f"'data' to fields={fields!r}, or drop fields=")
    return label


def keep_label(frame: pd.DataFrame, label: str | Iterable[str]) -> pd.DataFrame:
    """The rows of ``frame`` with an annotation labelled ``label`` (or any of several)."""
    labels = [label] if isinstance(label, str) else [str(x) for x in label]
    out = frame[label_mask(frame["data"], labels)] if "data" in frame.columns else frame.iloc[:0]
    out.attrs = {**frame.attrs, "label_filter": f"{', '.join(labels)} ({CLIENT_SIDE_NOTE})"}
    return out
