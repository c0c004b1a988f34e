"""Record content that looks like HTML shows as text in a real browser and runs nothing.

One notebook, four outputs:

0. a canary: an ``ipywidgets.HTML`` holding a raw ``<img src=x onerror=alert('canary')>``.
   It must create an element and fire a dialog: that proves this page *would* show an
   injection, so "no other dialog, no other element" below means something;
1. ``TaskBrowser`` on the second demo tenant's project, whose labels include
   ``<b>line item</b><script>alert(1)</script>``: the label filter offers it as text, and
   after a click the legend names it as text and the shapes carry it verbatim;
2. the HTML fallback (what a frontend without widgets shows) of a ``RecordBrowser`` over a
   frame with ``<img src=x onerror=alert(1)>`` in it: a table cell reads the text;
3. that ``RecordBrowser`` as a widget: its cell and its detail pane's raw JSON read the text.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from .api import server_list
from .chromium import RENDER_TIMEOUT_MS, open_notebook, run_all_cells
from .conftest import ENV_BASE_URL, ENV_OTHER_TOKEN
from .lab import JupyterLab, write_notebook

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

XSS = "<img src=x onerror=alert(1)>"
CANARY_DIALOG = "alert: canary"

CELLS = [
    """\
import ipywidgets as W
W.HTML('<img class="snb-canary" src=x onerror="alert(\\'canary\\')">')""",
    f"""\
import os
from synapse_nb.client import SynapseClient
from synapse_nb.widgets import TaskBrowser
other = SynapseClient(base_url=os.environ["{ENV_BASE_URL}"],
                      access_token=os.environ["{ENV_OTHER_TOKEN}"])
TaskBrowser(other, project=4)""",
    f"""\
import pandas as pd
from IPython.display import display
from synapse_nb.widgets import RecordBrowser
df = pd.DataFrame({{"label": [{XSS!r}, "plain"], "note": ["<script>alert(2)</script>", "x"]}},
                  index=pd.Index([1, 2], name="id"))
records = RecordBrowser(df, title="escaping")
# What a frontend without widgets shows: the HTML fallback alone.
display({{"text/html": records._repr_html_(), "text/plain": repr(records)}}, raw=True)""",
    "records",
]


def text(s: str) -> str:
    """ipywidgets shows spaces in some controls (dropdown options) as no-break spaces."""
    return s.replace("\xa0", " ")


def test_html_in_records_shows_as_text(served_lab: JupyterLab, demo_server: Any,
                                       lab_page: Any) -> None:
    page = lab_page
    tasks = server_list(demo_server, demo_server.other_access_token, "tasks", project=4)
    html_labels = {a["label"] for t in tasks.values() for a in ((t.get("data") or {})
                   .get("annotations") or []) if "<" in a["label"]}
    assert len(html_labels) == 1, "the second demo tenant should have one HTML-looking label"
    html_label = html_labels.pop()

    write_notebook(served_lab.root / "escaping.ipynb", CELLS)
    open_notebook(page, served_lab, "escaping.ipynb")
    run_all_cells(page)
    cells = page.locator(".jp-NotebookPanel .jp-CodeCell")
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    assert errors.count() == 0, errors.first.inner_text()

    # 0. The canary: an injection in this page is visible to the checks below.
    page.locator("img.snb-canary").wait_for(state="attached", timeout=RENDER_TIMEOUT_MS)

    # 1. TaskBrowser on the other tenant: the HTML-looking label as text everywhere.
    tasks_view = cells.nth(1).locator(".snb-browser")
    tasks_view.wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)
    options = [text(t) for t in tasks_view.locator(".snb-filter-label option").all_text_contents()]
    assert html_label in options, options
    target = next(i for i, t in sorted(tasks.items())
                  if any(a["label"] == html_label for a in (t.get("data") or {}).get("annotations") or []))
    row = tasks_view.locator(f".snb-row-id-{target}")
    row.wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)  # on the first page (id order)
    row.locator(".snb-cell").nth(1).click()
    legend = tasks_view.locator(".snb-detail .snb-legend")
    legend.wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)
    item = legend.locator(".snb-legend-item").filter(has_text=html_label)
    assert item.count() == 1, legend.inner_text()
    assert item.get_attribute("data-label") == html_label
    assert legend.locator("b, script").count() == 0
    annotations = (tasks[target].get("data") or {}).get("annotations") or []
    drawn = Counter(tasks_view.locator(".snb-detail .snb-shape").evaluate_all(
        "ss => ss.map(s => s.getAttribute('data-label'))"))
    assert drawn == Counter(a["label"] for a in annotations)
    # (the pane's title is bold on purpose; a <b> made from the label would read "line item")
    assert tasks_view.locator(".snb-detail script").count() == 0
    assert tasks_view.locator(".snb-detail b", has_text="line item").count() == 0

    # 2. The HTML fallback: the cell reads the text; no element was made from it.
    static = cells.nth(2).locator(".snb-browser-static")
    static.wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)
    assert static.locator("td", has_text=XSS).count() == 1, static.inner_text()
    assert static.locator("td", has_text="<script>alert(2)</script>").count() == 1
    assert static.locator("img, script").count() == 0

    # 3. The same frame as a widget: the cell, then the detail pane's raw record.
    records_view = cells.nth(3).locator(".snb-browser")
    records_view.wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)
    records_view.locator(".snb-row-id-1").wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)
    cell = records_view.locator(".snb-row-id-1 .snb-cell").filter(has_text=XSS)
    assert cell.count() == 1, records_view.locator(".snb-row-id-1").inner_text()
    cell.click()
    raw = records_view.locator(".snb-detail .snb-json")
    raw.wait_for(state="attached", timeout=RENDER_TIMEOUT_MS)
    assert XSS in (raw.text_content() or "")
    assert records_view.locator(".snb-detail img, .snb-detail script").count() == 0

    # Only the canary was ever injected and only its dialog fired.
    page.wait_for_timeout(500)  # an injected onerror would have fired by now
    assert page.locator("img[src='x']:not(.snb-canary)").count() == 0
    assert page.locator(".jp-OutputArea script").count() == 0
    assert Counter(page.snb_watch.dialogs) == Counter([CANARY_DIALOG]), page.snb_watch.dialogs
    assert page.snb_watch.offsite == []
