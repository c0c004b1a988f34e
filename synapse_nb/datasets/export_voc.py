"""Pascal VOC: one XML file per image, plus the image sets of each split.

``Annotations/<stem>.xml`` has ``filename``, ``size`` and one ``object`` per shape with
``name`` and ``bndbox`` in VOC's 1-based pixel convention (``xmin = x1 + 1``,
``ymin = y1 + 1``, ``xmax = x2``, ``ymax = y2``); a polygon adds a ``polygon`` element
(``x1, y1, x2, y2, ...``, 1-based, as supervision and CVAT write it).
``ImageSets/Main/<split>.txt`` lists the stems of each split. Names are escaped. Boxes
and polygon points are clipped to the image (VOC tools expect ``1 <= xmin <= xmax <=
width``); a box with no area left in the image is not written (counted in the manifest).

>>> "<name>a &amp; b</name>" in voc_xml(Image(1, "x.png", "train", 10, 10, "JPEGImages/x.png",
...     None, [Shape(1, "a & b", 0, (0, 0, 4, 5), None, 20.0, None)]))
True
"""

from __future__ import annotations

from collections import Counter
from contextlib import ExitStack
from pathlib import PurePosixPath
from typing import IO, Any, Iterable
from xml.sax.saxutils import escape

from .._util import atomic_file, atomic_write
from .export import Image, Shape, clip_box
from .rerun import ExportFiles

__all__ = ["write_voc", "voc_xml"]


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.4f}".rstrip("0").rstrip(".")


def _object(shape: Shape, width: int, height: int) -> str | None:
    box = clip_box(shape.box, width, height)
    if box is None:
        return None
    x1, y1, x2, y2 = box
    parts = [(f"<object><name>{escape(shape.label)}</name><pose>Unspecified</pose>"
              "<truncated>0</truncated><difficult>0</difficult>"),
             # 1-based minima, never past the maxima (a box under a pixel wide stays ordered)
             (f"<bndbox><xmin>{_num(min(x1 + 1, x2))}</xmin><ymin>{_num(min(y1 + 1, y2))}</ymin>"
              f"<xmax>{_num(x2)}</xmax><ymax>{_num(y2)}</ymax></bndbox>")]
    if shape.points:
        coords = "".join(f"<x{i}>{_num(min(max(x, 0), width) + 1)}</x{i}>"
                         f"<y{i}>{_num(min(max(y, 0), height) + 1)}</y{i}>"
                         for i, (x, y) in enumerate(shape.points, start=1))
        parts.append(f"<polygon>{coords}</polygon>")
    if shape.confidence is not None:
        parts.append(f"<score>{shape.confidence}</score>")
    return "".join(parts) + "</object>"


def voc_xml(image: Image, notes: Counter[str] | None = None) -> str:
    """The XML document of one image (``notes`` counts shapes clipped or left out)."""
    segmented = int(any(s.points for s in image.shapes))
    written = []
    for shape in image.shapes:
        obj = _object(shape, image.width, image.height)
        if notes is not None:
            if obj is None:
                notes["no_area_in_image"] += 1
            elif clip_box(shape.box, image.width, image.height) != shape.box:
                notes["clipped"] += 1
        if obj is not None:
            written.append(obj)
    objects = "\n  ".join(written)
    return (f"<annotation>\n  <folder>JPEGImages</folder>\n"
            f"  <filename>{escape(image.file_name)}</filename>\n"
            f"  <source><database>synapse_nb</database><data_unit>{image.data_unit}"
            f"</data_unit></source>\n"
            f"  <size><width>{image.width}</width><height>{image.height}</height>"
            f"<depth>3</depth></size>\n  <segmented>{segmented}</segmented>\n"
            + (f"  {objects}\n" if objects else "") + "</annotation>\n")


def write_voc(images: Iterable[Image], splits: list[str], files: ExportFiles, bar: Any = None,
              notes: Counter[str] | None = None) -> None:
    """Write ``Annotations/*.xml`` and ``ImageSets/Main/<split>.txt``."""
    with ExitStack() as stack:  # each set file appears once complete
        sets: dict[str, IO[str]] = {
            s: stack.enter_context(atomic_file(files.path(f"ImageSets/Main/{s}.txt"), "w"))
            for s in splits}
        for image in images:
            stem = PurePosixPath(image.file_name).stem
            atomic_write(files.path(f"Annotations/{stem}.xml"), voc_xml(image, notes))
            sets[image.split].write(stem + "\n")
            if bar is not None:
                bar.update(1)
