"""``matches`` and ``images`` come from the engine's own matching (faster-coco-eval's pooled
``matched`` pairs, pycocotools' ``evalImgs``), not from a second matching, and are the frames
the second matching gave (``match_pairs``, still used where the engine cannot answer): on
random data, on hostile scenes (equal scores, equal IoUs, an IoU of exactly the threshold,
objects contested between thresholds, more than maxDets predictions, empty images, labels on
one side only), with either engine."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pandas as pd
import pytest

from synapse_nb.ml import coco, detection, evaluate_detections

from .synth import reference_cocoeval, synthetic

THRESHOLDS = (0.3, 0.5, 0.75, 0.95)


def _pycocotools_engine() -> tuple[object, object, str]:
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    return COCO, COCOeval, "pycocotools"


@pytest.fixture(params=["faster-coco-eval", "pycocotools"])
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "pycocotools":
        monkeypatch.setattr(coco, "_engine", _pycocotools_engine)
    return str(request.param)


def _second_matching(pred: pd.DataFrame, gt: pd.DataFrame, **options: object) -> detection.Evaluation:
    """An evaluation whose engine ran no threshold asked for below, so its matches are
    ``match_pairs``' (the code that gave every matches table before)."""
    return evaluate_detections(pred, gt, iou_thresholds=[0.123], **options)  # type: ignore[arg-type]


