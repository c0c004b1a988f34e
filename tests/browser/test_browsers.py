"""Every browser in Chromium: after each step, every cell on the page is the frame's value.

One notebook with the four resource browsers and a ``RecordBrowser`` on an annotations
frame, opened once (one JupyterLab, one page for the module). For each browser, ten steps
as a user takes them: the first page, a filter, sort ascending then descending, next page,
last page, 100 then 500 rows per page, a search; after each, every row id and every cell's
text on the drawn page must equal the frame's value for that row (empty cells included),
as computed independently with pandas (:mod:`.mirror`). Ticking rows then clicking another
row must not change the selection; on tasks, tagging must touch exactly the ticked tasks
on the server, and the rows then show the new tags.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator

import pandas as pd
import pytest

from synapse_nb import frames
from synapse_nb.client import SynapseClient

from .api import member_names, server_list
from .chromium import RENDER_TIMEOUT_MS, new_page, open_notebook, run_all_cells, screenshot
from .conftest import ENV_BASE_URL, ENV_TOKEN
from .lab import JupyterLab, write_notebook
from .mirror import Mirror, expect_page

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

PROJECT = 1
SETUP = f"""\
import os
from synapse_nb.client import SynapseClient
from synapse_nb.frames import annotations_frame
from synapse_nb.widgets import (AssignmentBrowser, GroundTruthBrowser, ModelBrowser,
                                RecordBrowser, TaskBrowser)
