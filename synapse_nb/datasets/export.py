"""``Snapshot.export``: images fetched once, then the annotation files of a format.

Layouts (``<split>`` is each split name of the snapshot):

- ``coco``: ``images/<split>/<file>``, ``annotations/instances_<split>.json``;
- ``yolo``: ``images/<split>/<file>``, ``labels/<split>/<stem>.txt``, ``data.yaml``;
- ``voc``: ``JPEGImages/<file>``, ``Annotations/<stem>.xml``, ``ImageSets/Main/<split>.txt``;
- ``parquet``: ``annotations.parquet`` (the snapshot's frame), ``images.parquet``, and the
  images as for ``coco``.

Every export also writes ``manifest.json`` (the snapshot's manifest plus an ``export``
part: format, each image's md5, checksum counts, shapes not representable) and keeps
its resume state in ``.synapse_nb/``.

Only boxes and polygons are written; other shapes (classification, keypoints, lines)
are counted in ``manifest.json`` under ``export.shapes_skipped``.
"""

from __future__ import annotations

import io
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

import numpy as np
import orjson
import pandas as pd

from .._util import atomic_write
from .._util.progress import progress_bar
from . import FORMATS
from .fetch import FileJob, fetch_files
from .manifest import annotation_groups

if TYPE_CHECKING:
    from .snapshots import Snapshot

__all__ = ["Shape", "Image", "export_snapshot", "image_path"]


@dataclass(frozen=True)
class Shape:
    """One exportable annotation: a box (``points`` None) or a polygon."""

    id: int
    label: str
    category: int  # index in the snapshot's label map
    box: tuple[float, float, float, float]
    points: list[list[float]] | None
    area: float
    confidence: float | None


@dataclass(frozen=True)
class Image:
    """One image of an export, with its shapes."""

    data_unit: int
    file_name: str
    split: str
    width: int
    height: int
    path: str  # relative to the export folder
    md5: str | None
    shapes: list[Shape]


def image_path(fmt: str, split: str, file_name: str) -> str:
    """Where an image goes inside an export of ``fmt``."""
    return f"JPEGImages/{file_name}" if fmt == "voc" else f"images/{split}/{file_name}"


def _none(v: Any) -> Any:
    return None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else v


class _Shapes:
    """Per-unit shapes of an annotations frame, built on demand (one unit at a time)."""

    def __init__(self, ann: pd.DataFrame, labels: list[str]) -> None:
        self.groups = annotation_groups(ann)
        # numpy columns, not lists: no Python object per cell (100k images: ~60 MB less)
        self.cols = {c: ann[c].to_numpy(dtype="float64", na_value=np.nan)
                     for c in ("x1", "y1", "x2", "y2", "area", "confidence")}
        self.cols.update({c: ann[c].astype(object).to_numpy() for c in ("label", "type", "points")})
        self.ids = {label: i for i, label in enumerate(labels)}
        self.skipped: Counter[str] = Counter()
        # annotation ids: 1.. over every exportable shape in data-unit order (stable)
        self.first_id: dict[int, int] = {}
        next_id = 1
        for unit in sorted(self.groups):
            self.first_id[unit] = next_id
            next_id += len(self.groups[unit])

    def of(self, unit: int) -> list[Shape]:
        c = self.cols
        out = []
        for k, pos in enumerate(self.groups.get(unit, ())):
            kind = _none(c["type"][pos])
            kind = None if kind is None else str(kind)
            box = tuple(_none(c[k2][pos]) for k2 in ("x1", "y1", "x2", "y2"))
            points = _none(c["points"][pos])
            label = _none(c["label"][pos])
            if kind == "bbox" and None not in box and label is not None:
                pts = None
            elif kind == "polygon" and points is not None and len(points) >= 3 \
                    and label is not None:
                pts = [[float(x), float(y)] for x, y in points]
            else:
                self.skipped[kind or "unknown"] += 1
                continue
            area = _none(c["area"][pos])
            if area is None:
                area = (box[2] - box[0]) * (box[3] - box[1])
            x1, y1, x2, y2 = (float(v) for v in box)
            confidence = _none(c["confidence"][pos])
            out.append(Shape(self.first_id[unit] + k, str(label), self.ids[str(label)],
                             (x1, y1, x2, y2), pts, float(area),
                             None if confidence is None else float(confidence)))
        return out


