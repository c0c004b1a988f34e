"""Edit in place, in a real JupyterLab in Chromium, against the reference server.

A ``TaskBrowser`` opens its editor on a task with several boxes. With the mouse and the
keyboard, as a user would: drag a box, resize another by its corner handle, draw a new
one, relabel one (key 2), delete one and undo that; meanwhile the server's copy of a
second edited task is changed behind the browser's back. Save (the button). Then the task
is read from the server with plain httpx: every object is where the drags put it within
1 image pixel, untouched objects are byte-equal; the second task was not overwritten and
the page shows the conflict. Then an edit, a kernel restart, the same cells again: the
browser offers the journaled edit, restores it, saves it.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import orjson
import pytest

from .api import server_list
from .chromium import RENDER_TIMEOUT_MS, open_notebook, run_all_cells
from .conftest import ENV_BASE_URL, ENV_TOKEN
from .lab import JupyterLab, write_notebook

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

PROJECT = 1


def boxes(task: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for a in (task.get("data") or {}).get("annotations", [])]


def is_box(a: dict[str, Any]) -> bool:
    return isinstance(a.get("coordinates"), list) and len(a["coordinates"]) == 4


def headers(server: Any) -> dict[str, str]:
    return {"Synapse-Access-Token": f"Token {server.access_token}"}


def get_task(server: Any, task: int) -> dict[str, Any]:
    r = httpx.get(f"{server.base_url}/tasks/{task}/", headers=headers(server), timeout=30, trust_env=False)
    r.raise_for_status()
    return dict(r.json())


def cells(task: int, other: int, journal: str) -> list[str]:
    return [f"""\
import os
from synapse_nb.client import SynapseClient
from synapse_nb.widgets import TaskBrowser
client = SynapseClient(base_url=os.environ["{ENV_BASE_URL}"], access_token=os.environ["{ENV_TOKEN}"])
TaskBrowser.edit_journal_root = {journal!r}""",
            f"""\
b = TaskBrowser(client, project={PROJECT}, id__in=[{task}, {other}])
if not b.view.editor.get("restore"):
    b.edit({other}); b.apply_edit({{"op": "delete", "object": 0}})
    b.look({task}); b.edit({task})
else:
    b.look({task})
b"""]


class Canvas:
    """The editor's SVG: image pixels to page pixels (what the mouse needs)."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.svg = page.locator(".snb-edit-canvas")
        self.svg.wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)
        vb = [float(v) for v in self.svg.get_attribute("viewBox").split()]
        self.width, self.height = vb[2], vb[3]

    @property
    def rect(self) -> dict[str, float]:
        """Where the canvas is now (the toolbar and status line above it may reflow)."""
        self.svg.scroll_into_view_if_needed()
        box: dict[str, float] = self.svg.bounding_box()
        return box

    @property
    def scale(self) -> float:
        return self.rect["width"] / self.width  # page px per image px

    def to_page(self, x: float, y: float) -> tuple[float, float]:
        r = self.rect
        s = r["width"] / self.width
        return r["x"] + x * s, r["y"] + y * s

    def version(self) -> int:
        return int(self.page.locator(".snb-view").first.get_attribute("data-editor-version") or 0)

    def drag(self, start: tuple[float, float], end: tuple[float, float]) -> tuple[float, float]:
        """Drag between image points; returns the image delta the page actually saw."""
        sent = self.page.locator(".snb-view").first.get_attribute("data-edit-sent") or ""
        (ax, ay), (bx, by) = self.to_page(*start), self.to_page(*end)
        ax, ay, bx, by = round(ax), round(ay), round(bx), round(by)
        mouse = self.page.mouse
        mouse.move(ax, ay)
        mouse.down()
        mouse.move((ax + bx) / 2, (ay + by) / 2, steps=4)
        mouse.move(bx, by, steps=4)
        mouse.up()
        # redrawn from the kernel's answer: a draw after the edit went out
        self.page.wait_for_function(
            "s => { const r = document.querySelector('.snb-view[data-edit-sent]');"
            " return r && r.dataset.editSent !== s && Number(r.dataset.editDrawn) > Number(r.dataset.editSent); }",
            arg=sent, timeout=RENDER_TIMEOUT_MS)
        return (bx - ax) / self.scale, (by - ay) / self.scale

    def click(self, point: tuple[float, float]) -> None:
        before = self.version()
        x, y = self.to_page(*point)
        self.page.mouse.click(round(x), round(y))
        self.wait_redraw(before)

    def wait_redraw(self, before: int) -> None:
        self.page.wait_for_function(
            "v => Number(document.querySelector('.snb-view[data-editor-version]')"
            ".dataset.editorVersion) > v", arg=before, timeout=RENDER_TIMEOUT_MS)

    def key(self, key: str) -> None:
        before = self.version()
        self.page.keyboard.press(key)
        self.wait_redraw(before)


