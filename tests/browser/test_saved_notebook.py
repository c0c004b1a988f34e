"""A saved notebook reopened without the kernel that drew its browser, in JupyterLab + Chromium.

What a reopened notebook can show is decided by JupyterLab, not by the package: an output
whose bundle holds the widget mime type is drawn by ipywidgets' ``WidgetRenderer`` in a
trusted notebook (JupyterLab ranks it first and never falls back to another mime type), and
that renderer writes "Error displaying widget: model not found" when the model is neither
live nor in the notebook's saved widget state. So the test shows the two ways the page of
data does come back, checked row by row against the frame:

* the notebook arrives untrusted (shared, or edited outside this server): JupyterLab picks
  the bundle's ``text/html``, the static table of the page;
* widget state is saved with the notebook (Settings > Widget Manager > Save Widget State
  Automatically), which ``synapse-nb demo`` and Binder turn on through the package's
  JupyterLab overrides (``synapse_nb/lab/overrides.json``): the browser is drawn again from
  its saved traits, with no kernel behind it. That check runs JupyterLab with the demo's own
  ``--LabApp.app_settings_dir``, never setting it through the settings API.

In both, the reopened page is checked row by row against the frame and says no "model not
found". A trusted notebook saved without widget state still shows that error: ipywidgets
8.1's ``WidgetRenderer`` has no fallback to the bundle's other mime types (jupyterlab#1139).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from synapse_nb.cli import _lab_command
from synapse_nb.lab import demo_settings_dir

from .chromium import NAV_TIMEOUT_MS, RENDER_TIMEOUT_MS, new_page, open_notebook, run_all_cells
from .lab import JupyterLab, write_notebook

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

STATUS = ["pending", "completed", "skipped"]
CELL = f"""\
import pandas as pd
from synapse_nb.widgets import RecordBrowser
df = pd.DataFrame({{"status": {STATUS!r} * 4, "score": [i * 7 for i in range(12)]}},
                  index=pd.Index(range(100, 112), name="id"))
