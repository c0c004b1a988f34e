"""Synthetic detections with realistic errors, and pycocotools' COCOeval run on them directly.

The reference side builds the COCO dataset with pycocotools from the same frames, by its own
code (not synapse_nb's), so a conversion mistake in synapse_nb shows up as a difference.
"""

from __future__ import annotations

import contextlib
import io
import math

import numpy as np
import pandas as pd
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

LABELS = ["person", "car", "bicycle", "truck", "traffic_light"]
W, H = 320, 240


def _polygon(rng: np.random.Generator, cx: float, cy: float, r: float) -> list[list[float]]:
    n = int(rng.integers(4, 8))
    angles = np.sort(rng.uniform(0, 2 * math.pi, n))
    radii = r * rng.uniform(0.7, 1.2, n)
    return [[float(np.clip(cx + q * math.cos(a), 0, W - 1)), float(np.clip(cy + q * math.sin(a), 0, H - 1))]
            for a, q in zip(angles, radii)]


def synthetic(n_images: int, seed: int, polygons: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ground truth and predictions: misses, false positives, label swaps, loose boxes."""
    rng = np.random.default_rng(seed)
    gt, pred = [], []
    weights = np.array([0.4, 0.3, 0.1, 0.12, 0.08])
    for image in range(1, n_images + 1):
        for _ in range(int(rng.integers(0, 8))):
            label = str(rng.choice(LABELS, p=weights))
            if polygons:
                pts = _polygon(rng, rng.uniform(30, W - 30), rng.uniform(30, H - 30), rng.uniform(6, 60))
                gt.append({"data_unit": image, "label": label, "points": pts})
                if rng.random() < 0.85:
                    jitter = rng.normal(0, 2.5, (len(pts), 2))
                    moved = [[float(np.clip(x + dx, 0, W - 1)), float(np.clip(y + dy, 0, H - 1))]
                             for (x, y), (dx, dy) in zip(pts, jitter)]
                    pred.append({"data_unit": image, "label": label if rng.random() > 0.1 else str(rng.choice(LABELS)),
                                 "points": moved, "confidence": float(rng.uniform(0.05, 1))})
                continue
            w, h = rng.uniform(4, 150), rng.uniform(4, 120)
            x, y = rng.uniform(0, W - w), rng.uniform(0, H - h)
            gt.append({"data_unit": image, "label": label, "x1": x, "y1": y, "x2": x + w, "y2": y + h})
            if rng.random() < 0.85:  # found, more or less tightly
                s = rng.normal(0, 0.08, 4) * [w, h, w, h]
                pred.append({"data_unit": image,
                             "label": label if rng.random() > 0.1 else str(rng.choice(LABELS)),
                             "x1": x + s[0], "y1": y + s[1], "x2": x + w + s[2], "y2": y + h + s[3],
                             "confidence": float(rng.uniform(0.05, 1))})
        for _ in range(int(rng.integers(0, 3))):  # false positives
            w, h = rng.uniform(4, 100), rng.uniform(4, 100)
            x, y = rng.uniform(0, W - w), rng.uniform(0, H - h)
            row = {"data_unit": image, "label": str(rng.choice(LABELS)), "confidence": float(rng.uniform(0.01, 0.7))}
            if polygons:
                row["points"] = _polygon(rng, x + w / 2, y + h / 2, min(w, h) / 2)
            else:
                row.update(x1=x, y1=y, x2=x + w, y2=y + h)
            pred.append(row)
    return pd.DataFrame(gt), pd.DataFrame(pred)


def reference_cocoeval(gt: pd.DataFrame, pred: pd.DataFrame, iou_type: str) -> COCOeval:
    """pycocotools' COCOeval on the frames: image id = data_unit, category id = label's rank + 1,
    ground-truth annotation id = row position + 1, result ids = row position + 1 (loadRes order)."""
    labels = sorted(set(gt["label"]) | set(pred["label"]))
    cat = {name: i + 1 for i, name in enumerate(labels)}
    images = sorted(set(gt["data_unit"]) | set(pred["data_unit"]))
    dataset = {"images": [{"id": int(i), "width": W, "height": H} for i in images],
               "categories": [{"id": v, "name": k} for k, v in cat.items()], "annotations": []}
    for k, row in enumerate(gt.itertuples(index=False), start=1):
        ann = {"id": k, "image_id": int(row.data_unit), "category_id": cat[row.label], "iscrowd": 0}
        if iou_type == "segm":
            flat = [v for p in row.points for v in p]
            ann["segmentation"] = [flat]
            ann["area"] = float(mask_utils.area(mask_utils.merge(mask_utils.frPyObjects([flat], H, W))))
            xs, ys = flat[0::2], flat[1::2]
            ann["bbox"] = [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]
        else:
            ann["bbox"] = [row.x1, row.y1, row.x2 - row.x1, row.y2 - row.y1]
            ann["area"] = (row.x2 - row.x1) * (row.y2 - row.y1)
        dataset["annotations"].append(ann)
    results = []
    for row in pred.itertuples(index=False):
        res = {"image_id": int(row.data_unit), "category_id": cat[row.label], "score": row.confidence}
        if iou_type == "segm":
            # COCO results carry segmentations as RLE (loadRes takes the area from it)
            res["segmentation"] = mask_utils.merge(mask_utils.frPyObjects([[v for p in row.points for v in p]], H, W))
        else:
            res["bbox"] = [row.x1, row.y1, row.x2 - row.x1, row.y2 - row.y1]
        results.append(res)
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = dataset
        coco.createIndex()
        ev = COCOeval(coco, coco.loadRes(results), iou_type)
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev
