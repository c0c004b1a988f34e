"""The review queue in JupyterLab + Chromium: the keys move and decide, the counter and rate
say so, the suspect and prediction overlays are drawn where the data puts them, with a
legend that names both roles."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .api import server_list
from .chromium import RENDER_TIMEOUT_MS, new_page, open_notebook, run_all_cells
from .conftest import ENV_BASE_URL, ENV_TOKEN
from .lab import JupyterLab, write_notebook

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

# per task of the queue's first item: label, x1, y1, x2, y2, role
OVERLAYS = [("car", 4.0, 6.0, 40.0, 30.0, "suspect"), ("bus", 10.0, 12.0, 50.0, 44.0, "prediction")]


def counter(position: int, accepted: int = 0, rejected: int = 0, fix: int = 0) -> str:
    decided = accepted + rejected + fix
    return (f"item {position} of 3 · {decided} decided ({accepted} accepted, {rejected} rejected, "
            f"{fix} to fix) · ")


def test_review_queue_keys_counter_and_overlays(served_lab: JupyterLab, demo_server: Any,
                                                chromium: Any) -> None:
    tasks = [t for t, row in sorted(server_list(demo_server, demo_server.access_token, "tasks",
                                                project=1).items())
             if any(isinstance(a.get("coordinates"), list) and len(a["coordinates"]) == 4
                    for a in (row.get("data") or {}).get("annotations", []))][:3]
    assert len(tasks) == 3
    overlays = {k: [tasks[0]] * 2 for k in ("task",)} | {
        name: [o[i] for o in OVERLAYS] for i, name in enumerate(("label", "x1", "y1", "x2", "y2", "role"))}
    cell = f"""\
import os, pandas as pd
from synapse_nb.client import SynapseClient
from synapse_nb.widgets import ReviewQueue
client = SynapseClient(base_url=os.environ["{ENV_BASE_URL}"], access_token=os.environ["{ENV_TOKEN}"])
q = ReviewQueue(client, pd.DataFrame({{"task": {tasks!r}}}), key="task", overlays=pd.DataFrame({overlays!r}))
q"""
    write_notebook(served_lab.root / "review.ipynb", [cell])
    context, page, watch = new_page(chromium)
    try:
        open_notebook(page, served_lab, "review.ipynb")
        run_all_cells(page)
        view = page.locator(".jp-OutputArea .snb-view").first
        count = view.locator(".snb-review-counter")
        count.wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)

        def expect(text: str) -> None:
            """The counter says ``text`` and the table's current row is that item's task
            (the counter is drawn anew on each change: looked up inside the view each time)."""
            task = str(tasks[int(text.split()[1]) - 1])
            page.wait_for_function(
                "([v, t, id]) => (v.querySelector('.snb-review-counter') || {}).textContent?.startsWith(t)"
                " && (v.querySelector('tr.snb-row.snb-row-current') || {}).dataset?.id === id",
                arg=[view.element_handle(), text, task], timeout=RENDER_TIMEOUT_MS)
            assert re.fullmatch(re.escape(text) + r"\d+\.\d items/min", count.inner_text()), count.inner_text()

        assert view.locator("tbody tr.snb-row").evaluate_all("rs => rs.map(r => r.dataset.id)") == [
            str(t) for t in tasks]
        expect(counter(1))
        # the first item's overlays, where the data puts them, and the legend of both roles
        for label, x1, y1, x2, y2, role in OVERLAYS:
            shape = view.locator(f".snb-detail rect.snb-shape[data-role='{role}']")
            shape.first.wait_for(state="attached", timeout=RENDER_TIMEOUT_MS)
            assert shape.count() == 1
            assert shape.get_attribute("data-label") == label
            got = [float(shape.get_attribute(a) or "nan") for a in ("x", "y", "width", "height")]
            assert got == [x1, y1, x2 - x1, y2 - y1]
            assert view.locator(f".snb-legend-role[data-role='{role}']").count() == 1
        view.locator(".snb-review-counter").click()  # the view takes the keys
        for key, want in [("n", counter(2)), ("p", counter(1)), ("a", counter(2, accepted=1)),
                          ("r", counter(3, accepted=1, rejected=1)),
                          ("f", counter(3, accepted=1, rejected=1, fix=1))]:
            page.keyboard.press(key)
            expect(want)
        assert view.locator(".snb-review-decision").inner_text() == "decision: fix"
        view.locator(".snb-edit-canvas").wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)  # f opened the editor
        assert watch.page_errors == []
    finally:
        context.close()
