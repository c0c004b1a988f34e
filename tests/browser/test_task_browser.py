"""TaskBrowser in a real JupyterLab, in Chromium, against the reference server.

The notebook connects a ``SynapseClient`` to the demo server and shows
``TaskBrowser(client, project=1)`` (project 1 is "Street object detection", bounding
boxes). What the page shows is checked against what the server says, fetched here
independently with plain httpx: the rows are project-1 tasks and the pager counts them
all; after a click, the detail pane holds that task's image (a real decodable PNG) and one
drawn shape per annotation, with its label, where its coordinates say on the image as
shown, plus a legend of exactly those labels. Two screenshots go to ``docs/screenshots/`` for the README.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import pytest

from .api import server_list
from .chromium import RENDER_TIMEOUT_MS, open_notebook, run_all_cells, screenshot
from .conftest import ENV_BASE_URL, ENV_TOKEN
from .lab import JupyterLab, write_notebook

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

PROJECT = 1  # "Street object detection" in the demo data
PAGE_SIZE = 20  # RecordBrowser's default page size
VISIBLE_ROWS_ARE = ("n => [...document.querySelectorAll('.snb-browser .snb-table-widget .snb-row')]"
                    ".filter(r => r.offsetParent).length === n")

CELLS = [
    f"""\
import os
from synapse_nb.client import SynapseClient
from synapse_nb.widgets import TaskBrowser

# Where the demo server is comes from the environment, so no token is shown here.
client = SynapseClient(base_url=os.environ["{ENV_BASE_URL}"],
                       access_token=os.environ["{ENV_TOKEN}"])""",
    f"""\
browser = TaskBrowser(client, project={PROJECT})
browser""",
]


def annotations_of(task: dict[str, Any]) -> list[dict[str, Any]]:
    data = task.get("data") or {}
    return list(data.get("annotations") or [])


def decoded_image_size(page: Any, locator: Any) -> list[int] | None:
    """Decode the SVG ``<image>``'s href as the browser would; [width, height] or None."""
    return page.evaluate(
        """(href) => new Promise(resolve => {
            const img = new Image();
            img.onload = () => resolve([img.naturalWidth, img.naturalHeight]);
            img.onerror = () => resolve(null);
            img.src = href;
        })""",
        locator.get_attribute("href") or locator.get_attribute("xlink:href") or "")


def user_box(locator: Any) -> list[float]:
    """An SVG element's box in the SVG's own units (``getBBox``: no stroke, no scaling)."""
    return locator.evaluate("e => { const b = e.getBBox(); return [b.x, b.y, b.width, b.height]; }")


