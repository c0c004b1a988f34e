"""A snapshot's manifest: what is in it, and one hash that pins it.

``hash`` is the SHA-256 of the records in data-unit order: each image's unit, declared
file checksum, export name and split, then its annotations (label, type, box, points,
rounded to 1e-4 px). Names, times and where the records were fetched from are not part of
it, so the same inputs give the same hash on any machine, on any day.

>>> records = pd.DataFrame({"data_unit": [2, 1], "checksum": ["b", "a"],
...                         "file_name": ["y.png", "x.png"], "split": ["val", "train"]})
>>> ann = pd.DataFrame({"data_unit": [1], "source_id": [5], "index": [0], "label": ["cat"],
...                     "type": ["bbox"], "x1": [0.0], "y1": [0.0], "x2": [4.0],
...                     "y2": [5.0], "points": [None]})
>>> records_hash(records, ann) == records_hash(records.iloc[::-1], ann)
True
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import orjson
import pandas as pd

__all__ = ["records_hash", "build_manifest", "annotation_groups"]


def _round(value: Any) -> float | None:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return round(float(value), 4)


def annotation_groups(ann: pd.DataFrame) -> dict[int, np.ndarray]:
    """``{data_unit: row positions}`` of an annotations frame, rows in (source, index) order."""
    if ann.empty:
        return {}
    order = np.lexsort((ann["index"].to_numpy(dtype="int64", na_value=0),
                        ann["source_id"].to_numpy(dtype="int64", na_value=0),
                        ann["data_unit"].to_numpy(dtype="int64", na_value=-1)))
    units = ann["data_unit"].to_numpy(dtype="int64", na_value=-1)[order]
    cuts = np.flatnonzero(np.diff(units)) + 1
    return {int(chunk_units[0]): chunk for chunk, chunk_units in
            zip(np.split(order, cuts), np.split(units, cuts)) if len(chunk)}


def records_hash(records: pd.DataFrame, ann: pd.DataFrame) -> str:
    """SHA-256 over records and annotations (see the module docstring)."""
    digest = hashlib.sha256()
    groups = annotation_groups(ann)
    cols = {c: ann[c].tolist() for c in ("label", "type", "x1", "y1", "x2", "y2", "points")
            if c in ann.columns}
    ordered = records.sort_values("data_unit", kind="stable")
    for unit, checksum, name, split in zip(ordered["data_unit"].tolist(),
                                           ordered["checksum"].tolist(),
                                           ordered["file_name"].tolist(),
                                           ordered["split"].tolist()):
        shapes = []
        for pos in groups.get(int(unit), ()):
            points = cols["points"][pos]
            points = None if points is None or points is pd.NA else points
            shapes.append([
                cols["label"][pos], None if cols["type"][pos] is None else str(cols["type"][pos]),
                *(_round(cols[k][pos]) for k in ("x1", "y1", "x2", "y2")),
                None if points is None else [[_round(x), _round(y)] for x, y in points]])
        row = [int(unit), None if pd.isna(checksum) else str(checksum), str(name), str(split),
               shapes]
        digest.update(orjson.dumps(row, option=orjson.OPT_SERIALIZE_NUMPY))
        digest.update(b"\n")
    return digest.hexdigest()


def build_manifest(*, name: str, source: dict[str, Any], source_ids: list[int],
                   records: pd.DataFrame, ann: pd.DataFrame, labels: list[str],
                   split: dict[str, Any]) -> dict[str, Any]:
    """The manifest dict of a snapshot (see :class:`~synapse_nb.datasets.Snapshot`)."""
    ordered = records.sort_values("data_unit", kind="stable")
    return {
        "name": name,
        "hash": records_hash(records, ann),
        "source": source,
        "source_ids": sorted(int(i) for i in source_ids),
        "projects": sorted({int(p) for p in records["project"].dropna()}),
        "labels": list(labels),
        "split": split,
        "images": len(records),
        "annotations": len(ann),
        "files": {str(n): (None if pd.isna(c) else str(c))
                  for n, c in zip(ordered["file_name"], ordered["checksum"])},
    }
