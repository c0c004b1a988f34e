"""What an import may overwrite, and what it refuses: an image listed without annotations
keeps the task's (unless asked), bad geometry and scores are ``invalid`` with a reason
and never written, and a file that cannot be read says which file and which line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from synapse_nb.client import SynapseClient
from synapse_nb.datasets import import_annotations
from synapse_nb.datasets.readers import AnnotationFileError
from synapse_nb.frames import annotations_frame, tasks_frame

pytest.importorskip("yaml", reason="reading YOLO's data.yaml needs PyYAML (the [ml] extra)")

IMAGE = "detection_000003_image_1.png"  # demo unit 3 of project 1, 320 x 240, annotated


def _coco(path: Path, annotations: list[dict[str, Any]], image: str = IMAGE) -> Path:
    path.write_text(json.dumps({
        "images": [{"id": 3, "file_name": image, "width": 320, "height": 240}],
        "categories": [{"id": 1, "name": "car"}],
        "annotations": [{"id": i, "image_id": 3, "category_id": 1, **a}
                        for i, a in enumerate(annotations, start=1)]}))
    return path


def test_an_image_listed_without_annotations_keeps_the_tasks(make_server: Any, tmp_path: Path) -> None:
    server = make_server(scale=200)
    with SynapseClient(server.base_url, access_token=server.access_token) as client:
        before = annotations_frame(tasks_frame(client, project=1, data_unit=[3], progress=False))
        assert len(before) > 0
        coco = _coco(tmp_path / "empty.json", [])
        plan = import_annotations(client, coco, format="coco", project=1, dry_run=False)
        assert plan.status.tolist() == ["empty"]
        assert "keeps its" in plan.reason[0] and "replace_empty=True" in plan.reason[0]
        after = annotations_frame(tasks_frame(client, project=1, data_unit=[3], progress=False))
        assert after[["label", "x1", "y1", "x2", "y2"]].equals(before[["label", "x1", "y1", "x2", "y2"]])

        cleared = import_annotations(client, coco, format="coco", project=1, dry_run=False,
                                     replace_empty=True)
        assert cleared.status.tolist() == ["written"]
        assert annotations_frame(tasks_frame(client, project=1, data_unit=[3], progress=False)).empty


@pytest.mark.parametrize("ann, reason", [
    ({"bbox": [50, 60, -20, 30]}, "inverted box: x2 (30) < x1 (50)"),
    ({"bbox": [50, 60, 20, -30]}, "inverted box: y2 (30) < y1 (60)"),
    ({"bbox": [float("nan"), 60, 20, 30]}, "x1 is NaN"),
    ({"bbox": [10, 60, float("inf"), 30]}, "x2 is inf"),
    ({"bbox": [300, 60, 50, 30]}, "outside the 320x240 image"),
    ({"bbox": [10, 20, 30, 40], "score": 7.0}, "score 7.0 is outside [0, 1]"),
    ({"bbox": [10, 20, 30, 40], "score": -2}, "score -2.0 is outside [0, 1]"),
    ({"segmentation": [[10, 10, 20, 10, 20, 900]], "bbox": [10, 10, 10, 890]}, "outside the 320x240"),
])
def test_bad_geometry_and_scores_are_invalid_with_a_reason(client: Any, tmp_path: Path,
                                                          ann: dict, reason: str) -> None:
    coco = _coco(tmp_path / "bad.json", [{"bbox": [1, 2, 3, 4]}, ann])
    plan = import_annotations(client, coco, format="coco", project=1, as_predictions=True,
                              progress=False)
    assert plan.status.tolist() == ["invalid"], plan.reason.tolist()
    assert plan.reason[0].startswith("annotation 2 (car): ") and reason in plan.reason[0]
    assert plan.payload.isna().all()  # nothing that could be written


@pytest.mark.parametrize("doc, where", [
    ({"images": [{"id": 3, "file_name": IMAGE}], "categories": [{"id": 1, "name": "car"}],
      "annotations": [{"id": 9, "image_id": 3, "category_id": 1}]},
     "annotations[0] (id 9): no 'bbox'"),
    ({"images": [{"file_name": IMAGE}], "categories": [], "annotations": []}, "images[0] has no 'id'"),
    ({"images": [], "categories": [{"id": 1}], "annotations": []}, "a category without 'id' or 'name'"),
])
def test_coco_errors_name_the_file_and_the_annotation(client: Any, tmp_path: Path, doc: dict,
                                                      where: str) -> None:
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(AnnotationFileError) as err:
        import_annotations(client, path, format="coco", project=1)
    assert str(path) in str(err.value) and where in str(err.value)


def test_yolo_and_voc_errors_name_the_file_and_the_line(client: Any, tmp_path: Path) -> None:
    from PIL import Image

    yolo = tmp_path / "yolo"
    (yolo / "images" / "train").mkdir(parents=True)
    (yolo / "labels" / "train").mkdir(parents=True)
    Image.new("RGB", (32, 24)).save(yolo / "images" / "train" / "x.png")
    (yolo / "data.yaml").write_text("names: [car]\n")
    label = yolo / "labels" / "train" / "x.txt"
    label.write_text("0 0.5 0.5 0.1 0.1\ncar 0.5 0.5 0.1 0.1\n")
    with pytest.raises(AnnotationFileError, match=rf"{label}:2: not a YOLO line"):
        import_annotations(client, yolo, format="yolo", project=1)

    voc = tmp_path / "voc"
    (voc / "Annotations").mkdir(parents=True)
    xml = voc / "Annotations" / "x.xml"
    xml.write_text("<annotation><filename>x.png</filename><object><name>car</name><bndbox>"
                   "<xmin>1</xmin><ymin>1</ymin><xmax>ten</xmax><ymax>9</ymax></bndbox></object>"
                   "</annotation>")
    with pytest.raises(AnnotationFileError, match=rf"{xml}: object 1: <xmax> is 'ten'"):
        import_annotations(client, voc, format="voc", project=1)
