"""``Snapshot.export``: images fetched once, then the annotation files of a format.

Layouts (``<split>`` is each split name of the snapshot):

- ``coco``: ``images/<split>/<file>``, ``annotations/instances_<split>.json``;
- ``yolo``: ``images/<split>/<file>``, ``labels/<split>/<stem>.txt``, ``data.yaml``;
- ``voc``: ``JPEGImages/<file>``, ``Annotations/<stem>.xml``, ``ImageSets/Main/<split>.txt``;
- ``parquet``: ``annotations.parquet`` (the snapshot's frame), ``images.parquet``, and the
  images as for ``coco``.

Every export also writes ``manifest.json`` (the snapshot's manifest plus an ``export``
part: format, each image's md5, checksum counts, shapes not representable, files a
re-run removed or kept) and keeps its resume state in ``.synapse_nb/``.

Every path is built through one safe join (:class:`~.rerun.ExportFiles`): a split or
file name that would leave the folder is refused before anything is written. A re-run
removes the files of the previous run it no longer lists (see :mod:`.rerun`). Parquet
files keep file URLs without their query (no signatures on disk).

Only boxes and polygons are written; other shapes (classification, keypoints, lines)
are counted in ``manifest.json`` under ``export.shapes_skipped``. YOLO and VOC clip
boxes to the image (``export.shapes_clipped``); a box left without area is not written
(``shapes_skipped["no_area_in_image"]``).
"""

from __future__ import annotations

import math
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Callable, Iterator

import numpy as np
import orjson
import pandas as pd

from .._util import atomic_write
from .._util.paths import safe_join
from .._util.progress import progress_bar
from . import FORMATS
from .fetch import FileJob, fetch_files
from .manifest import annotation_groups
from .rerun import ExportFiles

if TYPE_CHECKING:
    from .snapshots import Snapshot

__all__ = ["Shape", "Image", "export_snapshot", "image_path", "clip_box", "strip_query"]


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


def clip_box(box: tuple[float, float, float, float], width: float, height: float
             ) -> tuple[float, float, float, float] | None:
    """``box`` with its corners clipped to the image; None when nothing of it is left.

    >>> clip_box((-5, 10, 330, 20), 320, 240)
    (0, 10, 320, 20)
    >>> clip_box((400, 10, 500, 20), 320, 240) is None
    True
    """
    x1, y1, x2, y2 = box
    out = (min(max(x1, 0), width), min(max(y1, 0), height), min(max(x2, 0), width),
           min(max(y2, 0), height))
    return out if out[2] > out[0] and out[3] > out[1] else None


def strip_query(url: Any) -> Any:
    """A URL without its query (signed URLs carry ``?sig=...``); other values as they are."""
    return url.split("?", 1)[0] if isinstance(url, str) else url


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


def _size_of(path: Path) -> tuple[int, int]:
    from PIL import Image as PILImage  # noqa: PLC0415

    with PILImage.open(path) as img:
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
                local = safe_join(dest, rel)
                w, h = _size_of(local) if local.exists() else fetch_size(url)
            yield Image(int(unit), name, split, int(w), int(h), rel, md5.get(rel),
                        shapes.of(int(unit)))


def _check_layout(rec: pd.DataFrame, fmt: str, files: ExportFiles) -> list[str]:
    """Every image path of the export, checked before anything is written."""
    rels = [image_path(fmt, split, name) for split, name in zip(rec["split"], rec["file_name"])]
    for rel in rels:
        files.path(rel)  # raises UnsafePathError for a name that would leave the folder
    stems = [f"{s}/{PurePosixPath(n).stem}" if fmt != "voc" else PurePosixPath(n).stem
             for s, n in zip(rec["split"], rec["file_name"])]
    for what, keys in (("image", rels), ("label file", stems)):
        seen = Counter(k.casefold() for k in keys)
        dup = sorted({k for k in keys if seen[k.casefold()] > 1})
        if dup:
            raise ValueError(f"{len(dup)} {what} names would be shared by several images "
                             f"(case-insensitively): {', '.join(dup[:5])}; give each record "
                             "its own file_name (snapshot() makes them unique)")
    return rels


def export_snapshot(snap: "Snapshot", dest: Path, fmt: str, *, images: bool,
                    max_workers: int, progress: bool | None, strict_checksums: bool) -> Path:
    """See :meth:`Snapshot.export`."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}; got {fmt!r}")
    if max_workers < 1:
        raise ValueError(f"max_workers must be >= 1, got {max_workers}")
    dest.mkdir(parents=True, exist_ok=True)
    files = ExportFiles(dest)
    rec = snap.records
    rels = _check_layout(rec, fmt, files)
    md5: dict[str, str] = {}
    checks: dict[str, int] = {}
    if images:
        jobs = (FileJob(url, files.path(rel), None if _none(declared) is None else str(declared),
                        rel)
                for url, rel, declared in zip(rec["file_url"], rels, rec["checksum"]))
        report = fetch_files(snap.client, jobs, state_dir=files.state, total=len(rec),
                             max_workers=max_workers, progress=progress,
                             strict_checksums=strict_checksums)
        md5 = report.md5
        checks = {"verified": report.verified, "unverified": report.unverified,
                  "fetched": report.fetched, "skipped": report.skipped, "bytes": report.bytes}

    def fetch_size(url: str) -> tuple[int, int]:
        with tempfile.TemporaryDirectory(prefix="synapse-nb-size-") as tmp:
            return _size_of(Path(snap.client.download(url, tmp, name="image")))

    shapes = _Shapes(snap.frame, snap.labels)
    items = iter_images(rec, shapes, fmt, dest, md5, fetch_size)
    splits = list(dict.fromkeys(rec["split"]))
    notes: Counter[str] = Counter()
    bar = progress_bar(progress, len(rec), desc="annotations", unit="images")
    try:
        if fmt == "coco":
            from .export_coco import write_coco  # noqa: PLC0415
            write_coco(items, splits, snap.labels, files, bar)
        elif fmt == "yolo":
            from .export_yolo import write_yolo  # noqa: PLC0415
            write_yolo(items, splits, snap.labels, files, bar, notes,
                       segment=bool((snap.frame["type"] == "polygon").any()))
        elif fmt == "voc":
            from .export_voc import write_voc  # noqa: PLC0415
            write_voc(items, splits, files, bar, notes)
        else:
            _write_parquet(snap, files, md5)
    finally:
        if bar is not None:
            bar.close()
    clipped = notes.pop("clipped", 0)
    manifest_path = files.path("manifest.json")
    rerun = files.finish(md5, rels)
    manifest = {**snap.manifest, "export": {
        "format": fmt, "images": images, "checksums": checks,
        "shapes_skipped": dict(shapes.skipped + notes), "shapes_clipped": clipped, "md5": md5,
        **rerun}}
    atomic_write(manifest_path, orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    return dest


def _write_parquet(snap: "Snapshot", files: ExportFiles, md5: dict[str, str]) -> None:
    from ..frames import to_parquet  # noqa: PLC0415

    images = snap.records.copy()
    images["md5"] = [md5.get(image_path("parquet", s, n)) for s, n in
                     zip(images["split"], images["file_name"])]
    frame = snap.frame.copy()
    # signed URLs (?sig=...) are credentials for a while: not kept on disk
    images["file_url"] = images["file_url"].map(strip_query).astype(images["file_url"].dtype)
    if "primary_file_url" in frame.columns:
        frame["primary_file_url"] = frame["primary_file_url"].map(strip_query).astype(
            frame["primary_file_url"].dtype)
    to_parquet(frame, files.path("annotations.parquet"))
    to_parquet(images, files.path("images.parquet"))
