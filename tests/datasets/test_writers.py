"""The writers' geometry and text, checked on hand-made images (no server): YOLO clips a
box by its corners, ``data.yaml`` is real YAML that reads an emoji label back, VOC boxes
are clipped and ordered, and boxes with nothing left in the image are counted, not written."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from xml.etree import ElementTree

import pytest
from PIL import Image as PILImage

from synapse_nb.datasets.export import Image, Shape
from synapse_nb.datasets.export_voc import write_voc
from synapse_nb.datasets.export_yolo import write_yolo, yolo_line
from synapse_nb.datasets.readers import read_voc, read_yolo
from synapse_nb.datasets.rerun import ExportFiles

yaml = pytest.importorskip("yaml", reason="data.yaml is written with PyYAML (the [ml] extra)")


def _box(x1: float, y1: float, x2: float, y2: float, label: str = "car", category: int = 0) -> Shape:
    return Shape(1, label, category, (x1, y1, x2, y2), None, (x2 - x1) * (y2 - y1), None)


def _decode(line: str, width: int, height: int) -> tuple[float, ...]:
    _cls, cx, cy, w, h = (float(v) for v in line.split())
    return ((cx - w / 2) * width, (cy - h / 2) * height, (cx + w / 2) * width, (cy + h / 2) * height)


def test_yolo_clips_the_corners_not_the_centre_and_size() -> None:
    line = yolo_line(_box(-5, 10, 330, 50), 320, 240, segment=False)
    assert line is not None
    x1, y1, x2, y2 = _decode(line, 320, 240)
    assert (round(x1, 3), round(y1, 3), round(x2, 3), round(y2, 3)) == (0, 10, 320, 50)
    assert yolo_line(_box(400, 10, 500, 50), 320, 240, segment=False) is None  # nothing inside


def _image(folder: Path, name: str, size: tuple[int, int] = (320, 240)) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    PILImage.new("RGB", size).save(folder / name)


def test_data_yaml_is_yaml_and_an_emoji_label_comes_back(tmp_path: Path) -> None:
    labels = ["🐱 cat", "voiture élégante", "a: b # c"]
    _image(tmp_path / "images" / "train", "x.png")
    images = [Image(1, "x.png", "train", 320, 240, "images/train/x.png", None,
                    [_box(0, 0, 10, 10, labels[0], 0), _box(5, 5, 20, 20, labels[2], 2)])]
    write_yolo(images, ["train"], labels, ExportFiles(tmp_path))
    text = (tmp_path / "data.yaml").read_text(encoding="utf-8")
    assert "🐱 cat" in text and "\\u" not in text  # written as itself, not escaped
    assert yaml.safe_load(text)["names"] == dict(enumerate(labels))
    (found,) = read_yolo(tmp_path)
    assert sorted(a["label"] for a in found.annotations) == sorted([labels[0], labels[2]])


def test_voc_clips_to_the_image_and_never_writes_xmin_after_xmax(tmp_path: Path) -> None:
    _image(tmp_path / "JPEGImages", "x.png")
    shapes = [_box(-5, -5, 400, 300, "outside"),     # clipped to the image
              _box(10, 10, 10, 30, "zero width"),    # no area: not written
              _box(400, 10, 450, 30, "beyond"),      # nothing inside: not written
              _box(10, 20, 30, 40, "plain")]
    notes: Counter[str] = Counter()
    write_voc([Image(1, "x.png", "train", 320, 240, "JPEGImages/x.png", None, shapes)], ["train"],
              ExportFiles(tmp_path), notes=notes)
    root = ElementTree.parse(tmp_path / "Annotations" / "x.xml").getroot()
    boxes = {o.findtext("name"): [float(o.findtext(f"bndbox/{k}") or "nan")
                                  for k in ("xmin", "ymin", "xmax", "ymax")]
             for o in root.findall("object")}
    assert boxes == {"outside": [1, 1, 320, 240], "plain": [11, 21, 30, 40]}
    assert all(b[0] <= b[2] and b[1] <= b[3] for b in boxes.values())
    assert notes == {"no_area_in_image": 2, "clipped": 1}
    (found,) = read_voc(tmp_path)
    assert found.size == (320, 240)
    assert [a["coordinates"] for a in found.annotations] == [[0, 0, 320, 240], [10, 20, 30, 40]]
