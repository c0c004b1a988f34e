"""``evaluate_detections``: COCO metrics, per-class tables, PR curves, confusion, matches.

The headline numbers come from COCOeval (faster-coco-eval, else pycocotools: see
:mod:`synapse_nb.ml.coco`), so they are COCO's numbers; so are the per-class TP/FP/FN,
read from the engine's recall at IoU 0.5 (TP = recall x objects), not matched a second
time. The per-prediction ``matches`` table comes from the engine's matching too: the
pairs COCOeval matched (faster-coco-eval pools its thresholds and area ranges, so a
prediction matched at two thresholds to two objects is settled here by COCO's rule over
those few pairs), with box IoUs computed as before and mask IoUs read from COCOeval's own
matrices. The confusion matrix (class-agnostic) and matches at a threshold the engine did
not run, or when the first area range leaves objects out, are matched here by COCO's rule.

Example:
    >>> import pandas as pd
    >>> gt = pd.DataFrame({"data_unit": [1, 1], "label": ["car", "person"],
    ...                    "x1": [0, 50], "y1": [0, 50], "x2": [40, 90], "y2": [40, 90]})
    >>> pred = gt.assign(confidence=[0.9, 0.8], x2=[38, 60])
    >>> ev = evaluate_detections(pred, gt)
    >>> round(float(ev.summary["mAP50"]), 3), ev.matches["outcome"].tolist()
    (0.5, ['TP', 'FP', 'FN'])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from . import plots
from .coco import DEFAULT_AREA_RANGES, CocoPair, CocoRun, run_cocoeval
from .matching import EngineIoUs, match_candidates, match_pairs
from .shapes import ShapeTable, shape_table

__all__ = ["Evaluation", "evaluate_detections"]

BACKGROUND = "background"
#: COCOeval's own thresholds, bit for bit (``Params.setDetParams``): 0.8999999999999999,
#: not 0.9. Rounding them moved a box whose IoU lies between the two out of the TP count.
DEFAULT_IOU_THRESHOLDS = tuple(np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1,
                                           endpoint=True).tolist())


def _mean_valid(values: np.ndarray) -> float:
    valid = values[values > -1]
    return float(valid.mean()) if valid.size else float("nan")


class Evaluation:
    """Result of :func:`evaluate_detections` (see the module docstring for the parts).

    Attributes: ``summary`` (a Series: ``mAP`` = mAP@[.5:.95], ``mAP50``, ``mAP75``,
    ``mAP_<size>``, ``AR1``, ``AR10``, ``AR100``, ``AR_<size>``), ``per_class``,
    ``pr_curves``, ``confusion_matrix``, ``matches``, ``images``; ``engine`` names the
    COCOeval implementation used; ``iou_type`` is ``bbox`` or ``segm``.
    """

    def __init__(self, run: CocoRun, pair: CocoPair, gt: ShapeTable,
                 dt: ShapeTable, *, iou_thresholds: Sequence[float],
                 area_ranges: Mapping[str, tuple[float, float]],
                 image_urls: Mapping[Any, str] | None = None) -> None:
        self._eval: Mapping[str, Any] = run.eval
        self._run = run  # its matched pairs are read on the first matches asked for
        self._pair = pair
        self._gt, self._dt = gt, dt
        self.iou_thresholds = tuple(float(t) for t in iou_thresholds)
        self.area_ranges = dict(area_ranges)
        self.engine = run.engine
        self.iou_type = pair.iou_type
        self.labels = list(pair.labels)
        self._image_urls = dict(image_urls or {})

    # -- COCO numbers -------------------------------------------------------------------
    @property
    def precision(self) -> np.ndarray:
        """COCOeval's precision array: [iou threshold, recall (101), label, area range, maxDets]."""
        return np.asarray(self._eval["precision"])

    @property
    def recall(self) -> np.ndarray:
        """COCOeval's recall array: [iou threshold, label, area range, maxDets]."""
        return np.asarray(self._eval["recall"])

    def _t(self, value: float) -> int | None:
        hits = np.flatnonzero(np.isclose(self.iou_thresholds, value))
        return int(hits[0]) if hits.size else None

    @cached_property
    def summary(self) -> pd.Series:
        """COCO's summary numbers (``COCOeval.stats`` for the default settings), by name."""
        p, r = self.precision, self.recall
        out: dict[str, float] = {"mAP": _mean_valid(p[:, :, :, 0, -1])}
        for name, t in (("mAP50", 0.5), ("mAP75", 0.75)):
            k = self._t(t)
            out[name] = _mean_valid(p[k, :, :, 0, -1]) if k is not None else float("nan")
        for a, area in enumerate(self.area_ranges):
            if a:
                out[f"mAP_{area}"] = _mean_valid(p[:, :, :, a, -1])
        for m, n in enumerate((1, 10, 100)):
            out[f"AR{n}"] = _mean_valid(r[:, :, 0, m])
        for a, area in enumerate(self.area_ranges):
            if a:
                out[f"AR_{area}"] = _mean_valid(r[:, :, a, -1])
        return pd.Series(out, name="value", dtype=float)

    @cached_property
    def per_class(self) -> pd.DataFrame:
        """Per label: AP, AP50, AP75, AR100, object and prediction counts, TP/FP/FN at IoU 0.5.

        TP is COCOeval's recall at IoU 0.5 (first area range, largest maxDets) times the
        objects it counted, so it is the engine's matching; FP = predictions - TP (those past
        maxDets included, as in :attr:`matches`), FN = objects - TP.
        """
        p, r = self.precision, self.recall
        k_labels = len(self.labels)
        predictions = np.bincount(self._pair.dt_ids[1] - 1, minlength=k_labels)
        objects = np.bincount(self._pair.gt_ids[1] - 1, minlength=k_labels)
        t50, t75 = self._t(0.5), self._t(0.75)
        if t50 is not None:
            lo, hi = next(iter(self.area_ranges.values()))
            counted = self._counted(lo, hi)  # COCO ignores objects outside the range
            scored = np.bincount(self._pair.gt_ids[1][counted] - 1, minlength=k_labels)
            tp = np.rint(np.maximum(r[t50, :, 0, -1], 0) * scored).astype(np.int64)
        else:  # no 0.5 among the thresholds: match at 0.5 here
            m = self.matches
            tp = np.array([int(((m["label"] == label) & (m["outcome"] == "TP")).sum())
                           for label in self.labels], dtype=np.int64)
        rows = []
        for k, label in enumerate(self.labels):
            rows.append({
                "label": label, "AP": _mean_valid(p[:, :, k, 0, -1]),
                "AP50": _mean_valid(p[t50, :, k, 0, -1]) if t50 is not None else np.nan,
                "AP75": _mean_valid(p[t75, :, k, 0, -1]) if t75 is not None else np.nan,
                "AR100": _mean_valid(r[:, k, 0, -1]),
                "ground_truth": int(objects[k]), "predictions": int(predictions[k]),
                "TP": int(tp[k]), "FP": int(predictions[k] - tp[k]),
                "FN": int(objects[k] - tp[k])})
        return pd.DataFrame(rows).set_index("label")

    @cached_property
    def pr_curves(self) -> pd.DataFrame:
        """Long table: ``label``, ``iou_threshold``, ``recall`` (101 points), ``precision``, ``score``.

        COCO's interpolated precision (area "all", the largest maxDets); -1 (no data) is NaN.
        """
        p = self.precision[:, :, :, 0, -1]
        s = np.asarray(self._eval["scores"])[:, :, :, 0, -1]
        recall = np.linspace(0.0, 1.0, p.shape[1])
        t_idx, r_idx, k_idx = np.meshgrid(np.arange(p.shape[0]), np.arange(p.shape[1]),
                                          np.arange(p.shape[2]), indexing="ij")
        frame = pd.DataFrame({
            "label": np.asarray(self.labels, dtype=object)[k_idx.ravel()],
            "iou_threshold": np.asarray(self.iou_thresholds)[t_idx.ravel()],
            "recall": recall[r_idx.ravel()], "precision": p.ravel(), "score": s.ravel()})
        frame.loc[frame["precision"] < 0, ["precision", "score"]] = np.nan
        return frame

    # -- matches and confusion (computed here) -----------------------------------------
    @cached_property
    def matches(self) -> pd.DataFrame:
        """One row per prediction and per missed ground-truth object, at IoU 0.5.

        Columns: ``data_unit``, ``label``, ``outcome`` (TP, FP or FN), ``confidence``,
        ``iou`` (with the matched object; for an FP the best IoU with any same-label object),
        ``prediction`` and ``ground_truth`` (row labels of the input frames: the matched
        pair, or null). Up to 100 predictions per image and label take part, as in COCO.
        """
        return self.matches_at(0.5)

    @cached_property
    def _engine_ious(self) -> EngineIoUs | None:
        """The engine's mask IoUs of a segm run, read once (None for boxes, or if unusable)."""
        if self._run.ious is None:
            return None
        k = len(self.labels) + 1
        try:
            return EngineIoUs(self._run.ious, k=k, max_per_group=100,
                              gt_groups=self._pair.gt_ids[0] * k + self._pair.gt_ids[1],
                              dt_groups=self._pair.dt_ids[0] * k + self._pair.dt_ids[1],
                              dt_scores=self._dt.scores)
        except ValueError:  # not the groups' shapes: an engine we do not know; match here
            return None

    def _counted(self, lo: float, hi: float) -> np.ndarray:
        areas = self._pair.gt_areas
        return (areas >= lo) & (areas <= hi)

    def matches_at(self, iou_threshold: float) -> pd.DataFrame:
        """:attr:`matches` at another IoU threshold."""
        gt, dt = self._gt, self._dt
        lo, hi = next(iter(self.area_ranges.values()))
        engine_ious = self._engine_ious
        if ((self.iou_type == "bbox" or engine_ious is not None)
                and iou_threshold in self.iou_thresholds and bool(self._counted(lo, hi).all())):
            # the engine's own matching: it ran this threshold and ignored no object in its
            # first area range (an ignored object is matched last, which match_pairs does not do)
            k = len(self.labels) + 1
            matched_gt, ious = match_candidates(
                gt, dt, self._run.matched, threshold=iou_threshold, max_per_group=100,
                gt_groups=self._pair.gt_ids[0] * k + self._pair.gt_ids[1],
                dt_groups=self._pair.dt_ids[0] * k + self._pair.dt_ids[1], ious=engine_ious)
        else:
            matched_gt, ious = match_pairs(gt, dt, threshold=iou_threshold,
                                           segm=self.iou_type == "segm", max_per_group=100)
        return _matches_frame(gt, dt, matched_gt, ious)

    def confusion(self, *, iou_threshold: float = 0.5, confidence: float = 0.25) -> pd.DataFrame:
        """Confusion matrix with a background row and column (rows: truth, columns: predicted).

        Predictions at or above ``confidence`` are matched to objects of any label (COCO's
        greedy rule at ``iou_threshold``): a matched pair counts in (true label, predicted
        label), an unmatched prediction in (background, label), a missed object in
        (label, background).
        """
        return _confusion(self._gt, self._dt, self.labels, iou_threshold=iou_threshold,
                          confidence=confidence, segm=self.iou_type == "segm")

    @cached_property
    def confusion_matrix(self) -> pd.DataFrame:
        """:meth:`confusion` at IoU 0.5 and confidence 0.25."""
        return self.confusion()

    @cached_property
    def images(self) -> pd.DataFrame:
        """Per image: objects, predictions, TP, FP, FN and ``errors`` (FP + FN), worst first."""
        m = self.matches
        try:  # counted in one pass (crosstab counts each image with a Python call: 6x slower)
            table = (m.groupby(["data_unit", "outcome"], observed=False).size()
                     .unstack("outcome").reindex(columns=["TP", "FP", "FN"], fill_value=0))
        except TypeError:  # image keys of mixed types do not sort; crosstab keeps them as met
            table = pd.crosstab(m["data_unit"], m["outcome"]).reindex(
                columns=["TP", "FP", "FN"], fill_value=0)
        table["ground_truth"] = pd.Series(self._gt.images).value_counts()
        table["predictions"] = pd.Series(self._dt.images).value_counts()
        table = table.fillna(0).astype(int)
        table["errors"] = table["FP"] + table["FN"]
        table.columns.name = None
        return table.sort_values(["errors", "FN"], ascending=False, kind="stable")

    # -- plots and browser --------------------------------------------------------------
    def plot_pr_curves(self, iou_threshold: float = 0.5, ax: Any = None) -> Any:
        """Precision-recall curve per label at one IoU threshold (a matplotlib Axes)."""
        return plots.pr_curves(self.pr_curves, iou_threshold, ax=ax)

    def plot_confusion_matrix(self, normalize: bool = False, ax: Any = None) -> Any:
        """Heat map of :attr:`confusion_matrix` with counts written in the cells."""
        return plots.confusion(self.confusion_matrix, normalize=normalize, ax=ax)

    def plot_per_class(self, ax: Any = None) -> Any:
        """AP50 and AP per label as horizontal bars, with the object count beside each."""
        return plots.per_class(self.per_class, ax=ax)

    def browse(self, *, client: Any = None, images: int = 50, **browser_options: Any) -> Any:
        """A RecordBrowser over the ``images`` worst images: ground truth solid, predictions dashed."""
        from .browse import evaluation_browser

        return evaluation_browser(self, self._gt, self._dt, client=client, limit=images,
                                  image_urls=self._image_urls, **browser_options)

    def __repr__(self) -> str:
        s = self.summary
        return (f"<Evaluation {self.iou_type} ({self.engine}): {len(self._pair.image_keys)} images, "
                f"{len(self._gt)} objects, {len(self._dt)} predictions; mAP {s['mAP']:.3f}, "
                f"mAP50 {s['mAP50']:.3f}>")


