"""``label_issues``: which ground-truth boxes a detector's predictions contradict (cleanlab).

Everything that decides is cleanlab's ObjectLab (``cleanlab.object_detection``), called once
over all images with its defaults: the image scores (``get_label_quality_scores``), the
image mask (``filter.find_label_issues``), and per box the swap, bad-location and
overlooked scores (``rank.compute_*_box_scores``) against the per-class thresholds that
``find_label_issues`` itself uses (its average precision per class, scaled). This module
only lays the frames out as cleanlab wants them and puts the answers back on the rows.

Input layout: labels are the sorted label names of both frames mapped to ``0..K-1``; images
are every ``data_unit`` of either frame, sorted; an image without boxes in one frame is an
empty array there.

Example:
    >>> import pandas as pd
    >>> gt = pd.DataFrame({"data_unit": [1, 2], "label": ["car", "car"],
    ...                    "x1": [0, 100], "y1": [0, 100], "x2": [50, 150], "y2": [50, 150]})
    >>> pred = pd.DataFrame({"data_unit": [1, 1, 2], "label": ["car", "car", "person"],
    ...                      "x1": [2, 250, 100], "y1": [2, 200, 100], "x2": [50, 260, 150],
    ...                      "y2": [50, 210, 150], "confidence": [0.99, 0.3, 0.99]})
    >>> found = label_issues(pred, gt)
    >>> found.images["issue"].to_dict(), found.boxes["kind"].tolist()
    ({2: True, 1: False}, ['ok', 'swap'])
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._optional import import_optional
from ..ml.shapes import ShapeTable, shape_table

__all__ = ["LabelIssues", "label_issues", "cleanlab_inputs", "KINDS"]

KINDS = ("ok", "swap", "badloc", "overlooked")
_NONE = -1


@dataclass
class CleanlabInputs:
    """The lists cleanlab takes, and where each of their boxes came from."""

    images: list[Any]  # data_unit values, sorted
    names: list[str]  # label names, sorted; class k is names[k]
    labels: list[dict[str, Any]]
    predictions: list[list[np.ndarray]]
    gt_rows: list[np.ndarray]  # per image: positions in the GT table, in cleanlab's box order
    pred_rows: list[np.ndarray]  # per image: positions in the predictions table, same


def _check(table: ShapeTable, role: str, scores: bool) -> None:
    boxes = table.boxes
    bad = ~np.isfinite(boxes).all(axis=1) | (boxes[:, 2] < boxes[:, 0]) | (boxes[:, 3] < boxes[:, 1])
    if bad.any():
        first = table.row_ids[np.flatnonzero(bad)[:3]].tolist()
        raise ValueError(f"{int(bad.sum())} {role} box(es) are not x1 <= x2, y1 <= y2 in finite "
                         f"pixels (rows {first}); fix or drop them")
    if scores:
        off = ~((table.scores >= 0) & (table.scores <= 1))
        if off.any():
            raise ValueError(f"{int(off.sum())} prediction confidence(s) are outside [0, 1] "
                             f"(rows {table.row_ids[np.flatnonzero(off)[:3]].tolist()}); cleanlab "
                             "reads them as probabilities")


def _group(image_pos: np.ndarray, n_images: int, *keys: np.ndarray) -> list[np.ndarray]:
    """Row positions per image (ordered by ``keys`` within an image, then by position)."""
    order = np.lexsort((np.arange(len(image_pos)), *reversed(keys), image_pos)) if len(keys) \
        else np.argsort(image_pos, kind="stable")
    bounds = np.searchsorted(image_pos[order], np.arange(n_images + 1))
    return [order[bounds[k]:bounds[k + 1]] for k in range(n_images)]


def cleanlab_inputs(predictions: pd.DataFrame, ground_truth: pd.DataFrame
                    ) -> tuple[CleanlabInputs, ShapeTable, ShapeTable]:
    """cleanlab's ``labels`` and ``predictions`` lists for two frames (module docstring)."""
    pred = shape_table(predictions, role="predictions", scores=True)
    gt = shape_table(ground_truth, role="ground truth")
    _check(pred, "prediction", True)
    _check(gt, "ground-truth", False)
    names = sorted({str(x) for x in pred.labels} | {str(x) for x in gt.labels})
    if not names:
        raise ValueError("both frames are empty: nothing to check")
    try:
        images = sorted(set(pred.images.tolist()) | set(gt.images.tolist()))
    except TypeError as err:
        raise ValueError("data_unit values of the two frames cannot be sorted together (mixed "
                         "types?): use the same kind of key in both") from err
    image_index = {u: i for i, u in enumerate(images)}
    class_index = {name: k for k, name in enumerate(names)}
    g_img = np.array([image_index[u] for u in gt.images.tolist()], dtype=np.int64)
    p_img = np.array([image_index[u] for u in pred.images.tolist()], dtype=np.int64)
    g_cls = np.array([class_index[str(x)] for x in gt.labels], dtype=np.int64)
    p_cls = np.array([class_index[str(x)] for x in pred.labels], dtype=np.int64)
    gt_rows = _group(g_img, len(images))
    # cleanlab reads a prediction as one (M_k, 5) array per class and flattens them class
    # by class: keep that order so its per-box scores map back to rows
    pred_rows = _group(p_img, len(images), p_cls)
    labels = [{"bboxes": gt.boxes[rows].reshape(-1, 4), "labels": g_cls[rows],
               "image_name": str(images[k])} for k, rows in enumerate(gt_rows)]
    p_full = np.column_stack([pred.boxes, pred.scores]) if len(pred) else np.zeros((0, 5))
    preds = []
    for rows in pred_rows:
        cls = p_cls[rows]
        preds.append([p_full[rows[cls == k]].reshape(-1, 5) for k in range(len(names))])
    return CleanlabInputs(images, names, labels, preds, gt_rows, pred_rows), pred, gt


