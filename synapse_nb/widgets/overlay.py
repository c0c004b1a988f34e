"""An image with its annotation shapes drawn over it, as one self-contained HTML string.

The image is embedded as a ``data:`` URI inside an inline ``<svg>`` whose ``viewBox`` is
the image's pixel size, so shape coordinates (pixels, as in the annotation payload) need
no scaling and the drawing works in any frontend that shows HTML (JupyterLab, classic
Notebook, VS Code, nbconvert) with no JavaScript. Each shape is colored by its label; a
legend lists the labels with their colors and counts.

Stable CSS classes (the real-browser test relies on them): ``snb-overlay`` (the
``<svg>``), ``snb-detail-image`` (the ``<image>``), ``snb-shape`` on every drawn shape,
plus ``snb-shape-bbox`` / ``snb-shape-polygon`` / ``snb-shape-polyline`` /
``snb-shape-keypoint``, ``snb-legend`` and ``snb-legend-item``. Shapes carry
``data-label`` and ``data-index`` (position in the record's ``annotations`` list).

Example:
    >>> html_ = overlay_html(None, [{"type": "bbox", "coordinates": [1, 2, 30, 40],
    ...                              "label": "car"}], size=(64, 48))
    >>> html_.count('class="snb-shape '), 'data-label="car"' in html_
    (1, True)
"""

from __future__ import annotations

import base64
import colorsys
import hashlib
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ._html import esc
from .query import annotations_of

__all__ = [
    "LabelPalette",
    "Shape",
    "colours_of_configuration",
    "embeddable",
    "halo",
    "hashed_colour",
    "image_info",
    "legend_html",
    "overlay_html",
    "place_labels",
    "shapes_of",
]

UNLABELED = "(no label)"
_HEX = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")
# Larger images are scaled down before they are embedded in the page.
MAX_EMBED_PX = 1280
MAX_EMBED_BYTES = 1_500_000
_BROWSER_MIMES = ("image/png", "image/jpeg", "image/gif", "image/webp")


@dataclass(frozen=True)
class Shape:
    """One drawable annotation: ``kind`` is bbox, polygon, polyline or keypoint."""

    index: int
    kind: str
    label: str
    box: tuple[float, float, float, float] | None
    points: tuple[tuple[float, float], ...] = ()
    confidence: float | None = None
    dashed: bool = False  # drawn dashed and unfilled (``"style": "dashed"``: predictions)
    suspect: bool = False  # drawn thick and highlighted (``"style": "suspect"``: review queue)


class LabelPalette:
    """Label -> colour that never changes: ``colors`` (from the project's configuration)
    where it names the label, else :func:`hashed_colour` of the label's name, so a label
    has the same colour in every browser, notebook and kernel.

    >>> p = LabelPalette(); p.color("car") == LabelPalette().color("car")
    True
    >>> LabelPalette({"car": "#ff0000"}).color("car")
    '#ff0000'
    """

    def __init__(self, colors: dict[str, str] | None = None) -> None:
        # checked and normalised where they enter: " #ff0000" is #ff0000, "red" is dropped
        self._fixed = {str(k): v.strip() for k, v in (colors or {}).items() if _is_colour(v)}

    def color(self, label: str) -> str:
        if label in self._fixed:
            return self._fixed[label]
        return hashed_colour(label)


