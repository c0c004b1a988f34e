"""``agreement``: how far annotators agree, on boxes and on classes.

Boxes: for every pair of annotators, on the units both labelled, boxes are matched by IoU
(COCO's greedy rule, class-agnostic, largest boxes first); a match with the same label
counts as agreement. F1 = 2 x agreeing matches / (boxes of A + boxes of B). Per label the
same over all pairs. Consensus boxes: the boxes most annotators of a unit drew (matched
into clusters), averaged, with the majority label.

Classes (one label per unit and annotator): Cohen's kappa per pair, Fleiss' kappa and
Krippendorff's alpha over everyone, consensus = majority label. A row without a label
(None, NaN) is a unit the annotator did not rate: it counts nowhere (``summary["unlabeled"]``
says how many); labels compare as :func:`~synapse_nb.ml.classification.label_text`.

With ``ground_truth`` each annotator is also scored against it (boxes: precision, recall,
F1, mean IoU; classes: accuracy and Cohen's kappa).

Example:
    >>> import pandas as pd
    >>> ann = pd.DataFrame({"task": [1, 1, 2, 2, 3, 3], "annotator": ["ann", "bo"] * 3,
    ...                     "label": ["a", "a", "b", "a", "b", "b"]})
    >>> ag = agreement(ann)
    >>> ag.kind, round(float(ag.summary["cohen_kappa"]), 3)
    ('classes', 0.4)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from .kappa import cohen_kappa, fleiss_kappa, krippendorff_alpha, rating_table
from .matching import box_iou, greedy_match
from .shapes import ShapeTable

__all__ = ["Agreement", "agreement"]


@dataclass
class Agreement:
    """Result of :func:`agreement`.

    ``kind`` is ``"boxes"`` or ``"classes"``; ``summary`` a Series of headline numbers;
    ``pairs`` one row per annotator pair; ``per_label``; ``consensus`` (boxes or labels per
    unit); ``vs_ground_truth`` one row per annotator (empty without ground truth);
    ``ratings`` (classes: annotators x units label table).
    """

    kind: str
    unit: str
    summary: pd.Series
    pairs: pd.DataFrame
    per_label: pd.DataFrame
    consensus: pd.DataFrame
    vs_ground_truth: pd.DataFrame
    ratings: pd.DataFrame = field(default_factory=pd.DataFrame)

    def plot_pairs(self, ax: Any = None) -> Any:
        """Annotator x annotator heat map of the pairwise score (F1 or Cohen's kappa)."""
        from . import plots

        metric = "f1" if self.kind == "boxes" else "cohen_kappa"
        names = sorted(set(self.pairs["annotator_a"]) | set(self.pairs["annotator_b"]))
        grid = pd.DataFrame(np.nan, index=names, columns=names)
        for a, b, v in self.pairs[["annotator_a", "annotator_b", metric]].itertuples(index=False):
            grid.loc[a, b] = grid.loc[b, a] = v
        return plots.heatmap(grid, fmt="{:.2f}", title=f"Pairwise {metric.replace('_', ' ')}",
                             ax=ax)

    def __repr__(self) -> str:
        head = ", ".join(f"{k} {v:.3f}" for k, v in self.summary.items()
                         if isinstance(v, float) and np.isfinite(v))
        return f"<Agreement on {self.kind} per {self.unit}: {len(self.pairs)} pairs; {head}>"


def _table(frame: pd.DataFrame, unit: str) -> ShapeTable:
    boxes = frame[["x1", "y1", "x2", "y2"]].to_numpy(dtype=float, na_value=np.nan)
    return ShapeTable(frame.index.to_numpy(), frame[unit].to_numpy(),
                      frame["label"].astype("string").fillna("(no label)").to_numpy(dtype=object),
                      boxes, [None] * len(frame), (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]))