client = SynapseClient(base_url=os.environ["{ENV_BASE_URL}"],
                       access_token=os.environ["{ENV_TOKEN}"])"""


@dataclass(frozen=True)
class Case:
    """One browser: its notebook cell, the same frame fetched by the test, its steps."""

    name: str
    cell: str
    frame: Callable[[Any], pd.DataFrame]
    filter_column: str
    sort_column: str
    search: str


CASES = [
    Case("tasks", f"TaskBrowser(client, project={PROJECT})",
         lambda c: frames.tasks_frame(c, project=PROJECT, progress=False),
         "status", "annotation_count", "detection_0000"),
    Case("assignments", f"AssignmentBrowser(client, project={PROJECT})",
         lambda c: frames.assignments_frame(c, project=PROJECT, progress=False),
         "status_review", "user", "complet"),
    Case("ground_truth", "GroundTruthBrowser(client)",
         lambda c: frames.ground_truth_events_frame(c, expand="data", progress=False),
         "category", "annotation_count", "car"),
    Case("models", "ModelBrowser(client)",
         lambda c: frames.models_frame(c, expand="metrics", progress=False),
         "category", "name", "det"),
    Case("annotations", f"RecordBrowser(annotations_frame(client, project={PROJECT}), client=client)",
         lambda c: frames.annotations_frame(c, project=PROJECT, progress=False),
         "label", "area", "poly"),
]


@pytest.fixture(scope="module")
def client(demo_server: Any) -> Iterator[SynapseClient]:
    with SynapseClient(demo_server.base_url, access_token=demo_server.access_token) as c:
        yield c


@pytest.fixture(scope="module")
def notebook(chromium: Any, served_lab: JupyterLab) -> Iterator[Any]:
    """The notebook with the five browsers, run once; the page is shared by the tests."""
    context, page, watch = new_page(chromium)
    page.snb_watch = watch  # type: ignore[attr-defined]
    try:
        write_notebook(served_lab.root / "browsers.ipynb", [SETUP, *(c.cell for c in CASES)])
        open_notebook(page, served_lab, "browsers.ipynb")
        run_all_cells(page)
        errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
        assert errors.count() == 0, errors.first.inner_text()
        yield page
    finally:
        context.close()


def view_of(page: Any, index: int) -> Any:
    view = page.locator(".jp-NotebookPanel .jp-CodeCell").nth(index + 1).locator(".snb-view")
    view.locator(".snb-table-widget .snb-row").first.wait_for(state="visible",
                                                              timeout=RENDER_TIMEOUT_MS)
    return view


USER_COLUMNS = ("user", "reviewer", "assignee", "annotator", "created_by", "updated_by")


def user_name(users: dict[int, str]) -> Callable[[Any], Any]:
    def name(value: Any) -> Any:
        try:
            return users.get(int(value), value)
        except (TypeError, ValueError):  # a missing id, or not an id (annotator names)
            return value
    return name


def mirror_of(view: Any, frame: pd.DataFrame, tag_names: dict[int, str] | None,
              users: dict[int, str]) -> Mirror:
    """The expected browser: the DOM's columns, user ids shown as the server's member
    names, and (tasks) tag ids as tag names."""
    columns = view.locator("th.snb-header-cell").evaluate_all("hs => hs.map(h => h.dataset.key)")
    formatters = {c: user_name(users) for c in columns if c in USER_COLUMNS}
    if tag_names is not None:
        formatters["tags"] = lambda v: [tag_names.get(int(t), str(t)) for t in (v if v is not None else [])]
    return Mirror(frame, columns, formatters)


def walk(page: Any, view: Any, mirror: Mirror, case: Case) -> int:
    """The ten steps; returns how many rows were compared cell by cell."""
    checked = expect_page(page, view, mirror, "the first page")
    value = mirror.frame[case.filter_column].value_counts().index[0]
    view.locator(f".snb-filter-{case.filter_column} select").select_option(label=str(value))
    mirror.set_filter(case.filter_column, value)
    checked += expect_page(page, view, mirror, f"filter {case.filter_column}={value}")
    header = view.locator(f"th.snb-header-cell[data-key='{case.sort_column}']")
    for direction in ("ascending", "descending"):
        header.click()
        mirror.click_header(case.sort_column)
        checked += expect_page(page, view, mirror, f"sort by {case.sort_column} {direction}")
    for where in ("next", "last"):
        view.locator(f".snb-page-{where}").click(force=True)  # disabled on the last page
        mirror.turn(where)
        checked += expect_page(page, view, mirror, f"{where} page")
    for size in (100, 500):
        view.locator("select.snb-page-size").select_option(value=str(size))
        mirror.set_page_size(size)
        checked += expect_page(page, view, mirror, f"{size} rows per page")
    # No "IOPub message rate exceeded" (or any other stderr) in any output.
    stderr = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    assert stderr.count() == 0, stderr.first.inner_text()
    search = view.locator("input.snb-search")
    search.fill(case.search)
    search.press("Enter")
    mirror.set_search(case.search)
    checked += expect_page(page, view, mirror, f"search {case.search!r}")
    search.fill("")
    search.press("Enter")
    mirror.set_search("")
    checked += expect_page(page, view, mirror, "search cleared")
    return checked


def look_without_selecting(view: Any, filtered: str) -> list[str]:
    """Tick rows 1 and 3, then click row 2: the ticked stay the selection."""
    rows = view.locator(".snb-table-widget tbody tr.snb-row")
    if rows.count() < 3:  # a filter left too few: show every row again
        view.locator(f".snb-filter-{filtered} select").select_option(index=0)
        view.locator(".snb-table-widget tbody tr.snb-row").nth(2).wait_for(timeout=RENDER_TIMEOUT_MS)
    rows.nth(0).locator(".snb-row-check input").check()
    rows.nth(2).locator(".snb-row-check input").check()
    view.locator(".snb-selection-info", has_text="2 selected").wait_for(timeout=RENDER_TIMEOUT_MS)
    rows.nth(1).locator(".snb-cell").nth(1).click()
    rows.nth(1).and_(view.locator(".snb-row-current")).wait_for(timeout=RENDER_TIMEOUT_MS)
    view.locator(".snb-detail .snb-json").wait_for(state="attached", timeout=RENDER_TIMEOUT_MS)
    selected = view.locator(".snb-row-selected").evaluate_all("rs => rs.map(r => r.dataset.id)")
    ids = rows.evaluate_all("rs => rs.map(r => r.dataset.id)")
    assert selected == [ids[0], ids[2]], f"looking at row {ids[1]} changed the selection: {selected}"
    assert view.locator(".snb-selection-info").inner_text() == "2 selected"
    return selected


def selection_count(view: Any, n: int) -> None:
    view.locator(".snb-selection-info", has_text=f"{n:,} selected").wait_for(timeout=RENDER_TIMEOUT_MS)


def never_surprised(page: Any, view: Any, mirror: Mirror) -> None:
    """Issue 21's steps, each of which failed before: focus after a mouse tick, a
    shift-click range after a sort, search over what is shown, show-selected-only."""
    rows = view.locator(".snb-table-widget tbody tr.snb-row")
    # A mouse tick leaves the keys working: j moves the focus on, space ticks that row.
    rows.nth(0).locator(".snb-row-check input").check()
    selection_count(view, 1)
    page.keyboard.press("j")
    page.keyboard.press("Space")
    selection_count(view, 2)
    view.locator(".snb-clear-selection").click()
    selection_count(view, 0)
    # Shift-click after a sort ranges from the ticked row, as now shown (not its old slot).
    anchor = int(rows.nth(2).get_attribute("data-id") or 0)
    rows.nth(2).locator(".snb-row-check input").check()
    selection_count(view, 1)
    view.locator("th.snb-header-cell[data-key='id']").click()
    mirror.click_header("id")
    expect_page(page, view, mirror, "sort by id")
    target = int(rows.nth(1).get_attribute("data-id") or 0)
    rows.nth(1).locator(".snb-row-check input").click(modifiers=["Shift"])
    order = [int(i) for i in mirror.rows().index]
    lo, hi = sorted((order.index(anchor), order.index(target)))
    selection_count(view, hi - lo + 1)
    view.locator(".snb-clear-selection").click()
    selection_count(view, 0)
    # Search matches what is shown: the server's address is in every hidden image URL.
    search = view.locator("input.snb-search")
    search.fill("127.0.0.1")
    search.press("Enter")
    mirror.set_search("127.0.0.1")
    assert len(mirror.rows()) == 0
    expect_page(page, view, mirror, "search for text only hidden columns hold")
    search.fill("")
    search.press("Enter")
    mirror.set_search("")
    expect_page(page, view, mirror, "search cleared")
    # Show selected only: an unticked row leaves, the bar's filter applies.
    for k in (0, 1, 2):
        rows.nth(k).locator(".snb-row-check input").check()
    selection_count(view, 3)
    ids = [int(rows.nth(k).get_attribute("data-id") or 0) for k in (0, 1, 2)]
    view.locator(".snb-selected-only input").check()
    page.wait_for_function("v => v.querySelectorAll('.snb-table-widget tbody tr.snb-row').length === 3",
                           arg=view.element_handle(), timeout=RENDER_TIMEOUT_MS)
    rows.nth(1).locator(".snb-row-check input").click()  # the row leaves the view at once
    page.wait_for_function("v => v.querySelectorAll('.snb-table-widget tbody tr.snb-row').length === 2",
                           arg=view.element_handle(), timeout=RENDER_TIMEOUT_MS)
    shown = sorted(int(i) for i in rows.evaluate_all("rs => rs.map(r => r.dataset.id)"))
    assert shown == sorted([ids[0], ids[2]])
    view.locator(".snb-selected-only input").uncheck()
    view.locator(".snb-clear-selection").click()
    selection_count(view, 0)
    view.locator("th.snb-header-cell[data-key='id']").click()  # the other direction
    mirror.click_header("id")
    expect_page(page, view, mirror, "sort by id again")


@pytest.mark.parametrize("case", CASES[1:], ids=[c.name for c in CASES[1:]])
def test_every_cell_right_after_every_step(notebook: Any, client: SynapseClient, case: Case,
                                          demo_server: Any) -> None:
    view = view_of(notebook, CASES.index(case))
    users = member_names(demo_server, demo_server.access_token)
    mirror = mirror_of(view, case.frame(client), None, users)
    assert walk(notebook, view, mirror, case) >= min(len(mirror.frame), 20)
    look_without_selecting(view, case.filter_column)
    if case.name == "annotations":  # the looked-at box on its image, fetched with the client
        detail = view.locator(".snb-detail")
        detail.locator("image.snb-detail-image").wait_for(state="attached", timeout=RENDER_TIMEOUT_MS)
        assert detail.locator(".snb-no-image").count() == 0
        assert detail.locator(".snb-shape").count() == 1
    assert notebook.snb_watch.page_errors == [] and notebook.snb_watch.offsite == []


def test_task_browser_steps_keyboard_gallery_and_tagging(notebook: Any, client: SynapseClient,
                                                         demo_server: Any, screenshot_dir: Any) -> None:
    page, case = notebook, CASES[0]
    token = demo_server.access_token
    tags = server_list(demo_server, token, "task_tags")
    names = {int(i): t["name"] for i, t in tags.items()}
    view = view_of(page, 0)
    mirror = mirror_of(view, case.frame(client), names, member_names(demo_server, token))
    assert mirror.formatters.get("assignee") is not None  # names shown for assignees
    assert walk(page, view, mirror, case) > 100

    # Keyboard: j moves the focus down, space ticks the focused row, k moves up, t tags.
    rows = view.locator(".snb-table-widget tbody tr.snb-row")
    assert rows.count() >= 4
    rows.nth(0).locator(".snb-cell").nth(1).click()
    rows.nth(0).and_(view.locator(".snb-row-current")).wait_for(timeout=RENDER_TIMEOUT_MS)
    page.keyboard.press("j")
    page.keyboard.press("j")
    rows.nth(2).and_(view.locator(".snb-row-current")).wait_for(timeout=RENDER_TIMEOUT_MS)
    page.keyboard.press("Space")
    rows.nth(2).and_(view.locator(".snb-row-selected")).wait_for(timeout=RENDER_TIMEOUT_MS)
    page.keyboard.press("Space")
    view.locator(".snb-selection-info", has_text="0 selected").wait_for(timeout=RENDER_TIMEOUT_MS)
    page.keyboard.press("t")
    assert page.evaluate("() => document.activeElement.classList.contains('snb-tag-input')")
    # Shift-click ticks a range: rows 2 to 4 (the anchor is the last row ticked).
    rows.nth(1).locator(".snb-row-check input").check()
    rows.nth(3).locator(".snb-row-check input").click(modifiers=["Shift"])
    view.locator(".snb-selection-info", has_text="3 selected").wait_for(timeout=RENDER_TIMEOUT_MS)
    assert view.locator(".snb-row-selected").count() == 3
    view.locator(".snb-clear-selection").click()
    view.locator(".snb-selection-info", has_text="0 selected").wait_for(timeout=RENDER_TIMEOUT_MS)
    never_surprised(page, view, mirror)

    selected = [int(i) for i in look_without_selecting(view, case.filter_column)]
    looked = int(view.locator(".snb-row-current").get_attribute("data-id") or 0)
    screenshot(page, view, str(screenshot_dir / "task_browser_selection.png"))

    # Tag the two ticked tasks with a tag neither has: exactly they change on the server.
    before = server_list(demo_server, token, "tasks", project=PROJECT)
    tag_id, tag = next((i, t) for i, t in sorted(tags.items()) if t.get("project") == PROJECT
                       and all(i not in (before[s]["tags"] or []) for s in selected)
                       and "<" not in t["name"])
    view.locator("input.snb-tag-input").fill(tag["name"])
    view.locator(".snb-tag-add").click()
    done = f"Added '{tag['name']}' to 2 selected task(s)."
    view.locator(".snb-status-ok", has_text=done).wait_for(timeout=RENDER_TIMEOUT_MS)
    after = server_list(demo_server, token, "tasks", project=PROJECT)
    changed = sorted(i for i in before if before[i]["tags"] != after[i]["tags"])
    assert changed == sorted(selected), f"tagging changed {changed}, selected {selected}"
    assert all(tag_id in after[i]["tags"] for i in selected) and tag_id not in after[looked]["tags"]
    mirror.frame = case.frame(client)
    expect_page(page, view, mirror, "tagging")

    # Gallery: the page as thumbnails with their shapes; then back, and untag.
    view.locator("select.snb-page-size").select_option(value="20")
    mirror.set_page_size(20)
    expect_page(page, view, mirror, "20 rows per page")
    view.locator(".snb-view-gallery").click()
    cards = view.locator(".snb-gallery .snb-card")
    cards.first.wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)
    assert cards.evaluate_all("cs => cs.map(c => c.dataset.id)") == mirror.page()["ids"]
    assert cards.locator(".snb-shape").count() == int(
        mirror.frame.loc[[int(i) for i in mirror.page()["ids"]], "annotation_count"].sum())
    screenshot(page, view.locator(".snb-gallery"), str(screenshot_dir / "task_browser_gallery.png"))
    view.locator(".snb-view-table").click()
    view.locator(".snb-tag-remove").click()
    view.locator(".snb-status-ok", has_text="Removed").wait_for(timeout=RENDER_TIMEOUT_MS)
    restored = server_list(demo_server, token, "tasks", project=PROJECT)
    assert all(restored[i]["tags"] == before[i]["tags"] for i in before)
    assert page.snb_watch.page_errors == [] and page.snb_watch.offsite == []
    assert page.snb_watch.dialogs == []
