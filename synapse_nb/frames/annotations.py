"""Annotation objects found in task data or ground-truth events, one row each.

The annotation payload (contract section 6) is
``{"annotations": [{"type": "bbox", "coordinates": [x1, y1, x2, y2], "label": ...,
"confidence": ...}, {"type": "polygon", "points": [[x, y], ...], ...}],
"metadata": {"annotator_id": ..., "timestamp": ...}}``.

Columns of ``annotations_frame`` (a RangeIndex; ``source_id`` + ``index`` identify a row):

``source`` (category: ``task`` / ``ground_truth_event``), ``source_id`` (the task or event
id), ``index`` (position in the record's ``annotations`` list), ``project``, ``data_unit``,
``primary_file_url`` (the image the shapes are drawn on), ``annotation_id``, ``label``,
``type`` (category: bbox, polygon, polyline, keypoint, segmentation, classification, then
any other type met), ``x1``, ``y1``, ``x2``, ``y2`` (the box, or the bounding box of the
points), ``width``, ``height``, ``area`` (box: width*height; polygon: shoelace area;
other shapes: null), ``points`` (list of ``[x, y]``; a box has none), ``confidence``,
``annotator`` (the object's own ``annotator``/``annotator_id``, else the payload's
``metadata.annotator_id``), ``extra`` (the object's other keys as JSON text).

Boxes also accepted as ``{"x", "y", "width", "height"}`` and points as ``{"x", "y"}``
dicts; a shape that cannot be read keeps its row with null geometry (counted in
``fetch_report["conversion"]["coerced_values"]``).

Example:
    >>> batch = AnnotationConverter("tasks").convert(
    ...     [{"id": 1, "data": {"annotations": [{"type": "bbox", "coordinates": [0, 0, 4, 5]}]}}])
    >>> batch.column("area").to_pylist()
    [20.0]
"""

from __future__ import annotations

import json
from typing import Any, Iterable

import pyarrow as pa

from .computed import _primary_file_url
from .convert import ConversionStats, column_array
from .schema import Column

__all__ = ["ANNOTATION_COLUMNS", "ANNOTATION_TYPES", "ANNOTATION_SOURCES", "AnnotationConverter",
           "shape_geometry"]

ANNOTATION_TYPES = ("bbox", "polygon", "polyline", "keypoint", "segmentation", "classification")
ANNOTATION_SOURCES = ("task", "ground_truth_event")

ANNOTATION_COLUMNS: tuple[Column, ...] = (
    Column("source", "enum", categories=ANNOTATION_SOURCES),
    Column("source_id", "int"),
    Column("index", "int"),
    Column("project", "int"),
    Column("data_unit", "int"),
    Column("primary_file_url", "str"),
    Column("annotation_id", "str"),
    Column("label", "str"),
    Column("type", "enum", categories=ANNOTATION_TYPES),
    Column("x1", "float"),
    Column("y1", "float"),
    Column("x2", "float"),
    Column("y2", "float"),
    Column("width", "float"),
    Column("height", "float"),
    Column("area", "float"),
    Column("points", "floats2"),
    Column("confidence", "float"),
    Column("annotator", "str"),
    Column("extra", "json"),
)
_KNOWN_KEYS = frozenset({"id", "type", "label", "class", "coordinates", "points", "confidence",
                         "score", "annotator", "annotator_id"})


