"""YOLO (Ultralytics layout): detection or segmentation labels plus ``data.yaml``.

``labels/<split>/<stem>.txt`` has one line per shape: ``<class> <cx> <cy> <w> <h>``
(detection) or ``<class> <x1> <y1> <x2> <y2> ...`` (segmentation: chosen when the snapshot
has any polygon; its boxes become four-corner polygons), coordinates normalised to the
image size, six decimals. Images without shapes get an empty label file. ``data.yaml``
names the image folders of ``train`` / ``val`` / ``test`` (a split called ``validation``
or ``valid`` is ``val``; a snapshot without those uses its one split for both) and the
class names, ids = positions in the snapshot's label map; it has no ``path`` key, so
the folder can be moved.

>>> yolo_line(Shape(1, "car", 2, (10, 20, 30, 60), None, 800.0, None), 100, 100, False)
'2 0.200000 0.400000 0.200000 0.400000'
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import Any, Iterable

from .._util import atomic_write
from .export import Image, Shape

__all__ = ["write_yolo", "yolo_line", "yolo_split_key"]

_KEYS = {"train": "train", "val": "val", "valid": "val", "validation": "val", "test": "test"}


def yolo_split_key(split: str) -> str | None:
    """The ``data.yaml`` key of a split name (None for names YOLO has no key for)."""
    return _KEYS.get(split.lower())


def yolo_line(shape: Shape, width: int, height: int, segment: bool) -> str:
    """One label line (see the module docstring)."""
    x1, y1, x2, y2 = shape.box
    if not segment:
        values = [(x1 + x2) / 2 / width, (y1 + y2) / 2 / height, (x2 - x1) / width,
                  (y2 - y1) / height]
    else:
        points = shape.points or [[x1, y1], [x2, y1], [x2, y2], [x1, y2]]
        values = [v for x, y in points for v in (x / width, y / height)]
    return f"{shape.category} " + " ".join(f"{min(max(v, 0.0), 1.0):.6f}" for v in values)


def _yaml(splits: list[str], labels: list[str]) -> str:
    keys: dict[str, str] = {}
    for split in splits:
        key = yolo_split_key(split)
        if key is not None and key not in keys:
            keys[key] = f"images/{split}"
    if "train" not in keys and splits:
        keys["train"] = f"images/{splits[0]}"
    keys.setdefault("val", keys["train"] if keys else "images")
    lines = [f"{key}: {json.dumps(path)}" for key, path in keys.items()]
    lines.append(f"nc: {len(labels)}")
    lines.append("names:")
    lines += [f"  {i}: {json.dumps(name)}" for i, name in enumerate(labels)]
    return "# written by synapse_nb\n" + "\n".join(lines) + "\n"


def write_yolo(images: Iterable[Image], splits: list[str], labels: list[str], dest: Path,
               bar: Any = None, *, segment: bool = False) -> None:
    """Write the label files and ``data.yaml``."""
    for split in splits:
        (dest / "labels" / split).mkdir(parents=True, exist_ok=True)
    for image in images:
        lines = [yolo_line(s, image.width, image.height, segment) for s in image.shapes]
        stem = PurePosixPath(image.file_name).stem
        atomic_write(dest / "labels" / image.split / f"{stem}.txt",
                   "\n".join(lines) + ("\n" if lines else ""))
        if bar is not None:
            bar.update(1)
    atomic_write(dest / "data.yaml", _yaml(splits, labels))
