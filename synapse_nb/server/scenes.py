"""Deterministic demo annotations ("scenes"): what each demo image shows and is labeled with.

A demo data unit's annotation is a pure function of its project kind and id, so the seed can
write it into task data, ground-truth events and the image generator can draw the same
shapes later without touching the database.

>>> scene("detection", 1) == scene("detection", 1)
True
"""

from __future__ import annotations

import math
import random
from functools import lru_cache
from typing import Any

import orjson

__all__ = ["KINDS", "LABELS", "WEIGHTS", "WIDTH", "HEIGHT", "scene", "scene_json", "POOL",
           "pool_index", "predicted_scene_json", "annotator_scene_json", "MODEL_PROFILES",
           "ANNOTATOR_PROFILES", "true_scene", "PLANTED_ERRORS", "NEAR_COPIES", "source_unit"]

WIDTH, HEIGHT = 320, 240
POOL = 1024
LABELS: dict[str, list[str]] = {
    "detection": ["person", "car", "bicycle", "truck", "traffic_light"],
    "segmentation": ["building", "road", "vegetation", "water"],
    "classification": ["beverage", "snack", "dairy", "household", "empty_shelf"],
    "documents": ["total", "vendor", "date", "<b>line item</b><script>alert(1)</script>"],
}
KINDS = tuple(LABELS)


# Classes are not balanced (the label-quality questions need answers): the first labels are
# common, the last rare; box sizes are log-uniform, so small (< 32 px), medium and large
# objects all occur, with traffic lights small and tall.
WEIGHTS: dict[str, list[float]] = {
    "detection": [0.38, 0.3, 0.12, 0.12, 0.08],
    "segmentation": [0.4, 0.25, 0.25, 0.1],
    "classification": [0.34, 0.26, 0.18, 0.14, 0.08],
    "documents": [0.3, 0.3, 0.2, 0.2],
}


def _label(rng: random.Random, kind: str) -> str:
    return rng.choices(LABELS[kind], weights=WEIGHTS[kind])[0]


