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
    match = re.search(r"<svg.*?</svg>", html, re.DOTALL)
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
    # the classification says its class; only the unreadable box is counted as not drawn
    assert 'class="snb-class" data-label="daytime"' in html
    assert "1 annotation(s) without drawable geometry" in html


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


def test_a_label_has_one_colour_in_every_browser_and_kernel(tasks_df):
    import subprocess
    import sys

    from synapse_nb.widgets import RecordBrowser, TaskBrowser

    def strokes(pane: str) -> dict[str, str]:
        return {s.get("data-label"): s.get("stroke") for s in _shapes(_svg(pane))}

    first, second = TaskBrowser(tasks_df), RecordBrowser(tasks_df.iloc[::-1])
    first.look(1)
    second.look(2)  # another browser, labels first seen in another order
    seen = strokes(first.detail_html) | strokes(second.detail_html)
    assert strokes(first.detail_html).items() <= seen.items()
    assert strokes(second.detail_html).items() <= seen.items()
    assert len(set(seen.values())) == len(seen) == 3
    # Another interpreter with another hash seed gives the same colours.
    code = ("from synapse_nb.widgets.overlay import LabelPalette as P; "
            f"print([P().color(x) for x in {sorted(seen)!r}])")
    out = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=60,
                         env={**__import__("os").environ, "PYTHONHASHSEED": "123"})
    assert out.stdout.strip() == str([seen[x] for x in sorted(seen)]), out.stderr[-500:]


def test_project_colours_win_and_boxes_carry_label_confidence_and_a_halo(fake_client):
    from synapse_nb.widgets import TaskBrowser

    b = TaskBrowser(fake_client, project=7)
    assert ("get_project", 7) in fake_client.calls
    b.look(2)  # task 2: a "tree" box (confidence 0.9) and a "person" polygon
    svg = _svg(b.detail_html)
    colours = {s.get("data-label"): s.get("stroke") for s in _shapes(svg)}
    assert colours["person"] == "#ff0000"  # from the project's configuration
    captions = [t.text for t in svg.iter(f"{SVG}text")]
    assert sorted(captions) == ["person", "tree 0.90"]
    halos = [el for el in svg.iter() if el.get("class") == "snb-halo"]
    assert len(halos) == 2 and {h.get("stroke") for h in halos} <= {"#000000", "#ffffff"}
    red_halo = next(h for h in halos if h.tag == f"{SVG}polygon")
    assert red_halo.get("stroke") == "#ffffff"  # white around a red outline


def test_configuration_colours_are_read_from_classes_tools_or_a_mapping():
    from synapse_nb.widgets.overlay import colours_of_configuration

    config = {"tools": [{"classes": [{"code": "car", "color": "#00ff00"}]}],
              "colors": {"tree": "#123456", "bad": "red; x: url(javascript:1)"}}
    assert colours_of_configuration(config) == {"tree": "#123456", "car": "#00ff00"}
    assert colours_of_configuration("not json") == {}
