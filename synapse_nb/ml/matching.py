"""Matching shapes by IoU: COCO's greedy rule, per image and label or class-agnostic.

COCO's rule (``COCOeval.evaluateImg``): predictions in descending score order (stable),
each takes the still-unmatched ground-truth object of highest IoU, if that IoU is at least
the threshold (ties go to the later object). :func:`greedy_match` is that rule on one IoU
matrix; :func:`match_pairs` applies it to every image (and label) at once.

Example:
    >>> import numpy as np
    >>> greedy_match(np.array([[0.6, 0.7], [0.9, 0.1]]), 0.5)
    (array([1, 0]), array([0.7, 0.9]))
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .coco import mask_api
from .shapes import ShapeTable

__all__ = ["EngineIoUs", "box_iou", "greedy_match", "match_candidates", "match_pairs", "shape_iou"]


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


def _ranks(groups: np.ndarray, scores: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Rows in COCO's order and each row's rank within its group (0: its first row).

    COCO's order: by group, then by score descending (stable); without ``scores``, by
    group in row order. Returns ``order`` (row numbers) and ``rank`` (indexed by row).

    >>> _ranks(np.array([5, 3, 5, 5]), np.array([0.2, 0.9, 0.8, 0.2]))
    (array([1, 2, 0, 3]), array([1, 0, 0, 2]))
    """
    n = len(groups)
    order = (np.argsort(groups, kind="stable") if scores is None
             else np.lexsort((np.arange(n), -scores, groups)))
    ranked = groups[order]
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - np.searchsorted(ranked, ranked)
    return order, rank


def _greedy(d: np.ndarray, g: np.ndarray, iou: np.ndarray, *, threshold: float,
            priority: tuple[np.ndarray, ...], matched: np.ndarray, out: np.ndarray,
            n_gt: int) -> None:
    """COCO's greedy rule over candidate pairs: prediction row ``d[k]``, object row ``g[k]``,
    their IoU ``iou[k]`` (pairs of one group only). Writes each taken pair's object into
    ``matched`` and its IoU into ``out`` (both indexed by prediction row).

    Pairs below the threshold take no part. A pair whose prediction and object have no
    other pair left is taken whatever the order; the others are walked: predictions in
    ``priority`` order (lexsort keys by prediction row, the most significant last: group,
    then score descending), each taking its best free object, the later object on equal
    IoUs.
    """
    keep = iou >= min(threshold, 1 - 1e-10)
    d, g, iou = d[keep], g[keep], iou[keep]
    alone = (np.bincount(d, minlength=len(matched))[d] == 1) & (np.bincount(g, minlength=n_gt)[g] == 1)
    matched[d[alone]], out[d[alone]] = g[alone], iou[alone]
    d, g, iou = d[~alone], g[~alone], iou[~alone]
    walk = np.lexsort((-g, -iou, *[key[d] for key in priority]))
    taken = np.zeros(n_gt, dtype=bool)
    for dd, gg, v in zip(d[walk].tolist(), g[walk].tolist(), iou[walk].tolist()):
        if matched[dd] < 0 and not taken[gg]:
            matched[dd], out[dd] = gg, v
            taken[gg] = True


def _codes(table: ShapeTable, other: ShapeTable, by_label: bool) -> tuple[np.ndarray, np.ndarray]:
    """Integer group codes (image, or image and label) shared by both tables."""
    import pandas as pd

    def keys(t: ShapeTable) -> pd.MultiIndex | pd.Index:
        images: pd.Index = pd.Index(t.images.tolist(), dtype=object)
        if not by_label:
            return images
        pairs: pd.MultiIndex = pd.MultiIndex.from_arrays([images, pd.Index(t.labels.tolist(), dtype=object)])
        return pairs

    a, b = keys(table), keys(other)
    codes, _ = (a.append(b)).factorize()
    return codes[: len(a)], codes[len(a):]