def _bbox(rng: random.Random, kind: str) -> dict[str, Any]:
    label = _label(rng, kind)
    w = int(math.exp(rng.uniform(math.log(14), math.log(160))))
    h = int(w * rng.uniform(0.6, 1.4))
    if label == "traffic_light":
        w, h = max(6, w // 3), max(12, min(w, 60))
    h = max(8, min(h, HEIGHT - 2))
    x, y = rng.randint(0, WIDTH - w - 1), rng.randint(0, HEIGHT - h - 1)
    return {"type": "bbox", "coordinates": [x, y, x + w, y + h], "label": label,
            "confidence": round(rng.uniform(0.55, 0.99), 2)}


def _polygon(rng: random.Random, kind: str) -> dict[str, Any]:
    cx, cy = rng.randint(40, WIDTH - 40), rng.randint(40, HEIGHT - 40)
    n = rng.randint(4, 7)
    radius = int(math.exp(rng.uniform(math.log(8), math.log(45))))
    points = []
    for k in range(n):
        angle = 2 * math.pi * k / n + rng.uniform(-0.3, 0.3)
        r = radius * rng.uniform(0.7, 1.2)
        points.append([round(min(WIDTH - 1, max(0, cx + r * math.cos(angle))), 1),
                       round(min(HEIGHT - 1, max(0, cy + r * math.sin(angle))), 1)])
    return {"type": "polygon", "points": points, "label": _label(rng, kind)}


@lru_cache(maxsize=None)
def _pool(kind: str) -> tuple[dict[str, Any], ...]:
    rng = random.Random(f"synapse-nb-demo-{kind}")
    labels = LABELS[kind]
    out = []
    for _ in range(POOL):
        if kind == "classification":
            anns = [{"type": "classification", "label": _label(rng, kind),
                     "confidence": round(rng.uniform(0.6, 0.99), 2)}]
        elif kind == "segmentation":
            anns = [_polygon(rng, kind) for _ in range(rng.randint(1, 4))]
        else:
            anns = [_bbox(rng, kind) for _ in range(rng.randint(1, 5))]
        if kind == "documents":  # every globex annotation carries the HTML label
            anns[0]["label"] = labels[3]
        out.append({"annotations": anns})
    return tuple(out)


@lru_cache(maxsize=None)
def _pool_json(kind: str) -> tuple[str, ...]:
    return tuple(orjson.dumps(entry).decode() for entry in _pool(kind))


def pool_index(unit_id: int) -> int:
    """Which pooled scene a unit shows (derived scenes are pooled the same way)."""
    return (unit_id * 2654435761) % POOL


def scene(kind: str, unit_id: int) -> dict[str, Any]:
    """The annotation (``{"annotations": [...]}``) of demo unit ``unit_id``: what the
    labeler drew, planted errors included (see :data:`PLANTED_ERRORS`)."""
    if kind == "detection" and unit_id in PLANTED_ERRORS:
        return _planted(unit_id)
    return true_scene(kind, unit_id)


def scene_json(kind: str, unit_id: int) -> str:
    if kind == "detection" and unit_id in PLANTED_ERRORS:
        return orjson.dumps(_planted(unit_id)).decode()
    return _pool_json(kind)[pool_index(source_unit(kind, unit_id))]


def true_scene(kind: str, unit_id: int) -> dict[str, Any]:
    """What demo unit ``unit_id``'s image shows (the labels without planted errors)."""
    return _pool(kind)[pool_index(source_unit(kind, unit_id))]


# ---------------------------------------------------------------------------------------
# Planted on purpose for synapse_nb.quality (notebook 09_label_issues): label errors a
# model contradicts, and images that are near copies of others in another ground-truth
# split. All in project 1 (street detection), completed tasks in ground-truth versions 1-2
# at any scale >= 500, none among the first completed tasks that other tests look at.

#: detection unit -> (planted error, index of the box): ``swap`` (the label of a confusable
#: class), ``loose`` (the box pushed three quarters of its size off the object), ``missing``
#: (the box left out; each such unit keeps at least one box, as exports expect)
PLANTED_ERRORS: dict[int, tuple[str, int]] = {
    24: ("swap", 1), 53: ("swap", 1), 89: ("swap", 1), 120: ("swap", 2), 164: ("swap", 2),
    40: ("loose", 0), 54: ("loose", 0), 99: ("loose", 0), 126: ("loose", 3), 176: ("loose", 3),
    34: ("missing", 0), 72: ("missing", 0), 132: ("missing", 2), 30: ("missing", 0),
    154: ("missing", 0),
}
#: detection unit -> (the unit whose picture it copies, how): its image is that image
#: brightened, recompressed as JPEG or shrunk and enlarged again; its labels are the same.
#: Each copy is in the validation or test split, its original in train.
NEAR_COPIES: dict[int, tuple[int, str]] = {
    82: (87, "brightened"), 91: (94, "recompressed"), 123: (118, "resized"),
    153: (150, "brightened"),
}


def source_unit(kind: str, unit_id: int) -> int:
    """The unit whose scene ``unit_id`` shows (itself, or the original of a near copy)."""
    if kind == "detection" and unit_id in NEAR_COPIES:
        return NEAR_COPIES[unit_id][0]
    return unit_id


@lru_cache(maxsize=None)
def _planted(unit_id: int) -> dict[str, Any]:
    error, index = PLANTED_ERRORS[unit_id]
    anns = [dict(a) for a in true_scene("detection", unit_id)["annotations"]]
    ann = anns[index]
    if error == "swap":
        ann["label"] = CONFUSIONS[ann["label"]]
    elif error == "loose":
        x1, y1, x2, y2 = ann["coordinates"]
        w, h = x2 - x1, y2 - y1
        dx = int(0.75 * w) if x2 + 0.75 * w < WIDTH - 1 else -int(0.75 * w)
        dy = int(0.75 * h) if y2 + 0.75 * h < HEIGHT - 1 else -int(0.75 * h)
        ann["coordinates"] = [max(0, x1 + dx), max(0, y1 + dy), min(WIDTH - 1, x2 + dx),
                              min(HEIGHT - 1, y2 + dy)]
    else:
        del anns[index]
    return {"annotations": anns}


def _confident(unit_id: int, model_id: int) -> str:
    """A sure model's predictions on a planted unit: the true boxes, confidence >= 0.96."""
    rng = random.Random(f"synapse-nb-demo-planted-{unit_id}-{model_id}")
    anns = []
    for ann in true_scene("detection", unit_id)["annotations"]:
        x1, y1, x2, y2 = ann["coordinates"]
        w, h = x2 - x1, y2 - y1
        box = _clip_box(*(v + rng.gauss(0, 0.02) * s for v, s in
                          zip((x1, y1, x2, y2), (w, h, w, h))))
        anns.append({"type": "bbox", "coordinates": [float(v) for v in box], "label": ann["label"],
                     "confidence": round(rng.uniform(0.96, 0.995), 3)})
    return orjson.dumps({"annotations": anns}).decode()


# ---------------------------------------------------------------------------------------
# Derived scenes: what a demo model predicted, and what a second annotator drew.
# Both are pooled like the scenes (one entry per pooled scene), so seeding stays cheap.

#: plausible mix-ups, for model confusions and annotator slips
CONFUSIONS = {"car": "truck", "truck": "car", "person": "bicycle", "bicycle": "person",
              "traffic_light": "person", "building": "road", "road": "building",
              "vegetation": "water", "water": "vegetation", "beverage": "dairy",
              "dairy": "beverage", "snack": "household", "household": "snack",
              "empty_shelf": "household"}

#: error profile per demo model id: miss rate (doubled-ish for small objects), label
#: confusion rate, box jitter (share of the size), loose-box rate, false positives per image
MODEL_PROFILES: dict[int, dict[str, float]] = {
    1: {"miss": 0.2, "small_miss": 0.45, "confuse": 0.1, "jitter": 0.07, "loose": 0.15, "fp": 1.1},
    2: {"miss": 0.1, "small_miss": 0.3, "confuse": 0.06, "jitter": 0.045, "loose": 0.08, "fp": 0.6},
    3: {"miss": 0.15, "small_miss": 0.35, "confuse": 0.08, "jitter": 0.06, "loose": 0.1, "fp": 0.5},
    4: {"miss": 0.0, "small_miss": 0.0, "confuse": 0.12, "jitter": 0.0, "loose": 0.0, "fp": 0.0},
}
#: error profile of the second and third annotators (users 2-6)
ANNOTATOR_PROFILES: dict[str, dict[str, float]] = {
    "bob": {"miss": 0.02, "small_miss": 0.05, "confuse": 0.02, "jitter": 0.02, "loose": 0.0, "fp": 0.02},
    "carol": {"miss": 0.08, "small_miss": 0.4, "confuse": 0.04, "jitter": 0.04, "loose": 0.05, "fp": 0.05},
    "dave": {"miss": 0.03, "small_miss": 0.1, "confuse": 0.2, "jitter": 0.03, "loose": 0.02, "fp": 0.05},
    "erin": {"miss": 0.03, "small_miss": 0.08, "confuse": 0.03, "jitter": 0.08, "loose": 0.25, "fp": 0.1},
    "frank": {"miss": 0.05, "small_miss": 0.15, "confuse": 0.08, "jitter": 0.04, "loose": 0.05, "fp": 0.1},
}


def _clip_box(x1: float, y1: float, x2: float, y2: float) -> list[float]:
    x1, x2 = max(0.0, min(x1, WIDTH - 2.0)), max(0.0, min(x2, WIDTH - 1.0))
    y1, y2 = max(0.0, min(y1, HEIGHT - 2.0)), max(0.0, min(y2, HEIGHT - 1.0))
    return [round(x1, 1), round(y1, 1), round(max(x2, x1 + 1), 1), round(max(y2, y1 + 1), 1)]


def _moved(ann: dict[str, Any], rng: random.Random, p: dict[str, float]) -> dict[str, Any]:
    out = {k: v for k, v in ann.items() if k != "confidence"}
    if ann["type"] == "bbox":
        x1, y1, x2, y2 = ann["coordinates"]
        w, h = x2 - x1, y2 - y1
        j = [rng.gauss(0, p["jitter"]) for _ in range(4)]
        x1, y1, x2, y2 = x1 + j[0] * w, y1 + j[1] * h, x2 + j[2] * w, y2 + j[3] * h
        if rng.random() < p["loose"]:  # a loose box: grown by 15-35 % on each side
            g = rng.uniform(0.15, 0.35)
            x1, y1, x2, y2 = x1 - g * w, y1 - g * h, x2 + g * w, y2 + g * h
        out["coordinates"] = _clip_box(x1, y1, x2, y2)
    elif ann["type"] == "polygon":
        xs = [q[0] for q in ann["points"]]
        size = max(4.0, max(xs) - min(xs))
        out["points"] = [[round(min(WIDTH - 1, max(0, x + rng.gauss(0, p["jitter"] * size))), 1),
                          round(min(HEIGHT - 1, max(0, y + rng.gauss(0, p["jitter"] * size))), 1)]
                         for x, y in ann["points"]]
    return out


def _small(ann: dict[str, Any]) -> bool:
    if ann["type"] == "bbox":
        x1, y1, x2, y2 = ann["coordinates"]
        return (x2 - x1) * (y2 - y1) < 32 * 32
    if ann["type"] == "polygon":
        xs, ys = [q[0] for q in ann["points"]], [q[1] for q in ann["points"]]
        return (max(xs) - min(xs)) * (max(ys) - min(ys)) < 40 * 40
    return False


def _derived(kind: str, source: dict[str, Any], rng: random.Random, p: dict[str, float],
             scored: bool) -> dict[str, Any]:
    """A perturbed copy of a scene: misses, confusions, jitter, loose boxes, extra shapes."""
    anns = []
    for ann in source["annotations"]:
        if ann["type"] != "classification" and rng.random() < (
                p["small_miss"] if _small(ann) else p["miss"]):
            continue
        new = _moved(ann, rng, p)
        confused = rng.random() < p["confuse"]
        if confused:
            new["label"] = CONFUSIONS.get(ann["label"], ann["label"])
        if scored:
            a, b = (3, 3) if confused else (7, 2)
            new["confidence"] = round(rng.betavariate(a, b), 3)
        anns.append(new)
    extra = p["fp"] if kind != "classification" else 0.0  # one label per photo
    while rng.random() < extra:  # false positives (geometric count, mean about fp)
        extra -= min(extra, 1)
        shape = (_polygon(rng, kind) if kind == "segmentation" else _bbox(rng, kind))
        shape.pop("confidence", None)
        if scored:
            shape["confidence"] = round(rng.betavariate(2, 5), 3)
        anns.append(shape)
    for ann in anns:  # numbers as floats, as a predictions frame holds them
        if "coordinates" in ann:
            ann["coordinates"] = [float(v) for v in ann["coordinates"]]
        if "points" in ann:
            ann["points"] = [[float(x), float(y)] for x, y in ann["points"]]
    return {"annotations": anns}


@lru_cache(maxsize=None)
def _derived_pool(kind: str, who: str, scored: bool) -> tuple[str, ...]:
    profile = MODEL_PROFILES[int(who)] if scored else ANNOTATOR_PROFILES[who]
    rng = random.Random(f"synapse-nb-demo-{kind}-{who}")
    return tuple(orjson.dumps(_derived(kind, entry, rng, profile, scored)).decode()
                 for entry in _pool(kind))


def predicted_scene_json(kind: str, unit_id: int, model_id: int) -> str:
    """What demo model ``model_id`` predicted on unit ``unit_id`` (JSON text, with confidences)."""
    if kind == "detection" and unit_id in PLANTED_ERRORS:
        return _confident(unit_id, model_id)
    return _derived_pool(kind, str(model_id), True)[pool_index(source_unit(kind, unit_id))]


def annotator_scene_json(kind: str, unit_id: int, annotator: str) -> str:
    """What ``annotator`` (a demo labeler's username) drew on unit ``unit_id`` (JSON text)."""
    return _derived_pool(kind, annotator, False)[pool_index(source_unit(kind, unit_id))]
