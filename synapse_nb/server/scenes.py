"""Deterministic demo annotations ("scenes"): what each demo image shows and is labeled with.

A demo data unit's annotation is a pure function of its project kind and id, so the seed can
write it into task data, ground-truth events and the image generator can draw the same
shapes later without touching the database.

>>> scene("detection", 1) == scene("detection", 1)
True
"""

from __future__ import annotations

import random
from functools import lru_cache
from typing import Any

import orjson

__all__ = ["KINDS", "LABELS", "WIDTH", "HEIGHT", "scene", "scene_json", "POOL"]

WIDTH, HEIGHT = 320, 240
POOL = 1024
LABELS: dict[str, list[str]] = {
    "detection": ["person", "car", "bicycle", "truck", "traffic_light"],
    "segmentation": ["building", "road", "vegetation", "water"],
    "classification": ["beverage", "snack", "dairy", "household", "empty_shelf"],
    "documents": ["total", "vendor", "date", "<b>line item</b><script>alert(1)</script>"],
}
KINDS = tuple(LABELS)


def _bbox(rng: random.Random, labels: list[str]) -> dict[str, Any]:
    w, h = rng.randint(20, 120), rng.randint(20, 110)
    x, y = rng.randint(0, WIDTH - w - 1), rng.randint(0, HEIGHT - h - 1)
    return {"type": "bbox", "coordinates": [x, y, x + w, y + h], "label": rng.choice(labels),
            "confidence": round(rng.uniform(0.55, 0.99), 2)}


def _polygon(rng: random.Random, labels: list[str]) -> dict[str, Any]:
    cx, cy = rng.randint(40, WIDTH - 40), rng.randint(40, HEIGHT - 40)
    n = rng.randint(4, 7)
    radius = rng.randint(18, 38)
    points = []
    for k in range(n):
        import math
        angle = 2 * math.pi * k / n + rng.uniform(-0.3, 0.3)
        r = radius * rng.uniform(0.7, 1.2)
        points.append([round(min(WIDTH - 1, max(0, cx + r * math.cos(angle))), 1),
                       round(min(HEIGHT - 1, max(0, cy + r * math.sin(angle))), 1)])
    return {"type": "polygon", "points": points, "label": rng.choice(labels)}


@lru_cache(maxsize=None)
def _pool(kind: str) -> tuple[dict[str, Any], ...]:
    rng = random.Random(f"synapse-nb-demo-{kind}")
    labels = LABELS[kind]
    out = []
    for _ in range(POOL):
        if kind == "classification":
            anns = [{"type": "classification", "label": rng.choice(labels),
                     "confidence": round(rng.uniform(0.6, 0.99), 2)}]
        elif kind == "segmentation":
            anns = [_polygon(rng, labels) for _ in range(rng.randint(1, 4))]
        else:
            anns = [_bbox(rng, labels) for _ in range(rng.randint(1, 5))]
        if kind == "documents":  # every globex annotation carries the HTML label
            anns[0]["label"] = labels[3]
        out.append({"annotations": anns})
    return tuple(out)


@lru_cache(maxsize=None)
def _pool_json(kind: str) -> tuple[str, ...]:
    return tuple(orjson.dumps(entry).decode() for entry in _pool(kind))


def _index(unit_id: int) -> int:
    return (unit_id * 2654435761) % POOL


def scene(kind: str, unit_id: int) -> dict[str, Any]:
    """The annotation (``{"annotations": [...]}``) of demo unit ``unit_id``."""
    return _pool(kind)[_index(unit_id)]


def scene_json(kind: str, unit_id: int) -> str:
    return _pool_json(kind)[_index(unit_id)]
