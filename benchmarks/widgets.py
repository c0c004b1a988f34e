"""Benchmark: the browser's table in JupyterLab + Chromium, the old one and the new one side
by side: time from running the display cell to the first page painted, and per page turn.

Workload: a tasks-shaped frame of 1,000 and of 1,000,000 rows (categorical status and
priority, integer project and assignee, Arrow list tags, a timestamp, file names), shown
by ``TaskBrowser(df, page_size=...)`` (default 20 rows a page).

- (a) the old table: ``synapse_nb/widgets`` as of commit ``573c72c`` (read from git into
  a temporary package, nothing copied into the tree): a pool of ``page_size`` ipywidgets
  rows, a ``Button`` per cell (about 700 widget models at 20 rows).
- (b) the new one: one anywidget drawing the page from a compact payload.

"Painted" means: every row of the page is in the DOM with its id cell reading the id
expected for that page (page ``k`` of the unfiltered frame holds ids ``k*size+1`` ...), as
seen by ``requestAnimationFrame`` polling. A display is timed from Shift+Enter on the cell
(the kernel builds the browser, the frontend creates its views); a page turn from a DOM
click on "next" until the whole next page reads right. Contenders are interleaved per repetition
(a, b, a, b, ...), medians are printed with the ratio a/b.

    python benchmarks/widgets.py                       # 1k and 1M rows, 3 reps, 10 turns
    python benchmarks/widgets.py --rows 1000 --reps 2 --turns 5 --page-size 100

Edit mode (``--edit``), against the reference server over loopback: the time from a drag's
end (pointerup in the page) to the box redrawn from the kernel's answer (the edit applied,
journaled and echoed), over ``--drags`` drags; and the time of one Save of ``--tasks``
edited tasks (each fetched again for the version check, then written), from the click to
the page saying the edits are saved.

    python benchmarks/widgets.py --edit --drags 20 --tasks 100
"""

from __future__ import annotations

import argparse
import inspect
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

REPO = Path(__file__).resolve().parents[1]
OLD_COMMIT = "573c72c"  # main before the browser became one anywidget
sys.path.insert(0, str(REPO))

from tests.browser.chromium import launch_chromium, new_page, open_notebook  # noqa: E402
from tests.browser.lab import JupyterLab, write_notebook  # noqa: E402

TIMEOUT_MS = 180_000


