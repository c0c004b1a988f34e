"""The way back: exported annotations imported onto tasks.

On an isolated server: a COCO export of ground-truth version 2 is uploaded as new data
units with fresh tasks (no annotations), imported onto them (matched by checksum), and the
tasks then hold the same annotations as the version; a second run writes nothing. VOC and
YOLO exports of the same version are matched to the demo tasks by file name and found
already equal (nothing to write).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from synapse_nb.client import SynapseClient
from synapse_nb.datasets import import_annotations, snapshot
from synapse_nb.frames import annotations_frame, tasks_frame
from synapse_nb.upload import upload_folder

pytest.importorskip("yaml", reason="reading YOLO's data.yaml needs PyYAML (the [ml] extra)")


def _shapes(ann: pd.DataFrame, name_of: dict[int, str]) -> dict[str, list]:
    out: dict[str, list] = {}
    for r in ann.itertuples():
        out.setdefault(name_of[int(r.data_unit)], []).append(
            (r.label, str(r.type), round(r.x1, 2), round(r.y1, 2), round(r.x2, 2), round(r.y2, 2)))
    return {k: sorted(v) for k, v in out.items()}


@pytest.fixture
def server_client(make_server: Any) -> Any:
    server = make_server(scale=200)
    with SynapseClient(server.base_url, access_token=server.access_token) as client:
        yield server, client


def test_voc_and_yolo_match_demo_tasks_by_name(server_client: Any, tmp_path: Path) -> None:
    _server, client = server_client
    snap = snapshot(client, ground_truth_dataset_version=2, progress=False)
    for fmt in ("voc", "yolo"):
        dest = snap.export(tmp_path / fmt, format=fmt, progress=False)
        plan = import_annotations(client, dest, format=fmt, project=1)
        assert len(plan) == len(snap.records)
        assert set(plan.matched_by) == {"checksum"}  # demo checksums are the files' md5s
        assert dict(zip(plan.image, plan.data_unit)) == dict(
            zip(snap.records.file_name, snap.records.data_unit))
        # the version's events equal the tasks' annotations: nothing to write
        assert plan.attrs["summary"] == {"unchanged": len(plan)}, plan[plan.status != "unchanged"]


def test_coco_round_trip_onto_fresh_tasks(server_client: Any, tmp_path: Path) -> None:
    _server, client = server_client
    snap = snapshot(client, ground_truth_dataset_version=2, progress=False)
    dest = snap.export(tmp_path / "coco", format="coco", progress=False)
    folder = tmp_path / "upload" / "image_1"
    folder.mkdir(parents=True)
    for image in (dest / "images").rglob("*.png"):
        # new files (the demo's checksums are the md5s of its images): the same pixels with
        # a text chunk, in the export and in the folder to upload
        with Image.open(image) as img:
            info = PngInfo()
            info.add_text("copy", "fresh")
            img.save(image, pnginfo=info)
        shutil.copy(image, folder / image.name)
    report = upload_folder(client, 1, folder.parent, project=1, progress=False)
    assert (report.status == "created").sum() == len(snap.records), report.status.value_counts()
    new_units = [int(u) for u in report.data_unit]
    fresh = tasks_frame(client, project=1, data_unit=new_units, progress=False)
    assert len(fresh) == len(new_units) and fresh.data.isna().all()

    plan = import_annotations(client, dest, format="coco", project=1)  # dry run
    assert plan.attrs["summary"] == {"write": len(snap.records)}
    assert set(plan.matched_by) == {"checksum"} and set(plan.data_unit) == set(new_units)
    assert tasks_frame(client, project=1, data_unit=new_units, progress=False).data.isna().all()

    written = import_annotations(client, dest, format="coco", project=1, dry_run=False)
    assert written.attrs["summary"] == {"written": len(snap.records)}, written.reason.dropna()

    after = tasks_frame(client, project=1, data_unit=new_units, progress=False)
    assert (after.status == "completed").all()
    unit_name = dict(zip(written.data_unit.astype(int), written.image))
    got = _shapes(annotations_frame(after, of="tasks"), unit_name)
    want = _shapes(snap.frame, dict(zip(snap.records.data_unit, snap.records.file_name)))
    assert got == want

    again = import_annotations(client, dest, format="coco", project=1, dry_run=False)
    assert again.attrs["summary"] == {"unchanged": len(snap.records)}
    later = tasks_frame(client, project=1, data_unit=new_units, progress=False)
    assert later.modified.equals(after.modified), "the second run wrote something"

    # uploaded units declare their content md5: an export verifies every file against it
    fresh_snap = snapshot(client, tasks=later, progress=False)
    checks = json.loads((fresh_snap.export(tmp_path / "verified", strict_checksums=True,
                                           progress=False) / "manifest.json").read_text())
    assert checks["export"]["checksums"]["verified"] == len(new_units)
    assert checks["export"]["checksums"]["unverified"] == 0


def test_import_reports_unmatched_and_unknown_labels(server_client: Any, tmp_path: Path) -> None:
    _server, client = server_client
    coco = tmp_path / "x.json"
    coco.write_text(
        '{"images": [{"id": 1, "file_name": "nowhere.png", "width": 9, "height": 9},'
        ' {"id": 2, "file_name": "detection_000001_image_1.png", "width": 320, "height": 240}],'
        ' "categories": [{"id": 1, "name": "zebra"}],'
        ' "annotations": [{"id": 1, "image_id": 2, "category_id": 1, "bbox": [1, 2, 3, 4]}]}')
    plan = import_annotations(client, coco, format="coco", project=1, dry_run=False)
    by_image = plan.set_index("image")
    assert by_image.at["nowhere.png", "status"] == "unmatched"
    assert by_image.at["detection_000001_image_1.png", "status"] == "unknown_label"
    assert "zebra" in by_image.at["detection_000001_image_1.png", "reason"]
    with pytest.raises(ValueError, match="format must be one of"):
        import_annotations(client, coco, format="labelme", project=1)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        import_annotations(client, tmp_path / "missing", format="coco", project=1)


def test_strict_checksums_refuse_a_declared_checksum_that_is_not_the_content(
        server_client: Any, tmp_path: Path) -> None:
    from synapse_nb.datasets.fetch import FetchError

    _server, client = server_client
    snap = snapshot(client, tasks=[1, 2], progress=False)
    # the demo's checksums are the md5s of its images: strict passes ...
    snap.export(tmp_path / "ok", strict_checksums=True, progress=False)
    # ... and fails once a declared checksum is not the content
    first = snap.records.index[0]
    snap.records.loc[first, "checksum"] = "0" * 32
    with pytest.raises(FetchError, match="differs from the declared checksum"):
        snap.export(tmp_path / "x", strict_checksums=True, progress=False)


def test_as_predictions_keeps_scores_and_leaves_the_task_open(server_client: Any,
                                                              tmp_path: Path) -> None:
    _server, client = server_client
    coco = tmp_path / "pred.json"
    coco.write_text(
        '{"images": [{"id": 7, "file_name": "detection_000003_image_1.png", "width": 320,'
        ' "height": 240}], "categories": [{"id": 1, "name": "car"}],'
        ' "annotations": [{"id": 1, "image_id": 7, "category_id": 1, "bbox": [10, 20, 30, 40],'
        ' "score": 0.42}]}')
    plan = import_annotations(client, coco, format="coco", project=1, as_predictions=True,
                              dry_run=False)
    assert plan.attrs["summary"] == {"written": 1}
    task = tasks_frame(client, project=1, data_unit=[3], progress=False).iloc[0]
    ann = annotations_frame(tasks_frame(client, project=1, data_unit=[3], progress=False))
    assert task.status == "in_progress"  # saved, not submitted
    assert ann[["label", "x1", "y1", "x2", "y2", "confidence"]].values.tolist() == [
        ["car", 10.0, 20.0, 40.0, 60.0, 0.42]]
    again = import_annotations(client, coco, format="coco", project=1, as_predictions=True)
    assert again.attrs["summary"] == {"unchanged": 1}
