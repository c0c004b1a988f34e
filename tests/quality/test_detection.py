"""label_issues: cleanlab's ObjectLab over all images, its answers put back on rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import synapse_nb as snb
from synapse_nb.quality.review import review_items, review_overlays
from synapse_nb.server.scenes import PLANTED_ERRORS

from .synth import direct_cleanlab, found_share, planted


@pytest.fixture(scope="module")
def synthetic():
    pred, gt, errors = planted()
    return pred, gt, errors, snb.label_issues(pred, gt)


def _same_as_cleanlab(found: snb.LabelIssues, pred: pd.DataFrame, gt: pd.DataFrame) -> None:
    direct = direct_cleanlab(pred, gt)
    ours = found.images.reindex(direct.index)
    assert ours.index.tolist() == direct.index.tolist()  # every image of either frame, once
    assert len(found.images) == len(direct)
    np.testing.assert_allclose(ours["quality"].to_numpy(), direct["quality"].to_numpy(), atol=1e-6)
    assert ours["issue"].tolist() == direct["issue"].tolist()


def test_images_equal_cleanlab_run_directly_on_synthetic_data(synthetic):
    pred, gt, _errors, found = synthetic
    _same_as_cleanlab(found, pred, gt)
    # images only in one frame are there
    assert {pred["data_unit"].max(), gt["data_unit"].max()} <= set(found.images.index)


def test_planted_errors_are_flagged_with_their_kind(synthetic):
    _pred, _gt, errors, found = synthetic
    assert len(errors) >= 40
    for kind in ("swap", "badloc", "overlooked"):
        of_kind = [e for e in errors if e["kind"] == kind]
        assert found_share(found.boxes, of_kind) >= 0.8, kind
    flagged = set(found.images.index[found.images["issue"]])
    assert sum(e["unit"] in flagged for e in errors) / len(errors) >= 0.8


def test_images_worst_first_and_boxes_one_row_per_ground_truth_box(synthetic):
    pred, gt, _errors, found = synthetic
    assert found.images["quality"].is_monotonic_increasing
    b = found.boxes
    assert (b["source"] == "ground_truth").sum() == len(gt)
    assert set(b.loc[b["source"] == "prediction", "kind"]) <= {"overlooked"}
    assert set(b["kind"].astype(str)) <= {"ok", "swap", "badloc", "overlooked"}
    # an image is flagged exactly when one of its boxes is (cleanlab's own pooling rule)
    per_image = b[b["kind"] != "ok"].groupby("data_unit").size()
    assert set(per_image.index) == set(found.images.index[found.images["issue"]])
    counts = found.images[["swap", "badloc", "overlooked"]].sum()
    assert counts.to_dict() == b["kind"].value_counts().reindex(counts.index).to_dict()


def test_swap_rows_name_the_contradicting_prediction(synthetic):
    _pred, _gt, _errors, found = synthetic
    swaps = found.boxes[found.boxes["kind"] == "swap"]
    assert len(swaps) and (swaps["pred_label"] != swaps["label"]).all()
    assert swaps["pred_confidence"].gt(0.95).all()
    bad = found.boxes[found.boxes["kind"] == "badloc"]
    assert len(bad) and (bad["pred_label"] == bad["label"]).all()


def test_review_frames_for_the_queue(synthetic):
    _pred, _gt, _errors, found = synthetic
    items = review_items(found)
    flagged = found.images[found.images["issue"]]
    assert items["data_unit"].tolist() == flagged.index.tolist()  # worst first
    assert items["reason"].str.len().gt(0).all()
    overlays = review_overlays(found)
    assert overlays.columns.tolist() == ["data_unit", "label", "x1", "y1", "x2", "y2", "role", "kind"]
    assert set(overlays["role"]) == {"suspect", "prediction"}
    assert set(overlays["data_unit"]) <= set(items["data_unit"])
    swaps = overlays[overlays["kind"] == "swap"]
    # a suspect box is followed by the prediction it was judged by
    assert (swaps["role"].iloc[::2] == "suspect").all() and (swaps["role"].iloc[1::2] == "prediction").all()
    n_suspect = int((found.boxes["kind"].isin(["swap", "badloc"])).sum())
    assert (overlays["role"] == "suspect").sum() == n_suspect
    by_task = review_items(found, key="task", task_of={u: u + 1000 for u in found.images.index})
    assert (by_task["task"] == by_task["data_unit"] + 1000).all()
    with pytest.raises(ValueError, match="task_of"):
        review_overlays(found, key="task")


def test_per_label_table_and_plot(synthetic):
    _pred, _gt, _errors, found = synthetic
    table = found.per_label()
    assert table.columns.tolist() == ["swap", "badloc", "overlooked"]
    assert int(table.to_numpy().sum()) == int((found.boxes["kind"] != "ok").sum())
    ax = found.plot()
    assert [t.get_text() for t in ax.get_yticklabels()] == found.labels


def test_bad_input_says_what_to_fix():
    gt = pd.DataFrame({"data_unit": [1], "label": ["car"], "x1": [0], "y1": [0], "x2": [5], "y2": [5]})
    with pytest.raises(ValueError, match="confidence"):
        snb.label_issues(gt, gt)
    with pytest.raises(ValueError, match=r"outside \[0, 1\]"):
        snb.label_issues(gt.assign(confidence=[1.5]), gt)
    with pytest.raises(ValueError, match="x1 <= x2"):
        snb.label_issues(gt.assign(confidence=[0.5]), gt.assign(x2=[-3]))


@pytest.fixture(scope="module")
def demo(client):
    gt = snb.annotations_frame(client, of="ground_truth_events", ground_truth_dataset_versions=2,
                               progress=False)
    pred = snb.predictions_frame(client, model=2)
    return pred, gt, snb.label_issues(pred, gt)


def test_demo_equal_to_cleanlab_and_the_planted_errors_found(demo):
    pred, gt, found = demo
    _same_as_cleanlab(found, pred[["data_unit", "label", "x1", "y1", "x2", "y2", "confidence"]],
                      gt[["data_unit", "label", "x1", "y1", "x2", "y2"]])
    kinds = {"swap": "swap", "loose": "badloc", "missing": "overlooked"}
    in_gt = set(gt["data_unit"])
    planted = {u: kinds[k] for u, (k, _i) in PLANTED_ERRORS.items() if u in in_gt}
    assert len(planted) >= 12
    b = found.boxes
    hits = [u for u, kind in planted.items() if ((b["data_unit"] == u) & (b["kind"] == kind)).any()]
    assert len(hits) / len(planted) >= 0.8, sorted(set(planted) - set(hits))


def test_browse_queues_the_flagged_images_and_a_swap_is_fixed_in_place(make_server, monkeypatch, tmp_path):
    from synapse_nb.client import SynapseClient
    from synapse_nb.widgets.review import ReviewQueue

    server = make_server(scale=500)  # its own data: the fix writes a task
    monkeypatch.setattr(ReviewQueue, "edit_journal_root", tmp_path)
    with SynapseClient(server.base_url, access_token=server.access_token) as client:
        gt = snb.annotations_frame(client, of="ground_truth_events", ground_truth_dataset_versions=2,
                                   progress=False)
        found = snb.label_issues(snb.predictions_frame(client, model=2), gt)
        queue = found.browse(client, project=1)
        flagged = found.images.index[found.images["issue"]].tolist()
        frame = queue.query.frame
        assert queue.key == "data_unit" and frame.index.tolist() == flagged  # worst first
        assert frame["task"].tolist() == flagged  # demo: task i is on unit i
        assert queue.item == flagged[0]
        swap = found.boxes[found.boxes["kind"] == "swap"].iloc[0]
        unit = int(swap["data_unit"])
        shapes = queue.extra_shapes(frame.loc[unit])
        assert {(s["role"], s["label"]) for s in shapes} >= {("suspect", swap["label"]),
                                                             ("prediction", swap["pred_label"])}
        queue.go(flagged.index(unit) - flagged.index(queue.item))
        assert queue.item == unit
        queue.fix()
        obj = int(gt.loc[swap["row"], "index"])
        queue.apply_edit({"op": "relabel", "object": obj, "label": swap["pred_label"]})
        report = queue.save()
        assert report["saved"] == [unit]
        assert client.get_task(unit)["data"]["annotations"][obj]["label"] == swap["pred_label"]
        assert queue.decisions[["data_unit", "decision"]].values.tolist() == [[unit, "fix"]]