def _nan_to_one(scores: list[np.ndarray]) -> list[np.ndarray]:
    out = []
    for s in scores:
        s = np.array(s, dtype=float)
        s[np.isnan(s)] = 1.0
        out.append(s)
    return out


def _box_issues(inp: CleanlabInputs) -> dict[str, Any]:
    """Per-box scores and flags, as ``cleanlab.object_detection.filter`` computes them."""
    constants = importlib.import_module("cleanlab.internal.constants")
    rank = importlib.import_module("cleanlab.object_detection.rank")
    filt = importlib.import_module("cleanlab.object_detection.filter")
    aux = rank._get_valid_inputs_for_compute_scores(constants.ALPHA, inp.labels, inp.predictions)
    per_class = filt._get_per_class_ap(inp.labels, inp.predictions)
    lab_thr = filt._process_class_list([lab["labels"] for lab in inp.labels], per_class)
    pred_thr = filt._process_class_list([a["pred_labels"] for a in aux], per_class)
    scores = {
        "overlooked": rank.compute_overlooked_box_scores(
            alpha=constants.ALPHA, high_probability_threshold=constants.HIGH_PROBABILITY_THRESHOLD,
            auxiliary_inputs=aux),
        "badloc": rank.compute_badloc_box_scores(
            alpha=constants.ALPHA, low_probability_threshold=constants.LOW_PROBABILITY_THRESHOLD,
            auxiliary_inputs=aux),
        "swap": rank.compute_swap_box_scores(
            alpha=constants.ALPHA, high_probability_threshold=constants.HIGH_PROBABILITY_THRESHOLD,
            overlapping_label_check=True, auxiliary_inputs=aux),
    }
    factors = {"overlooked": constants.OVERLOOKED_THRESHOLD_FACTOR,
               "badloc": constants.BADLOC_THRESHOLD_FACTOR, "swap": constants.SWAP_THRESHOLD_FACTOR}
    thresholds = {"overlooked": pred_thr, "badloc": lab_thr, "swap": lab_thr}
    flags = {}
    pooled = np.zeros(len(inp.labels))
    for kind, per_image in scores.items():
        # cleanlab's own per-box rule (it sets NaN scores to 1 in place first: copies here)
        flagged = filt._find_label_issues_per_box(_nan_to_one(per_image), thresholds[kind],
                                                  factors[kind])
        pooled += filt._pool_box_scores_per_image(flagged)
        flags[kind] = [f[:len(s)] for f, s in zip(flagged, per_image)]
    # an image is an issue when a box of any kind is: find_label_issues' own pooling of
    # these very flags (so it is not run a second time)
    return {"aux": aux, "scores": scores, "flags": flags, "constants": constants,
            "issue": pooled > 0}


def _contradicting(aux: dict[str, Any], box: int, kind: str, constants: Any) -> int:
    """The prediction (position in the image's flat order) that a suspect box is judged by."""
    pred_labels, probs = aux["pred_labels"], aux["pred_label_probs"]
    sim, iou = aux["similarity_matrix"], aux["iou_matrix"]
    if not len(pred_labels):
        return _NONE
    k = aux["lab_labels"][box]
    if kind == "swap":
        ok = (pred_labels != k) & (probs > constants.HIGH_PROBABILITY_THRESHOLD)
    else:
        ok = (pred_labels == k) & (probs > constants.LOW_PROBABILITY_THRESHOLD) & (iou[box] > 0)
    if not ok.any():
        return _NONE
    cand = np.flatnonzero(ok)
    return int(cand[np.argmax(sim[box, cand])])