def _hostile(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Crowded images on an integer grid (equal IoUs, IoUs of exactly 0.5), three scores
    (equal scores), repeated objects and predictions, labels only in predictions or only in
    ground truth, images with only one side, one image/label with 130 predictions."""
    rng = np.random.default_rng(seed)
    gt_rows, pred_rows = [], []
    for image in range(1, 13):
        for _ in range(int(rng.integers(0, 9))):
            x, y = rng.integers(0, 6, 2) * 4
            w, h = rng.integers(1, 5, 2) * 4
            label = str(rng.choice(["a", "b", "gt_only"], p=[0.5, 0.4, 0.1]))
            box = {"data_unit": image, "label": label, "x1": x, "y1": y, "x2": x + w, "y2": y + h}
            gt_rows += [box] * (2 if rng.random() < 0.2 else 1)  # repeated objects: equal IoUs
            for _ in range(int(rng.integers(0, 4))):  # 0-3 guesses near each object
                dx, dy, dw, dh = rng.integers(-1, 2, 4) * 2
                pred_rows.append({"data_unit": image, "label": label if rng.random() < 0.9 else "b",
                                  "x1": x + dx, "y1": y + dy, "x2": x + w + dw, "y2": y + h + dh,
                                  "confidence": float(rng.choice([0.3, 0.6, 0.9]))})
        for _ in range(int(rng.integers(0, 3))):
            x, y = rng.integers(0, 6, 2) * 4
            pred_rows.append({"data_unit": image, "label": str(rng.choice(["a", "pred_only"])),
                              "x1": x, "y1": y, "x2": x + 8, "y2": y + 4,
                              "confidence": float(rng.choice([0.3, 0.6]))})
    pred_rows += [{"data_unit": 20, "label": "a", "x1": 0, "y1": 0, "x2": 9, "y2": 9,
                   "confidence": 0.5}]  # an image without ground truth
    gt_rows += [{"data_unit": 21, "label": "a", "x1": 0, "y1": 0, "x2": 9, "y2": 9}]  # without predictions
    # past maxDets: 130 predictions of one label in one image, scores tied at the cut
    gt_rows += [{"data_unit": 22, "label": "a", "x1": 4 * k, "y1": 0, "x2": 4 * k + 8, "y2": 8}
                for k in range(40)]
    pred_rows += [{"data_unit": 22, "label": "a", "x1": 4 * (k % 40) + int(rng.integers(0, 2)), "y1": 0,
                   "x2": 4 * (k % 40) + 8, "y2": 8, "confidence": 0.5 if 90 <= k < 110 else 1 - k / 200}
                  for k in range(130)]
    gt = pd.DataFrame(gt_rows).astype({"x1": float, "y1": float, "x2": float, "y2": float})
    pred = pd.DataFrame(pred_rows).astype({"x1": float, "y1": float, "x2": float, "y2": float})
    # row labels that are not positions: the frames point back at the callers' rows
    gt.index = pd.Index(1000 + np.arange(len(gt))[::-1])
    pred.index = pd.Index([f"p{k}" for k in range(len(pred))])
    return gt, pred


def _coco_dt_matches(ref: object, t: int) -> dict[int, int]:
    out: dict[int, int] = {}
    for e in ref.evalImgs:  # type: ignore[attr-defined]
        if e is not None and e["aRng"] == [0, 1e10]:
            out.update(zip(e["dtIds"], map(int, e["dtMatches"][t])))
    return out


def test_matches_come_from_the_engine_not_a_second_matching(monkeypatch: pytest.MonkeyPatch) -> None:
    gt, pred = synthetic(300, seed=11)
    before = _second_matching(pred, gt)
    expected = {t: before.matches_at(t) for t in (0.5, 0.75)}
    expected_images = before.images

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("matched a second time")

    monkeypatch.setattr(detection, "match_pairs", refuse)
    ev = evaluate_detections(pred, gt)
    pd.testing.assert_frame_equal(ev.matches, expected[0.5])
    pd.testing.assert_frame_equal(ev.matches_at(0.75), expected[0.75])
    pd.testing.assert_frame_equal(ev.images, expected_images)
    assert (ev.matches["outcome"] == "TP").sum() == ev.per_class["TP"].sum() > 0
    with pytest.raises(AssertionError, match="second"):  # the engine ran no 0.62: matched here
        ev.matches_at(0.62)


@pytest.mark.parametrize("seed", range(4))
def test_hostile_scenes_equal_the_second_matching_and_cocoeval(engine: str, seed: int) -> None:
    gt, pred = _hostile(seed)
    ev = evaluate_detections(pred, gt, iou_thresholds=THRESHOLDS)
    assert ev.engine == engine
    ref = _second_matching(pred, gt)
    for t in THRESHOLDS:
        pd.testing.assert_frame_equal(ev.matches_at(t), ref.matches_at(t))
    pd.testing.assert_frame_equal(ev.images, ref.images)
    pd.testing.assert_frame_equal(ev.per_class[["ground_truth", "predictions", "TP", "FP", "FN"]],
                                  ref.per_class[["ground_truth", "predictions", "TP", "FP", "FN"]])
    # and COCOeval's own dtMatches, prediction by prediction (ids are positions + 1)
    coco_ref = reference_cocoeval(gt.reset_index(drop=True), pred.reset_index(drop=True), "bbox")
    coco_ref.params.iouThrs = np.asarray(THRESHOLDS)
    with contextlib.redirect_stdout(io.StringIO()):
        coco_ref.evaluate()
    gt_pos = {label: k + 1 for k, label in enumerate(gt.index)}
    pred_pos = {label: k + 1 for k, label in enumerate(pred.index)}
    for k, t in enumerate(THRESHOLDS):
        m = ev.matches_at(t)
        rows = m[m["prediction"].notna()]
        mine = {pred_pos[p]: gt_pos[g] if g is not None else 0
                for p, g in zip(rows["prediction"], rows["ground_truth"])}
        coco_matches = _coco_dt_matches(coco_ref, k)
        assert {d: g for d, g in mine.items() if d in coco_matches} == coco_matches
        # the predictions COCOeval leaves out (past maxDets) are FPs here
        assert all(g == 0 for d, g in mine.items() if d not in coco_matches)
    assert len(set(mine) - set(coco_matches)) == 30  # 130 of one label in image 22


def test_both_engines_give_identical_frames(monkeypatch: pytest.MonkeyPatch) -> None:
    gt, pred = synthetic(200, seed=5)
    fast = evaluate_detections(pred, gt)
    monkeypatch.setattr(coco, "_engine", _pycocotools_engine)
    slow = evaluate_detections(pred, gt)
    assert (fast.engine, slow.engine) == ("faster-coco-eval", "pycocotools")
    for name in ("matches", "images", "per_class"):
        pd.testing.assert_frame_equal(getattr(fast, name), getattr(slow, name))
    pd.testing.assert_frame_equal(fast.matches_at(0.75), slow.matches_at(0.75))


def test_an_object_contested_between_thresholds_goes_by_cocos_rule(engine: str) -> None:
    """The first prediction takes the object at 0.5 (IoU 0.6), the second at 0.75 (IoU 0.8):
    faster-coco-eval pools both pairs, and the rule settles each threshold."""
    gt = pd.DataFrame({"data_unit": [1], "label": ["a"], "x1": [0.0], "y1": [0.0], "x2": [10.0], "y2": [10.0]})
    pred = pd.DataFrame({"data_unit": [1, 1], "label": ["a", "a"], "x1": [0.0, 0.0], "y1": [0.0, 0.0],
                         "x2": [10.0, 10.0], "y2": [6.0, 8.0], "confidence": [0.9, 0.8]})
    ev = evaluate_detections(pred, gt)
    at50, at75 = ev.matches_at(0.5), ev.matches_at(0.75)
    assert at50["outcome"].tolist() == ["TP", "FP"] and at50["iou"].tolist() == pytest.approx([0.6, 0.8])
    assert at75["outcome"].tolist() == ["FP", "TP"]
    assert at75["ground_truth"].tolist() == [None, 0]
    ref = _second_matching(pred, gt)
    pd.testing.assert_frame_equal(at50, ref.matches_at(0.5))
    pd.testing.assert_frame_equal(at75, ref.matches_at(0.75))


def test_an_iou_of_exactly_the_threshold_is_a_match(engine: str) -> None:
    gt = pd.DataFrame({"data_unit": [1], "label": ["a"], "x1": [0.0], "y1": [0.0], "x2": [10.0], "y2": [10.0]})
    pred = gt.assign(confidence=0.5, y2=5.0)  # IoU 50 / 100
    ev = evaluate_detections(pred, gt)
    assert ev.matches["outcome"].tolist() == ["TP"] and ev.matches["iou"].tolist() == [0.5]
    pd.testing.assert_frame_equal(ev.matches, _second_matching(pred, gt).matches)


def test_no_predictions_and_labels_on_one_side(engine: str) -> None:
    gt = pd.DataFrame({"data_unit": [1, 2], "label": ["a", "gt_only"], "x1": [0.0, 0.0], "y1": [0.0, 0.0],
                       "x2": [10.0, 10.0], "y2": [10.0, 10.0]})
    pred = pd.DataFrame({"data_unit": [1, 3], "label": ["a", "pred_only"], "x1": [0.0, 0.0],
                         "y1": [0.0, 0.0], "x2": [10.0, 4.0], "y2": [9.0, 4.0], "confidence": [0.7, 0.7]})
    for p in (pred, pred.iloc[:0]):
        ev = evaluate_detections(p, gt)
        ref = _second_matching(p, gt)
        pd.testing.assert_frame_equal(ev.matches, ref.matches)
        pd.testing.assert_frame_equal(ev.images, ref.images)
    full = evaluate_detections(pred, gt)
    assert full.matches["outcome"].tolist() == ["TP", "FP", "FN"]
    assert full.images.loc[3, ["FP", "ground_truth"]].tolist() == [1, 0]


def test_objects_the_engine_ignores_are_matched_as_before(engine: str) -> None:
    """A first area range that leaves an object out: COCOeval matches it last, the matches
    table never did; it keeps its own matching there."""
    gt = pd.DataFrame({"data_unit": [1, 1], "label": ["a", "a"], "x1": [0.0, 0.0], "y1": [0.0, 0.0],
                       "x2": [2.0, 3.0], "y2": [2.0, 3.0]})
    pred = pd.DataFrame({"data_unit": [1], "label": ["a"], "x1": [0.0], "y1": [0.0], "x2": [2.0],
                         "y2": [2.5], "confidence": [0.9]})
    ranges = {"all": (5.0, 1e10)}  # the 2x2 object (area 4) is outside
    ev = evaluate_detections(pred, gt, area_ranges=ranges)
    ref = _second_matching(pred, gt, area_ranges=ranges)
    pd.testing.assert_frame_equal(ev.matches, ref.matches)
    assert ev.matches["ground_truth"].tolist()[0] == 0  # the best IoU, as ever (the engine took row 1)


@pytest.mark.parametrize("keys", [[7, 3], ["b", "a"], [7, "a"]], ids=["int", "str", "mixed"])
def test_images_table_counts_per_image_whatever_the_keys(keys: list[object]) -> None:
    gt = pd.DataFrame({"data_unit": [keys[0], keys[1], keys[1]], "label": ["x", "x", "x"],
                       "x1": [0.0, 0.0, 20.0], "y1": [0.0, 0.0, 0.0], "x2": [5.0, 5.0, 25.0],
                       "y2": [5.0, 5.0, 5.0]})
    pred = gt.iloc[[0, 1]].assign(confidence=0.5)
    pred.loc[0, ["x1", "x2"]] = [30.0, 35.0]  # a miss and a false positive in the first image
    images = evaluate_detections(pred, gt).images
    assert images.to_dict("index") == {
        keys[0]: {"TP": 0, "FP": 1, "FN": 1, "ground_truth": 1, "predictions": 1, "errors": 2},
        keys[1]: {"TP": 1, "FP": 0, "FN": 1, "ground_truth": 2, "predictions": 1, "errors": 1}}
    assert list(images.columns) == ["TP", "FP", "FN", "ground_truth", "predictions", "errors"]
    assert images.index.name == "data_unit" and images.columns.name is None
    assert (images.dtypes == np.int64).all()


@pytest.mark.parametrize("by_label", [True, False], ids=["per-label", "class-agnostic"])
def test_match_pairs_equals_cocos_rule_one_group_at_a_time(by_label: bool) -> None:
    """match_pairs takes the uncontested pairs without its walk (as the confusion matrix
    uses it): the same as greedy_match, COCO's rule on each group's IoU matrix in turn."""
    from synapse_nb.ml.matching import box_iou, greedy_match, match_pairs
    from synapse_nb.ml.shapes import ShapeTable, shape_table

    def group(table: ShapeTable, k: int) -> object:
        return (table.images[k], table.labels[k]) if by_label else table.images[k]

    for seed in range(3):
        gt_frame, pred_frame = _hostile(seed)
        gt = shape_table(gt_frame, role="ground truth")
        dt = shape_table(pred_frame, role="predictions", scores=True)
        for t in (0.3, 0.5, 0.75):
            matched, iou = match_pairs(gt, dt, threshold=t, by_label=by_label)
            expected, expected_iou = np.full(len(dt), -1), np.zeros(len(dt))
            for key in {group(dt, k) for k in range(len(dt))}:
                ds = [k for k in range(len(dt)) if group(dt, k) == key]
                ds = sorted(ds, key=lambda k: -dt.scores[k])  # stable: row order on equal scores
                gs = np.array([k for k in range(len(gt)) if group(gt, k) == key], dtype=int)
                if not len(gs):
                    continue
                ious = box_iou(dt.boxes[ds], gt.boxes[gs])
                m, v = greedy_match(ious, t)
                for row, (col, value, best) in enumerate(zip(m, v, ious.max(axis=1))):
                    expected[ds[row]] = gs[col] if col >= 0 else -1
                    expected_iou[ds[row]] = value if col >= 0 else best
            np.testing.assert_array_equal(matched, expected)
            np.testing.assert_array_equal(iou, expected_iou)


def test_summary_and_per_class_do_not_read_the_engines_pairs(monkeypatch: pytest.MonkeyPatch) -> None:
    """faster-coco-eval's pairs are read when matches are first asked for, not before."""
    read: list[int] = []
    real = coco._faster_pairs
    monkeypatch.setattr(coco, "_faster_pairs", lambda matched: read.append(len(matched)) or real(matched))
    gt, pred = synthetic(50, seed=2)
    ev = evaluate_detections(pred, gt)
    ev.summary, ev.per_class, ev.pr_curves  # noqa: B018
    assert read == []
    ev.matches  # noqa: B018
    ev.matches_at(0.75)  # noqa: B018
    assert len(read) == 1 and read[0] > 0


def _as_polygons(frame: pd.DataFrame) -> pd.DataFrame:
    corners = [[[x1, y1], [x2, y1], [x2, y2], [x1, y2]]
               for x1, y1, x2, y2 in frame[["x1", "y1", "x2", "y2"]].itertuples(index=False)]
    return frame.drop(columns=["x1", "y1", "x2", "y2"]).assign(points=corners)


@pytest.mark.parametrize("data", ["hostile", "synthetic"])
def test_segm_matches_read_the_engines_mask_ious(engine: str, data: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Polygons: the engine's own IoU matrices and matched pairs give the table the second
    matching gave (masks rasterised again), ties and maxDets included."""
    if data == "hostile":
        gt, pred = (_as_polygons(f) for f in _hostile(1))
    else:
        gt, pred = synthetic(120, seed=4, polygons=True)
    ref = _second_matching(pred, gt)
    expected = {t: ref.matches_at(t) for t in THRESHOLDS}
    expected_images = ref.images

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("matched a second time")

    monkeypatch.setattr(detection, "match_pairs", refuse)
    ev = evaluate_detections(pred, gt, iou_thresholds=THRESHOLDS)
    assert (ev.iou_type, ev.engine) == ("segm", engine)
    for t in THRESHOLDS:
        pd.testing.assert_frame_equal(ev.matches_at(t), expected[t])
    pd.testing.assert_frame_equal(ev.images, expected_images)


def test_iou_matrices_of_other_shapes_are_refused() -> None:
    from synapse_nb.ml.matching import EngineIoUs

    groups = np.array([1 * 3 + 1, 1 * 3 + 1])
    options = {"k": 3, "gt_groups": groups, "dt_groups": groups[:1], "dt_scores": np.ones(1),
               "max_per_group": 100}
    ok = EngineIoUs({(1, 1): np.array([[0.2, 0.7]])}, **options)  # type: ignore[arg-type]
    assert ok.pair(np.array([0, 0]), np.array([1, 0])).tolist() == [0.7, 0.2]
    assert ok.best.tolist() == [0.7]
    with pytest.raises(ValueError, match="shapes"):
        EngineIoUs({(1, 1): np.array([[0.2, 0.7, 0.1]])}, **options)  # type: ignore[arg-type]


def test_pair_iou_is_box_iou_bit_for_bit_on_hostile_boxes() -> None:
    from synapse_nb.ml.matching import _pair_iou, box_iou

    rng = np.random.default_rng(9)
    a = rng.uniform(0, 50, (300, 4))
    a[:, 2:] = a[:, :2] + rng.uniform(-5, 20, (300, 2))  # some inverted, some flat
    a[:40] = np.round(a[:40])  # integer corners: exact ties, IoUs of exactly 0.5
    a[40:60, 2:] = a[40:60, :2]  # points
    b = np.vstack([a[::3], rng.uniform(0, 50, (50, 4))])
    b[:20] = a[:20]  # equal boxes
    ia, ib = rng.integers(0, len(a), 20000), rng.integers(0, len(b), 20000)
    np.testing.assert_array_equal(_pair_iou(a, ia, b, ib), box_iou(a, b)[ia, ib])
    assert _pair_iou(a, ia[:0], b, ib[:0]).shape == (0,)


def test_ranks_within_groups_are_cocos_order_whatever_the_ties() -> None:
    """The one rank helper every matching uses: each row's place in its group, scores
    descending with equal scores in row order (COCOeval's stable sort), or row order
    without scores; checked against pandas' ranks on groups and scores full of ties."""
    from synapse_nb.ml.matching import _ranks

    rng = np.random.default_rng(7)
    groups = rng.integers(0, 6, 400) * 1_000_003  # sparse codes, as image * k + label
    scores = rng.integers(0, 5, 400) / 4.0
    frame = pd.DataFrame({"group": groups, "score": -scores, "row": np.arange(400)})
    by_score = frame.sort_values(["group", "score", "row"]).groupby("group").cumcount()
    order, rank = _ranks(groups, scores)
    np.testing.assert_array_equal(rank, by_score.sort_index().to_numpy())
    np.testing.assert_array_equal(order, by_score.index.to_numpy())
    order, rank = _ranks(groups)
    by_row = frame.groupby("group").cumcount()
    np.testing.assert_array_equal(rank, by_row.to_numpy())
    np.testing.assert_array_equal(order, frame.sort_values(["group", "row"]).index.to_numpy())