RecordBrowser(df, page_size=5)"""
# the first page, as the frame in CELL holds it: id, status, score
EXPECTED = [[str(100 + i), STATUS[i % 3], str(i * 7)] for i in range(5)]
WIDGET_MANAGER = "@jupyter-widgets/jupyterlab-manager:plugin"
ERROR = "model not found"


def api(lab: JupyterLab, method: str, path: str, **kwargs: Any) -> httpx.Response:
    r = httpx.request(method, f"{lab.base_url}{path}", headers={"Authorization": f"token {lab.token}"},
                      timeout=30, trust_env=False, **kwargs)
    r.raise_for_status()
    return r


def run_save_and_stop(lab: JupyterLab, chromium: Any, name: str) -> dict[str, Any]:
    """Run the notebook in a page, save it (Ctrl+S), close the page and stop its kernel;
    returns the notebook as saved."""
    path = write_notebook(lab.root / name, [CELL])
    context, page, _watch = new_page(chromium)
    try:
        open_notebook(page, lab, name)
        run_all_cells(page)
        page.locator(".snb-view .snb-row").first.wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)
        page.keyboard.press("ControlOrMeta+s")
        deadline = time.monotonic() + 30
        while not (saved := json.loads(path.read_text(encoding="utf-8")))["cells"][0]["outputs"]:
            assert time.monotonic() < deadline, "the notebook was not saved with its output"
            time.sleep(0.25)
    finally:
        context.close()
    for session in api(lab, "GET", "/api/sessions").json():
        api(lab, "DELETE", f"/api/sessions/{session['id']}")
    return dict(saved)


def reopen(lab: JupyterLab, chromium: Any, name: str) -> tuple[Any, Any]:
    """Open the notebook in a fresh page: what it shows from the file (the kernel JupyterLab
    starts for it is a new one, which never had the browser's models)."""
    context, page, _watch = new_page(chromium)
    page.goto(lab.url_for(name), wait_until="domcontentloaded", timeout=NAV_TIMEOUT_MS)
    page.locator(".jp-NotebookPanel .jp-OutputArea-output").first.wait_for(state="visible",
                                                                             timeout=NAV_TIMEOUT_MS)
    return context, page


def test_reopened_notebook_shows_the_page(jupyter_lab: JupyterLab, chromium: Any) -> None:
    # 1. default settings: the saved output's bundle carries the static table of the page
    saved = run_save_and_stop(jupyter_lab, chromium, "saved-table.ipynb")
    bundle = saved["cells"][0]["outputs"][0]["data"]
    assert {"application/vnd.jupyter.widget-view+json", "text/html"} <= set(bundle), list(bundle)
    # ... which JupyterLab shows when the notebook is not trusted here (edited elsewhere)
    path = jupyter_lab.root / "saved-table.ipynb"
    saved["metadata"]["shared_by"] = "a colleague"
    path.write_text(json.dumps(saved, indent=1), encoding="utf-8")
    context, page = reopen(jupyter_lab, chromium, path.name)
    try:
        page.locator(".jp-OutputArea-output table tbody tr").first.wait_for(timeout=RENDER_TIMEOUT_MS)
        rows = page.locator(".jp-OutputArea-output table tbody tr").evaluate_all(
            "trs => trs.map(tr => [...tr.querySelectorAll('td')].map(td => td.textContent))")
        assert rows == EXPECTED
        text = page.locator(".jp-NotebookPanel .jp-OutputArea").inner_text()
        assert ERROR not in text and "page 1 of 3, 12 rows" in text, text
    finally:
        context.close()


@pytest.fixture(scope="module")
def demo_lab(tmp_path_factory: pytest.TempPathFactory, chromium_executable: str) -> Iterator[JupyterLab]:
    """JupyterLab started as ``synapse-nb demo`` starts it: the app settings option of the
    demo's own command line (a copy of the install's settings with the package's overrides),
    nothing set through the settings API."""
    workdir = tmp_path_factory.mktemp("demo-lab")
    settings = demo_settings_dir(workdir / "app")
    command = _lab_command("jupyter", argparse.Namespace(host="127.0.0.1", no_browser=True),
                           0, workdir, "unused", settings)
    lab_args = [arg for arg in command if arg.startswith("--LabApp.app_settings_dir=")]
    assert lab_args, command
    lab = JupyterLab.start(root=workdir / "notebooks", workdir=workdir / "lab", args=lab_args)
    try:
        yield lab
    finally:
        lab.stop()


def test_demo_lab_redraws_a_saved_browser_without_its_kernel(demo_lab: JupyterLab,
                                                            chromium: Any) -> None:
    # the user's own setting is untouched: the default comes from the shipped override
    setting = api(demo_lab, "GET", f"/lab/api/settings/{WIDGET_MANAGER}").json()
    assert setting["raw"] in ("", "{}"), setting["raw"]
    assert setting["schema"]["properties"]["saveState"]["default"] is True
    saved = run_save_and_stop(demo_lab, chromium, "saved-state.ipynb")
    assert saved["metadata"].get("widgets"), "no widget state was saved"
    # reopened trusted (saved by this server), with a fresh kernel that never had the models
    context, page = reopen(demo_lab, chromium, "saved-state.ipynb")
    try:
        view = page.locator(".jp-OutputArea .snb-view")
        # the widget view itself (not the static table): only a trusted notebook renders it
        view.locator(".snb-row").first.wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)
        rows = view.locator("tbody tr.snb-row").evaluate_all(
            "trs => trs.map(tr => [tr.dataset.id, ...[...tr.querySelectorAll('td.snb-cell')]"
            ".map(td => td.textContent)])")
        text = page.locator(".jp-NotebookPanel .jp-OutputArea").inner_text()
        assert ERROR not in text, text
        assert "page 1 of 3" in view.locator(".snb-page-info").inner_text()
        assert [[r[0], *r[-2:]] for r in rows] == EXPECTED
    finally:
        context.close()
        for session in api(demo_lab, "GET", "/api/sessions").json():
            api(demo_lab, "DELETE", f"/api/sessions/{session['id']}")