def centre(box: list[float]) -> tuple[float, float]:
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def free_spot(objects: list[dict[str, Any]], w: float, h: float, size: float) -> list[float]:
    """A square of ``size`` image pixels inside the image that touches no object's box."""
    step = size / 2
    y = 2.0
    while y + size < h:
        x = 2.0
        while x + size < w:
            cand = [x, y, x + size, y + size]
            if all(cand[2] < b[0] - 4 or cand[0] > b[2] + 4 or cand[3] < b[1] - 4 or cand[1] > b[3] + 4
                   for b in (o["coordinates"] for o in objects if is_box(o))):
                return cand
            x += step
        y += step
    raise AssertionError("no free spot on the image to draw a box")


def test_edit_save_conflict_and_restart(served_lab: JupyterLab, demo_server: Any, lab_page: Any,
                                        tmp_path: Any) -> None:
    page = lab_page
    console: list[str] = []
    page.on("console", lambda msg: console.append(f"{msg.type}: {msg.text}"))
    tasks = server_list(demo_server, demo_server.access_token, "tasks", project=PROJECT)
    # Two tasks of our own: known, well separated boxes with extra fields (images are 320x240).
    task, other = sorted(tasks)[-2:]
    data = {"annotations": [
        {"type": "bbox", "coordinates": [x, y, x + 50, y + 40], "label": "zzz-original", "id": f"obj-{i}",
         "confidence": 0.5 + i / 10, "attributes": {"occluded": bool(i % 2), "note": "é \u2713"}}
        for i, (x, y) in enumerate([(20, 20), (120, 20), (220, 20), (20, 130), (120, 130)])],
        "metadata": {"annotator_id": "someone", "extra": [1, 2, 3]}}
    for t in (task, other):
        httpx.put(f"{demo_server.base_url}/tasks/{t}/annotate_task_data/", headers=headers(demo_server),
                  json={"action": "save", "data": data}, timeout=30, trust_env=False).raise_for_status()
    original = get_task(demo_server, task)
    objects = boxes(original)
    project = httpx.get(f"{demo_server.base_url}/projects/{PROJECT}/", headers=headers(demo_server),
                        timeout=30, trust_env=False).json()
    labels = [c if isinstance(c, str) else c["name"]
              for tool in project["configuration"]["tools"] for c in tool["classes"]]

    write_notebook(served_lab.root / "edit_in_place.ipynb", cells(task, other, str(tmp_path / "journal")))
    open_notebook(page, served_lab, "edit_in_place.ipynb")
    run_all_cells(page)
    canvas = Canvas(page)
    assert canvas.page.locator(".snb-edit-bbox").count() == len(objects)

    # 1. drag box 0 by about (+12, +9) image pixels
    b0 = objects[0]["coordinates"]
    dx, dy = canvas.drag(centre(b0), (centre(b0)[0] + 12, centre(b0)[1] + 9))
    assert abs(dx) > 5 and abs(dy) > 5
    # 2. resize box 1: select it, then drag its bottom-right handle out by about (8, 6)
    b1 = objects[1]["coordinates"]
    canvas.click(centre(b1))
    assert page.locator(".snb-edit-handle").count() == 8
    rx, ry = canvas.drag((b1[2], b1[3]), (b1[2] + 8, b1[3] + 6))
    # 3. relabel box 2 with key 2 (the project's second label)
    b2 = objects[2]["coordinates"]
    canvas.click(centre(b2))
    page.locator(".snb-view").first.focus()
    canvas.key("2")
    # 4. delete box 3, then undo that
    b3 = objects[3]["coordinates"]
    canvas.click(centre(b3))
    canvas.key("Delete")
    assert page.locator(".snb-edit-bbox").count() == len(objects) - 1
    canvas.key("Control+z")
    assert page.locator(".snb-edit-bbox").count() == len(objects)
    # 5. draw a new box with the first label, in a free spot
    canvas.key("Escape")
    page.locator(".snb-edit-draw").click()
    spot = free_spot(objects, canvas.width, canvas.height, max(20.0, canvas.width / 12))
    canvas.drag((spot[0], spot[1]), (spot[2], spot[3]))
    assert page.locator(".snb-edit-bbox").count() == len(objects) + 1
    canvas.key("Escape")  # leaves draw mode: a drag moves boxes again

    # Meanwhile someone else changes the other edited task on the server.
    theirs = {"annotations": [{"type": "bbox", "coordinates": [1, 1, 20, 20], "label": labels[0],
                               "note": "theirs"}]}
    httpx.put(f"{demo_server.base_url}/tasks/{other}/annotate_task_data/", headers=headers(demo_server),
              json={"action": "save", "data": theirs}, timeout=30, trust_env=False).raise_for_status()

    before = canvas.version()
    page.locator(".snb-edit-save").click()
    canvas.wait_redraw(before)
    page.locator(f".snb-edit-conflict[data-task='{other}']").wait_for(timeout=RENDER_TIMEOUT_MS)

    after = boxes(get_task(demo_server, task))
    assert len(after) == len(objects) + 1

    def near(got: list[float], want: list[float]) -> None:
        assert all(abs(g - w) <= 1.0 for g, w in zip(got, want)), (got, want)

    near(after[0]["coordinates"], [b0[0] + dx, b0[1] + dy, b0[2] + dx, b0[3] + dy])
    near(after[1]["coordinates"], [b1[0], b1[1], b1[2] + rx, b1[3] + ry])
    assert after[2]["label"] == labels[1]
    assert {k: v for k, v in after[0].items() if k != "coordinates"} == {
        k: v for k, v in objects[0].items() if k != "coordinates"}
    for i in range(3, len(objects)):  # untouched (the delete was undone): byte-equal
        assert orjson.dumps(after[i]) == orjson.dumps(objects[i])
    assert orjson.dumps({k: v for k, v in after[2].items() if k != "label"}) == orjson.dumps(
        {k: v for k, v in objects[2].items() if k != "label"})
    drawn = after[len(objects)]
    assert drawn["label"] == labels[0] and drawn["type"] == "bbox"
    near(drawn["coordinates"], spot)
    # the conflicting task kept the other person's work
    assert boxes(get_task(demo_server, other)) == theirs["annotations"]
    text = page.locator(f".snb-edit-conflict[data-task='{other}']").inner_text()
    assert "changed on the server" in text and "theirs: 1 object" in text

    # A kernel restart between an edit and its save loses nothing.
    page.locator(f".snb-edit-conflict[data-task='{other}'] .snb-conflict-drop").click()
    page.locator(f".snb-edit-conflict[data-task='{other}']").wait_for(state="detached")
    canvas = Canvas(page)
    moved = after[0]["coordinates"]
    mx, my = canvas.drag(centre(moved), (centre(moved)[0] - 10, centre(moved)[1] + 7))
    journaled = list((tmp_path / "journal").rglob("task-*.json"))
    assert len(journaled) == 1 and json.loads(journaled[0].read_text())["task"] == task
    # restart the kernel as a user does (Kernel menu: restart and clear outputs), so the
    # page's widget manager knows (a restart behind its back leaves it on a stale subshell)
    page.locator(".jp-NotebookPanel .jp-Cell .jp-InputPrompt").first.click()
    page.keyboard.press("Escape")
    page.locator("li.lm-MenuBar-item", has_text="Kernel").click()
    page.locator(".lm-Menu-item[data-command='kernelmenu:restart-and-clear']").click()
    page.locator(".jp-Dialog .jp-mod-accept").click()
    page.wait_for_function("() => [...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell"
                           " .jp-InputPrompt')].every(p => !/\\d/.test(p.textContent))",
                           timeout=RENDER_TIMEOUT_MS)
    served_lab.wait_kernel_connected("edit_in_place.ipynb")
    run_all_cells(page)
    page.locator(".snb-edit-restore-yes").wait_for(timeout=RENDER_TIMEOUT_MS)
    page.locator(".snb-edit-restore-yes").click()
    page.locator(".snb-edit-save:not([disabled])").wait_for(timeout=RENDER_TIMEOUT_MS)
    page.locator(".snb-edit-save").click()
    try:
        page.wait_for_function("() => !document.querySelector('.snb-edit-save:not([disabled])')",
                               timeout=RENDER_TIMEOUT_MS)
    except Exception as err:
        raise AssertionError("the save did not go through: " + page.locator(".snb-status").inner_text()
                             + " | " + page.locator(".snb-editor").inner_text() + " | server: "
                             + json.dumps(boxes(get_task(demo_server, task))[0]["coordinates"])
                             + f" | moved {moved} by {mx},{my} | views "
                             + str(page.locator(".snb-view").count()) + " | console " + repr(console[-15:])) from err
    final = boxes(get_task(demo_server, task))
    near(final[0]["coordinates"], [moved[0] + mx, moved[1] + my, moved[2] + mx, moved[3] + my])
    assert final[1:] == after[1:]
    assert list((tmp_path / "journal").rglob("task-*.json")) == []