def match_pairs(gt: ShapeTable, dt: ShapeTable, *, threshold: float, by_label: bool = True,
                segm: bool = False, max_per_group: int | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
    """COCO's greedy matching of every prediction, all groups at once.

    Returns ``matched`` (the gt row of each dt row, or -1) and ``iou`` (with the matched
    object; for an unmatched prediction its best IoU with any object of its group). With
    ``max_per_group`` only the top-scoring predictions of each group take part (COCO's
    ``maxDets``). Candidate pairs are formed per group and their IoUs computed in one
    vectorised pass; the greedy walk is one loop over the pairs above the threshold.
    """
    import pandas as pd

    g_code, d_code = _codes(gt, dt, by_label)
    # predictions in COCO's order: group, then score descending (stable)
    order, rank = _ranks(d_code, dt.scores)
    live = order if max_per_group is None else order[rank[order] < max_per_group]
    d_rank = np.empty(len(dt), dtype=np.int64)
    d_rank[order] = np.arange(len(order))
    pairs = pd.DataFrame({"d": live, "code": d_code[live]}).merge(
        pd.DataFrame({"g": np.arange(len(gt)), "code": g_code}), on="code")
    d, g = pairs["d"].to_numpy(), pairs["g"].to_numpy()
    if segm:
        iou = np.empty(len(d))
        for idx in pairs.groupby("code", sort=False).indices.values():
            dd, gg = np.unique(d[idx]), np.unique(g[idx])
            block = shape_iou(dt, dd, gt, gg, True)
            iou[idx] = block[np.searchsorted(dd, d[idx]), np.searchsorted(gg, g[idx])]
    else:
        iou = _pair_iou(dt.boxes, d, gt.boxes, g)
    best = np.zeros(len(dt))
    if len(d):
        np.maximum.at(best, d, iou)
    matched = np.full(len(dt), -1)
    out = best.copy()
    _greedy(d, g, iou, threshold=threshold, priority=(d_rank,), matched=matched, out=out,
            n_gt=len(gt))
    return matched, out


def _pair_iou(a: np.ndarray, ia: np.ndarray, b: np.ndarray, ib: np.ndarray) -> np.ndarray:
    """IoU of box ``a[ia[k]]`` with box ``b[ib[k]]`` for every k (boxes n x 4, x1 y1 x2 y2).

    The arithmetic of :func:`box_iou`, so the values are the same bit for bit, with one
    column gathered at a time and the work done in place: the class-agnostic matching
    of 100k boxes forms 2M pairs, and gathering whole boxes cost 2.7x the time.
    """
    ca, cb = np.ascontiguousarray(a.T), np.ascontiguousarray(b.T)  # columns: gathers hit no stride
    w = np.minimum(ca[2].take(ia), cb[2].take(ib))
    w -= np.maximum(ca[0].take(ia), cb[0].take(ib))
    np.clip(w, 0, None, out=w)
    h = np.minimum(ca[3].take(ia), cb[3].take(ib))
    h -= np.maximum(ca[1].take(ia), cb[1].take(ib))
    np.clip(h, 0, None, out=h)
    w *= h  # the intersection
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a.take(ia)
    union += area_b.take(ib)
    union -= w
    iou = np.zeros(len(union))
    np.divide(w, union, out=iou, where=union > 0)
    return iou


class EngineIoUs:
    """COCOeval's own IoU matrices, read per pair and per prediction without a loop.

    ``matrices[(image id, category id)]`` is COCOeval's ``ious``: the group's predictions in
    descending score order (stable), the first ``max_per_group``, by its objects in row
    order (an empty list where either side is empty). Group codes are ``image * k + category``.
    Raises ValueError when a matrix's shape is not the group's (then do not use them).
    """

    def __init__(self, matrices: Mapping[Any, Any], *, k: int, gt_groups: np.ndarray,
                 dt_groups: np.ndarray, dt_scores: np.ndarray, max_per_group: int) -> None:
        items = [(int(i) * k + int(c), np.asarray(m, dtype=float))
                 for (i, c), m in matrices.items() if len(m)]  # one step per group: no IoU work
        items.sort(key=lambda item: item[0])
        codes = np.array([c for c, _ in items], dtype=np.int64)
        rows = np.array([m.shape[0] for _, m in items], dtype=np.int64)
        cols = np.array([m.shape[1] if m.ndim == 2 else 0 for _, m in items], dtype=np.int64)
        self._flat = np.concatenate([m.ravel() for _, m in items]) if items else np.zeros(0)
        # position of each object in its group, rank of each prediction in its group
        g_order, self._g_pos = _ranks(gt_groups)
        g_sorted = gt_groups[g_order]
        d_order, rank = _ranks(dt_groups, dt_scores)
        d_sorted = dt_groups[d_order]
        n_gt = np.searchsorted(g_sorted, codes, side="right") - np.searchsorted(g_sorted, codes)
        n_dt = np.searchsorted(d_sorted, codes, side="right") - np.searchsorted(d_sorted, codes)
        if (cols != n_gt).any() or (rows != np.minimum(n_dt, max_per_group)).any():
            raise ValueError("COCOeval's IoU matrices do not have the groups' shapes")
        at = np.searchsorted(codes, dt_groups)
        at_ok = at < len(codes)
        has = np.zeros(len(dt_groups), dtype=bool)
        has[at_ok] = codes[at[at_ok]] == dt_groups[at_ok]
        self.live = has & (rank < max_per_group)  # predictions with a row in a matrix
        at = np.where(has, at, 0)
        starts = np.concatenate([[0], np.cumsum(rows * cols)[:-1]]) if items else np.zeros(0, np.int64)
        self._base = np.where(self.live, starts[at] + rank * cols[at], -1) if items else \
            np.full(len(dt_groups), -1)
        first_row = np.concatenate([[0], np.cumsum(rows)[:-1]]) if items else np.zeros(0, np.int64)
        within = np.arange(int(rows.sum())) - np.repeat(first_row, rows)
        row_starts = np.repeat(starts, rows) + within * np.repeat(cols, rows)
        row_max = (np.maximum.reduceat(self._flat, row_starts.astype(np.intp)) if len(row_starts)
                   else np.zeros(0))
        self.best = np.zeros(len(dt_groups))
        self.best[self.live] = row_max[first_row[at[self.live]] + rank[self.live]]

    def pair(self, d: np.ndarray, g: np.ndarray) -> np.ndarray:
        """IoU of prediction rows ``d`` with object rows ``g`` (same groups, live predictions)."""
        values: np.ndarray = self._flat[self._base[d] + self._g_pos[g]]
        return values


def match_candidates(gt: ShapeTable, dt: ShapeTable, candidates: tuple[np.ndarray, np.ndarray], *,
                     gt_groups: np.ndarray, dt_groups: np.ndarray, threshold: float,
                     max_per_group: int | None = None,
                     ious: EngineIoUs | None = None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`match_pairs` (per group) when the engine already named the candidates.

    ``candidates`` are (dt rows, gt rows) of pairs COCOeval matched at ``threshold`` or at
    other thresholds (a repeat is walked, not lost: give each pair once, it is faster):
    every pair COCO's greedy rule takes at ``threshold`` is among them, so the rule walked
    over these pairs alone takes the same ones (a prediction's best free object is among
    its candidates whenever it is its best overall), and a pair whose prediction and
    object have no other candidate is taken without a walk. ``gt_groups``/``dt_groups``
    are integer group codes (image and label). IoUs are box IoUs computed as
    :func:`match_pairs` computes them, or read from ``ious`` (COCOeval's own matrices: masks
    are not rasterised a second time). Returns what :func:`match_pairs` returns.
    """
    matched = np.full(len(dt), -1)
    out = np.zeros(len(dt))
    live = np.ones(len(dt), dtype=bool)
    if ious is not None:
        live = ious.live.copy()
    elif max_per_group is not None and len(dt) > max_per_group:
        codes = np.sort(dt_groups)
        if (codes[max_per_group:] == codes[:-max_per_group]).any():  # a group past maxDets:
            # only its top scores take part, as in COCO
            live[_ranks(dt_groups, dt.scores)[1] >= max_per_group] = False
    d, g = (np.asarray(c, dtype=np.int64) for c in candidates)
    if len(d):
        keep = live[d] & (dt_groups[d] == gt_groups[g])
        d, g = d[keep], g[keep]
        iou = ious.pair(d, g) if ious is not None else _pair_iou(dt.boxes, d, gt.boxes, g)
        # COCO's order of predictions (group, score descending, row) for the few pairs
        # that share an object
        _greedy(d, g, iou, threshold=threshold, priority=(np.arange(len(dt)), -dt.scores, dt_groups),
                matched=matched, out=out, n_gt=len(gt))
    # an unmatched prediction's IoU is its best with any object of its group, as in match_pairs
    missed = np.flatnonzero((matched < 0) & live)
    if ious is not None:
        out[missed] = ious.best[missed]
        return matched, out
    g_order = np.argsort(gt_groups, kind="stable")
    g_sorted = gt_groups[g_order]
    lo = np.searchsorted(g_sorted, dt_groups[missed], side="left")
    n = np.searchsorted(g_sorted, dt_groups[missed], side="right") - lo
    if n.sum():
        rows = np.repeat(missed, n)
        starts = np.repeat(lo - (np.cumsum(n) - n), n)
        cols = g_order[starts + np.arange(int(n.sum()))]
        np.maximum.at(out, rows, _pair_iou(dt.boxes, rows, gt.boxes, cols))
    return matched, out
