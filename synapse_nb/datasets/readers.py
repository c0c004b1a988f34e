"""Read COCO, YOLO or Pascal VOC annotations into Synapse annotation objects.

Each reader returns :class:`Found` images: the file name, the image file if it is there
(for matching by checksum), and the annotations in Synapse's payload form
(``{"type": "bbox", "coordinates": [x1, y1, x2, y2], "label": ...}``, ``{"type":
"polygon", "points": [[x, y], ...], "label": ...}``, ``confidence`` from a score).
Coordinates are pixels, 0-based, rounded to 1e-3.

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

__all__ = ["Found", "read_coco", "read_yolo", "read_voc", "coco_shapes", "READERS"]

_IMAGE_EXT = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")


@dataclass
class Found:
    """One image of an annotation file, with what it holds."""

    file_name: str
    image: Path | None
    annotations: list[dict[str, Any]] = field(default_factory=list)


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
    x, y, w, h = ann["bbox"]
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
        doc = json.loads(file.read_text())
        names = {c["id"]: str(c["name"]) for c in doc.get("categories", [])}
        split = file.stem.removeprefix("instances_")
        found = {}
        for img in doc.get("images", []):
            image = _find_image(img["file_name"], root / "images" / split, root / "images",
                                file.parent, root)
            found[img["id"]] = Found(str(img["file_name"]), image)
        for ann in doc.get("annotations", []):
            if ann.get("image_id") not in found or ann.get("category_id") not in names:
                raise ValueError(f"{file.name}: annotation {ann.get('id')} points at an image or "
                                 "category the file does not list")
            found[ann["image_id"]].annotations += coco_shapes(ann, names[ann["category_id"]])
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
            for number, line in enumerate(label_file.read_text().splitlines(), start=1):
                parts = line.split()
                if not parts:
                    continue
                cls, values = int(parts[0]), [float(v) for v in parts[1:]]
                if not 0 <= cls < len(names) or len(values) < 4 or len(values) % 2:
                    raise ValueError(f"{label_file}:{number}: not a YOLO box or polygon line")
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
    return float(text)


def read_voc(path: Path) -> list[Found]:
    """A VOC folder: ``Annotations/*.xml`` (1-based pixels) and ``JPEGImages/``."""
    files = sorted((path / "Annotations").glob("*.xml"))
    if not files:
        raise FileNotFoundError(f"no Annotations/*.xml in {path}: pass the VOC dataset folder")
    out = []
    for file in files:
        root = ElementTree.parse(file).getroot()
        name = root.findtext("filename") or file.stem
        found = Found(name, _find_image(name, path / "JPEGImages", path))
        for obj in root.findall("object"):
            label, score = obj.findtext("name") or "", obj.findtext("score")
            polygon = obj.find("polygon")
            if polygon is not None and len(polygon) >= 6:
                values = [float(c.text or "nan") - 1 for c in polygon]
                found.annotations.append(_shape("polygon", label, score, points=[
                    [_r(values[i]), _r(values[i + 1])] for i in range(0, len(values) - 1, 2)]))
                continue
            box = obj.find("bndbox")
            if box is None:
                raise ValueError(f"{file.name}: an object without <bndbox>")
            found.annotations.append(_shape("bbox", label, score, coordinates=[
                _r(_num(box, "xmin") - 1), _r(_num(box, "ymin") - 1), _r(_num(box, "xmax")),
                _r(_num(box, "ymax"))]))
        out.append(found)
    return out


READERS = {"coco": read_coco, "yolo": read_yolo, "voc": read_voc}
