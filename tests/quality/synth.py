"""Synthetic detection data with planted label errors, and cleanlab called directly on it.

``direct_cleanlab`` builds cleanlab's inputs on its own (plain loops, no synapse_nb code), so
comparing it with ``label_issues`` checks the layout as well as the numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

LABELS = ["bicycle", "car", "person", "truck"]
SWAP = {"car": "truck", "truck": "car", "person": "bicycle", "bicycle": "person"}


def planted(n_images: int = 160, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, list[dict]]:
    """(predictions, ground truth, planted errors). Each error: unit, kind, box (x1..y2)."""
    rng = np.random.default_rng(seed)
    gt_rows: list[dict[str, Any]] = []
    pred_rows: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for unit in range(1, n_images + 1):
        boxes = []
        for _ in range(rng.integers(1, 4)):  # objects on a 3x2 grid of cells: no overlaps
            cell = int(rng.integers(0, 6))
            if cell in [b[0] for b in boxes]:
                continue
            cx, cy = 20 + (cell % 3) * 100, 20 + (cell // 3) * 110
            w, h = rng.integers(30, 70), rng.integers(30, 80)
            boxes.append((cell, str(rng.choice(LABELS)), float(cx), float(cy), float(cx + w),
                          float(cy + h)))
        plant = unit % 8 if unit > 8 else None  # 0: swap, 1: badloc, 2: missing, others fine
        for k, (_cell, label, x1, y1, x2, y2) in enumerate(boxes):
            w, h = x2 - x1, y2 - y1
            jit = rng.normal(0, 0.02, 4) * [w, h, w, h]
            pred_rows.append({"data_unit": unit, "label": label, "x1": x1 + jit[0],
                              "y1": y1 + jit[1], "x2": x2 + jit[2], "y2": y2 + jit[3],
                              "confidence": float(rng.uniform(0.96, 0.995))})
            given = {"data_unit": unit, "label": label, "x1": x1, "y1": y1, "x2": x2, "y2": y2}
            if k == 0 and plant == 0:
                given["label"] = SWAP[label]
                errors.append({"unit": unit, "kind": "swap", "box": (x1, y1, x2, y2)})
            elif k == 0 and plant == 1:
                given.update(x1=x1 + 0.75 * w, y1=y1 + 0.75 * h, x2=x2 + 0.75 * w, y2=y2 + 0.75 * h)
                errors.append({"unit": unit, "kind": "badloc",
                               "box": (given["x1"], given["y1"], given["x2"], given["y2"])})
            elif k == 0 and plant == 2:
                errors.append({"unit": unit, "kind": "overlooked", "box": (x1, y1, x2, y2)})
                continue
            gt_rows.append(given)
        if rng.random() < 0.5:  # an unsure false positive somewhere
            x, y = rng.uniform(0, 250, 2)
            pred_rows.append({"data_unit": unit, "label": str(rng.choice(LABELS)), "x1": x,
                              "y1": y, "x2": x + 20, "y2": y + 20,
                              "confidence": float(rng.uniform(0.05, 0.4))})
    pred_rows.append({"data_unit": n_images + 1, "label": "car", "x1": 5.0, "y1": 5.0,
                      "x2": 40.0, "y2": 40.0, "confidence": 0.3})  # an image only predicted
    gt_rows.append({"data_unit": n_images + 2, "label": "car", "x1": 5.0, "y1": 5.0,
                    "x2": 40.0, "y2": 40.0})  # an image only in the ground truth
    return pd.DataFrame(pred_rows), pd.DataFrame(gt_rows), errors


def direct_cleanlab(pred: pd.DataFrame, gt: pd.DataFrame) -> pd.DataFrame:
    """cleanlab.object_detection on the two frames, laid out by hand; indexed by unit."""
    from cleanlab.object_detection.filter import find_label_issues
    from cleanlab.object_detection.rank import get_label_quality_scores

    names = sorted(set(pred["label"]) | set(gt["label"]))
    units = sorted(set(pred["data_unit"]) | set(gt["data_unit"]))
    labels, predictions = [], []
    for unit in units:
        g = gt[gt["data_unit"] == unit]
        labels.append({"bboxes": g[["x1", "y1", "x2", "y2"]].to_numpy(float).reshape(-1, 4),
                       "labels": np.array([names.index(x) for x in g["label"]], dtype=int)})
        p = pred[pred["data_unit"] == unit]
        predictions.append([p[p["label"] == name][["x1", "y1", "x2", "y2", "confidence"]]
                            .to_numpy(float).reshape(-1, 5) for name in names])
    quality = get_label_quality_scores(labels, predictions, verbose=False)
    issue = find_label_issues(labels, predictions)
    return pd.DataFrame({"quality": quality, "issue": issue}, index=pd.Index(units, name="data_unit"))


def iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union else 0.0


def found_share(boxes: pd.DataFrame, errors: list[dict]) -> float:
    """The share of planted errors whose box carries the planted kind in ``boxes``."""
    hits = 0
    for err in errors:
        rows = boxes[(boxes["data_unit"] == err["unit"]) & (boxes["kind"] == err["kind"])]
        hits += any(iou(err["box"], (r.x1, r.y1, r.x2, r.y2)) > 0.5 for r in rows.itertuples())
    return hits / len(errors)
