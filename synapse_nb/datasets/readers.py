"""Read COCO, YOLO or Pascal VOC annotations into Synapse annotation objects.

Each reader returns :class:`Found` images: the file name, the image file if it is there
(for matching by checksum), and the annotations in Synapse's payload form
(``{"type": "bbox", "coordinates": [x1, y1, x2, y2], "label": ...}``, ``{"type":
"polygon", "points": [[x, y], ...], "label": ...}``, ``confidence`` from a score).
Coordinates are pixels, 0-based, rounded to 1e-3, kept as the file gives them (an
inverted COCO box stays inverted, for the import's check to refuse). A file that cannot
be read raises :class:`AnnotationFileError` naming the file and the line or annotation.

>>> coco_shapes({"bbox": [1, 2, 3, 4], "segmentation": [], "score": 0.5}, "car")
[{'type': 'bbox', 'coordinates': [1.0, 2.0, 4.0, 6.0], 'label': 'car', 'confidence': 0.5}]
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from .._optional import import_optional

__all__ = ["Found", "read_coco", "read_yolo", "read_voc", "coco_shapes", "READERS",
           "AnnotationFileError"]

_IMAGE_EXT = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")


class AnnotationFileError(ValueError):
    """An annotation file that cannot be read, with where (file, line or annotation) and why."""


@dataclass
class Found:
    """One image of an annotation file, with what it holds (``size``: width, height, when
    the file or the image says)."""

    file_name: str
    image: Path | None
    annotations: list[dict[str, Any]] = field(default_factory=list)
    size: tuple[int, int] | None = None


def _size(width: Any, height: Any) -> tuple[int, int] | None:
    ok = all(isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0
             for v in (width, height))
    return (int(width), int(height)) if ok else None


def _r(v: float) -> float:
    return round(float(v), 3)


def _shape(kind: str, label: str, score: Any, **geometry: Any) -> dict[str, Any]:
    out = {"type": kind, **geometry, "label": label}
    if score is not None:
        out["confidence"] = float(score)
    return out


def coco_shapes(ann: dict[str, Any], label: str) -> list[dict[str, Any]]:
    """Synapse objects of one COCO annotation (one per polygon part; else its box)."""
    score = ann.get("score")
    seg = ann.get("segmentation")
    if isinstance(seg, list) and seg and all(isinstance(p, list) and len(p) >= 6 for p in seg):
        return [_shape("polygon", label, score,
                       points=[[_r(p[i]), _r(p[i + 1])] for i in range(0, len(p) - 1, 2)])
                for p in seg]
    bbox = ann.get("bbox")
    if not isinstance(bbox, list) or len(bbox) != 4:
        raise ValueError(f"no 'bbox' [x, y, w, h] and no polygon 'segmentation' (got bbox={bbox!r})")
    x, y, w, h = (float(v) for v in bbox)
    return [_shape("bbox", label, score, coordinates=[_r(x), _r(y), _r(x + w), _r(y + h)])]


def _find_image(name: str, *folders: Path) -> Path | None:
    for folder in folders:
        candidate = folder / name
        if candidate.is_file() and candidate.resolve().is_relative_to(folder.resolve()):
            return candidate
    return None


def read_coco(path: Path) -> list[Found]:
    """A COCO JSON file, or a folder with ``annotations/*.json`` (an export)."""
    files = sorted((path / "annotations").glob("*.json")) if path.is_dir() else [path]
    if not files:
        raise FileNotFoundError(f"no COCO JSON in {path}/annotations; pass the JSON file")
    root = path if path.is_dir() else path.parent
    out: list[Found] = []
    for file in files:
        try:
            doc = json.loads(file.read_text(encoding="utf-8"))
        except ValueError as err:
            raise AnnotationFileError(f"{file}: not a JSON document ({err})") from None
        if not isinstance(doc, dict):
            raise AnnotationFileError(f"{file}: a COCO file is a JSON object with 'images', "
                                      "'categories' and 'annotations'")
        split = file.stem.removeprefix("instances_")
        try:
            names = {c["id"]: str(c["name"]) for c in doc.get("categories", [])}
        except (KeyError, TypeError) as err:
            raise AnnotationFileError(f"{file}: a category without 'id' or 'name' ({err})") from None
        found = {}
        for i, img in enumerate(doc.get("images", [])):
            if not isinstance(img, dict) or "id" not in img or not isinstance(img.get("file_name"), str):
                raise AnnotationFileError(f"{file}: images[{i}] has no 'id' or 'file_name'")
            image = _find_image(img["file_name"], root / "images" / split, root / "images",
                                file.parent, root)
            found[img["id"]] = Found(str(img["file_name"]), image,
                                     size=_size(img.get("width"), img.get("height")))
        for i, ann in enumerate(doc.get("annotations", [])):
            where = f"{file}: annotations[{i}] (id {ann.get('id') if isinstance(ann, dict) else None})"
            if not isinstance(ann, dict) or ann.get("image_id") not in found \
                    or ann.get("category_id") not in names:
                raise AnnotationFileError(f"{where} points at an image or category the file "
                                          "does not list")
            try:
                shapes = coco_shapes(ann, names[ann["category_id"]])
            except (KeyError, TypeError, ValueError) as err:
                raise AnnotationFileError(f"{where}: {err}") from None
            found[ann["image_id"]].annotations += shapes
        out += found.values()
    return out


def _yolo_names(data_yaml: Path) -> list[str]:
    yaml = import_optional("yaml", "ml")
    names = (yaml.safe_load(data_yaml.read_text()) or {}).get("names")
    if isinstance(names, dict):
        return [str(names[k]) for k in sorted(names, key=int)]
    if isinstance(names, list):
        return [str(n) for n in names]
    raise ValueError(f"{data_yaml}: no 'names' list or mapping")


def _image_size(path: Path) -> tuple[int, int]:
    from PIL import Image  # noqa: PLC0415

    with Image.open(path) as img:
        return img.size


def read_yolo(path: Path) -> list[Found]:
    """A YOLO folder: ``data.yaml``, ``images/<split>/*``, ``labels/<split>/*.txt``."""
    data_yaml = path / "data.yaml"
    if not data_yaml.is_file():
        raise FileNotFoundError(f"no data.yaml in {path}: pass the YOLO dataset folder")
    names = _yolo_names(data_yaml)
    out = []
    for image in sorted(p for p in (path / "images").rglob("*") if p.suffix.lower() in _IMAGE_EXT):
        rel = image.relative_to(path / "images")
        label_file = path / "labels" / rel.with_suffix(".txt")
        found = Found(image.name, image)
        if label_file.is_file():
            width, height = _image_size(image)
            found.size = (width, height)
            for number, line in enumerate(label_file.read_text(encoding="utf-8").splitlines(), start=1):
                parts = line.split()
                if not parts:
                    continue
                try:
                    cls, values = int(parts[0]), [float(v) for v in parts[1:]]
                except ValueError as err:
                    raise AnnotationFileError(f"{label_file}:{number}: not a YOLO line "
                                              f"'<class> <x> <y> ...' ({err})") from None
                if not 0 <= cls < len(names) or len(values) < 4 or len(values) % 2:
                    raise AnnotationFileError(
                        f"{label_file}:{number}: not a YOLO box or polygon line (class {cls} of "
                        f"{len(names)} in data.yaml, {len(values)} coordinates)")
                if len(values) == 4:
                    cx, cy, w, h = values
                    found.annotations.append(_shape("bbox", names[cls], None, coordinates=[
                        _r((cx - w / 2) * width), _r((cy - h / 2) * height),
                        _r((cx + w / 2) * width), _r((cy + h / 2) * height)]))
                else:
                    found.annotations.append(_shape("polygon", names[cls], None, points=[
                        [_r(values[i] * width), _r(values[i + 1] * height)]
                        for i in range(0, len(values), 2)]))
        out.append(found)
    return out


def _num(element: ElementTree.Element, tag: str) -> float:
    text = element.findtext(tag)
    if text is None:
        raise ValueError(f"missing <{tag}>")
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"<{tag}> is {text!r}, not a number") from None


def read_voc(path: Path) -> list[Found]:
    """A VOC folder: ``Annotations/*.xml`` (1-based pixels) and ``JPEGImages/``."""
    files = sorted((path / "Annotations").glob("*.xml"))
    if not files:
        raise FileNotFoundError(f"no Annotations/*.xml in {path}: pass the VOC dataset folder")
    out = []
    for file in files:
        try:
            root = ElementTree.parse(file).getroot()
        except ElementTree.ParseError as err:
            raise AnnotationFileError(f"{file}: not an XML document ({err})") from None
        name = root.findtext("filename") or file.stem
        size = root.find("size")
        found = Found(name, _find_image(name, path / "JPEGImages", path), size=None if size is None
                      else _size(_int(size.findtext("width")), _int(size.findtext("height"))))
        for i, obj in enumerate(root.findall("object"), start=1):
            try:
                found.annotations.append(_voc_object(obj))
            except ValueError as err:
                raise AnnotationFileError(f"{file}: object {i}: {err}") from None
        out.append(found)
    return out


def _int(text: str | None) -> int | None:
    try:
        return int(float(text)) if text else None
    except ValueError:
        return None


def _voc_object(obj: ElementTree.Element) -> dict[str, Any]:
    label, text = obj.findtext("name") or "", obj.findtext("score")
    score: float | None = None
    if text is not None:
        try:
            score = float(text)
        except ValueError:
            raise ValueError(f"<score> is {text!r}, not a number") from None
    polygon = obj.find("polygon")
    if polygon is not None and len(polygon) >= 6:
        values = [_num(polygon, c.tag) - 1 for c in polygon]
        return _shape("polygon", label, score, points=[
            [_r(values[i]), _r(values[i + 1])] for i in range(0, len(values) - 1, 2)])
    box = obj.find("bndbox")
    if box is None:
        raise ValueError("no <bndbox> and no <polygon>")
    return _shape("bbox", label, score, coordinates=[
        _r(_num(box, "xmin") - 1), _r(_num(box, "ymin") - 1), _r(_num(box, "xmax")),
        _r(_num(box, "ymax"))])


READERS = {"coco": read_coco, "yolo": read_yolo, "voc": read_voc}
