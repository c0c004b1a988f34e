"""The harness itself: JupyterLab + ipywidgets render and take clicks in this Chromium.

A plain ``ipywidgets.Button`` whose click handler runs in the kernel and updates a
``Label``: if this fails, the problem is the harness (JupyterLab, the widget manager,
Chromium), not the synapse_nb widgets.
"""

from __future__ import annotations

from typing import Any

import pytest

from .chromium import RENDER_TIMEOUT_MS, open_notebook, run_all_cells
from .lab import JupyterLab, write_notebook

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

CELL = """\
import ipywidgets as W
label = W.Label("clicked 0 times")
label.add_class("harness-label")
button = W.Button(description="Click me")
button.add_class("harness-button")
clicks = []
def on_click(_b):
    clicks.append(1)
    label.value = f"clicked {len(clicks)} times"
button.on_click(on_click)
W.VBox([button, label])
"""


def test_widget_renders_and_click_reaches_kernel(jupyter_lab: JupyterLab, lab_page: Any) -> None:
    write_notebook(jupyter_lab.root / "harness.ipynb", [CELL])
    open_notebook(lab_page, jupyter_lab, "harness.ipynb")
    run_all_cells(lab_page)

    button = lab_page.locator(".jp-OutputArea .harness-button")
    button.wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)
    label = lab_page.locator(".jp-OutputArea .harness-label")
    assert label.inner_text().strip() == "clicked 0 times"

    button.click()
    button.click()
    # The text can only change through the kernel's handler (a comm round trip).
    lab_page.wait_for_function(
        "() => document.querySelector('.harness-label')?.textContent.includes('clicked 2 times')",
        timeout=RENDER_TIMEOUT_MS)
    assert lab_page.snb_watch.offsite == []
    assert lab_page.snb_watch.dialogs == []
