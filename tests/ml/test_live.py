"""The ML functions against the reference server: the demo predictions evaluated like COCOeval,
agreement on the multi-annotator tasks, log_model round trip, compare_models, and
upload_predictions planned, idempotent and resumable after a SIGKILL."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, cohen_kappa_score

import synapse_nb as snb
from synapse_nb.client import SynapseClient

from .synth import reference_cocoeval

CHILD = Path(__file__).with_name("upload_child.py")


@pytest.fixture(scope="module")
def client(live_server):
    with SynapseClient(live_server.base_url, access_token=live_server.access_token) as c:
        yield c


def _gt(client, version):
    return snb.annotations_frame(client, of="ground_truth_events",
                                 ground_truth_dataset_versions=version, progress=False)


def test_demo_predictions_evaluated_like_cocoeval(client):
    gt, pred = _gt(client, 2), snb.predictions_frame(client, model=2)
    ev = snb.evaluate_detections(pred, gt)
    ref = reference_cocoeval(gt, pred.drop(columns=["points"]), "bbox")
    stats = np.where(ref.stats == -1, np.nan, ref.stats)
    np.testing.assert_allclose(ev.summary.iloc[:12].to_numpy(), stats, atol=1e-12)
    # realistic errors: misses, false positives, confusions, every size present
    outcomes = ev.matches["outcome"].value_counts()
    assert outcomes["FN"] > 0 and outcomes["FP"] > 0 and outcomes["TP"] > outcomes["FN"]
    cm = ev.confusion_matrix
    assert cm.loc["car", "truck"] > 0 and cm.loc["background"].sum() > 0
    assert ev.summary[["mAP_small", "mAP_medium", "mAP_large"]].notna().all()
    assert ev.summary["mAP_small"] < ev.summary["mAP_large"]
    counts = gt["label"].value_counts()
    assert counts["person"] > 2 * counts["traffic_light"]  # labels are not balanced
    # the nano model (1) is worse than the small one (2), on its own gt version
    nano = snb.evaluate_detections(snb.predictions_frame(client, model=1), _gt(client, 1))
    assert nano.summary["mAP"] < ev.summary["mAP"]


def test_demo_polygons_evaluated_like_cocoeval(client):
    gt, pred = _gt(client, 3), snb.predictions_frame(client, model=3)
    ev = snb.evaluate_detections(pred, gt)
    assert ev.iou_type == "segm"
    ref = reference_cocoeval(gt, pred, "segm")
    np.testing.assert_allclose(ev.summary.iloc[:12].to_numpy(),
                               np.where(ref.stats == -1, np.nan, ref.stats), atol=1e-12)


def test_demo_classifier_against_the_task_labels(client):
    pred = snb.predictions_frame(client, model=4)
    labels = snb.annotations_frame(client, project=3, status="completed", progress=False)
    gt = labels[labels["data_unit"].isin(pred["data_unit"])]
    rep = snb.evaluate_classification(pred, gt)
    truth = gt.set_index("data_unit")["label"]
    guess = pred.set_index("data_unit")["label"].reindex(truth.index)
    assert len(truth) == len(pred) > 50
    assert rep.accuracy == pytest.approx(accuracy_score(truth, guess))
    assert 0.75 < rep.accuracy < 0.97


def test_agreement_on_demo_multi_annotator_tasks(client):
    boxes = snb.annotator_annotations(client, project=1)
    per_task = boxes.groupby("task")["annotator"].nunique()
    assert (per_task >= 2).sum() > 20 and (per_task == 3).sum() > 0
    multi = boxes[boxes["task"].isin(per_task[per_task >= 2].index)]
    gt = _gt(client, 2).merge(snb.tasks_frame(client, project=1, progress=False)[["data_unit"]]
                              .reset_index().rename(columns={"id": "task"}), on="data_unit")
    ag = snb.agreement(multi, ground_truth=gt)
    assert ag.kind == "boxes" and len(ag.pairs) >= 5
    assert 0.3 < ag.summary["f1"] < 1
    vs = ag.vs_ground_truth
    assert vs.loc["carol", "recall"] < vs.loc["bob", "recall"]  # carol misses small objects
    assert len(ag.consensus) > 0

    labels = snb.annotator_annotations(client, project=3)
    multi = labels[labels["task"].isin(labels.groupby("task")["annotator"].nunique().loc[lambda s: s >= 2].index)]
    cls = snb.agreement(multi[["task", "annotator", "label"]])
    wide = multi.pivot(index="task", columns="annotator", values="label")
    row = cls.pairs.sort_values("units").iloc[-1]
    both = wide[[row.annotator_a, row.annotator_b]].dropna()
    assert row.cohen_kappa == pytest.approx(cohen_kappa_score(both[row.annotator_a], both[row.annotator_b]))
    assert np.isfinite(cls.summary["krippendorff_alpha"]) and np.isfinite(cls.summary["fleiss_kappa"])


def test_log_model_round_trip_and_leaderboard(make_server, tmp_path):
    # an isolated server: the shared one's model list stays as seeded for other tests
    server = make_server(scale=200)
    client = SynapseClient(server.base_url, access_token=server.access_token)
    gt, pred = _gt(client, 2), snb.predictions_frame(client, model=2)
    ev = snb.evaluate_detections(pred, gt)
    weights = tmp_path / "best.pt"
    weights.write_bytes(os.urandom(300_000))
    made = snb.log_model(client, "yolo-roundtrip", weights, ground_truth_dataset_version=2,
                         evaluation=ev, config={"epochs": 3},
                         snapshot={"hash": "sha256:abc123", "name": "street"})
    back = client.get_model(made["id"])
    assert back["project"] == 1 and back["ground_truth_dataset_version"] == 2
    assert back["metrics"]["mAP50-95"] == pytest.approx(ev.summary["mAP"], abs=1e-6)
    assert back["metrics"]["per_class"]["car"]["AP"] == pytest.approx(ev.per_class.loc["car", "AP"], abs=1e-6)
    assert back["configuration"]["epochs"] == 3
    file_bytes = client.get_bytes(back["file"])
    assert hashlib.md5(file_bytes).hexdigest() == hashlib.md5(weights.read_bytes()).hexdigest()
    models = snb.models_frame(client, project=1, progress=False)
    row = models.loc[made["id"]]
    assert row["lineage.snapshot_manifest_hash"] == "sha256:abc123"
    assert row["lineage.evaluated_on"] == 2
    assert row["lineage.file_md5"] == hashlib.md5(weights.read_bytes()).hexdigest()
    board = snb.compare_models(client, project=1)
    assert board.attrs["metric"] == "mAP50-95" and made["id"] in board.index
    scores = board["mAP50-95"]
    assert scores.dropna().is_monotonic_decreasing and scores.iloc[:scores.notna().sum()].notna().all()
    pytest.importorskip("matplotlib")
    ax = snb.plot_leaderboard(board)
    assert len(ax.patches) == board["mAP50-95"].notna().sum()
    browser = snb.ModelBrowser(board, client=client, columns=["id", "name", "version", "mAP50-95", "mAP50"])
    assert len(browser.frame) == len(board)
    browser.table.click(0)  # the best model's pane compares it with its other versions
    assert "snb-metrics" in browser.detail_html and board.iloc[0]["name"] in browser.detail_html
    client.close()


def test_upload_predictions_plan_send_and_repeat(make_server):
    server = make_server(scale=200)
    with SynapseClient(server.base_url, access_token=server.access_token) as c:
        pred = snb.predictions_frame(c, model=2)
        # the demo's own predictions are already there: a plan finds every one stored
        again = snb.upload_predictions(c, pred, project=1, model=2)
        assert set(again["status"]) == {"exists"} and len(again) == pred["source_id"].nunique()
        plan = snb.upload_predictions(c, pred, project=1, model=1)
        assert plan.attrs["summary"]["new"] > 0
        assert c.list_pre_annotations({"model": 1})["count"] == 30  # dry run wrote nothing
        sent = snb.upload_predictions(c, pred, project=1, model=1, dry_run=False, batch_size=7)
        n = plan.attrs["summary"]["new"]
        assert sent.attrs["summary"].get("created") == n
        assert c.list_pre_annotations({"model": 1})["count"] == 30 + n
        with pytest.raises(TypeError, match="synchronous"):
            snb.upload_predictions(snb.AsyncSynapseClient(server.base_url, access_token=server.access_token),
                                   pred, project=1, model=1)
        twice = snb.upload_predictions(c, pred, project=1, model=1, dry_run=False)
        assert set(twice["status"]) == {"exists"}
        assert c.list_pre_annotations({"model": 1})["count"] == 30 + n
        # the server stored what was planned: same key, same content
        stored = c.list_pre_annotations({"model": 1, "page_size": 1000})["results"]
        by_key = {r["key"]: r for r in stored}
        first = sent.iloc[0]
        assert by_key[first["key"]]["data"] == first["data"] and by_key[first["key"]]["task"] == first["task"]


def test_upload_predictions_coco_results_json(make_server, tmp_path):
    server = make_server(scale=200)
    with SynapseClient(server.base_url, access_token=server.access_token) as c:
        classes = c.get_project(1)["configuration"]["tools"][0]["classes"]
        results = [{"image_id": 3, "category_id": 2, "bbox": [10, 20, 30, 40], "score": 0.9},
                   {"image_id": 3, "category_id": 1, "bbox": [50, 60, 10, 10], "score": 0.4},
                   {"image_id": 99999, "category_id": 1, "bbox": [0, 0, 5, 5], "score": 0.5}]
        path = tmp_path / "results.json"
        path.write_text(__import__("json").dumps(results))
        report = snb.upload_predictions(c, path, project=1, dry_run=False)
        assert report.set_index("data_unit")["status"].to_dict() == {3: "created", 99999: "skipped"}
        stored = c.list_pre_annotations({"task": 3})["results"][-1]["data"]["annotations"]
        assert {(a["label"], tuple(a["coordinates"])) for a in stored} == {
            (classes[1], (10.0, 20.0, 40.0, 60.0)), (classes[0], (50.0, 60.0, 60.0, 70.0))}
        with pytest.raises(ValueError, match="category_id 9"):
            snb.upload_predictions(c, [{"image_id": 3, "category_id": 9, "bbox": [0, 0, 1, 1], "score": 1}],
                                   project=1)


def test_upload_predictions_resumes_after_sigkill(make_server):
    server = make_server(scale=2000, latency_ms=40)
    with SynapseClient(server.base_url, access_token=server.access_token) as c:
        model = c.create_model({"name": "kill-test", "project": 1})["id"]
        expected = snb.upload_predictions(c, snb.predictions_frame(c, model=2), project=1, model=model)
        total = expected.attrs["summary"]["new"]

        def stored() -> int:
            return c.list_pre_annotations({"model": model, "page_size": 1})["count"]

        env = {**os.environ, "SYNAPSE_ACCESS_TOKEN": server.access_token, "TQDM_DISABLE": "1"}
        args = [sys.executable, str(CHILD), server.base_url, str(model), "20"]
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        deadline = time.monotonic() + 60
        while stored() < 40:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "the child never sent two batches"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        # a batch already on the wire may still commit on the server: wait for quiet
        first, quiet = stored(), 0
        while quiet < 3:
            time.sleep(0.2)
            now = stored()
            quiet, first = (quiet + 1, first) if now == first else (0, now)
        assert 40 <= first < total
        proc = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120, check=False)
        assert proc.returncode == 0, proc.stderr
        assert f"'exists': {first}" in proc.stdout and f"'created': {total - first}" in proc.stdout
    rows = server.db.connection().execute(
        "SELECT task_id, COUNT(*) FROM pre_annotations WHERE model_id = ? GROUP BY task_id",
        (model,)).fetchall()
    assert len(rows) == total and all(n == 1 for _task, n in rows)
    assert sorted(t for t, _n in rows) == sorted(expected["task"].astype(int).tolist())