def test_task_browser_shows_rows_image_and_boxes(served_lab: JupyterLab, demo_server: Any,
                                                 lab_page: Any, screenshot_dir: Any) -> None:
    page = lab_page
    expected = server_list(demo_server, demo_server.access_token, "tasks", project=PROJECT)
    tags = server_list(demo_server, demo_server.access_token, "task_tags", project=PROJECT)
    # The demo data has one tag whose name looks like HTML, on a few tasks.
    html_tag = next(t for t in tags.values() if "<" in t["name"])
    html_tagged = sorted(i for i, t in expected.items() if html_tag["id"] in (t["tags"] or []))
    assert 0 < len(html_tagged) < PAGE_SIZE
    assert len(expected) > PAGE_SIZE, "the demo project should need more than one page"

    write_notebook(served_lab.root / "task_browser.ipynb", CELLS)
    open_notebook(page, served_lab, "task_browser.ipynb")
    run_all_cells(page)

    browser = page.locator(".jp-OutputArea .snb-browser")
    browser.wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    assert errors.count() == 0, errors.first.inner_text()

    # -- the table: a full first page of project-1 tasks, and a pager that counts them all
    # Table rows only: static tables in the detail pane use ``snb-row`` on their <tr> too.
    rows = browser.locator(".snb-table-widget .snb-row:visible")
    # The row views are created asynchronously: wait for the whole page, not the first row.
    page.wait_for_function(VISIBLE_ROWS_ARE, arg=PAGE_SIZE, timeout=RENDER_TIMEOUT_MS)
    assert rows.count() == PAGE_SIZE
    row_ids = [int(c.split("snb-row-id-", 1)[1].split()[0])
               for c in rows.evaluate_all("rs => rs.map(r => r.className)")]
    assert len(set(row_ids)) == PAGE_SIZE
    assert set(row_ids) <= set(expected), "rows that are not project-1 tasks are shown"
    pages = math.ceil(len(expected) / PAGE_SIZE)
    info = browser.locator(".snb-page-info").inner_text()
    assert f"of {pages}" in info and f"{len(expected):,}" in info, info
    # Each row shows its own record: the id cell reads the id in the row's class.
    for row_id in row_ids[:3]:
        first_cell = browser.locator(f".snb-row-id-{row_id} .snb-cell").first
        assert first_cell.inner_text().strip() == str(row_id)

    # The filter bar starts from the filters the browser was built with, else on "any".
    shown = browser.locator(".snb-filter-bar select").evaluate_all(
        "ss => ss.map(s => s.selectedIndex < 0 ? null : s.options[s.selectedIndex].textContent)")
    assert shown == ["any", str(PROJECT), "any", "any"], shown
    screenshot(page, browser, str(screenshot_dir / "task_browser.png"))

    # -- click a row whose task has several annotations
    target = next((i for i in row_ids if len(annotations_of(expected[i])) >= 2), None)
    assert target is not None, "no task with annotations on the first page of the demo data"
    annotations = annotations_of(expected[target])
    browser.locator(f".snb-row-id-{target} .snb-cell").nth(1).click()

    detail = browser.locator(".snb-detail")
    image = detail.locator(".snb-detail-image")
    image.wait_for(state="attached", timeout=RENDER_TIMEOUT_MS)
    detail.locator(".snb-shape").first.wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)
    assert f"Task {target}" in detail.locator(".snb-detail-title").inner_text()
    assert browser.locator(f".snb-row-id-{target}.snb-row-current").count() == 1
    assert browser.locator(".snb-row-selected").count() == 0  # looking is not selecting

    # The image is the task's file, fetched and embedded: a PNG that really decodes.
    assert detail.locator(".snb-no-image").count() == 0
    assert decoded_image_size(page, image) == [320, 240]
    overlay_box = detail.locator(".snb-overlay").bounding_box()
    image_box = image.bounding_box()
    assert overlay_box and image_box and image_box["width"] > 100 and image_box["height"] > 50

    # One drawn shape per annotation, with its label; each inside the drawn image.
    shapes = detail.locator(".snb-shape")
    assert shapes.count() == len(annotations)
    drawn = Counter(shapes.evaluate_all("ss => ss.map(s => s.getAttribute('data-label'))"))
    assert drawn == Counter(a["label"] for a in annotations)
    assert detail.locator(".snb-shape-bbox").count() == sum(a["type"] == "bbox" for a in annotations)
    # Each box is drawn where its annotation says, in image pixels ([x1, y1, x2, y2], contract
    # section 6): exactly in the SVG's own units (where the image spans 0..320 x 0..240),
    # and on screen, scaled with the image as shown (give or take the stroke).
    assert user_box(image) == [0, 0, 320, 240]
    scale_x, scale_y = image_box["width"] / 320, image_box["height"] / 240
    for i in range(shapes.count()):
        shape = shapes.nth(i)
        annotation = annotations[int(shape.get_attribute("data-index") or -1)]
        assert shape.get_attribute("data-label") == annotation["label"]
        box = shape.bounding_box()
        assert box is not None and box["width"] > 0 and box["height"] > 0
        if annotation["type"] == "bbox":
            x1, y1, x2, y2 = annotation["coordinates"]
            got = user_box(shape)
            assert all(abs(g - w) <= 0.5 for g, w in zip(got, [x1, y1, x2 - x1, y2 - y1])), (
                annotation, got)
            want = (image_box["x"] + x1 * scale_x, image_box["y"] + y1 * scale_y,
                    (x2 - x1) * scale_x, (y2 - y1) * scale_y)
            seen = (box["x"], box["y"], box["width"], box["height"])
            assert all(abs(g - w) <= 4 for g, w in zip(seen, want)), (annotation, seen, want)

    # The legend names exactly the labels drawn.
    legend = detail.locator(".snb-legend")
    assert legend.is_visible()
    legend_labels = legend.locator(".snb-legend-item").evaluate_all(
        "items => items.map(i => i.getAttribute('data-label'))")
    assert sorted(legend_labels) == sorted(drawn)

    screenshot(page, browser, str(screenshot_dir / "task_browser_selected.png"))

    # -- the HTML-looking tag: offered in the tag filter and shown in the rows as text
    tag_select = browser.locator(".snb-filter-tags select")
    option_texts = tag_select.locator("option").all_text_contents()
    # ipywidgets' Dropdown shows spaces as no-break spaces.
    html_options = [t for t in option_texts if html_tag["name"] in t.replace("\xa0", " ")]
    assert len(html_options) == 1, option_texts  # the name, as text, e.g. "<img ...> (4)"
    tag_select.select_option(label=html_options[0])
    page.wait_for_function(VISIBLE_ROWS_ARE, arg=len(html_tagged), timeout=RENDER_TIMEOUT_MS)
    filtered_ids = sorted(int(c.split("snb-row-id-", 1)[1].split()[0]) for c in
                          rows.evaluate_all("rs => rs.map(r => r.className)"))
    assert filtered_ids == html_tagged
    for task_id in html_tagged:
        row = browser.locator(f".snb-row-id-{task_id}")
        assert row.get_by_text(html_tag["name"], exact=True).count() == 1, row.inner_text()

    # Nothing injected, nothing fired, nothing left loopback.
    page.wait_for_timeout(300)  # an injected <img src=x onerror=...> would have fired by now
    assert page.locator("img[src='x']").count() == 0
    assert browser.locator("script").count() == 0
    assert page.snb_watch.dialogs == []
    assert page.snb_watch.offsite == []
