"""evaluate_detections equals pycocotools' COCOeval: boxes on 500 random images, polygons (segm),
and the per-prediction matches equal COCOeval's own dtMatches at IoU 0.5."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from synapse_nb.ml import evaluate_detections

from .synth import reference_cocoeval, synthetic

STAT_NAMES = ["mAP", "mAP50", "mAP75", "mAP_small", "mAP_medium", "mAP_large", "AR1", "AR10",
              "AR100", "AR_small", "AR_medium", "AR_large"]


def _stats(ref) -> np.ndarray:
    return np.where(ref.stats == -1, np.nan, ref.stats)


def _coco_dt_matches(ref, threshold_index: int = 0) -> dict[int, int]:
    """dt id -> matched gt id (0: none) from COCOeval's evalImgs, area 'all', maxDets 100."""
    out: dict[int, int] = {}
    for e in ref.evalImgs:
        if e is None or e["aRng"] != [0, 1e10]:
            continue
        for dt_id, gt_id in zip(e["dtIds"], e["dtMatches"][threshold_index]):
            out[dt_id] = int(gt_id)
    return out


@pytest.fixture(scope="module")
def boxes():
    gt, pred = synthetic(500, seed=7)
    return gt, pred, reference_cocoeval(gt, pred, "bbox")


def test_summary_equals_cocoeval_on_500_random_images(boxes):
    gt, pred, ref = boxes
    ev = evaluate_detections(pred, gt)
    assert ev.iou_type == "bbox"
    np.testing.assert_allclose(ev.summary[STAT_NAMES].to_numpy(), _stats(ref), atol=1e-12)
    assert 0.3 < ev.summary["mAP"] < 0.9  # the data has errors: not a trivial 0 or 1


def test_per_class_ap_and_pr_curves_equal_cocoeval(boxes):
    gt, pred, ref = boxes
    ev = evaluate_detections(pred, gt)
    p = ref.eval["precision"]
    for k, label in enumerate(sorted(set(gt["label"]) | set(pred["label"]))):
        mine = p[:, :, k, 0, -1]
        assert ev.per_class.loc[label, "AP"] == pytest.approx(mine[mine > -1].mean(), abs=1e-12)
        assert ev.per_class.loc[label, "AP50"] == pytest.approx(mine[0][mine[0] > -1].mean(), abs=1e-12)
        curve = ev.pr_curves[(ev.pr_curves["label"] == label) & (ev.pr_curves["iou_threshold"] == 0.75)]
        np.testing.assert_allclose(curve["precision"].fillna(-1).to_numpy(), mine[5], atol=1e-12)


def test_matches_equal_cocoeval_dt_matches(boxes):
    gt, pred, ref = boxes
    ev = evaluate_detections(pred, gt)
    coco = _coco_dt_matches(ref)
    m = ev.matches
    preds = m[m["prediction"].notna()]
    mine = {int(p) + 1: (int(g) + 1 if g is not None else 0)
            for p, g in zip(preds["prediction"], preds["ground_truth"])}
    assert mine == coco
    assert (preds["outcome"] == "TP").sum() == sum(1 for g in coco.values() if g)
    # every ground-truth object is either matched by one TP or listed once as FN
    fn = m[m["outcome"] == "FN"]
    assert len(fn) + (m["outcome"] == "TP").sum() == len(gt)
    assert fn["ground_truth"].is_unique and fn["prediction"].isna().all()
    tp = preds[preds["outcome"] == "TP"]
    assert (tp["iou"] >= 0.5).all() and tp["ground_truth"].is_unique


def test_polygons_segm_equal_cocoeval():
    gt, pred = synthetic(150, seed=3, polygons=True)
    ref = reference_cocoeval(gt, pred, "segm")
    ev = evaluate_detections(pred, gt)
    assert ev.iou_type == "segm"
    np.testing.assert_allclose(ev.summary[STAT_NAMES].to_numpy(), _stats(ref), atol=1e-12)
    coco = _coco_dt_matches(ref)
    preds = ev.matches[ev.matches["prediction"].notna()]
    mine = {int(p) + 1: (int(g) + 1 if g is not None else 0)
            for p, g in zip(preds["prediction"], preds["ground_truth"])}
    assert mine == coco