def _matches_frame(gt: ShapeTable, dt: ShapeTable, matched_gt: np.ndarray,
                   ious: np.ndarray) -> pd.DataFrame:
    """:attr:`Evaluation.matches` from each prediction's matched object (-1: none) and IoU."""
    gt_matched = np.full(len(gt), -1)
    hit = np.flatnonzero(matched_gt >= 0)
    gt_matched[matched_gt[hit]] = hit
    tp = matched_gt >= 0
    missed = np.flatnonzero(gt_matched < 0)
    frame = pd.DataFrame({
        "data_unit": np.concatenate([dt.images, gt.images[missed]]),
        "label": np.concatenate([dt.labels, gt.labels[missed]]),
        "outcome": pd.Categorical(np.concatenate([np.where(tp, "TP", "FP"),
                                                  np.full(len(missed), "FN")]),
                                  categories=["TP", "FP", "FN"]),
        "confidence": np.concatenate([dt.scores, np.full(len(missed), np.nan)]),
        "iou": np.concatenate([ious, np.full(len(missed), np.nan)]),
        "prediction": pd.array(list(dt.row_ids) + [None] * len(missed), dtype=object),
        "ground_truth": pd.array([gt.row_ids[g] if g >= 0 else None for g in matched_gt]
                                 + list(gt.row_ids[missed]), dtype=object),
    })
    return frame


def _confusion(gt: ShapeTable, dt: ShapeTable, labels: Sequence[str], *, iou_threshold: float,
               confidence: float, segm: bool) -> pd.DataFrame:
    """:meth:`Evaluation.confusion`: class-agnostic matching of the confident predictions."""
    keep = np.flatnonzero(dt.scores >= confidence)
    sub = ShapeTable(dt.row_ids[keep], dt.images[keep], dt.labels[keep], dt.boxes[keep],
                     [dt.polygons[i] for i in keep], dt.scores[keep])
    names = [*labels, BACKGROUND]
    index = {n: i for i, n in enumerate(names)}
    counts = np.zeros((len(names), len(names)), dtype=np.int64)
    bg = index[BACKGROUND]
    matched, _iou = match_pairs(gt, sub, threshold=iou_threshold, by_label=False,
                                segm=segm)
    true = np.array([index[v] for v in gt.labels.tolist()], dtype=np.int64)
    pred = np.array([index[v] for v in sub.labels.tolist()], dtype=np.int64)
    np.add.at(counts, (np.where(matched >= 0, true[np.maximum(matched, 0)], bg), pred), 1)
    missed = np.ones(len(gt), dtype=bool)
    missed[matched[matched >= 0]] = False
    np.add.at(counts, (true[missed], bg), 1)
    return pd.DataFrame(counts, index=pd.Index(names, name="true"),
                        columns=pd.Index(names, name="predicted"))