@dataclass
class LabelIssues:
    """What :func:`label_issues` found.

    Attributes
    ----------
    images : DataFrame
        Indexed by ``data_unit``: ``quality`` (cleanlab's image score, 0 bad to 1 good),
        ``issue`` (its ``find_label_issues`` mask), and the number of boxes of each kind
        (``swap``, ``badloc``, ``overlooked``); worst first.
    boxes : DataFrame
        One row per ground-truth box and per overlooked prediction: ``data_unit``,
        ``label``, ``x1 y1 x2 y2``, ``kind`` (``ok``/``swap``/``badloc``/``overlooked``),
        ``score`` (the kind's cleanlab score; for ``ok``, the lower of swap and bad
        location), ``source`` (``ground_truth``/``prediction``), ``row`` (the row label in
        the frame it came from) and the prediction that contradicts it: ``pred_label``,
        ``pred_x1 .. pred_y2``, ``pred_confidence`` (null when none).
    labels : list of str
        Class ``k`` of cleanlab's input is ``labels[k]``.
    """

    images: pd.DataFrame
    boxes: pd.DataFrame
    labels: list[str]
    inputs: CleanlabInputs | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        n = int(self.images["issue"].sum())
        return f"LabelIssues(images={len(self.images)}, flagged={n}, " \
               f"boxes={self.boxes['kind'].value_counts().to_dict()})"

    def per_label(self) -> pd.DataFrame:
        """Issues per label: one row per label, a column per kind (swap, badloc, overlooked)."""
        flagged = self.boxes[self.boxes["kind"] != "ok"]
        table = pd.crosstab(flagged["label"], flagged["kind"]) if len(flagged) else pd.DataFrame()
        return table.reindex(index=self.labels, columns=list(KINDS[1:]), fill_value=0) \
            .fillna(0).astype("int64").rename_axis(index="label", columns="kind")

    def plot(self, ax: Any = None) -> Any:
        """Horizontal stacked bars: the issues of each kind per label. Returns the axes.

        >>> found.plot()                                                      # doctest: +SKIP
        """
        plt = import_optional("matplotlib.pyplot", "plots")
        table = self.per_label()
        if ax is None:
            _fig, ax = plt.subplots(figsize=(6, 0.4 * len(table) + 1.2), layout="constrained")
        left = np.zeros(len(table))
        for kind, color in zip(table.columns, ("#d62728", "#ff7f0e", "#1f77b4")):
            ax.barh(table.index.astype(str), table[kind].to_numpy(), left=left, label=kind,
                    color=color)
            left += table[kind].to_numpy()
        ax.invert_yaxis()
        ax.set_xlabel("boxes flagged")
        ax.set_title("label issues per label")
        ax.legend(loc="lower right", frameon=False)
        return ax

    def browse(self, client: Any, *, project: int | None = None, key: str = "data_unit",
               task_of: Any = None) -> Any:
        """The fix-in-place review queue over the flagged images, worst first.

        Each flagged image shows its suspect ground-truth boxes (role ``suspect``) and the
        predictions that contradict them or were overlooked (role ``prediction``).
        ``key="task"`` with ``task_of`` (a mapping or Series data unit -> task id) queues
        tasks instead of data units.

        >>> found.browse(client, project=1)                                   # doctest: +SKIP
        """
        from .review import review_items, review_overlays  # noqa: PLC0415

        module = importlib.import_module("synapse_nb.widgets.review")
        items = review_items(self, key=key, task_of=task_of)
        overlays = review_overlays(self, key=key, task_of=task_of)
        return module.ReviewQueue(client, items, key=key, overlays=overlays, project=project)


