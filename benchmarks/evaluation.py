"""Benchmark: COCO box evaluation of 5,000 images x 20 boxes, synapse_nb against pycocotools
and faster-coco-eval, side by side: wall time and peak memory, medians and ratios.

Data: seeded synthetic ground truth (20 boxes per image, 5 labels) and predictions (each
object found with probability 0.85 with jittered corners and sometimes another label, plus
false positives; about 20 predictions per image).

- ``synapse_nb``: ``evaluate_detections(pred, gt)`` from the two frames, then ``.summary``
  and ``.per_class``: frame reading, COCO conversion and COCOeval (faster-coco-eval's
  engine underneath) all timed.
- ``synapse_nb+matches``: the same plus ``.matches``, ``.images`` and ``.confusion_matrix``
  (per-prediction TP/FP/FN read from the engine's own matching, per-image counts, and the
  class-agnostic confusion with background, which synapse_nb matches itself). The CPU of
  each of the three is printed apart, and beside ``.matches`` the CPU of the same table
  built by a second matching (``match_pairs``, what ``.matches`` did before), untimed in the
  row and checked equal.
- ``pycocotools`` / ``faster-coco-eval``: the obvious conversion of the same two frames
  into COCO's dicts (plain Python numbers: what the engines read fastest), then ``COCO``,
  ``loadRes``, ``evaluate``, ``accumulate``, ``summarize``, all timed, as for synapse_nb.
  Without its conversion an engine's time is not what a user pays for the same frames.

Each run is a fresh child process (``--repeat`` rounds, default 3, the tools taking turns
so that a load spike on a shared machine hits all of them); reported: wall time, CPU time
(user + system: steadier than wall time on a busy machine), and peak memory = the child's
peak RSS minus its RSS after loading the data (so imports and the input frames are not
counted). All sides are checked to give the same mAP.

    python benchmarks/evaluation.py
    python benchmarks/evaluation.py --images 500 --repeat 1
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import pickle
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

TOOLS = ("synapse_nb", "synapse_nb+matches", "pycocotools", "faster-coco-eval")
LABELS = ["person", "car", "bicycle", "truck", "traffic_light"]


def make_data(images: int, boxes: int, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    n = images * boxes
    unit = np.repeat(np.arange(1, images + 1), boxes)
    w, h = np.exp(rng.uniform(np.log(6), np.log(200), n)), np.exp(rng.uniform(np.log(6), np.log(150), n))
    x, y = rng.uniform(0, 640 - w), rng.uniform(0, 480 - h)
    label = rng.choice(LABELS, n, p=[0.4, 0.3, 0.1, 0.12, 0.08])
    gt = pd.DataFrame({"data_unit": unit, "label": label, "x1": x, "y1": y, "x2": x + w, "y2": y + h})
    found = rng.random(n) < 0.85
    j = rng.normal(0, 0.07, (n, 4)) * np.c_[w, h, w, h]
    swapped = np.where(rng.random(n) < 0.08, rng.choice(LABELS, n), label)
    pred = pd.DataFrame({"data_unit": unit, "label": swapped, "x1": x + j[:, 0], "y1": y + j[:, 1],
                         "x2": x + w + j[:, 2], "y2": y + h + j[:, 3],
                         "confidence": rng.beta(5, 2, n)})[found]
    m = int(n * 0.15)  # false positives
    fw, fh = rng.uniform(6, 120, m), rng.uniform(6, 120, m)
    fx, fy = rng.uniform(0, 640 - fw), rng.uniform(0, 480 - fh)
    fp = pd.DataFrame({"data_unit": rng.integers(1, images + 1, m), "label": rng.choice(LABELS, m),
                       "x1": fx, "y1": fy, "x2": fx + fw, "y2": fy + fh, "confidence": rng.beta(2, 5, m)})
    return gt, pd.concat([pred, fp], ignore_index=True)


def coco_dicts(gt: pd.DataFrame, pred: pd.DataFrame) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    cats = {name: i + 1 for i, name in enumerate(sorted(LABELS))}
    images = [{"id": int(i), "width": 640, "height": 480} for i in sorted(gt["data_unit"].unique())]
    # plain Python numbers (numpy scalars would slow the engines' conversion down)
    anns = [{"id": k + 1, "image_id": int(u), "category_id": cats[lab], "iscrowd": 0,
             "bbox": [x1, y1, x2 - x1, y2 - y1], "area": (x2 - x1) * (y2 - y1)}
            for k, (u, lab, x1, y1, x2, y2) in enumerate(gt[["data_unit", "label", "x1", "y1", "x2", "y2"]]
                                                         .itertuples(index=False, name=None))]
    res = [{"image_id": int(u), "category_id": cats[lab], "score": float(c), "bbox": [x1, y1, x2 - x1, y2 - y1]}
           for u, lab, x1, y1, x2, y2, c in pred[["data_unit", "label", "x1", "y1", "x2", "y2", "confidence"]]
           .astype({"data_unit": int}).itertuples(index=False, name=None)]
    return {"images": images, "annotations": anns,
            "categories": [{"id": v, "name": k} for k, v in cats.items()]}, res


def _rss_kb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def child(tool: str, data: Path) -> None:
    with data.open("rb") as f:
        gt, pred = pickle.load(f)
    if tool.startswith("synapse_nb"):
        import synapse_nb.ml  # noqa: F401  (imports before the baseline)
        from synapse_nb.ml import evaluate_detections
    elif tool == "pycocotools":
        from pycocotools.coco import COCO
        from pycocotools.cocoeval import COCOeval as Eval
    else:
        from faster_coco_eval import COCO
        from faster_coco_eval import COCOeval_faster as Eval
    base = _rss_kb()
    parts: dict[str, float] = {}
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    if tool.startswith("synapse_nb"):
        ev = evaluate_detections(pred, gt)
        value = float(ev.summary["mAP"])
        ev.per_class  # noqa: B018
        if tool.endswith("matches"):
            t0 = time.process_time()
            ev.matches  # noqa: B018
            t1 = time.process_time()
            ev.images  # noqa: B018
            t2 = time.process_time()
            ev.confusion_matrix  # noqa: B018
            parts = {"matches_cpu": t1 - t0, "images_cpu": t2 - t1,
                     "confusion_cpu": time.process_time() - t2}
    else:
        dataset, results = coco_dicts(gt, pred)  # timed: the engines start from the frames too
        with contextlib.redirect_stdout(io.StringIO()):
            coco = COCO()
            coco.dataset = dataset
            coco.createIndex()
            kwargs = {"print_function": lambda *a: None} if tool == "faster-coco-eval" else {}
            ev = Eval(coco, coco.loadRes(results), "bbox", **kwargs)
            ev.evaluate()
            ev.accumulate()
            ev.summarize()
        value = float(ev.stats[0])
    seconds = time.perf_counter() - start
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    if tool.endswith("matches"):  # untimed above: the same table by a second matching, for scale
        engine_thresholds = ev.iou_thresholds
        ev.iou_thresholds = ()  # no engine threshold to read: matches_at matches with match_pairs
        t0 = time.process_time()
        second = ev.matches_at(0.5)
        parts["second_matching_cpu"] = time.process_time() - t0
        ev.iou_thresholds = engine_thresholds
        pd.testing.assert_frame_equal(second, ev.matches)  # the same table either way
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mb": max(0, cpu1.ru_maxrss - base) / 1024,
                      "mAP": value} | parts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--boxes", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("TOOL", "DATA"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return
    gt, pred = make_data(args.images, args.boxes)
    print(f"{args.images} images, {len(gt)} objects, {len(pred)} predictions; "
          f"{args.repeat} run(s) per tool, each in a fresh process")
    runs: dict[str, list[dict[str, float]]] = {tool: [] for tool in TOOLS}
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data.pkl"
        with data.open("wb") as f:
            pickle.dump((gt, pred), f)
        for k in range(args.repeat):  # round robin: a load spike hits every tool alike
            for tool in TOOLS:
                out = subprocess.run([sys.executable, __file__, "--child", tool, str(data)],
                                     capture_output=True, text=True, check=True, timeout=1800)
                runs[tool].append(json.loads(out.stdout.strip().splitlines()[-1]))
                r = runs[tool][-1]
                print(f"  run {k + 1} {tool:20s} {r['seconds']:7.2f} s wall {r['cpu']:7.2f} s cpu "
                      f"{r['peak_mb']:6.0f} MB  mAP {r['mAP']:.6f}", flush=True)
    rows = {tool: {key: statistics.median(r[key] for r in rs) for key in ("seconds", "cpu", "peak_mb")}
            | {"mAP": rs[0]["mAP"]} for tool, rs in runs.items()}
    maps = {round(r["mAP"], 12) for r in rows.values()}
    print(f"same mAP everywhere: {len(maps) == 1}")
    ref, fast = rows["pycocotools"], rows["faster-coco-eval"]
    print(f"\nmedians of {args.repeat}; ratios against pycocotools (/pyc) and faster-coco-eval "
          f"(/fce), both timed from the frames")
    print(f"{'tool':20s} {'wall s':>8s} {'/pyc':>6s} {'/fce':>6s} {'cpu s':>8s} {'/pyc':>6s} "
          f"{'/fce':>6s} {'peak MB':>8s} {'/pyc':>6s}")
    for tool, r in rows.items():
        print(f"{tool:20s} {r['seconds']:8.2f} {r['seconds'] / ref['seconds']:6.2f} "
              f"{r['seconds'] / fast['seconds']:6.2f} {r['cpu']:8.2f} {r['cpu'] / ref['cpu']:6.2f} "
              f"{r['cpu'] / fast['cpu']:6.2f} "
              f"{r['peak_mb']:8.0f} {r['peak_mb'] / max(ref['peak_mb'], 1e-9):6.2f}")
    parts = {key: statistics.median(r[key] for r in runs["synapse_nb+matches"])
             for key in ("matches_cpu", "images_cpu", "confusion_cpu", "second_matching_cpu")}
    print(f"\nsynapse_nb+matches, CPU s (medians): .matches {parts['matches_cpu']:.3f} from the "
          f"engine's matching (the same table by a second matching, match_pairs: "
          f"{parts['second_matching_cpu']:.3f}), .images {parts['images_cpu']:.3f}, "
          f".confusion_matrix {parts['confusion_cpu']:.3f} (class-agnostic: matched here)")


if __name__ == "__main__":
    main()
