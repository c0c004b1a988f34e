"""COCO detection/segmentation JSON, one file per split, written as a stream.

``annotations/instances_<split>.json`` holds ``info``, ``licenses``, ``categories`` (every
label of the snapshot's label map, id = position + 1, whether used or not), ``images``
(id = the data unit id, ``file_name`` relative to ``images/<split>/``, ``width``,
``height``, plus ``data_unit`` and ``md5``), and ``annotations`` (ids unique across the
whole export, ``bbox`` as ``[x, y, w, h]``, ``segmentation`` ``[[x1, y1, ...]]`` for a
polygon and ``[]`` for a box, ``area``, ``iscrowd`` 0, ``score`` when the shape has a
confidence). Images without annotations are kept.

Images and annotations are written as they come, annotations to a side file appended at
the end, so memory does not grow with the number of images.
"""

from __future__ import annotations

import shutil
import tempfile
from contextlib import ExitStack
from typing import IO, Any, Iterable

import orjson

from .._util import atomic_file
from .export import Image, Shape
from .rerun import ExportFiles

__all__ = ["write_coco", "coco_annotation"]


def coco_annotation(shape: Shape, image_id: int) -> dict[str, Any]:
    """One COCO annotation dict."""
    x1, y1, x2, y2 = shape.box
    out: dict[str, Any] = {
        "id": shape.id, "image_id": image_id, "category_id": shape.category + 1,
        "bbox": [x1, y1, x2 - x1, y2 - y1], "area": shape.area, "iscrowd": 0,
        "segmentation": ([[v for p in shape.points for v in p]] if shape.points else []),
    }
    if shape.confidence is not None:
        out["score"] = shape.confidence
    return out


class _SplitFile:
    def __init__(self, fh: IO[bytes], side: IO[bytes], head: bytes) -> None:
        self.fh, self.side = fh, side
        self.fh.write(head + b',"images":[')
        self.n_images = self.n_ann = 0

    def add(self, image: Image) -> None:
        entry = {"id": image.data_unit, "file_name": image.file_name, "width": image.width,
                 "height": image.height, "data_unit": image.data_unit, "md5": image.md5}
        self.fh.write((b"," if self.n_images else b"") + orjson.dumps(entry))
        self.n_images += 1
        for shape in image.shapes:
            self.side.write((b"," if self.n_ann else b"") +
                            orjson.dumps(coco_annotation(shape, image.data_unit)))
            self.n_ann += 1

    def finish(self) -> None:
        self.fh.write(b'],"annotations":[')
        self.side.seek(0)
        shutil.copyfileobj(self.side, self.fh)
        self.fh.write(b"]}\n")


def write_coco(images: Iterable[Image], splits: list[str], labels: list[str],
               files: ExportFiles, bar: Any = None) -> None:
    """Write ``annotations/instances_<split>.json`` for every split."""
    categories = [{"id": i + 1, "name": name, "supercategory": ""}
                  for i, name in enumerate(labels)]
    head = orjson.dumps({"info": {"description": "synapse_nb export", "version": "1.0"},
                         "licenses": [], "categories": categories})[:-1]
    with ExitStack() as stack:  # each file appears once complete, or not at all
        out = {split: _SplitFile(
            stack.enter_context(atomic_file(files.path(f"annotations/instances_{split}.json"))),
            stack.enter_context(tempfile.TemporaryFile()), head) for split in splits}
        for image in images:
            out[image.split].add(image)
            if bar is not None:
                bar.update(1)
        for f in out.values():
            f.finish()
