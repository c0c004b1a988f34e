"""Matching shapes by IoU: COCO's greedy rule, per image and label or class-agnostic.

COCO's rule (``COCOeval.evaluateImg``): predictions in descending score order (stable),
each takes the still-unmatched ground-truth object of highest IoU, if that IoU is at least
the threshold (ties go to the later object). :func:`greedy_match` is that rule on one IoU
matrix; :func:`match_table` applies it image by image.

Example:
    >>> import numpy as np
    >>> greedy_match(np.array([[0.6, 0.7], [0.9, 0.1]]), 0.5)
    (array([1, 0]), array([0.7, 0.9]))
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from .coco import mask_api
from .shapes import ShapeTable

__all__ = ["box_iou", "greedy_match", "group_rows", "match_table", "shape_iou"]


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every box in ``a`` (n x 4, x1 y1 x2 y2) with every box in ``b`` (m x 4).

    >>> box_iou(np.array([[0, 0, 2, 2]]), np.array([[1, 1, 3, 3], [0, 0, 2, 2]])).round(3)
    array([[0.143, 1.   ]])
    """
    a = np.asarray(a, dtype=float).reshape(-1, 4)
    b = np.asarray(b, dtype=float).reshape(-1, 4)
    w = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]),
                0, None)
    h = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]),
                0, None)
    inter = w * h
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(union > 0, inter / union, 0.0)


def shape_iou(a: ShapeTable, ia: np.ndarray, b: ShapeTable, ib: np.ndarray,
              segm: bool) -> np.ndarray:
    """IoU of rows ``ia`` of ``a`` with rows ``ib`` of ``b`` (masks when ``segm``)."""
    if not segm:
        return box_iou(a.boxes[ia], b.boxes[ib])
    if len(ia) == 0 or len(ib) == 0:
        return np.zeros((len(ia), len(ib)))
    mask = mask_api()
    boxes = np.vstack([a.boxes[ia], b.boxes[ib]])
    w = int(np.ceil(boxes[:, 2].max())) + 1
    h = int(np.ceil(boxes[:, 3].max())) + 1

    def rles(t: ShapeTable, idx: np.ndarray) -> list[Any]:
        out = []
        for i in idx:
            poly = t.polygons[i]
            if poly is None:
                x1, y1, x2, y2 = (float(v) for v in t.boxes[i])
                poly = [x1, y1, x2, y1, x2, y2, x1, y2]
            out.append(mask.merge(mask.frPyObjects([poly], h, w)))
        return out

    return np.asarray(mask.iou(rles(a, ia), rles(b, ib), [0] * len(ib)), dtype=float).reshape(
        len(ia), len(ib))


def greedy_match(iou: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """For rows in priority order: the matched column (-1 for none) and its IoU."""
    n, m = iou.shape
    taken = np.zeros(m, dtype=bool)
    match = np.full(n, -1)
    best = np.zeros(n)
    limit = min(threshold, 1 - 1e-10)
    for d in range(n):
        if m == 0:
            break
        row = np.where(taken, -1.0, iou[d])
        top = row.max()
        if top < limit:
            continue
        g = m - 1 - int(np.argmax(row[::-1] == top))  # COCO keeps the last of equal IoUs
        taken[g] = True
        match[d], best[d] = g, top
    return match, best


def group_rows(keys: np.ndarray) -> dict[object, np.ndarray]:
    """Row positions per distinct key, in row order."""
    if len(keys) == 0:
        return {}
    codes, uniques = _factorize(keys)
    order = np.argsort(codes, kind="stable")
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    return {uniques[codes[part[0]]]: part for part in np.split(order, bounds)}


def _factorize(keys: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    import pandas as pd

    codes, uniques = pd.factorize(pd.Series(keys, dtype=object), sort=False)
    return codes, list(uniques)


def match_table(gt: ShapeTable, dt: ShapeTable, *, threshold: float, by_label: bool = True,
                segm: bool = False, max_per_group: int | None = None
                ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Per image (and label when ``by_label``): ``(gt_rows, dt_rows, matched_gt, ious)``.

    ``dt_rows`` are in descending score order; ``matched_gt[k]`` is the gt row matched to
    ``dt_rows[k]`` or -1. With ``max_per_group`` only the top-scoring predictions of each
    group take part (COCO's ``maxDets``); the rest come back unmatched.
    """
    if by_label:
        gkeys = np.array(list(zip(gt.images.tolist(), gt.labels.tolist())) + [None], dtype=object)[:-1]
        dkeys = np.array(list(zip(dt.images.tolist(), dt.labels.tolist())) + [None], dtype=object)[:-1]
    else:
        gkeys, dkeys = gt.images, dt.images
    g_groups, d_groups = group_rows(gkeys), group_rows(dkeys)
    empty = np.array([], dtype=int)
    for key in list(g_groups) + [k for k in d_groups if k not in g_groups]:
        g_rows = g_groups.get(key, empty)
        d_rows = d_groups.get(key, empty)
        d_rows = d_rows[np.argsort(-dt.scores[d_rows], kind="mergesort")]
        matched = np.full(len(d_rows), -1)
        ious = np.zeros(len(d_rows))
        live = d_rows if max_per_group is None else d_rows[:max_per_group]
        if len(live) and len(g_rows):
            iou = shape_iou(dt, live, gt, g_rows, segm)
            cols, best = greedy_match(iou, threshold)
            matched[: len(live)] = np.where(cols >= 0, g_rows[np.maximum(cols, 0)], -1)
            ious[: len(live)] = best
            # best IoU with any object, for predictions that missed (how far off they were)
            ious[: len(live)] = np.where(cols >= 0, best, iou.max(axis=1))
        yield g_rows, d_rows, matched, ious