def _urls(*frames: pd.DataFrame) -> dict[Any, str]:
    out: dict[Any, str] = {}
    for f in frames:
        if "primary_file_url" in f.columns and "data_unit" in f.columns:
            sub = f[["data_unit", "primary_file_url"]].dropna().drop_duplicates("data_unit")
            out.update(zip(sub["data_unit"].tolist(), sub["primary_file_url"].tolist()))
    return out


def evaluate_detections(predictions: pd.DataFrame, ground_truth: pd.DataFrame, *,
                        iou_thresholds: Sequence[float] | None = None,
                        area_ranges: Mapping[str, tuple[float, float]] | None = None,
                        iou_type: str | None = None) -> Evaluation:
    """Score predictions against ground truth the way COCOeval does.

    Parameters
    ----------
    predictions, ground_truth : DataFrame
        Annotations frames (``snb.annotations_frame``) or frames with the same columns:
        ``data_unit`` (the image key), ``label``, ``x1 y1 x2 y2`` or ``points``, and
        ``confidence`` for predictions. Classification rows are ignored.
    iou_thresholds : sequence of float, optional
        Default COCO's 0.50:0.05:0.95.
    area_ranges : dict name -> (low, high), optional
        Object-size ranges in square pixels; the first must be the whole range. Default
        COCO's all / small (< 32²) / medium / large (> 96²).
    iou_type : "bbox" or "segm", optional
        Default "segm" when any ground-truth row has polygon points, else "bbox".

    Returns
    -------
    Evaluation

    Examples
    --------
    >>> gt = snb.annotations_frame(client, of="ground_truth_events",
    ...                            ground_truth_dataset_versions=2)      # doctest: +SKIP
    >>> ev = snb.evaluate_detections(predictions, gt)                     # doctest: +SKIP
    >>> ev.summary["mAP"], ev.per_class, ev.browse()                      # doctest: +SKIP
    """
    gt = shape_table(ground_truth, role="ground truth")
    dt = shape_table(predictions, role="predictions", scores=True)
    if iou_type is None:
        iou_type = "segm" if gt.has_polygons else "bbox"
    if iou_type not in ("bbox", "segm"):
        raise ValueError(f"iou_type must be 'bbox' or 'segm', not {iou_type!r}")
    thresholds = tuple(iou_thresholds) if iou_thresholds is not None else DEFAULT_IOU_THRESHOLDS
    if not thresholds or any(not 0 < t <= 1 for t in thresholds):
        raise ValueError(f"iou_thresholds must be values in (0, 1], got {thresholds!r}")
    ranges = dict(area_ranges) if area_ranges is not None else dict(DEFAULT_AREA_RANGES)
    if not ranges:
        raise ValueError("area_ranges needs at least one range (the first covers all objects)")
    pair = CocoPair.build(gt, dt, iou_type=iou_type)
    run = run_cocoeval(pair, iou_thresholds=thresholds, area_ranges=ranges)
    return Evaluation(run, pair, gt, dt, iou_thresholds=thresholds, area_ranges=ranges,
                      image_urls=_urls(ground_truth, predictions))