def _match_boxes(a: ShapeTable, ia: np.ndarray, b: ShapeTable, ib: np.ndarray,
                 threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of a (largest first) matched to rows of b: (a rows, b rows or -1, IoU)."""
    ia = ia[np.argsort(-a.scores[ia], kind="mergesort")]
    if len(ib) == 0 or len(ia) == 0:
        return ia, np.full(len(ia), -1), np.zeros(len(ia))
    cols, best = greedy_match(box_iou(a.boxes[ia], b.boxes[ib]), threshold)
    return ia, np.where(cols >= 0, ib[np.maximum(cols, 0)], -1), best


def _pair_scores(t: ShapeTable, a_rows: dict[Any, Any], b_rows: dict[Any, Any], units: list[Any],
                 threshold: float, ref: ShapeTable | None = None) -> dict[str, Any]:
    """Match A's boxes against B's (or the reference table's) unit by unit."""
    other = ref if ref is not None else t
    n_a = n_b = agree = matched = 0
    ious: list[float] = []
    by_label: dict[str, list[int]] = {}
    empty = np.array([], dtype=int)
    for u in units:
        ra, rb = a_rows.get(u, empty), b_rows.get(u, empty)
        n_a, n_b = n_a + len(ra), n_b + len(rb)
        rows_a, rows_b, iou = _match_boxes(t, ra, other, rb, threshold)
        for r, m, v in zip(rows_a, rows_b, iou):
            same = m >= 0 and t.labels[r] == other.labels[m]
            if m >= 0:
                matched += 1
                ious.append(v)
            agree += same
            by_label.setdefault(t.labels[r], [0, 0, 0])[0] += 1
            by_label[t.labels[r]][2] += same
        for m in rb:
            by_label.setdefault(other.labels[m], [0, 0, 0])[1] += 1
    f1 = 2 * agree / (n_a + n_b) if n_a + n_b else float("nan")
    return {"units": len(units), "boxes_a": n_a, "boxes_b": n_b, "matched": matched,
            "same_label": agree, "f1": f1,
            "mean_iou": float(np.mean(ious)) if ious else float("nan"), "_labels": by_label}


def _box_agreement(frame: pd.DataFrame, unit: str, threshold: float,
                   ground_truth: pd.DataFrame | None) -> Agreement:
    t = _table(frame, unit)
    rows = {name: _groups(t.images[idx], idx) for name, idx in
            _groups(frame["annotator"].to_numpy(dtype=object), np.arange(len(frame))).items()}
    names = sorted(rows, key=str)
    pair_rows: list[dict[str, Any]] = []
    label_totals: dict[str, list[int]] = {}
    for a, b in combinations(names, 2):
        common = sorted(set(rows[a]) & set(rows[b]), key=str)
        s = _pair_scores(t, rows[a], rows[b], common, threshold)
        for label, (na, nb, same) in s.pop("_labels").items():
            tot = label_totals.setdefault(label, [0, 0])
            tot[0] += na + nb
            tot[1] += 2 * same
        pair_rows.append({"annotator_a": a, "annotator_b": b, **s})
    pairs = pd.DataFrame(pair_rows, columns=["annotator_a", "annotator_b", "units", "boxes_a",
                                             "boxes_b", "matched", "same_label", "f1", "mean_iou"])
    per_label = pd.DataFrame(
        [{"label": k, "boxes": v[0], "f1": v[1] / v[0] if v[0] else np.nan}
         for k, v in sorted(label_totals.items())], columns=["label", "boxes", "f1"]
    ).set_index("label")
    vs = pd.DataFrame()
    if ground_truth is not None:
        g = _table(ground_truth.reset_index(drop=True), unit)
        g_rows = _groups(g.images, np.arange(len(g)))
        out = []
        for name in names:
            units = sorted(set(rows[name]) & set(g_rows), key=str)
            s = _pair_scores(t, rows[name], g_rows, units, threshold, ref=g)
            s.pop("_labels")
            out.append({"annotator": name, "units": s["units"], "boxes": s["boxes_a"],
                        "ground_truth": s["boxes_b"],
                        "precision": s["same_label"] / s["boxes_a"] if s["boxes_a"] else np.nan,
                        "recall": s["same_label"] / s["boxes_b"] if s["boxes_b"] else np.nan,
                        "f1": s["f1"], "mean_iou": s["mean_iou"]})
        vs = pd.DataFrame(out).set_index("annotator")
    summary = pd.Series({"annotators": float(len(names)),
                         "units": float(frame[unit].nunique()),
                         "f1": float(pairs["f1"].mean()) if len(pairs) else np.nan,
                         "mean_iou": float(pairs["mean_iou"].mean()) if len(pairs) else np.nan})
    return Agreement("boxes", unit, summary, pairs, per_label,
                     _consensus_boxes(t, frame, unit, threshold), vs)


def _groups(keys: np.ndarray, rows: np.ndarray) -> dict[Any, np.ndarray]:
    out: dict[Any, list[int]] = {}
    for k, r in zip(keys.tolist(), rows.tolist()):
        out.setdefault(k, []).append(r)
    return {k: np.asarray(v, dtype=int) for k, v in out.items()}


def _consensus_boxes(t: ShapeTable, frame: pd.DataFrame, unit: str,
                     threshold: float) -> pd.DataFrame:
    """Per unit: clusters of matched boxes drawn by at least half of its annotators."""
    annotators = frame["annotator"].to_numpy(dtype=object)
    out = []
    for u, idx in _groups(t.images, np.arange(len(t))).items():
        names = sorted(set(annotators[idx].tolist()), key=str)
        clusters: list[list[int]] = []
        for name in names:
            mine = idx[annotators[idx] == name]
            mine = mine[np.argsort(-t.scores[mine], kind="mergesort")]
            if clusters:
                centers = np.array([t.boxes[c].mean(axis=0) for c in clusters])
                cols, _ = greedy_match(box_iou(t.boxes[mine], centers), threshold)
            else:
                cols = np.full(len(mine), -1)
            for r, c in zip(mine, cols):
                (clusters[c].append(r) if c >= 0 else clusters.append([r]))
        need = max(1, int(np.ceil(len(names) / 2)))
        for c in clusters:
            if len(c) < need:
                continue
            labels = pd.Series(t.labels[c]).value_counts()
            x1, y1, x2, y2 = t.boxes[c].mean(axis=0)
            out.append({unit: u, "label": labels.index[0], "x1": x1, "y1": y1, "x2": x2,
                        "y2": y2, "support": len(c), "annotators": len(names),
                        "label_agreement": labels.iloc[0] / len(c)})
    return pd.DataFrame(out, columns=[unit, "label", "x1", "y1", "x2", "y2", "support",
                                      "annotators", "label_agreement"])


def _labelled(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The rows with a label (as :func:`label_text`), and how many had none.

    A rater who gave no label did not rate the unit (Krippendorff's missing value), so
    the row counts nowhere: not in the consensus, the label counts, or the raters per unit.
    """
    from .classification import label_text

    labels = pd.Series([label_text(v) for v in frame["label"].tolist()], index=frame.index,
                       dtype=object)
    has = labels.notna().to_numpy()
    return frame.assign(label=labels)[has].reset_index(drop=True), int((~has).sum())


def _class_agreement(frame: pd.DataFrame, unit: str, ground_truth: pd.DataFrame | None,
                     unlabeled: int) -> Agreement:
    from .classification import label_series

    ratings = rating_table(frame, unit)
    names = list(ratings.index)
    pair_rows = []
    for a, b in combinations(names, 2):
        both = ratings.loc[[a, b]].dropna(axis=1)
        both = both.loc[:, both.notna().all() & both.map(lambda v: v is not None).all()]
        pair_rows.append({"annotator_a": a, "annotator_b": b, "units": both.shape[1],
                          "agreement": float((both.loc[a] == both.loc[b]).mean())
                          if both.shape[1] else np.nan,
                          "cohen_kappa": cohen_kappa(both.loc[a].tolist(), both.loc[b].tolist())})
    pairs = pd.DataFrame(pair_rows, columns=["annotator_a", "annotator_b", "units",
                                             "agreement", "cohen_kappa"])
    counts = pd.crosstab(frame[unit], frame["label"].astype(str))
    labels_per_unit = frame.groupby(unit)["label"]
    consensus = pd.DataFrame({
        "label": labels_per_unit.agg(lambda s: s.value_counts().index[0]),
        "support": labels_per_unit.agg(lambda s: int(s.value_counts().iloc[0])),
        "annotators": labels_per_unit.size()})
    consensus["agreement"] = consensus["support"] / consensus["annotators"]
    per_label = pd.DataFrame({"ratings": counts.sum(axis=0),
                              "units_unanimous": ((counts == counts.sum(axis=1).to_numpy()[:, None])
                                                  & (counts.sum(axis=1).to_numpy()[:, None] > 1)
                                                  ).sum(axis=0)})
    per_label.index.name = "label"
    vs = pd.DataFrame()
    if ground_truth is not None:
        truth = label_series(ground_truth, role="ground truth", key=unit).dropna()
        out = []
        for name in names:
            mine = ratings.loc[name].dropna()
            mine = mine[[v is not None for v in mine]]
            common = mine.index.intersection(truth.index)
            a, b = mine[common].tolist(), truth[common].tolist()
            out.append({"annotator": name, "units": len(common),
                        "accuracy": float(np.mean([x == y for x, y in zip(a, b)])) if a else np.nan,
                        "cohen_kappa": cohen_kappa(a, b)})
        vs = pd.DataFrame(out).set_index("annotator")
    summary = pd.Series({"annotators": float(len(names)), "units": float(ratings.shape[1]),
                         "unlabeled": float(unlabeled),
                         "agreement": float(pairs["agreement"].mean()) if len(pairs) else np.nan,
                         "cohen_kappa": float(pairs["cohen_kappa"].mean()) if len(pairs) else np.nan,
                         "fleiss_kappa": fleiss_kappa(counts.to_numpy()),
                         "krippendorff_alpha": krippendorff_alpha(ratings)})
    return Agreement("classes", unit, summary, pairs, per_label, consensus, vs, ratings)


def agreement(annotations: pd.DataFrame, *, unit: str = "task", iou_threshold: float = 0.5,
              ground_truth: pd.DataFrame | None = None) -> Agreement:
    """How far annotators agree (see the module docstring).

    Parameters
    ----------
    annotations : DataFrame
        One row per annotation: the ``unit`` column, ``annotator``, ``label``, and for boxes
        ``x1 y1 x2 y2`` (:func:`synapse_nb.ml.annotator_annotations` builds it from a
        project's assignments). Rows with boxes make it a box agreement; otherwise one label
        per unit and annotator is expected.
    unit : str
        The column that says which item was labelled (``task``, ``data_unit``, ...).
    iou_threshold : float
        Boxes match when their IoU is at least this.
    ground_truth : DataFrame, optional
        The reference labels (with the same ``unit`` column) to score each annotator against.

    Returns
    -------
    Agreement

    Examples
    --------
    >>> ann = snb.annotator_annotations(client, project=1)     # doctest: +SKIP
    >>> ag = snb.agreement(ann)                                 # doctest: +SKIP
    >>> ag.pairs, ag.per_label, ag.consensus                    # doctest: +SKIP
    """
    if not isinstance(annotations, pd.DataFrame):
        raise TypeError("annotations must be a DataFrame with the unit column, 'annotator' and 'label'")
    missing = [c for c in (unit, "annotator", "label") if c not in annotations.columns]
    if missing:
        raise ValueError(f"annotations need the column(s) {', '.join(missing)} (unit={unit!r}); "
                         f"they have {', '.join(map(str, annotations.columns[:12]))}")
    frame = annotations.dropna(subset=["annotator"]).reset_index(drop=True)
    boxes = all(c in frame.columns for c in ("x1", "y1", "x2", "y2")) and frame["x1"].notna().any()
    if boxes:
        frame = frame.dropna(subset=["x1", "y1", "x2", "y2"]).reset_index(drop=True)
        return _box_agreement(frame, unit, iou_threshold, ground_truth)
    frame, unlabeled = _labelled(frame)
    doubled = frame.duplicated([unit, "annotator"])
    if doubled.any():
        raise ValueError(f"{int(doubled.sum())} row(s) give an annotator a second label for the "
                         f"same {unit}; class agreement needs one label per {unit} and annotator")
    return _class_agreement(frame, unit, ground_truth, unlabeled)
