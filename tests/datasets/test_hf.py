"""``Snapshot.to_hf_dataset`` against the COCO export of the same snapshot, read back by
``datasets`` itself after ``save_to_disk`` / ``load_from_disk``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from synapse_nb.datasets import Snapshot, snapshot
from synapse_nb.frames import tasks_frame

datasets = pytest.importorskip("datasets", reason="datasets is the [datasets] extra")

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def _coco(dest: Path) -> dict[str, dict[int, dict[str, Any]]]:
    """``{split: {image_id: {file_name, width, height, bytes, objects: [...]}}}`` of a COCO
    export, objects in annotation-id order."""
    out: dict[str, dict[int, dict[str, Any]]] = {}
    for path in sorted((dest / "annotations").glob("instances_*.json")):
        split = path.stem.removeprefix("instances_")
        doc = json.loads(path.read_text())
        names = {c["id"]: c["name"] for c in doc["categories"]}
        images = {img["id"]: {"file_name": img["file_name"], "width": img["width"],
                              "height": img["height"], "objects": [],
                              "bytes": (dest / "images" / split / img["file_name"]).read_bytes()}
                  for img in doc["images"]}
        for a in sorted(doc["annotations"], key=lambda a: a["id"]):
            images[a["image_id"]]["objects"].append(
                (a["id"], a["bbox"], names[a["category_id"]], a["area"], a["segmentation"]))
        out[split] = images
    return out


def _hf(dd: Any, polygons: bool) -> dict[str, dict[int, dict[str, Any]]]:
    """The same shape from a DatasetDict, category names read from its own ClassLabel."""
    out: dict[str, dict[int, dict[str, Any]]] = {}
    for split, part in dd.items():
        names = part.features["objects"]["category"].feature.names
        raw = part.cast_column("image", datasets.Image(decode=False))
        images = {}
        for row in raw:
            o = row["objects"]
            segs = o["segmentation"] if polygons else [[]] * len(o["id"])
            images[row["image_id"]] = {
                "file_name": row["image"]["path"], "width": row["width"], "height": row["height"],
                "bytes": row["image"]["bytes"],
                "objects": [(i, b, names[c], a, s) for i, b, c, a, s in
                            zip(o["id"], o["bbox"], o["category"], o["area"], segs)]}
        out[split] = images
    return out


@pytest.mark.parametrize("which", ["boxes", "polygons"])
def test_the_hf_dataset_equals_the_coco_export(which: str, request: pytest.FixtureRequest,
                                                tmp_path: Path) -> None:
    snap: Snapshot = request.getfixturevalue(which)
    coco = _coco(snap.export(tmp_path / "coco", format="coco", progress=False))
    built = snap.to_hf_dataset(cache_dir=tmp_path / "hf", progress=False)
    built.save_to_disk(str(tmp_path / "saved"))
    loaded = datasets.load_from_disk(str(tmp_path / "saved"))

    assert isinstance(loaded, datasets.DatasetDict)
    assert set(loaded) == set(coco) == set(snap.records["split"])
    for part in loaded.values():
        assert part.features["objects"]["category"].feature.names == snap.labels
        assert ("segmentation" in part.features["objects"]) == (which == "polygons")
        assert snap.manifest["hash"] in part.info.description
    got = _hf(loaded, polygons=which == "polygons")
    assert got == coco  # same images (bytes), sizes, boxes, ids, categories, splits
    assert sum(len(v) for v in got.values()) == len(snap.records)
    assert sum(len(img["objects"]) for v in got.values() for img in v.values()) == len(snap.frame)


def test_lineage_columns_name_the_source_rows(boxes: Snapshot, tmp_path: Path) -> None:
    assert datasets.is_progress_bar_enabled()
    dd = boxes.to_hf_dataset(images=False, cache_dir=tmp_path / "hf", progress=False)
    assert datasets.is_progress_bar_enabled(), "progress=False silences datasets' bars only during the call"
    assert "image" not in dd["train"].features
    events = dict(zip(boxes.records["data_unit"], boxes.records["source_id"]))
    for part in dd.values():
        for row in part:
            assert row["data_unit"] == row["image_id"]
            assert row["ground_truth_event"] == events[row["data_unit"]]
            assert row["task"] is None


def test_with_transform_feeds_a_training_loop(boxes: Snapshot, tmp_path: Path) -> None:
    dd = boxes.to_hf_dataset(cache_dir=tmp_path / "hf", progress=False)
    names = dd["train"].features["objects"]["category"].feature.names

    def to_arrays(batch: dict[str, list[Any]]) -> dict[str, list[Any]]:
        return {"pixels": [np.asarray(img.convert("RGB")) for img in batch["image"]],
                "boxes": [np.asarray(o["bbox"], dtype="float32").reshape(-1, 4)
                          for o in batch["objects"]],
                "names": [[names[c] for c in o["category"]] for o in batch["objects"]]}

    train = dd["train"].with_transform(to_arrays)
    sample = train[0]
    row = dd["train"][0]
    assert sample["pixels"].shape == (row["height"], row["width"], 3)
    assert sample["boxes"].tolist() == row["objects"]["bbox"]
    assert set(sample["names"]) <= set(boxes.labels) and len(sample["names"]) == len(row["objects"]["id"])
    batch = train[:4]
    assert len(batch["pixels"]) == 4


def test_a_second_call_reuses_the_fetched_images_and_the_shards(client: Any, boxes: Snapshot,
                                                                tmp_path: Path) -> None:
    first = boxes.to_hf_dataset(cache_dir=tmp_path / "hf", progress=False)
    calls: list[str] = []
    download = client.download  # what the export's fetcher fetches with

    def counting(url: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(url)
        return download(url, *args, **kwargs)

    client.download = counting
    try:
        boxes.to_hf_dataset(cache_dir=tmp_path / "hf-fresh", progress=False)
        assert len(calls) == boxes.manifest["images"]  # the counter sees the fetches
        calls.clear()
        second = boxes.to_hf_dataset(cache_dir=tmp_path / "hf", progress=False)
    finally:
        del client.download
    assert calls == []
    assert {k: v.cache_files for k, v in first.items()} == {k: v.cache_files for k, v in second.items()}


def test_a_classification_snapshot_has_a_class_label(client: Any, tmp_path: Path) -> None:
    tasks = tasks_frame(client, project=3, status="completed", progress=False).head(30)
    snap = snapshot(client, tasks=tasks, split={"train": 0.8, "val": 0.2}, progress=False)
    dd = snap.to_hf_dataset(cache_dir=tmp_path / "hf", progress=False)
    want = {int(u): label for u, label in zip(snap.frame["data_unit"], snap.frame["label"])}
    assert set(dd) == {"train", "val"}
    seen = 0
    for part in dd.values():
        feature = part.features["label"]
        assert isinstance(feature, datasets.ClassLabel) and feature.names == snap.labels
        assert "objects" not in part.features
        for row in part.select_columns(["data_unit", "task", "label"]):
            assert feature.int2str(row["label"]) == want[row["data_unit"]]
            assert row["task"] in tasks.index
            seen += 1
    assert seen == len(snap.records)


def test_two_labels_on_one_image_are_refused_with_the_units_named(client: Any, tmp_path: Path) -> None:
    tasks = tasks_frame(client, project=3, status="completed", progress=False).head(5)
    snap = snapshot(client, tasks=tasks, progress=False)
    unit = int(snap.frame["data_unit"].iloc[0])
    other = next(label for label in snap.labels if label != snap.frame["label"].iloc[0])
    extra = snap.frame.iloc[[0]].assign(label=other, index=99)
    snap.frame = pd.concat([snap.frame, extra], ignore_index=True)
    with pytest.raises(ValueError, match=rf"more than one classification label.*{unit}"):
        snap.to_hf_dataset(images=False, cache_dir=tmp_path / "hf", progress=False)


@pytest.mark.slow
def test_peak_memory_is_flat_from_1k_to_10k_images(tmp_path: Path) -> None:
    """Each run in its own process (hf_memory_child.py): 10x the images (~76 MB more
    image bytes) adds only the per-image bookkeeping (ledger, lineage: under 1 kB each)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = {}
    for n in (1_000, 10_000):
        proc = subprocess.run([sys.executable, str(HERE / "hf_memory_child.py"), str(n),
                               str(tmp_path / str(n))], capture_output=True, text=True, env=env,
                              timeout=300)
        assert proc.returncode == 0, proc.stderr[-3000:]
        runs[n] = json.loads(proc.stdout.strip().splitlines()[-1])
        assert runs[n]["rows"] == runs[n]["requests"] == n
    added_images = runs[10_000]["arrow_bytes"] - runs[1_000]["arrow_bytes"]
    added_memory = runs[10_000]["growth"] - runs[1_000]["growth"]
    assert added_images > 60e6
    # holding the images would add at least added_images; the bookkeeping is ~1 kB an image
    assert added_memory < 0.25 * added_images, runs