def make_frame(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    i = np.arange(rows)
    has = i % 3 != 0
    offsets = np.concatenate([[0], np.cumsum(has)]).astype(np.int32)
    tags = pa.ListArray.from_arrays(pa.array(offsets), pa.array((i % 7)[has], pa.int64()))
    modified = pd.Timestamp("2025-01-01", tz="UTC") + pd.to_timedelta(
        rng.integers(0, 86400 * 365, rows), unit="s")
    return pd.DataFrame({
        "project": rng.integers(1, 5, rows),
        "status": pd.Categorical.from_codes(rng.integers(0, 3, rows),
                                            ["pending", "in_progress", "completed"]),
        "priority": pd.Categorical.from_codes(rng.integers(0, 3, rows), ["low", "normal", "high"]),
        "assignee": rng.integers(1, 50, rows),
        "tags": pd.arrays.ArrowExtensionArray(tags),
        "annotation_count": rng.integers(0, 9, rows),
        "primary_file_name": pd.array([f"img_{k}.png" for k in range(rows)], dtype="string"),
        "modified": modified,
    }, index=pd.Index(np.arange(1, rows + 1), name="id"))


def extract_old_widgets(dest: Path) -> None:
    """``synapse_nb/widgets`` at ``OLD_COMMIT`` as the package ``old_snb_widgets``."""
    package = dest / "old_snb_widgets"
    package.mkdir(parents=True)
    names = subprocess.run(["git", "-C", str(REPO), "ls-tree", "--name-only", OLD_COMMIT,
                            "synapse_nb/widgets/"], check=True, capture_output=True,
                           text=True).stdout.split()
    for name in names:
        text = subprocess.run(["git", "-C", str(REPO), "show", f"{OLD_COMMIT}:{name}"],
                              check=True, capture_output=True, text=True).stdout
        (package / Path(name).name).write_text(text, encoding="utf-8")


# The id cell of every table row in the given output, in order (old rows are ipywidgets
# HBoxes of Buttons, new rows <tr>s; both carry .snb-row and .snb-cell).
ROW_IDS_JS = """(cell) => [...cell.querySelectorAll('.snb-row')]
    .filter(r => r.offsetParent !== null && !r.closest('.snb-detail'))
    .map(r => (r.querySelector('.snb-cell') || {}).textContent?.trim())"""
PAINTED_JS = f"""([cell, want]) => JSON.stringify(({ROW_IDS_JS})(cell)) === JSON.stringify(want)"""


def run_cell(page: Any, index: int) -> None:
    """Select cell ``index`` in command mode and press Shift+Enter."""
    cell = page.locator(".jp-NotebookPanel .jp-CodeCell").nth(index)
    cell.locator(".jp-InputPrompt").click()
    page.keyboard.press("Escape")
    page.keyboard.press("Shift+Enter")


def wait_page(page: Any, index: int, ids: list[str]) -> None:
    cell = page.locator(".jp-NotebookPanel .jp-CodeCell").nth(index).element_handle()
    page.wait_for_function(PAINTED_JS, arg=[cell, ids], polling="raf", timeout=TIMEOUT_MS)


def measure(page: Any, index: int, size: int, turns: int) -> tuple[float, list[float]]:
    """Display time and page-turn times (seconds) for the browser in cell ``index``."""
    first = [str(k) for k in range(1, size + 1)]
    start = time.perf_counter()
    run_cell(page, index)
    wait_page(page, index, first)
    shown = time.perf_counter() - start
    cell = page.locator(".jp-NotebookPanel .jp-CodeCell").nth(index)
    times = []
    for turn in range(1, turns + 1):
        want = [str(k) for k in range(turn * size + 1, (turn + 1) * size + 1)]
        start = time.perf_counter()
        # A DOM click (no Playwright actionability waits): the widget's time, not the driver's.
        cell.evaluate("c => c.querySelector('.snb-page-next').click()")
        wait_page(page, index, want)
        times.append(time.perf_counter() - start)
    return shown, times


def edit_benchmark(drags: int, tasks: int) -> None:
    """Drag end to redraw, and one Save of ``tasks`` edited tasks, in Chromium."""
    from playwright.sync_api import sync_playwright

    from synapse_nb.server import Settings
    from synapse_nb.server.testing import serve_in_thread

    with tempfile.TemporaryDirectory() as tmp_dir, serve_in_thread(Settings(
            db_path=Path(tmp_dir) / "s.db", data_dir=Path(tmp_dir) / "data", demo=True,
            scale=max(400, tasks * 4))) as server:
        tmp = Path(tmp_dir)
        setup = (f"import sys; sys.path[:0] = [{str(REPO)!r}]\n"
                 "from synapse_nb.client import SynapseClient\n"
                 "from synapse_nb.widgets import TaskBrowser\n"
                 f"TaskBrowser.edit_journal_root = {str(tmp / 'journal')!r}\n"
                 f"client = SynapseClient({server.base_url!r}, access_token={server.access_token!r})\n"
                 "b = TaskBrowser(client, project=1)\n"
                 "ids = [int(t) for t in b.frame.index[b.frame['annotation_count'] > 0]]"
                 f"[:{tasks}]\n"
                 "for t in ids:\n"
                 "    b.edit(t); b.apply_edit({'op': 'relabel', 'object': 0, 'label': 'bench'})\n"
                 "b.look(ids[0]); b.edit(ids[0])\n")
        write_notebook(tmp / "notebooks" / "edit.ipynb", [setup, "b"])
        lab = JupyterLab.start(root=tmp / "notebooks", workdir=tmp / "lab")
        try:
            with sync_playwright() as p:
                browser = launch_chromium(p, "/usr/bin/chromium")
                context, page, _watch = new_page(browser)
                context.set_default_timeout(TIMEOUT_MS)
                open_notebook(page, lab, "edit.ipynb")
                run_cell(page, 0)
                run_cell(page, 1)
                svg = page.locator(".snb-edit-canvas")
                svg.wait_for(timeout=TIMEOUT_MS)
                shape = page.locator(".snb-edit-bbox").first
                redraws = []
                for k in range(drags):
                    shape = page.locator(".snb-edit-bbox").first
                    shape.scroll_into_view_if_needed()
                    box = shape.bounding_box()
                    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
                    sent = page.locator(".snb-view").first.get_attribute("data-edit-sent") or ""
                    page.mouse.move(x, y)
                    page.mouse.down()
                    page.mouse.move(x + (6 if k % 2 == 0 else -6), y + 4, steps=3)
                    page.mouse.up()
                    page.wait_for_function(  # drawn again after the edit went out
                        "s => { const r = document.querySelector('.snb-view');"
                        " return r.dataset.editSent !== s"
                        " && Number(r.dataset.editDrawn) > Number(r.dataset.editSent); }",
                        arg=sent, timeout=TIMEOUT_MS)
                    root = page.locator(".snb-view").first
                    redraws.append((float(root.get_attribute("data-edit-drawn"))
                                    - float(root.get_attribute("data-edit-sent"))) / 1000)
                # the Save: the first drag's task plus the other edited tasks, written at once
                save = page.locator(".snb-edit-save")
                save.scroll_into_view_if_needed()
                start = time.perf_counter()
                save.click()
                page.wait_for_function(
                    "() => /Saved \\d+ task/.test(document.querySelector('.snb-status').textContent)",
                    timeout=TIMEOUT_MS)
                saved = time.perf_counter() - start
                status = page.locator(".snb-status").inner_text()
                context.close()
                browser.close()
        finally:
            lab.stop()
    print("\nEdit mode, JupyterLab + Chromium, reference server on loopback")
    print(f"drag end to box redrawn (kernel round trip): median {statistics.median(redraws) * 1000:.0f} ms, "
          f"max {max(redraws) * 1000:.0f} ms over {len(redraws)} drags")
    print(f"save of {tasks} edited tasks (refetch + version check + write each): {saved:.2f} s "
          f"({saved / tasks * 1000:.0f} ms a task) -- page said: {status}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000, 1_000_000])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--page-size", type=int, default=20)
    parser.add_argument("--edit", action="store_true", help="benchmark edit mode instead")
    parser.add_argument("--drags", type=int, default=20)
    parser.add_argument("--tasks", type=int, default=100)
    args = parser.parse_args()
    if args.edit:
        edit_benchmark(args.drags, args.tasks)
        return
    from playwright.sync_api import sync_playwright

    size = args.page_size
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        extract_old_widgets(tmp / "lib")
        setup = (f"import sys; sys.path[:0] = [{str(tmp / 'lib')!r}, {str(REPO)!r}]\n"
                 "import numpy as np, pandas as pd, pyarrow as pa\n"
                 "from old_snb_widgets import TaskBrowser as OldTaskBrowser\n"
                 "from synapse_nb.widgets import TaskBrowser\n"
                 + inspect.getsource(make_frame)
                 + "".join(f"df_{n} = make_frame({n})\n" for n in args.rows))
        cells = [setup]
        for n in args.rows:
            cells += [f"OldTaskBrowser(df_{n}, page_size={size})", f"TaskBrowser(df_{n}, page_size={size})"]
        write_notebook(tmp / "notebooks" / "bench.ipynb", cells)
        lab = JupyterLab.start(root=tmp / "notebooks", workdir=tmp / "lab")
        try:
            with sync_playwright() as p:
                browser = launch_chromium(p, "/usr/bin/chromium")
                context, page, _watch = new_page(browser)
                context.set_default_timeout(TIMEOUT_MS)
                open_notebook(page, lab, "bench.ipynb")
                start = time.perf_counter()
                run_cell(page, 0)
                page.locator(".jp-NotebookPanel .jp-CodeCell").nth(0).locator(
                    ".jp-InputPrompt").filter(has_text="1").wait_for(timeout=TIMEOUT_MS)
                print(f"setup (frames of {args.rows} rows): {time.perf_counter() - start:.1f} s")
                results: dict[tuple[int, str], dict[str, list[float]]] = {}
                for _rep in range(args.reps):
                    for k, n in enumerate(args.rows):
                        for j, name in enumerate(("old", "new")):
                            shown, turns = measure(page, 1 + 2 * k + j, size, args.turns)
                            slot = results.setdefault((n, name), {"display": [], "turn": []})
                            slot["display"].append(shown)
                            slot["turn"].append(statistics.median(turns))
                context.close()
                browser.close()
        finally:
            lab.stop()

    print(f"\nJupyterLab + Chromium, {size} rows a page; medians over {args.reps} reps "
          f"({args.turns} page turns each)")
    print(f"{'rows':>10s} {'measure':>22s} {'(a) old table':>14s} {'(b) new table':>14s} {'a/b':>7s}")
    for n in args.rows:
        for what, label in (("display", "display to first page"), ("turn", "page turn")):
            a = statistics.median(results[(n, "old")][what])
            b = statistics.median(results[(n, "new")][what])
            print(f"{n:>10,} {label:>22s} {a * 1000:11.0f} ms {b * 1000:11.0f} ms {a / b:6.1f}x")


if __name__ == "__main__":
    main()
