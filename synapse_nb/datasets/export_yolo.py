"""YOLO (Ultralytics layout): detection or segmentation labels plus ``data.yaml``.

``labels/<split>/<stem>.txt`` has one line per shape: ``<class> <cx> <cy> <w> <h>``
(detection) or ``<class> <x1> <y1> <x2> <y2> ...`` (segmentation: chosen when the snapshot
has any polygon; its boxes become four-corner polygons), coordinates normalised to the
image size, six decimals; a box is clipped to the image by its corners first (a box with
no area left is not written). Images without shapes get an empty label file. ``data.yaml``
names the image folders of ``train`` / ``val`` / ``test`` (a split called ``validation``
or ``valid`` is ``val``; a snapshot without those uses its one split for both) and the
class names, ids = positions in the snapshot's label map, written by PyYAML with
``allow_unicode`` (an emoji label reads back as itself); it has no ``path`` key, so the
folder can be moved.

>>> yolo_line(Shape(1, "car", 2, (10, 20, 30, 60), None, 800.0, None), 100, 100, False)
'2 0.200000 0.400000 0.200000 0.400000'
"""

from __future__ import annotations

from collections import Counter
from pathlib import PurePosixPath
from typing import Any, Iterable

from .._optional import import_optional
from .._util import atomic_write
from .._util.paths import safe_join
from .export import Image, Shape, clip_box
from .rerun import ExportFiles

__all__ = ["write_yolo", "yolo_line", "yolo_split_key"]

_KEYS = {"train": "train", "val": "val", "valid": "val", "validation": "val", "test": "test"}


def yolo_split_key(split: str) -> str | None:
    """The ``data.yaml`` key of a split name (None for names YOLO has no key for)."""
    return _KEYS.get(split.lower())


def yolo_line(shape: Shape, width: int, height: int, segment: bool) -> str | None:
    """One label line (see the module docstring); None for a box with no area in the image."""
    if not segment or not shape.points:
        box = clip_box(shape.box, width, height)
        if box is None:
            return None
        x1, y1, x2, y2 = box
    if not segment:
        values = [(x1 + x2) / 2 / width, (y1 + y2) / 2 / height, (x2 - x1) / width,
                  (y2 - y1) / height]
    else:
        points = shape.points or [[x1, y1], [x2, y1], [x2, y2], [x1, y2]]
        values = [v for x, y in points for v in (x / width, y / height)]
    return f"{shape.category} " + " ".join(f"{min(max(v, 0.0), 1.0):.6f}" for v in values)


def _yaml(splits: list[str], labels: list[str]) -> str:
    yaml = import_optional("yaml", "ml")
    keys: dict[str, str] = {}
    for split in splits:
        key = yolo_split_key(split)
        if key is not None and key not in keys:
            keys[key] = f"images/{split}"
    if "train" not in keys and splits:
        keys["train"] = f"images/{splits[0]}"
    keys.setdefault("val", keys["train"] if keys else "images")
    ordered: dict[str, str] = {k: keys[k] for k in ("train", "val", "test") if k in keys}
    doc: dict[str, Any] = {**ordered, "nc": len(labels), "names": dict(enumerate(labels))}
    text: str = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, default_flow_style=False)
    return "# written by synapse_nb\n" + text


def write_yolo(images: Iterable[Image], splits: list[str], labels: list[str], files: ExportFiles,
               bar: Any = None, notes: Counter[str] | None = None, *, segment: bool = False) -> None:
    """Write the label files and ``data.yaml`` (``notes`` counts boxes clipped or left out)."""
    notes = Counter() if notes is None else notes
    for image in images:
        lines = []
        for shape in image.shapes:
            line = yolo_line(shape, image.width, image.height, segment)
            if line is None:
                notes["no_area_in_image"] += 1
                continue
            if not shape.points and clip_box(shape.box, image.width, image.height) != shape.box:
                notes["clipped"] += 1
            lines.append(line)
        stem = PurePosixPath(image.file_name).stem
        atomic_write(files.path(f"labels/{image.split}/{stem}.txt"),
                     "\n".join(lines) + ("\n" if lines else ""))
        if bar is not None:
            bar.update(1)
    data_yaml = files.path("data.yaml")
    for split in splits:  # an empty split still gets its folder (YOLO tools look for it)
        safe_join(files.dest, "labels", split).mkdir(parents=True, exist_ok=True)
    atomic_write(data_yaml, _yaml(splits, labels))