def _size_of(data: bytes | Path) -> tuple[int, int]:
    from PIL import Image as PILImage  # noqa: PLC0415

    with PILImage.open(io.BytesIO(data) if isinstance(data, bytes) else data) as img:
        return img.size


def iter_images(rec: pd.DataFrame, shapes: _Shapes, fmt: str, dest: Path, md5: dict[str, str],
                fetch_size: Callable[[str], tuple[int, int]]) -> Iterator[Image]:
    """The images of ``rec`` (in split, then data-unit order) with their shapes."""
    for split in dict.fromkeys(rec["split"]):
        part = rec[rec["split"] == split]
        for unit, name, url, w, h in zip(part["data_unit"].tolist(), part["file_name"].tolist(),
                                         part["file_url"].tolist(), part["width"].tolist(),
                                         part["height"].tolist()):
            rel = image_path(fmt, split, name)
            if _none(w) is None or _none(h) is None:
                local = dest / rel
                w, h = _size_of(local) if local.exists() else fetch_size(url)
            yield Image(int(unit), name, split, int(w), int(h), rel, md5.get(rel),
                        shapes.of(int(unit)))


def export_snapshot(snap: "Snapshot", dest: Path, fmt: str, *, images: bool,
                    max_workers: int, progress: bool | None, strict_checksums: bool) -> Path:
    """See :meth:`Snapshot.export`."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}; got {fmt!r}")
    dest.mkdir(parents=True, exist_ok=True)
    rec = snap.records
    md5: dict[str, str] = {}
    checks: dict[str, int] = {}
    if images:
        jobs = (FileJob(url, dest / image_path(fmt, split, name),
                        None if _none(declared) is None else str(declared),
                        image_path(fmt, split, name))
                for url, name, split, declared in zip(rec["file_url"], rec["file_name"],
                                                      rec["split"], rec["checksum"]))
        report = fetch_files(snap.client, jobs, state_dir=dest / ".synapse_nb", total=len(rec),
                             max_workers=max_workers, progress=progress,
                             strict_checksums=strict_checksums)
        md5 = report.md5
        checks = {"verified": report.verified, "unverified": report.unverified,
                  "fetched": report.fetched, "skipped": report.skipped, "bytes": report.bytes}

    def fetch_size(url: str) -> tuple[int, int]:
        return _size_of(snap.client.get_bytes(url))

    shapes = _Shapes(snap.frame, snap.labels)
    items = iter_images(rec, shapes, fmt, dest, md5, fetch_size)
    splits = list(dict.fromkeys(rec["split"]))
    bar = progress_bar(progress, len(rec), desc="annotations", unit="images")
    try:
        if fmt == "coco":
            from .export_coco import write_coco  # noqa: PLC0415
            write_coco(items, splits, snap.labels, dest, bar)
        elif fmt == "yolo":
            from .export_yolo import write_yolo  # noqa: PLC0415
            write_yolo(items, splits, snap.labels, dest, bar,
                       segment=bool((snap.frame["type"] == "polygon").any()))
        elif fmt == "voc":
            from .export_voc import write_voc  # noqa: PLC0415
            write_voc(items, splits, dest, bar)
        else:
            _write_parquet(snap, dest, md5)
    finally:
        if bar is not None:
            bar.close()
    manifest = {**snap.manifest, "export": {
        "format": fmt, "images": images, "checksums": checks,
        "shapes_skipped": dict(shapes.skipped), "md5": md5}}
    atomic_write(dest / "manifest.json", orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    return dest


def _write_parquet(snap: "Snapshot", dest: Path, md5: dict[str, str]) -> None:
    from ..frames import to_parquet  # noqa: PLC0415

    images = snap.records.copy()
    images["md5"] = [md5.get(image_path("parquet", s, n)) for s, n in
                     zip(images["split"], images["file_name"])]
    to_parquet(snap.frame, dest / "annotations.parquet")
    to_parquet(images, dest / "images.parquet")
