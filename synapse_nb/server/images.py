"""Demo images: drawn on request from the unit's scene, then cached on disk.

The shapes are drawn at the annotation's pixel coordinates (bbox corners, polygon points),
so an overlay of the task's annotation lands on the objects.

>>> png = render_png("detection", 12, "image_1")     # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import io
import os
import random
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterable

from .scenes import HEIGHT, LABELS, NEAR_COPIES, WIDTH, true_scene

__all__ = ["render_png", "demo_checksum", "render_checksums", "REAL_CHECKSUM_MAX_UNITS"]

#: up to this many demo units, their declared checksums are the md5 of the PNG served
#: (about 2 ms a file to draw at seed time); past it, seeding a million units would take
#: half an hour, so the checksums are stable ids (md5 of the file's path) and the seed says so
REAL_CHECKSUM_MAX_UNITS = 5_000

_PALETTE = [(230, 57, 70), (29, 120, 200), (42, 157, 143), (244, 162, 97), (131, 56, 236),
            (255, 190, 11), (58, 134, 255), (251, 86, 7)]


def _color(kind: str, label: str) -> tuple[int, int, int]:
    labels = LABELS[kind]
    return _PALETTE[labels.index(label) % len(_PALETTE)] if label in labels else (200, 200, 200)


def render_png(kind: str, unit_id: int, spec: str) -> bytes:
    """The PNG bytes of one demo unit's file (deterministic)."""
    image = _draw(kind, unit_id)
    if kind == "detection" and unit_id in NEAR_COPIES:  # planted: see scenes.NEAR_COPIES
        image = _near_copy(_draw(kind, NEAR_COPIES[unit_id][0]), NEAR_COPIES[unit_id][1])
    if spec == "image_ir":
        image = image.convert("L").convert("RGB")
    out = io.BytesIO()
    # zlib level 1: half the time of the default 6 (1.6 against 3.4 ms a 320x240 image,
    # which seeding pays for every file's checksum), for 3.3 KB a file instead of 1.9
    image.save(out, format="PNG", optimize=False, compress_level=1)
    return out.getvalue()


def _near_copy(image: Any, how: str) -> Any:
    from PIL import Image, ImageEnhance

    if how == "brightened":
        return ImageEnhance.Brightness(image).enhance(1.25)
    if how == "recompressed":
        buf = io.BytesIO()
        image.save(buf, format="JPEG", quality=50)
        return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    # resized: shrunk to half and enlarged again (the unit's declared size stays 320x240)
    return image.resize((WIDTH // 2, HEIGHT // 2), Image.Resampling.BILINEAR).resize((WIDTH, HEIGHT),
                                                                           Image.Resampling.BILINEAR)


def _draw(kind: str, unit_id: int) -> Any:
    from PIL import Image, ImageDraw

    rng = random.Random(unit_id * 1009 + len(kind))
    sky = {"detection": (120, 160, 200), "segmentation": (90, 130, 80),
           "classification": (225, 220, 210), "documents": (250, 250, 245)}[kind]
    base = tuple(max(0, min(255, c + rng.randint(-25, 25))) for c in sky)
    image = Image.new("RGB", (WIDTH, HEIGHT), base)
    draw = ImageDraw.Draw(image, "RGBA")
    if kind == "detection":  # road and horizon
        # each street differs in its large shapes (horizon, road, buildings), so that two
        # demo frames are far apart in perceptual hash and only planted copies are close
        look = random.Random(f"street-{unit_id}")
        left, right = HEIGHT * look.uniform(0.3, 0.75), HEIGHT * look.uniform(0.3, 0.75)
        draw.polygon([(0, left), (WIDTH, right), (WIDTH, HEIGHT), (0, HEIGHT)], fill=(70, 70, 75))
        draw.line([0, left + (HEIGHT - left) * 0.55, WIDTH, right + (HEIGHT - right) * 0.55],
                  fill=(230, 230, 230), width=2)
        for _ in range(3):
            x, y = look.randrange(WIDTH), look.randrange(HEIGHT)
            w, h, v = look.randint(30, 120), look.randint(20, 90), look.randint(30, 230)
            draw.rectangle([x, y, x + w, y + h], fill=(v, v, v, 150))
    for _ in range(6):  # texture
        x, y = rng.randrange(WIDTH), rng.randrange(HEIGHT)
        r = rng.randint(4, 18)
        shade = tuple(max(0, min(255, c + rng.randint(-30, 30))) for c in base)
        draw.ellipse([x - r, y - r, x + r, y + r], fill=shade + (120,))
    for ann in true_scene(kind, unit_id)["annotations"]:
        color = _color(kind, ann.get("label", ""))
        if ann["type"] == "bbox":
            x1, y1, x2, y2 = ann["coordinates"]
            draw.rectangle([x1, y1, x2, y2], fill=color + (200,), outline=(20, 20, 20), width=1)
        elif ann["type"] == "polygon":
            draw.polygon([tuple(p) for p in ann["points"]], fill=color + (210,),
                         outline=(20, 20, 20))
        else:  # classification: one big product in the middle
            draw.rounded_rectangle([WIDTH * 0.3, HEIGHT * 0.2, WIDTH * 0.7, HEIGHT * 0.85],
                                   radius=12, fill=color + (230,), outline=(40, 40, 40))
    return image


def demo_checksum(kind: str, unit_id: int, spec: str, *, real: bool = True) -> str:
    """The declared checksum of a demo file: the md5 of :func:`render_png`'s bytes.

    ``real=False`` gives the cheap stable id (md5 of the file's path) used past
    :data:`REAL_CHECKSUM_MAX_UNITS` units.

    >>> import hashlib
    >>> demo_checksum("detection", 3, "image_1") == hashlib.md5(render_png("detection", 3, "image_1")).hexdigest()
    True
    """
    if not real:
        return hashlib.md5(f"demo/{kind}/{unit_id}/{spec}.png".encode()).hexdigest()
    return _md5_of_render(kind, unit_id, spec)


# md5 per (kind, unit, spec): at most REAL_CHECKSUM_MAX_UNITS units' files (about 6k
# entries of 32 characters), the same for every server of the process
_SUMS: dict[tuple[str, int, str], str] = {}


def _md5_of_render(kind: str, unit_id: int, spec: str) -> str:
    key = (kind, unit_id, spec)
    if key not in _SUMS:
        _SUMS[key] = hashlib.md5(render_png(kind, unit_id, spec)).hexdigest()
    return _SUMS[key]


def render_checksums(files: Iterable[tuple[str, int, str]]) -> None:
    """Compute the checksums of these demo files (kind, unit id, spec) ahead, on a thread
    per core: Pillow draws and encodes without the GIL for most of a file, so seeding 3k
    units takes about half the time it takes one file after another.

    >>> render_checksums([("detection", 3, "image_1")])
    >>> demo_checksum("detection", 3, "image_1") == _SUMS[("detection", 3, "image_1")]
    True
    """
    todo = list(dict.fromkeys(f for f in files if f not in _SUMS))
    with ThreadPoolExecutor(max(2, os.cpu_count() or 1), thread_name_prefix="demo-png") as pool:
        list(pool.map(lambda f: _md5_of_render(*f), todo))  # each fills _SUMS
