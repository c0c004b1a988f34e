"""COCO datasets from shape tables, and the COCOeval engine that scores them.

The engine is faster-coco-eval's C++ ``COCOeval_faster`` when it is installed, else
pycocotools' ``COCOeval`` (both in the ``[ml]`` extra); both give the numbers of the
reference COCOeval. Images get ids ``1..N`` in sorted key order, labels ids ``1..K``.
Areas follow what pycocotools' ``loadRes`` gives predictions: ``w*h`` for boxes, the
polygon's mask area for ``iou_type="segm"``, so ground truth and predictions are sized alike.

Example:
    >>> from synapse_nb.ml.shapes import shape_table
    >>> import pandas as pd
    >>> gt = shape_table(pd.DataFrame({"data_unit": [1], "label": ["car"], "x1": [0.0],
    ...                  "y1": [0.0], "x2": [10.0], "y2": [10.0]}), role="ground truth")
    >>> ds = CocoPair.build(gt, gt, iou_type="bbox").ground_truth
    >>> ds["annotations"][0]["bbox"], ds["annotations"][0]["area"]
    ([0.0, 0.0, 10.0, 10.0], 100.0)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from .._optional import import_optional
from .shapes import ShapeTable

__all__ = ["DEFAULT_AREA_RANGES", "CocoPair", "CocoRun", "mask_api", "run_cocoeval"]

DEFAULT_AREA_RANGES: dict[str, tuple[float, float]] = {
    "all": (0.0, 1e10), "small": (0.0, 32.0 ** 2), "medium": (32.0 ** 2, 96.0 ** 2),
    "large": (96.0 ** 2, 1e10)}


def mask_api() -> Any:
    """The RLE mask module: faster-coco-eval's when installed, else pycocotools'."""
    try:
        from faster_coco_eval.core import mask
        return mask
    except ImportError:
        return import_optional("pycocotools.mask", "ml")


@dataclass
class CocoPair:
    """A ground-truth COCO dataset and the matching detection results list."""

    ground_truth: dict[str, Any]
    results: list[dict[str, Any]]  # result ids are positions + 1 (loadRes numbers them so)
    image_keys: list[Any]
    labels: list[str]
    iou_type: str
    #: per row of the shape tables: COCO image id and category id (labels[id - 1])
    gt_ids: tuple[np.ndarray, np.ndarray] = (np.zeros(0, int), np.zeros(0, int))
    dt_ids: tuple[np.ndarray, np.ndarray] = (np.zeros(0, int), np.zeros(0, int))
    #: per ground-truth row: the area COCOeval compares with the area ranges
    gt_areas: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @classmethod
    def build(cls, gt: ShapeTable, dt: ShapeTable, *, iou_type: str) -> CocoPair:
        keys = sorted(set(gt.images.tolist()) | set(dt.images.tolist()), key=_sort_key)
        labels = sorted(set(gt.labels.tolist()) | set(dt.labels.tolist()))
        img_id = {k: i + 1 for i, k in enumerate(keys)}
        cat_id = {name: i + 1 for i, name in enumerate(labels)}
        sizes = _image_sizes(keys, (gt, dt))
        images = [{"id": img_id[k], "width": sizes[k][0], "height": sizes[k][1]} for k in keys]
        mask = mask_api() if iou_type == "segm" else None
        g_img = [img_id[k] for k in gt.images.tolist()]
        g_cat = [cat_id[n] for n in gt.labels.tolist()]
        g_box = _xywh(gt.boxes)
        anns: list[dict[str, Any]] = [{"id": i, "image_id": im, "category_id": c, "iscrowd": 0, "bbox": box,
                 "area": box[2] * box[3]}
                for i, (im, c, box) in enumerate(zip(g_img, g_cat, g_box), start=1)]
        if mask is not None:
            for i, ann in enumerate(anns):
                image = images[g_img[i] - 1]
                ann["segmentation"] = [_polygon_of(gt, i)]
                ann["area"] = float(mask.area(mask.merge(mask.frPyObjects(
                    ann["segmentation"], image["height"], image["width"]))))
        d_img = [img_id[k] for k in dt.images.tolist()]
        d_cat = [cat_id[n] for n in dt.labels.tolist()]
        results: list[dict[str, Any]]
        if mask is None:
            # the fewest keys loadRes needs, and plain Python numbers: faster-coco-eval turns
            # an N x 7 array into the same dicts itself, with numpy scalars that every later
            # step reads more slowly (measured: 0.74 s against 0.37 s for 100k boxes)
            results = [{"image_id": i, "category_id": c, "score": s, "bbox": b}
                       for i, c, s, b in zip(d_img, d_cat, dt.scores.astype(float).tolist(),
                                             _xywh(dt.boxes))]
        else:  # results carry RLE, as COCO's results format says
            results = []
            for i, (image_id, category, score) in enumerate(zip(d_img, d_cat,
                                                                dt.scores.tolist())):
                image = images[image_id - 1]
                results.append({"image_id": image_id, "category_id": category, "score": score,
                                "segmentation": mask.merge(mask.frPyObjects(
                                    [_polygon_of(dt, i)], image["height"], image["width"]))})
        dataset = {"images": images, "annotations": anns,
                   "categories": [{"id": cat_id[n], "name": n} for n in labels]}
        return cls(dataset, results, keys, labels, iou_type,
                   (np.asarray(g_img, dtype=np.int64), np.asarray(g_cat, dtype=np.int64)),
                   (np.asarray(d_img, dtype=np.int64), np.asarray(d_cat, dtype=np.int64)),
                   np.fromiter((a["area"] for a in anns), dtype=float, count=len(anns)))


def _sort_key(value: Any) -> tuple[str, Any]:
    return (type(value).__name__, value)


def _xywh(boxes: np.ndarray) -> list[list[float]]:
    """``[x, y, w, h]`` lists of n x 4 ``x1 y1 x2 y2`` boxes."""
    out = boxes.astype(float, copy=True).reshape(-1, 4)
    out[:, 2:] -= out[:, :2]
    return out.tolist()


def _polygon_of(table: ShapeTable, i: int) -> list[float]:
    poly = table.polygons[i]
    if poly is not None:
        return poly
    x1, y1, x2, y2 = (float(v) for v in table.boxes[i])
    return [x1, y1, x2, y1, x2, y2, x1, y2]


def _image_sizes(keys: Sequence[Any], tables: Sequence[ShapeTable]) -> dict[Any, tuple[int, int]]:
    """Width and height that hold every shape of each image (masks are clipped to them)."""
    import pandas as pd

    extent = pd.concat([pd.DataFrame({"k": t.images, "x": t.boxes[:, 2], "y": t.boxes[:, 3]})
                        for t in tables]).groupby("k", sort=False).max()
    right = dict(zip(extent.index.tolist(), extent["x"].tolist()))
    bottom = dict(zip(extent.index.tolist(), extent["y"].tolist()))
    return {k: (math.ceil(max(right.get(k, 1.0), 1.0)) + 1,
                math.ceil(max(bottom.get(k, 1.0), 1.0)) + 1) for k in keys}


def _engine() -> tuple[Any, Any, str]:
    try:
        from faster_coco_eval import COCO, COCOeval_faster
        return COCO, COCOeval_faster, "faster-coco-eval"
    except ImportError:
        coco = import_optional("pycocotools.coco", "ml")
        cocoeval = import_optional("pycocotools.cocoeval", "ml")
        return coco.COCO, cocoeval.COCOeval, "pycocotools"


class CocoRun:
    """One COCOeval run: its ``eval`` dict (precision, recall, scores), the engine's name, and
    the pairs the engine matched.

    :attr:`matched` holds (prediction rows, object rows), 0-based rows of the shape tables,
    of every pair the engine matched at one of its IoU thresholds (area range "all" for
    pycocotools; faster-coco-eval pools its area ranges, it keeps no other record): a
    superset of the pairs matched at any one of those thresholds, which is what
    :func:`synapse_nb.ml.matching.match_candidates` needs.
    """

    def __init__(self, eval: dict[str, Any], engine: str,
                 matched: Callable[[], tuple[np.ndarray, np.ndarray]],
                 ious: dict[Any, Any] | None = None) -> None:
        self.eval = eval
        self.engine = engine
        self._matched = matched
        #: COCOeval's ``ious`` (per image and category id) of a ``segm`` run, else None
        self.ious = ious

    @cached_property
    def matched(self) -> tuple[np.ndarray, np.ndarray]:
        return self._matched()


def run_cocoeval(pair: CocoPair, *, iou_thresholds: Sequence[float],
                 area_ranges: dict[str, tuple[float, float]],
                 max_detections: Sequence[int] = (1, 10, 100)) -> CocoRun:
    """Evaluate and accumulate (see :class:`CocoRun` for what comes back).

    faster-coco-eval keeps no per-threshold matches (its ``evalImgs`` stay empty): what is
    derived from the run is derived from ``precision``, ``recall`` and the pooled pairs of
    its ``eval["matched"]``.
    """
    coco_cls, eval_cls, engine = _engine()
    gt = coco_cls()
    gt.dataset = pair.ground_truth
    gt.createIndex()
    if len(pair.results):
        dt = gt.loadRes(pair.results)
    else:  # loadRes refuses an empty list; an empty result set scores zero
        dt = coco_cls()
        dt.dataset = {"images": pair.ground_truth["images"], "annotations": [],
                      "categories": pair.ground_truth["categories"]}
        dt.createIndex()
    kwargs = {"print_function": lambda *a: None} if engine == "faster-coco-eval" else {}
    ev = eval_cls(gt, dt, pair.iou_type, **kwargs)
    ev.params.iouThrs = np.asarray(iou_thresholds, dtype=float)
    ev.params.areaRng = [list(map(float, v)) for v in area_ranges.values()]
    ev.params.areaRngLbl = list(area_ranges)
    ev.params.maxDets = list(max_detections)
    if engine == "pycocotools":
        import contextlib
        import io

        with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints progress
            ev.evaluate()
            ev.accumulate()
        # read now: evalImgs is large and is let go with the engine
        pairs = _pycocotools_pairs(ev.evalImgs, ev.params.areaRng[0])
        return CocoRun(ev.eval, engine, lambda: pairs, _mask_ious(ev, pair.iou_type))
    ev.evaluate()
    ev.accumulate()
    # read when asked (summary and per_class need none); the dict is part of ev.eval, kept
    # anyway, and the lambda holds it alone, not the engine and its IoU matrices
    matched = ev.eval.get("matched", {})
    return CocoRun(ev.eval, engine, lambda: _faster_pairs(matched), _mask_ious(ev, pair.iou_type))


def _mask_ious(ev: Any, iou_type: str) -> dict[Any, Any] | None:
    """The engine's IoU matrices of masks, kept: rasterising the polygons again for the
    matches cost 0.18 CPU-s beside 0.43 for the evaluation (1,000 polygon images). Box IoUs
    are not kept: the matches compute them again as before, so they stay the same bit for
    bit (the engine's own differ in the last bit for about 0.3% of the pairs)."""
    if iou_type != "segm":
        return None
    return {key: m for key, m in ev.ious.items() if len(m)}  # not the empty image x label pairs


def _faster_pairs(matched: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """faster-coco-eval's ``{"<dt id>_<gt id>": iou}`` as row arrays (ids are rows + 1)."""
    if not matched:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    # the keys joined and split once, not one split and two int() per key
    ids = np.array("_".join(matched).split("_"), dtype=np.int64).reshape(-1, 2) - 1
    return ids[:, 0], ids[:, 1]


def _pycocotools_pairs(eval_imgs: Sequence[dict[str, Any] | None],
                       first_range: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """The matched pairs of pycocotools' ``evalImgs`` in the first area range, any threshold.

    ``dtMatches`` holds a gt id (0: none) per threshold and prediction; ids are rows + 1.
    """
    d_parts, g_parts = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    for e in eval_imgs:  # pycocotools made these one Python call each: this is not the cost
        if e is None or list(e["aRng"]) != list(first_range) or not len(e["dtIds"]):
            continue
        gt_ids = np.asarray(e["dtMatches"], dtype=np.int64)
        hit = gt_ids > 0
        d_parts.append(np.broadcast_to(np.asarray(e["dtIds"], dtype=np.int64), gt_ids.shape)[hit])
        g_parts.append(gt_ids[hit])
    d, g = np.concatenate(d_parts) - 1, np.concatenate(g_parts) - 1
    if not len(d):
        return d, g
    # a pair matched at several thresholds once
    width = int(np.max(g)) + 1
    return np.divmod(np.unique(d * width + g), width)