def _num(v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ValueError(v)
    return float(v)


def _points(raw: Any) -> list[list[float]]:
    pts = []
    for p in raw:
        if isinstance(p, dict):
            pts.append([_num(p.get("x")), _num(p.get("y"))])
        elif isinstance(p, (list, tuple)) and len(p) >= 2:
            pts.append([_num(p[0]), _num(p[1])])
        else:
            raise ValueError(p)
    return pts


def shape_geometry(ann: dict[str, Any]) -> tuple[tuple[float, float, float, float] | None,
                                                 list[list[float]] | None, float | None]:
    """Box ``(x1, y1, x2, y2)``, points and area of one annotation object.

    Raises ValueError for geometry that is present but unreadable.

    >>> shape_geometry({"type": "polygon", "points": [[0, 0], [4, 0], [4, 3]]})
    ((0.0, 0.0, 4.0, 3.0), [[0.0, 0.0], [4.0, 0.0], [4.0, 3.0]], 6.0)
    """
    kind = ann.get("type")
    coords, raw_points = ann.get("coordinates"), ann.get("points")
    if raw_points is None and kind in ("polygon", "polyline", "keypoint") and isinstance(
            coords, list) and coords and isinstance(coords[0], (list, tuple, dict)):
        raw_points, coords = coords, None  # some payloads put the points under coordinates
    if coords is not None:
        if isinstance(coords, dict):
            x, y = _num(coords.get("x")), _num(coords.get("y"))
            box = (x, y, x + _num(coords.get("width")), y + _num(coords.get("height")))
        elif isinstance(coords, (list, tuple)) and len(coords) == 4:
            a, b, c, d = (_num(v) for v in coords)
            box = (min(a, c), min(b, d), max(a, c), max(b, d))
        else:
            raise ValueError(coords)
        return box, None, (box[2] - box[0]) * (box[3] - box[1])
    if raw_points is not None:
        if not isinstance(raw_points, (list, tuple)) or not raw_points:
            raise ValueError(raw_points)
        pts = _points(raw_points)
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        box = (min(xs), min(ys), max(xs), max(ys))
        area = None
        if kind == "polygon" and len(pts) >= 3:
            area = abs(sum(xs[i] * ys[i - 1] - xs[i - 1] * ys[i] for i in range(len(pts)))) / 2
        return box, pts, area
    return None, None, None


class AnnotationConverter:
    """Turns pages of tasks (or ground-truth events) into annotation-row record batches."""

    columns = ANNOTATION_COLUMNS
    index: str | None = None

    def __init__(self, source: str) -> None:
        self.source = "ground_truth_event" if source.startswith("ground_truth") else "task"
        self.schema = pa.schema([pa.field(c.name, c.type) for c in ANNOTATION_COLUMNS])

    def convert(self, records: Iterable[Any], stats: ConversionStats | None = None) -> pa.RecordBatch:
        stats = stats if stats is not None else ConversionStats()
        cols: dict[str, list[Any]] = {c.name: [] for c in ANNOTATION_COLUMNS}
        bad = 0
        for rec in records:
            if not isinstance(rec, dict) or rec.get("id") is None:
                continue
            data = rec.get("data")
            if isinstance(data, str):  # a frame's JSON text column
                try:
                    data = json.loads(data)
                except ValueError:
                    data = None
            anns = data.get("annotations") if isinstance(data, dict) else None
            if not isinstance(anns, list) or not anns:
                continue
            meta = data.get("metadata") if isinstance(data, dict) else None
            default_annotator = meta.get("annotator_id") if isinstance(meta, dict) else None
            url = rec.get("primary_file_url") or _primary_file_url(rec)
            for i, ann in enumerate(anns):
                if not isinstance(ann, dict):
                    ann = {"value": ann}
                try:
                    box, pts, area = shape_geometry(ann)
                except (ValueError, TypeError):
                    box, pts, area, bad = None, None, None, bad + 1
                cols["source"].append(self.source)
                cols["source_id"].append(rec.get("id"))
                cols["index"].append(i)
                cols["project"].append(rec.get("project", rec.get("project_id")))
                cols["data_unit"].append(rec.get("data_unit", rec.get("data_unit_id")))
                cols["primary_file_url"].append(url)
                cols["annotation_id"].append(ann.get("id"))
                cols["label"].append(ann.get("label", ann.get("class")))
                cols["type"].append(ann.get("type"))
                for name, v in zip(("x1", "y1", "x2", "y2"), box or (None,) * 4):
                    cols[name].append(v)
                cols["width"].append(None if box is None else box[2] - box[0])
                cols["height"].append(None if box is None else box[3] - box[1])
                cols["area"].append(area)
                cols["points"].append(pts)
                cols["confidence"].append(ann.get("confidence", ann.get("score")))
                cols["annotator"].append(ann.get("annotator", ann.get("annotator_id",
                                                                      default_annotator)))
                unknown = ann.keys() - _KNOWN_KEYS
                cols["extra"].append({k: ann[k] for k in sorted(unknown)} if unknown else None)
        if bad:
            stats.coerced["geometry"] = stats.coerced.get("geometry", 0) + bad
        arrays = [column_array(cols[c.name], c, stats) for c in ANNOTATION_COLUMNS]
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)