def test_custom_thresholds_and_area_ranges_equal_cocoeval(boxes):
    gt, pred, _ = boxes
    ev = evaluate_detections(pred, gt, iou_thresholds=[0.3, 0.5, 0.75],
                             area_ranges={"all": (0, 1e10), "tiny": (0, 400), "rest": (400, 1e10)})
    ref = reference_cocoeval(gt, pred, "bbox")  # default params; rerun with the custom ones
    import contextlib
    import io
    with contextlib.redirect_stdout(io.StringIO()):
        ref.params.iouThrs = np.array([0.3, 0.5, 0.75])
        ref.params.areaRng = [[0, 1e10], [0, 400], [400, 1e10]]
        ref.params.areaRngLbl = ["all", "tiny", "rest"]
        ref.evaluate()
        ref.accumulate()
    p = ref.eval["precision"]
    assert ev.summary["mAP"] == pytest.approx(p[:, :, :, 0, -1][p[:, :, :, 0, -1] > -1].mean(), abs=1e-12)
    tiny = p[:, :, :, 1, -1]
    assert ev.summary["mAP_tiny"] == pytest.approx(tiny[tiny > -1].mean(), abs=1e-12)
    assert "mAP_small" not in ev.summary.index


def test_confusion_matrix_counts_every_prediction_and_object(boxes):
    gt, pred, _ = boxes
    ev = evaluate_detections(pred, gt)
    cm = ev.confusion(confidence=0.0)
    assert cm.to_numpy().sum(axis=0)[:-1].sum() == len(pred)  # each prediction once
    assert cm.drop(index="background").to_numpy().sum() == len(gt)  # each object once
    assert cm.loc["background", "background"] == 0
    # label swaps in the synthetic data show up off the diagonal
    off = cm.drop(index="background", columns="background").to_numpy()
    assert off.sum() - np.trace(off) > 0
    high = ev.confusion(confidence=0.5)
    assert high.to_numpy()[:, :-1].sum() == (pred["confidence"] >= 0.5).sum()


def test_images_ranked_worst_first_and_browser(boxes):
    gt, pred, _ = boxes
    ev = evaluate_detections(pred, gt)
    errors = ev.images["errors"].to_numpy()
    assert (np.diff(errors) <= 0).all() and errors[0] > 0
    browser = ev.browse(images=5)
    assert len(browser.frame) == 5
    worst = browser.frame.iloc[0]
    anns = json.loads(worst["data"])["annotations"]
    dashed = [a for a in anns if a.get("style") == "dashed"]
    assert len(dashed) == worst["predictions"] and len(anns) - len(dashed) == worst["ground_truth"]
    browser.table.click(0)  # the detail pane draws predictions dashed, ground truth solid
    html = browser.detail_html
    assert html.count('stroke-dasharray="5 3"') == worst["predictions"]
    assert html.count('class="snb-shape ') == worst["predictions"] + worst["ground_truth"]


def test_bad_input_says_what_to_fix():
    gt = pd.DataFrame({"data_unit": [1], "label": ["a"], "x1": [0.0], "y1": [0.0], "x2": [1.0], "y2": [1.0]})
    with pytest.raises(ValueError, match="confidence"):
        evaluate_detections(gt, gt)
    with pytest.raises(ValueError, match="image key"):
        evaluate_detections(gt.assign(confidence=1.0).drop(columns="data_unit"), gt)
    with pytest.raises(ValueError, match="neither a box nor points"):
        evaluate_detections(gt.assign(confidence=1.0, x1=np.nan), gt)
    empty = evaluate_detections(gt.assign(confidence=1.0).iloc[:0], gt)
    assert empty.summary["mAP"] == 0 and (empty.matches["outcome"] == "FN").sum() == 1