def label_issues(predictions: pd.DataFrame, ground_truth: pd.DataFrame) -> LabelIssues:
    """Which ground-truth boxes the predictions contradict, by cleanlab's ObjectLab.

    Parameters
    ----------
    predictions : DataFrame
        ``data_unit``, ``label``, ``x1 y1 x2 y2`` (pixels) and ``confidence`` in [0, 1]:
        ``predictions_frame(client, model=...)``, or an evaluation's predictions.
        Predictions should be out of sample (the model did not train on these images).
    ground_truth : DataFrame
        ``data_unit``, ``label``, ``x1 y1 x2 y2``: an annotations frame of tasks or of a
        ground-truth version. Rows of ``type`` classification are left out.

    Returns
    -------
    LabelIssues
        ``.images`` (per image ``quality``, ``issue``), ``.boxes`` (per box ``kind``,
        ``score``), ``.per_label()``, ``.plot()``, ``.browse(client)``.

    Examples
    --------
    >>> gt = snb.annotations_frame(client, of="ground_truth_events", ground_truth_dataset_versions=2)  # doctest: +SKIP
    >>> found = snb.label_issues(snb.predictions_frame(client, model=2), gt)  # doctest: +SKIP
    >>> found.images.head()                                                 # doctest: +SKIP
    """
    import_optional("cleanlab", "quality")
    od_rank = importlib.import_module("cleanlab.object_detection.rank")
    inp, pred, gt = cleanlab_inputs(predictions, ground_truth)
    quality = np.asarray(od_rank.get_label_quality_scores(inp.labels, inp.predictions,
                                                          verbose=False), dtype=float)
    per_box = _box_issues(inp)
    issue = per_box["issue"]
    boxes = _boxes_frame(inp, per_box, pred, gt)
    counts = boxes[boxes["kind"] != "ok"].groupby(["data_unit", "kind"]).size() \
        .unstack(fill_value=0) if (boxes["kind"] != "ok").any() else pd.DataFrame()
    images = pd.DataFrame({"quality": quality, "issue": issue},
                          index=pd.Index(inp.images, name="data_unit"))
    for kind in KINDS[1:]:
        col = counts[kind] if kind in counts.columns else pd.Series(dtype="int64")
        images[kind] = col.reindex(images.index, fill_value=0).fillna(0).astype("int64")
    images = images.iloc[np.argsort(quality, kind="stable")]
    return LabelIssues(images=images, boxes=boxes, labels=inp.names, inputs=inp)


def _boxes_frame(inp: CleanlabInputs, per_box: dict[str, Any], pred: ShapeTable,
                 gt: ShapeTable) -> pd.DataFrame:
    constants = per_box["constants"]
    scores, flags = per_box["scores"], per_box["flags"]
    cols: dict[str, list[Any]] = {c: [] for c in (
        "data_unit", "label", "x1", "y1", "x2", "y2", "kind", "score", "source", "row",
        "pred_label", "pred_x1", "pred_y1", "pred_x2", "pred_y2", "pred_confidence")}

    def add(unit: Any, label: str, box: np.ndarray, kind: str, score: float, source: str,
            row: Any, p: int | None) -> None:
        cols["data_unit"].append(unit)
        cols["label"].append(label)
        for name, v in zip(("x1", "y1", "x2", "y2"), box):
            cols[name].append(float(v))
        cols["kind"].append(kind)
        cols["score"].append(float(score))
        cols["source"].append(source)
        cols["row"].append(row)
        if p is None:
            for name in ("pred_x1", "pred_y1", "pred_x2", "pred_y2", "pred_confidence"):
                cols[name].append(np.nan)
            cols["pred_label"].append(None)
        else:
            cols["pred_label"].append(str(pred.labels[p]))
            for name, v in zip(("pred_x1", "pred_y1", "pred_x2", "pred_y2"), pred.boxes[p]):
                cols[name].append(float(v))
            cols["pred_confidence"].append(float(pred.scores[p]))

    for k, unit in enumerate(inp.images):
        aux = per_box["aux"][k]
        g_rows, p_rows = inp.gt_rows[k], inp.pred_rows[k]
        for b, pos in enumerate(g_rows):
            swap = float(np.nan_to_num(scores["swap"][k][b], nan=1.0))
            badloc = float(np.nan_to_num(scores["badloc"][k][b], nan=1.0))
            if flags["swap"][k][b]:
                kind, score = "swap", swap
            elif flags["badloc"][k][b]:
                kind, score = "badloc", badloc
            else:
                kind, score = "ok", min(swap, badloc)
            p = _contradicting(aux, b, kind, constants) if kind != "ok" else _NONE
            add(unit, str(gt.labels[pos]), gt.boxes[pos], kind, score, "ground_truth",
                gt.row_ids[pos], None if p == _NONE else int(p_rows[p]))
        for q, pos in enumerate(p_rows):
            if flags["overlooked"][k][q]:
                add(unit, str(pred.labels[pos]), pred.boxes[pos], "overlooked",
                    float(scores["overlooked"][k][q]), "prediction", pred.row_ids[pos], int(pos))
    out = pd.DataFrame(cols)
    out["kind"] = pd.Categorical(out["kind"], categories=list(KINDS))
    return out
