"""Benchmark: turning pages, filtering and sorting in a TaskBrowser over a big frame,
against the straightforward way, side by side.

Workload: a tasks-shaped frame of ``--rows`` rows (default 1,000,000) built in memory
(categorical status and priority, integer project and assignee, Arrow list tags, a
timestamp, file names), filtered to ``status == "completed"`` and sorted by ``modified``
descending, page size 20.

- (a) baseline, what a notebook user writes by hand: on every page turn, filter the
  frame with a boolean mask, ``sort_values`` the result, slice the page and render it
  with ``DataFrame.to_html()``.
- (b) ``TaskBrowser(df)``: the filter mask and the sort order are computed when the
  filter or sort changes (timed separately), then a page turn is one ``iloc`` of 20 rows
  written into the table's fixed pool of 20 row widgets.

Contenders are interleaved per repetition (a, b, a, b, ...) so that noise on this shared
machine hits both; the table shows medians over repetitions (each repetition's figure is
itself the median of ``--turns`` page turns). Widgets are not connected to a frontend
here, so the times are the kernel's side of the work.

    .venv/bin/python benchmarks/widgets.py                    # 1M rows, 3 reps, 20 turns
    .venv/bin/python benchmarks/widgets.py --rows 200000 --reps 3 --turns 10
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa

PAGE = 20


def make_frame(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    tags = pa.array([[int(i % 7)] if i % 3 else [] for i in range(rows)], pa.list_(pa.int64()))
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
        "primary_file_name": pd.array([f"img_{i}.png" for i in range(rows)], dtype="string"),
        "modified": modified,
    }, index=pd.Index(np.arange(1, rows + 1), name="id"))


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def baseline_turns(df: pd.DataFrame, pages: list[int]) -> list[float]:
    def turn(page: int) -> str:
        sub = df[df["status"] == "completed"].sort_values("modified", ascending=False)
        return sub.iloc[page * PAGE:(page + 1) * PAGE].to_html()
    return [timed(lambda p=p: turn(p)) for p in pages]


def browser_run(df: pd.DataFrame, pages: list[int]) -> dict[str, object]:
    from synapse_nb.widgets import TaskBrowser

    out: dict[str, object] = {}
    holder: dict[str, TaskBrowser] = {}
    out["build"] = timed(lambda: holder.setdefault("b", TaskBrowser(df, page_size=PAGE)))
    b = holder["b"]
    out["filter"] = timed(lambda: b.set_filter("status", "completed"))
    out["sort"] = timed(lambda: b.sort_by("modified", ascending=False))
    out["turns"] = [timed(lambda p=p: b.go_to(p + 1)) for p in pages]
    out["rows_rendered"] = len(b.view.table["cells"])
    out["row_widgets"] = 1  # one DOM widget draws the page
    import ipywidgets

    ipywidgets.Widget.close_all()  # drop the widget registry's references between reps
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--turns", type=int, default=20)
    args = parser.parse_args()

    t0 = time.perf_counter()
    df = make_frame(args.rows)
    print(f"frame: {len(df):,} rows, {df.memory_usage(deep=True).sum() / 1e6:.0f} MB, "
          f"built in {time.perf_counter() - t0:.1f} s")
    rng = np.random.default_rng(1)
    n_pages = max(1, int((df["status"] == "completed").sum()) // PAGE)
    base_turn, ours_turn, build, filt, sort = [], [], [], [], []
    rendered = widgets = 0
    for _rep in range(args.reps):
        pages = rng.integers(0, n_pages, args.turns).tolist()
        base_turn.append(statistics.median(baseline_turns(df, pages)))
        run = browser_run(df, pages)
        ours_turn.append(statistics.median(run["turns"]))  # type: ignore[arg-type]
        build.append(run["build"])
        filt.append(run["filter"])
        sort.append(run["sort"])
        rendered, widgets = run["rows_rendered"], run["row_widgets"]

    def ms(values: list) -> str:
        return f"{statistics.median(values) * 1000:9.1f} ms"

    print(f"\nmedians over {args.reps} reps ({args.turns} page turns each), page size {PAGE}")
    print(f"{'':38s}{'median':>12s}")
    print(f"{'(a) baseline page turn (filter+sort+to_html)':38s}{ms(base_turn)}")
    print(f"{'(b) TaskBrowser page turn':38s}{ms(ours_turn)}")
    print(f"{'    ratio a/b':38s}{statistics.median(base_turn) / statistics.median(ours_turn):9.1f} x")
    print(f"{'(b) TaskBrowser build (once)':38s}{ms(build)}")
    print(f"{'(b) filter change (once per change)':38s}{ms(filt)}")
    print(f"{'(b) sort change (once per change)':38s}{ms(sort)}")
    print(f"rows rendered per page: {rendered}; row widgets in the table: {widgets}")

    # Memory the browser adds on top of the frame (Python and numpy allocations, which is
    # where its state lives: the filter mask and the sorted positions), one untimed run.
    import tracemalloc

    from synapse_nb.widgets import TaskBrowser

    tracemalloc.start()
    b = TaskBrowser(df, page_size=PAGE)
    b.set_filter("status", "completed")
    b.sort_by("modified", ascending=False)
    b.go_to(3)
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"browser memory over the frame ({df.memory_usage(deep=True).sum() / 1e6:.0f} MB): "
          f"{current / 1e6:.1f} MB held, {peak / 1e6:.1f} MB peak")


if __name__ == "__main__":
    main()