def hashed_colour(label: str) -> str:
    """A saturated colour from a hash of the label's name: a hue out of 360 (a palette of
    ten gave two of five demo labels one colour), mid lightness so black or white text
    and halos read on it.

    >>> hashed_colour("person") == hashed_colour("person"), hashed_colour("person") != hashed_colour("car")
    (True, True)
    """
    digest = hashlib.blake2b(str(label).encode("utf-8"), digest_size=4).digest()
    number = int.from_bytes(digest, "big")
    hue = (number % 360) / 360
    lightness = (0.42, 0.5, 0.58)[(number // 360) % 3]
    r, g, b = colorsys.hls_to_rgb(hue, lightness, 0.75)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


def _is_colour(value: Any) -> bool:
    """Only ``#rgb``/``#rrggbb`` colours go into the page (they end up in attributes)."""
    return isinstance(value, str) and bool(_HEX.fullmatch(value.strip()))


def halo(color: str) -> str:
    """Black or white, whichever stands out more against ``color`` (outline halo, label
    text background).

    >>> halo("#ffff00"), halo("#000080")
    ('#000000', '#ffffff')
    """
    c = color.lstrip("#")
    if len(c) == 3:
        c = "".join(ch * 2 for ch in c)
    r, g, b = (int(c[i:i + 2], 16) for i in (0, 2, 4))
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "#ffffff"


def colours_of_configuration(configuration: Any) -> dict[str, str]:
    """label -> colour from a project ``configuration`` (dict or JSON text): classes given
    as objects with a ``color`` (under ``classes``, or ``tools[].classes``), or a
    ``colors`` mapping. Labels without one are left to the palette.

    >>> colours_of_configuration({"classes": [{"name": "car", "color": "#f00"}, "tree"]})
    {'car': '#f00'}
    """
    if isinstance(configuration, str):
        try:
            configuration = json.loads(configuration)
        except ValueError:
            return {}
    if not isinstance(configuration, dict):
        return {}
    out: dict[str, str] = {}
    mapping = configuration.get("colors") or configuration.get("colours")
    if isinstance(mapping, dict):
        out.update({str(k): v.strip() for k, v in mapping.items() if _is_colour(v)})
    groups = [configuration.get("classes")] + [
        t.get("classes") for t in configuration.get("tools") or [] if isinstance(t, dict)]
    for classes in groups:
        for item in classes if isinstance(classes, list) else []:
            if not isinstance(item, dict):
                continue
            name = item.get("name", item.get("label", item.get("code")))
            colour = item.get("color", item.get("colour"))
            if name is not None and _is_colour(colour):
                out.setdefault(str(name), str(colour).strip())
    return out


def shapes_of(data: Any) -> tuple[list[Shape], int]:
    """The drawable shapes of an annotation payload (dict or JSON text), and how many
    objects could not be drawn (no geometry, or geometry that cannot be read).

    >>> shapes, skipped = shapes_of({"annotations": [
    ...     {"type": "polygon", "points": [[0, 0], [4, 0], [4, 3]], "label": "roof"},
    ...     {"type": "classification", "label": "day"}]})
    >>> [(s.kind, s.label, s.box) for s in shapes], skipped
    ([('polygon', 'roof', (0.0, 0.0, 4.0, 3.0))], 1)
    """
    from synapse_nb.frames.annotations import shape_geometry

    shapes: list[Shape] = []
    skipped = 0
    for i, ann in enumerate(annotations_of(data)):
        if not isinstance(ann, dict):
            skipped += 1
            continue
        try:
            box, points, _area = shape_geometry(ann)
        except (ValueError, TypeError):
            skipped += 1
            continue
        if box is None:
            skipped += 1
            continue
        kind = str(ann.get("type") or ("polygon" if points else "bbox"))
        if points is None:
            kind = "bbox"
        elif kind not in ("polygon", "polyline", "keypoint"):
            kind = "polygon"
        label = ann.get("label", ann.get("class"))
        conf = ann.get("confidence", ann.get("score"))
        shapes.append(Shape(i, kind, UNLABELED if label is None else str(label), box,
                            tuple((p[0], p[1]) for p in points or ()),
                            conf if isinstance(conf, (int, float)) else None,
                            ann.get("style") == "dashed", ann.get("style") == "suspect"))
    return shapes, skipped


def image_info(data: bytes) -> tuple[str, tuple[int, int]]:
    """MIME type and ``(width, height)`` of image bytes (Pillow reads the header only)."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        fmt = (img.format or "png").lower()
        return f"image/{'jpeg' if fmt == 'jpg' else fmt}", img.size


def embeddable(data: bytes, mime: str, size: tuple[int, int],
               max_px: int = MAX_EMBED_PX) -> tuple[bytes, str]:
    """The image as it goes into the page: unchanged when small, else scaled down to
    ``MAX_EMBED_PX`` on its longer side (the SVG keeps the original pixel coordinates, so
    the shapes still line up). Keeps what the kernel sends to the frontend bounded."""
    if len(data) <= MAX_EMBED_BYTES and max(size) <= max_px and mime in _BROWSER_MIMES:
        return data, mime
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        img.thumbnail((max_px, max_px))
        out = io.BytesIO()
        if img.mode in ("RGBA", "LA", "P"):
            img.save(out, format="PNG", optimize=True)
            return out.getvalue(), "image/png"
        img.convert("RGB").save(out, format="JPEG", quality=85)
        return out.getvalue(), "image/jpeg"


def _num(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".")


def _caption(shape: Shape) -> str:
    return shape.label if shape.confidence is None else f"{shape.label} {shape.confidence:.2f}"


def _tag_size(shape: Shape, font: float) -> tuple[float, float]:
    return font * 0.66 * len(_caption(shape)) + font * 0.6, font * 1.3


def place_labels(shapes: Sequence[Shape], font: float, height: float) -> dict[int, float]:
    """The top of each shape's label tag, so that no tag covers another: ground truth
    first, then predictions by confidence, each moved below any tag already placed that it
    would overlap ("person 0.31" no longer hides "truck 0.94").

    >>> a = Shape(0, "bbox", "truck", (0, 20, 50, 50), confidence=0.94, dashed=True)
    >>> b = Shape(1, "bbox", "person", (2, 22, 40, 60), confidence=0.31, dashed=True)
    >>> tops = place_labels([b, a], font=10, height=100); tops[0] < tops[1]
    True
    """
    order = sorted((s for s in shapes if s.box is not None),
                   key=lambda s: (s.dashed, -(s.confidence or 0.0), s.index))
    placed: list[tuple[float, float, float, float]] = []
    tops: dict[int, float] = {}
    for s in order:
        assert s.box is not None
        w, h = _tag_size(s, font)
        x, y = s.box[0], s.box[1]
        top = y - h if y - h >= 0 else y
        for _ in range(len(order) + 1):
            hit = next((p for p in placed if x < p[2] and p[0] < x + w and top < p[3] and p[1] < top + h), None)
            if hit is None:
                break
            top = hit[3]
        top = max(0.0, min(top, height - h))
        placed.append((x, top, x + w, top + h))
        tops[s.index] = top
    return tops


def _shape_svg(shape: Shape, color: str, stroke: float, font: float, top: float | None = None) -> str:
    """One shape: a contrasting halo under a coloured outline, and its label (with the
    confidence of a prediction) on a tag at its top-left corner."""
    back = halo(color)
    common = (f'data-label="{esc(shape.label)}" data-index="{shape.index}" '
              'vector-effect="non-scaling-stroke"')
    attrs = f'class="snb-shape snb-shape-{esc(shape.kind)}" {common} stroke="{color}" stroke-width="2"'
    under = f'class="snb-halo" stroke="{back}" stroke-width="4" stroke-opacity="0.8" fill="none"'
    if shape.dashed:  # predictions (``"style": "dashed"``): dashed and unfilled
        attrs += ' stroke-dasharray="5 3" data-role="prediction"'
    elif shape.suspect:  # what a reviewer should look at: thick, on a yellow glow
        attrs = attrs.replace('stroke-width="2"', 'stroke-width="4"') + ' data-role="suspect"'
        under = under.replace('stroke="' + back + '" stroke-width="4"', 'stroke="#ffe600" stroke-width="9"')
    opacity = "0" if shape.dashed else "0.12"
    inner = f"<title>{esc(_caption(shape))}</title>"
    if shape.kind == "bbox" and shape.box is not None:
        x1, y1, x2, y2 = shape.box
        geo = f'x="{_num(x1)}" y="{_num(y1)}" width="{_num(x2 - x1)}" height="{_num(y2 - y1)}"'
        body = (f'<rect {under} {geo} vector-effect="non-scaling-stroke"/>'
                f'<rect {attrs} fill="{color}" fill-opacity="{opacity}" {geo}>{inner}</rect>')
    elif shape.kind == "keypoint":
        dots = "".join(f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{_num(stroke * 2)}" '
                       f'stroke="{back}" stroke-width="1"/>' for x, y in shape.points)
        body = f'<g {attrs} fill="{color}">{inner}{dots}</g>'
    else:
        pts = " ".join(f"{_num(x)},{_num(y)}" for x, y in shape.points)
        tag = "polyline" if shape.kind == "polyline" else "polygon"
        fill = 'fill="none"' if tag == "polyline" else f'fill="{color}" fill-opacity="{opacity}"'
        body = (f'<{tag} {under} points="{pts}" vector-effect="non-scaling-stroke"/>'
                f'<{tag} {attrs} {fill} points="{pts}">{inner}</{tag}>')
    if shape.box is None:
        return body
    x, y = shape.box[0], shape.box[1]
    text = _caption(shape)
    width = _tag_size(shape, font)[0]
    if top is None:
        top = y - font * 1.3 if y - font * 1.3 >= 0 else y
    return (body + f'<g class="snb-shape-label" data-label="{esc(shape.label)}">'
            f'<rect x="{_num(x)}" y="{_num(top)}" width="{_num(width)}" height="{_num(font * 1.3)}" '
            f'fill="{color}" fill-opacity="0.85"/>'
            f'<text x="{_num(x + font * 0.3)}" y="{_num(top + font)}" font-size="{_num(font)}" '
            f'fill="{back}" font-family="sans-serif">{esc(text)}</text></g>')


def _classes_of(data: Any) -> list[str]:
    """Labels of the payload's classification objects (no geometry, a label)."""
    out = []
    for ann in annotations_of(data):
        if not isinstance(ann, dict) or ann.get("coordinates") is not None or ann.get("points") is not None:
            continue
        label = ann.get("label", ann.get("class"))
        if label is not None and (ann.get("type") in (None, "classification")):
            out.append(str(label))
    return out


def legend_html(shapes: Sequence[Shape], palette: LabelPalette) -> str:
    """``<div class="snb-legend">`` with one colored, counted item per label."""
    counts: dict[str, int] = {}
    for s in shapes:
        counts[s.label] = counts.get(s.label, 0) + 1
    items = "".join(
        f'<span class="snb-legend-item" data-label="{esc(label)}" style="margin-right:10px">'
        f'<span class="snb-legend-swatch" style="display:inline-block;width:10px;height:10px;'
        f'margin-right:4px;background:{palette.color(label)}"></span>'
        f"{esc(label)} ({n})</span>" for label, n in counts.items())
    items += _role_legend(shapes)
    return f'<div class="snb-legend" style="font-size:12px;margin:4px 0">{items}</div>'


def _role_legend(shapes: Sequence[Shape]) -> str:
    """Which strokes are what, when a drawing mixes them: ground truth solid, predictions
    dashed, suspects thick on yellow."""
    kinds = [("ground truth", "solid", any(not s.dashed and not s.suspect for s in shapes)),
             ("prediction", "dashed", any(s.dashed for s in shapes)),
             ("suspect", "thick, highlighted", any(s.suspect for s in shapes))]
    shown = [(name, how) for name, how, present in kinds if present]
    if len(shown) < 2 and not any(s.suspect for s in shapes):
        return ""
    return "".join(f'<span class="snb-legend-role" data-role="{esc(name)}" style="margin-right:10px;'
                   f'font-style:italic">{esc(name)}: {esc(how)}</span>' for name, how in shown)


def overlay_html(image: bytes | None, data: Any, *, size: tuple[int, int] | None = None,
                 palette: LabelPalette | None = None, max_width: int = 640,
                 note: str | None = None, legend: bool = True,
                 embed_px: int = MAX_EMBED_PX) -> str:
    """The image with ``data``'s annotations drawn over it, plus a legend.

    ``image`` is the file's bytes (None: shapes are drawn on a blank canvas, sized by
    ``size`` or by the shapes, and ``note`` says why). ``data`` is the annotation payload
    or directly its list of annotation objects. ``legend=False`` and a small ``embed_px``
    make a gallery thumbnail.
    """
    palette = palette or LabelPalette()
    if isinstance(data, list):
        data = {"annotations": data}
    shapes, skipped = shapes_of(data)
    mime = None
    if image is not None:
        try:
            mime, size = image_info(image)
        except Exception as err:  # Pillow raises several types for bad bytes
            note = f"The file is not an image this browser can read ({type(err).__name__})."
            image = None
    if size is None:
        right = max((s.box[2] for s in shapes if s.box), default=100.0)
        bottom = max((s.box[3] for s in shapes if s.box), default=100.0)
        size = (int(right) + 10, int(bottom) + 10)
    width, height = max(1, int(size[0])), max(1, int(size[1]))
    stroke = max(1.0, max(width, height) / 160)  # keypoint radius, in image pixels
    # Small images are shown larger so that their shapes can be told apart.
    shown = min(max_width, max(width, 480))
    parts = [(f'<svg class="snb-overlay" xmlns="http://www.w3.org/2000/svg" '
             f'viewBox="0 0 {width} {height}" width="{shown}" '
             f'preserveAspectRatio="xMinYMin meet" style="max-width:100%;height:auto" '
             f'data-shape-count="{len(shapes)}">')]
    if image is not None and mime is not None:
        shown_bytes, shown_mime = embeddable(image, mime, (width, height), embed_px)
        uri = f"data:{shown_mime};base64,{base64.b64encode(shown_bytes).decode('ascii')}"
        parts.append(f'<image class="snb-detail-image" href="{uri}" x="0" y="0" '
                     f'width="{width}" height="{height}"/>')
    else:
        parts.append(f'<rect class="snb-detail-image snb-no-image" x="0" y="0" '
                     f'width="{width}" height="{height}" fill="#eee"/>')
    # label text, in image pixels: at least 10 screen pixels however small the drawing
    # (a gallery thumbnail scaled 8 image pixels down to 4)
    font = max(8.0, max(width, height) / 40, 10 * width / shown)
    tops = place_labels(shapes, font, height)
    parts.extend(_shape_svg(s, palette.color(s.label), stroke, font, tops.get(s.index)) for s in shapes)
    parts.append("</svg>")
    if legend:
        parts.append(legend_html(shapes, palette))
    classes = _classes_of(data)
    if classes:  # a classification task says its class, not "no drawable geometry"
        parts.append('<div class="snb-classes">Class: ' + ", ".join(
            f'<span class="snb-class" data-label="{esc(c)}" style="font-weight:600;'
            f'color:{palette.color(c)}">{esc(c)}</span>' for c in classes) + "</div>")
        skipped -= len(classes)
    if skipped > 0:
        parts.append(f'<div class="snb-note">{skipped} annotation(s) without drawable geometry '
                     f"(shapes that could not be read).</div>")
    if note:
        parts.append(f'<div class="snb-note snb-image-error">{esc(note)}</div>')
    return "".join(parts)
