"""The drawn overlay: shapes match the annotations, colors follow labels, text is escaped."""

from __future__ import annotations

import base64
import re
from xml.etree import ElementTree as ET

from synapse_nb.widgets.overlay import LabelPalette, overlay_html, shapes_of

from .conftest import XSS, png_bytes

SVG = "{http://www.w3.org/2000/svg}"


def _svg(html: str) -> ET.Element:
    """The <svg> element (the overlay is well-formed XML, so it parses strictly)."""
    match = re.search(r"<svg.*?</svg>", html, re.S)
    assert match, html
    return ET.fromstring(match.group(0))


def _shapes(svg: ET.Element) -> list[ET.Element]:
    return [el for el in svg.iter() if "snb-shape" in el.get("class", "").split()]


ANNOTATIONS = [
    {"type": "bbox", "coordinates": [10, 12, 50, 40], "label": "person", "confidence": 0.9},
    {"type": "polygon", "points": [[5, 5], [60, 8], [30, 44]], "label": "vehicle"},
    {"type": "bbox", "coordinates": {"x": 1, "y": 2, "width": 3, "height": 4}, "label": "person"},
    {"type": "polyline", "points": [{"x": 0, "y": 0}, {"x": 9, "y": 9}], "label": "lane"},
    {"type": "classification", "label": "daytime"},
    {"type": "bbox", "coordinates": ["a", 1, 2, 3], "label": "broken"},
]


def test_every_drawable_annotation_is_one_shape_with_its_geometry():
    html = overlay_html(png_bytes(64, 48), {"annotations": ANNOTATIONS})
    svg = _svg(html)
    assert svg.get("viewBox") == "0 0 64 48"  # the image's own pixel size
    image = svg.find(f"{SVG}image")
    assert image.get("class") == "snb-detail-image"
    assert base64.b64decode(image.get("href").split(",", 1)[1]) == png_bytes(64, 48)
    shapes = _shapes(svg)
    assert [s.get("data-index") for s in shapes] == ["0", "1", "2", "3"]
    rect = shapes[0]
    assert rect.tag == f"{SVG}rect"
    assert [float(rect.get(k)) for k in ("x", "y", "width", "height")] == [10, 12, 40, 28]
    assert shapes[1].tag == f"{SVG}polygon" and shapes[1].get("points") == "5,5 60,8 30,44"
    assert [float(shapes[2].get(k)) for k in ("x", "y", "width", "height")] == [1, 2, 3, 4]
    assert shapes[3].tag == f"{SVG}polyline" and shapes[3].get("points") == "0,0 9,9"
    assert "2 annotation(s) without drawable geometry" in html


def test_colors_follow_labels_and_the_legend_counts_them():
    palette = LabelPalette()
    html = overlay_html(png_bytes(), ANNOTATIONS, palette=palette)
    shapes = _shapes(_svg(html))
    by_label = {}
    for s in shapes:
        by_label.setdefault(s.get("data-label"), set()).add(s.get("stroke"))
    assert all(len(colors) == 1 for colors in by_label.values())
    assert len({c for colors in by_label.values() for c in colors}) == 3
    assert 'data-label="person"' in html and "person (2)" in html and "vehicle (1)" in html
    # The same palette keeps "person" in its color on the next record.
    again = _shapes(_svg(overlay_html(None, [ANNOTATIONS[0]], palette=palette)))
    assert again[0].get("stroke") == by_label["person"].pop()


def test_labels_are_text_never_markup():
    html = overlay_html(png_bytes(), [{"type": "bbox", "coordinates": [0, 0, 5, 5], "label": XSS},
                                      {"type": "bbox", "coordinates": [0, 0, 5, 5],
                                       "label": '"><script>alert(1)</script>'}])
    assert XSS not in html and "<script>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    svg = _svg(html)  # still parses: no attribute was broken out of
    assert [s.get("data-label") for s in _shapes(svg)] == [XSS, '"><script>alert(1)</script>']


def test_without_image_bytes_the_shapes_still_show_with_a_reason():
    html = overlay_html(None, ANNOTATIONS[:2], note="Could not fetch the image: NotFoundError.")
    svg = _svg(html)
    assert "snb-no-image" in html and len(_shapes(svg)) == 2
    assert svg.get("viewBox") == "0 0 70 54"  # sized to hold the shapes
    assert "Could not fetch the image" in html
    bad = overlay_html(b"not an image", ANNOTATIONS[:1])
    assert "not an image this browser can read" in bad and len(_shapes(_svg(bad))) == 1


def test_shapes_of_reads_json_text_and_counts_the_undrawable():
    shapes, skipped = shapes_of('{"annotations": [{"type": "bbox", "coordinates": [0, 0, 2, 2]},'
                                ' 7, {"type": "keypoint", "points": [[1, 1]]}]}')
    assert [(s.kind, s.label) for s in shapes] == [("bbox", "(no label)"), ("keypoint", "(no label)")]
    assert skipped == 1
    assert shapes_of("not json") == ([], 0)


def test_big_images_are_scaled_down_but_shapes_keep_their_pixel_coordinates():
    import io

    from PIL import Image

    big = png_bytes(3000, 2000, "navy")
    html = overlay_html(big, [{"type": "bbox", "coordinates": [2000, 1500, 2900, 1900],
                               "label": "ship"}])
    svg = _svg(html)
    assert svg.get("viewBox") == "0 0 3000 2000"
    image = svg.find(f"{SVG}image")
    assert (image.get("width"), image.get("height")) == ("3000", "2000")
    embedded = base64.b64decode(image.get("href").split(",", 1)[1])
    with Image.open(io.BytesIO(embedded)) as img:
        assert img.size == (1280, 853)
    assert float(_shapes(svg)[0].get("x")) == 2000
    small = png_bytes(64, 48)
    assert base64.b64decode(_svg(overlay_html(small, [])).find(f"{SVG}image").get("href")
                            .split(",", 1)[1]) == small  # small images go in untouched
