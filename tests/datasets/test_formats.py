"""Exports read back by independent libraries: COCO by pycocotools, YOLO and VOC by
supervision, against the ground-truth version's own annotations frame."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from synapse_nb.datasets import Snapshot, snapshot
from synapse_nb.frames import annotations_frame, ground_truth_events_frame, tasks_frame

pycocotools_coco = pytest.importorskip("pycocotools.coco", reason="pycocotools is the [ml] extra")
sv = pytest.importorskip("supervision", reason="supervision is a dev extra")
yaml = pytest.importorskip("yaml", reason="YOLO's data.yaml is written with PyYAML (the [ml] extra)")


def _truth(client: Any, version: int) -> pd.DataFrame:
    """The version's annotations, fetched independently of the snapshot."""
    events = ground_truth_events_frame(client, ground_truth_dataset_versions=version, progress=False)
    return annotations_frame(events, of="ground_truth_events")


def _boxes_by(ann: pd.DataFrame, key: dict[int, Any] | None = None,
              digits: int = 3) -> dict[Any, list[tuple[str, float, float, float, float]]]:
    """Sorted (label, x1, y1, x2, y2) per data unit (or per ``key[data_unit]``)."""
    out: dict[Any, list] = {} if key is None else {k: [] for k in key.values()}
    for r in ann.itertuples():
        unit = int(r.data_unit)
        out.setdefault(unit if key is None else key[unit], []).append(
            (r.label, *(round(v, digits) for v in (r.x1, r.y1, r.x2, r.y2))))
    return {k: sorted(v) for k, v in out.items()}


def test_coco_boxes_read_by_pycocotools(client: Any, boxes: Snapshot, tmp_path: Path) -> None:
    dest = boxes.export(tmp_path / "coco", format="coco", progress=False)
    truth = _truth(client, 2)
    got: dict[int, list] = {}
    ann_ids: list[int] = []
    image_ids: set[int] = set()
    for split in ("train", "validation", "test"):
        coco = pycocotools_coco.COCO(str(dest / "annotations" / f"instances_{split}.json"))
        names = {c["id"]: c["name"] for c in coco.loadCats(coco.getCatIds())}
        assert list(names.values()) == ["person", "car", "bicycle", "truck", "traffic_light"]
        for img in coco.loadImgs(coco.getImgIds()):
            assert (dest / "images" / split / img["file_name"]).is_file()
            assert (img["width"], img["height"]) == (320, 240)
            assert img["id"] not in image_ids
            image_ids.add(img["id"])
            for a in coco.loadAnns(coco.getAnnIds(imgIds=[img["id"]])):
                x, y, w, h = a["bbox"]
                got.setdefault(img["id"], []).append(
                    (names[a["category_id"]], round(x, 3), round(y, 3), round(x + w, 3),
                     round(y + h, 3)))
                ann_ids.append(a["id"])
    assert image_ids == set(truth.data_unit.astype(int))
    assert {k: sorted(v) for k, v in got.items()} == _boxes_by(truth)
    assert len(ann_ids) == len(set(ann_ids)) == len(truth), "annotation ids must be unique"
    # split folders follow the events' categories
    events = ground_truth_events_frame(client, ground_truth_dataset_versions=2, progress=False)
    want = Counter(events.category.astype(str))
    assert {s: len(list((dest / "images" / s).iterdir())) for s in want} == dict(want)


def test_coco_polygons_read_by_pycocotools(client: Any, polygons: Snapshot, tmp_path: Path) -> None:
    dest = polygons.export(tmp_path / "coco", format="coco", progress=False)
    truth = _truth(client, 3)
    want = {(int(r.data_unit), r.label): [] for r in truth.itertuples()}
    for r in truth.itertuples():
        want[(int(r.data_unit), r.label)].append(sorted(round(v, 3) for p in r.points for v in p))
    got: dict[tuple[int, str], list] = {}
    for path in (dest / "annotations").glob("instances_*.json"):
        coco = pycocotools_coco.COCO(str(path))
        for a in coco.loadAnns(coco.getAnnIds()):
            img = coco.loadImgs([a["image_id"]])[0]
            mask = coco.annToMask(a)  # pycocotools rasterises the polygon
            assert mask.shape == (img["height"], img["width"]) and mask.sum() > 0
            name = coco.loadCats([a["category_id"]])[0]["name"]
            got.setdefault((a["image_id"], name), []).append(
                sorted(round(v, 3) for v in a["segmentation"][0]))
    assert {k: sorted(v) for k, v in got.items()} == {k: sorted(v) for k, v in want.items()}


