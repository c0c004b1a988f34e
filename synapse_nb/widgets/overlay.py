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
import io
from dataclasses import dataclass
from typing import Any, Sequence

from ._html import esc
from .query import annotations_of

__all__ = ["Shape", "LabelPalette", "shapes_of", "image_info", "embeddable", "overlay_html",
           "legend_html"]

# Tableau 10: distinguishable, and readable over photos with a dark outline.
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#bab0ac")
UNLABELED = "(no label)"
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


class LabelPalette:
    """Label -> color, assigned in order of first sight and kept for the browser's life,
    so "person" keeps its color from one record to the next.

    >>> p = LabelPalette(); p.color("b"), p.color("a"), p.color("b")
    ('#4e79a7', '#f28e2b', '#4e79a7')
    """

    def __init__(self, colors: Sequence[str] = PALETTE) -> None:
        self._colors = tuple(colors)
        self._assigned: dict[str, str] = {}

    def color(self, label: str) -> str:
        if label not in self._assigned:
            self._assigned[label] = self._colors[len(self._assigned) % len(self._colors)]
        return self._assigned[label]


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
                            ann.get("style") == "dashed"))
    return shapes, skipped


def image_info(data: bytes) -> tuple[str, tuple[int, int]]:
    """MIME type and ``(width, height)`` of image bytes (Pillow reads the header only)."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        fmt = (img.format or "png").lower()
        return f"image/{'jpeg' if fmt == 'jpg' else fmt}", img.size


def embeddable(data: bytes, mime: str, size: tuple[int, int]) -> tuple[bytes, str]:
    """The image as it goes into the page: unchanged when small, else scaled down to
    ``MAX_EMBED_PX`` on its longer side (the SVG keeps the original pixel coordinates, so
    the shapes still line up). Keeps what the kernel sends to the frontend bounded."""
    if len(data) <= MAX_EMBED_BYTES and max(size) <= MAX_EMBED_PX and mime in _BROWSER_MIMES:
        return data, mime
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        img.thumbnail((MAX_EMBED_PX, MAX_EMBED_PX))
        out = io.BytesIO()
        if img.mode in ("RGBA", "LA", "P"):
            img.save(out, format="PNG", optimize=True)
            return out.getvalue(), "image/png"
        img.convert("RGB").save(out, format="JPEG", quality=85)
        return out.getvalue(), "image/jpeg"


def _num(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".")


def _shape_svg(shape: Shape, color: str, stroke: float) -> str:
    title = shape.label if shape.confidence is None else f"{shape.label} ({shape.confidence:.2f})"
    attrs = (f'class="snb-shape snb-shape-{esc(shape.kind)}" data-label="{esc(shape.label)}" '
             f'data-index="{shape.index}" stroke="{color}" stroke-width="2" '
             'vector-effect="non-scaling-stroke"')
    if shape.dashed:
        attrs += ' stroke-dasharray="5 3" fill-opacity="0"'
    inner = f"<title>{esc(title)}</title>"
    if shape.kind == "bbox" and shape.box is not None:
        x1, y1, x2, y2 = shape.box
        return (f'<rect {attrs} fill="{color}" fill-opacity="0.12" x="{_num(x1)}" '
                f'y="{_num(y1)}" width="{_num(x2 - x1)}" height="{_num(y2 - y1)}">{inner}</rect>')
    pts = " ".join(f"{_num(x)},{_num(y)}" for x, y in shape.points)
    if shape.kind == "keypoint":
        dots = "".join(f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{_num(stroke * 2)}"/>'
                       for x, y in shape.points)
        return f'<g {attrs} fill="{color}">{inner}{dots}</g>'
    if shape.kind == "polyline":
        return f'<polyline {attrs} fill="none" points="{pts}">{inner}</polyline>'
    return f'<polygon {attrs} fill="{color}" fill-opacity="0.12" points="{pts}">{inner}</polygon>'


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
    return f'<div class="snb-legend" style="font-size:12px;margin:4px 0">{items}</div>'


def overlay_html(image: bytes | None, data: Any, *, size: tuple[int, int] | None = None,
                 palette: LabelPalette | None = None, max_width: int = 640,
                 note: str | None = None) -> str:
    """The image with ``data``'s annotations drawn over it, plus a legend.

    ``image`` is the file's bytes (None: shapes are drawn on a blank canvas, sized by
    ``size`` or by the shapes, and ``note`` says why). ``data`` is the annotation payload
    or directly its list of annotation objects.
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
    parts = [f'<svg class="snb-overlay" xmlns="http://www.w3.org/2000/svg" '
             f'viewBox="0 0 {width} {height}" width="{shown}" '
             f'preserveAspectRatio="xMinYMin meet" style="max-width:100%;height:auto" '
             f'data-shape-count="{len(shapes)}">']
    if image is not None and mime is not None:
        shown_bytes, shown_mime = embeddable(image, mime, (width, height))
        uri = f"data:{shown_mime};base64,{base64.b64encode(shown_bytes).decode('ascii')}"
        parts.append(f'<image class="snb-detail-image" href="{uri}" x="0" y="0" '
                     f'width="{width}" height="{height}"/>')
    else:
        parts.append(f'<rect class="snb-detail-image snb-no-image" x="0" y="0" '
                     f'width="{width}" height="{height}" fill="#eee"/>')
    parts.extend(_shape_svg(s, palette.color(s.label), stroke) for s in shapes)
    parts.append("</svg>")
    parts.append(legend_html(shapes, palette))
    if skipped:
        parts.append(f'<div class="snb-note">{skipped} annotation(s) without drawable geometry '
                     f"(classifications, or shapes that could not be read).</div>")
    if note:
        parts.append(f'<div class="snb-note snb-image-error">{esc(note)}</div>')
    return "".join(parts)