def test_plots_say_one_thing_each(boxes):
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    gt, pred, _ = boxes
    ev = evaluate_detections(pred, gt)
    ax = ev.plot_pr_curves(iou_threshold=0.5)
    assert len(ax.lines) == len(ev.labels)  # one line per label, no more
    assert [t.get_text().split(" (")[0] for t in ax.get_legend().get_texts()] == sorted(ev.labels)
    ax = ev.plot_confusion_matrix()
    cells = ev.confusion_matrix.to_numpy()
    assert len(ax.texts) == (cells > 0).sum()  # every non-empty cell carries its count
    assert sorted(int(t.get_text()) for t in ax.texts) == sorted(cells[cells > 0].tolist())
    ax = ev.plot_per_class()
    assert [t.get_text() for t in ax.get_yticklabels()] == list(ev.per_class.index)
    with pytest.raises(ValueError, match="no curves at IoU 0.3"):
        ev.plot_pr_curves(iou_threshold=0.3)
    plt.close("all")


def test_default_thresholds_are_cocoevals_own_at_the_boundary():
    """A box whose IoU with its object lies between 0.8999999999999999 (COCOeval's 9th
    threshold, np.linspace(.5, .95, 10)) and 0.9: a TP at that threshold, as in COCOeval."""
    gt = pd.DataFrame({"data_unit": [1], "label": ["a"], "x1": [0.0], "y1": [0.0],
                       "x2": [7.0], "y2": [7.0]})
    pred = gt.assign(confidence=0.9, y2=6.299999999999999)
    from pycocotools import mask as mask_utils
    iou = mask_utils.iou([[0, 0, 7.0, 6.299999999999999]], [[0, 0, 7.0, 7.0]], [0])[0, 0]
    assert np.linspace(0.5, 0.95, 10)[8] <= iou < 0.9  # the premise: between the two
    ref = reference_cocoeval(gt, pred, "bbox")
    ev = evaluate_detections(pred, gt)
    assert ev.summary["mAP"] == pytest.approx(ref.stats[0], abs=1e-12)
    assert ev.iou_thresholds == tuple(ref.params.iouThrs.tolist())
    assert ev.summary["mAP"] == pytest.approx(0.9, abs=1e-12)  # 9 of the 10 thresholds
    p = ref.eval["precision"][:, :, 0, 0, -1]
    np.testing.assert_allclose(ev.per_class.loc["a", "AP"], p[p > -1].mean(), atol=1e-12)


def test_per_class_counts_are_cocoevals_matches(boxes):
    """TP/FP/FN per label (read from the engine's recall) equal the counts of COCOeval's own
    dtMatches at IoU 0.5, and the per-prediction matches table."""
    gt, pred, ref = boxes
    ev = evaluate_detections(pred, gt)
    labels = sorted(set(gt["label"]) | set(pred["label"]))
    coco = _coco_dt_matches(ref)
    label_of = dict(enumerate(pred["label"].tolist(), start=1))
    m = ev.matches
    for label in labels:
        row = ev.per_class.loc[label]
        tp = sum(1 for d, g in coco.items() if g and label_of[d] == label)
        assert tp > 0
        assert (row["TP"], row["FP"], row["FN"]) == (
            tp, (pred["label"] == label).sum() - tp, (gt["label"] == label).sum() - tp)
        mine = m[m["label"] == label]["outcome"].value_counts()
        assert (mine["TP"], mine["FP"], mine["FN"]) == (row["TP"], row["FP"], row["FN"])


def test_per_class_counts_without_half_among_the_thresholds(boxes):
    gt, pred, _ = boxes
    ev = evaluate_detections(pred, gt, iou_thresholds=[0.6, 0.7])
    default = evaluate_detections(pred, gt)
    pd.testing.assert_frame_equal(ev.per_class[["TP", "FP", "FN"]],
                                  default.per_class[["TP", "FP", "FN"]])
    assert ev.per_class["AP50"].isna().all()