def test_coco_keeps_images_without_annotations(client: Any, tmp_path: Path) -> None:
    tasks = tasks_frame(client, project=1, id__in=list(range(1, 61)), progress=False)
    empty = tasks[tasks.annotation_count.fillna(0) == 0]
    assert len(empty) > 0, "the first 60 demo tasks include pending ones"
    snap = snapshot(client, tasks=tasks, progress=False)
    dest = snap.export(tmp_path / "coco", format="coco", progress=False)
    coco = pycocotools_coco.COCO(str(dest / "annotations" / "instances_all.json"))
    ids = set(coco.getImgIds())
    assert ids == set(tasks.data_unit.astype(int))
    for unit in empty.data_unit.astype(int):
        assert unit in ids and coco.getAnnIds(imgIds=[unit]) == []


def _sv_boxes(ds: Any, classes: list[str]) -> dict[str, list]:
    out = {}
    for path, _image, det in ds:
        out[Path(path).name] = sorted(
            (classes[c], *(round(float(v), 2) for v in xyxy))
            for xyxy, c in zip(det.xyxy, det.class_id))
    return out


def _expected(snap: Snapshot, truth: pd.DataFrame) -> dict[str, list]:
    return _boxes_by(truth, dict(zip(snap.records.data_unit, snap.records.file_name)), digits=2)


def test_yolo_detection_read_by_supervision(client: Any, boxes: Snapshot, tmp_path: Path) -> None:
    dest = boxes.export(tmp_path / "yolo", format="yolo", progress=False)
    truth = _truth(client, 2)
    got: dict[str, list] = {}
    for split in ("train", "validation", "test"):
        ds = sv.DetectionDataset.from_yolo(str(dest / "images" / split),
                                           str(dest / "labels" / split), str(dest / "data.yaml"))
        assert ds.classes == boxes.labels
        got.update(_sv_boxes(ds, ds.classes))
    want = _expected(boxes, truth)
    assert got.keys() == want.keys()
    for name, shapes in want.items():  # normalised to 6 decimals: within 0.01 px
        assert [s[0] for s in got[name]] == [s[0] for s in shapes], name
        np.testing.assert_allclose([s[1:] for s in got[name]], [s[1:] for s in shapes],
                                   atol=0.01, err_msg=name) if shapes else None
    data = yaml.safe_load((dest / "data.yaml").read_text(encoding="utf-8"))
    assert (data["train"], data["val"], data["test"]) == (
        "images/train", "images/validation", "images/test")


def test_yolo_segmentation_read_by_supervision(client: Any, polygons: Snapshot,
                                               tmp_path: Path) -> None:
    dest = polygons.export(tmp_path / "yolo", format="yolo", progress=False)
    truth = _truth(client, 3)
    for split in dict.fromkeys(polygons.records.split):
        ds = sv.DetectionDataset.from_yolo(str(dest / "images" / split),
                                           str(dest / "labels" / split), str(dest / "data.yaml"))
        for path, _image, det in ds:
            unit = int(polygons.records.set_index("file_name").data_unit[Path(path).name])
            rows = truth[truth.data_unit == unit]
            assert det.mask is not None and len(det) == len(rows)  # polygons -> masks
            assert sorted(ds.classes[c] for c in det.class_id) == sorted(rows.label)


def test_voc_read_by_supervision(client: Any, boxes: Snapshot, tmp_path: Path) -> None:
    dest = boxes.export(tmp_path / "voc", format="voc", progress=False)
    truth = _truth(client, 2)
    ds = sv.DetectionDataset.from_pascal_voc(str(dest / "JPEGImages"), str(dest / "Annotations"))
    got = _sv_boxes(ds, ds.classes)
    # written 1-based (xmin = x1 + 1); supervision reads VOC minima back to 0-based
    assert got == _expected(boxes, truth)
    sets = {p.stem: p.read_text().split() for p in (dest / "ImageSets" / "Main").glob("*.txt")}
    assert sum(len(v) for v in sets.values()) == len(boxes.records)
    assert set(sets) == {"train", "validation", "test"}


def test_manifest_and_parquet(boxes: Snapshot, tmp_path: Path) -> None:
    dest = boxes.export(tmp_path / "pq", format="parquet", progress=False)
    frame = pd.read_parquet(dest / "annotations.parquet")
    assert len(frame) == len(boxes.frame) and "split" in frame.columns
    manifest = json.loads((dest / "manifest.json").read_text())
    assert manifest["hash"] == boxes.manifest["hash"]
    assert set(manifest["export"]["md5"]) == {f"images/{s}/{n}" for s, n in
                                             zip(boxes.records.split, boxes.records.file_name)}
    for rel, md5 in list(manifest["export"]["md5"].items())[:20]:
        import hashlib
        assert hashlib.md5((dest / rel).read_bytes()).hexdigest() == md5
