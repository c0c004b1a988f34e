"""What a browser's page should show, computed independently with plain pandas.

A :class:`Mirror` holds the same frame the kernel's browser holds (fetched by the test
through the frame functions) and replays the user's steps with pandas: equality filters,
a stable ``sort_values`` (missing last), case-insensitive substring search over what the
table shows (its columns, as their cells read: names for ids), page slicing. Its :meth:`Mirror.page` is the expected text
of every cell on the page, empty ones included, to compare with what Chromium shows.

Plus the page helpers: :func:`dom_page` reads the drawn table, :func:`expect_page` waits
until the drawn table is the expected one (or fails with the first differing row).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pandas as pd

from synapse_nb.widgets._html import cell_text

__all__ = ["Mirror", "dom_page", "expect_page", "DOM_PAGE_JS"]

SHOWN_CHARS = 60  # a cell shows this many characters (the rest is in its tooltip)

DOM_PAGE_JS = """view => {
    const rows = [...view.querySelectorAll('.snb-table-widget tbody tr.snb-row')];
    return {ids: rows.map(r => r.dataset.id),
            cells: rows.map(r => [...r.querySelectorAll('td.snb-cell')].map(td => td.textContent)),
            info: (view.querySelector('.snb-page-info') || {}).textContent || ''};
}"""


def _shown(value: Any, formatter: Callable[[Any], Any] | None) -> str:
    text = cell_text(formatter(value) if formatter else value, 400)
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS - 1] + "…"


def _is_text(series: pd.Series) -> bool:
    if isinstance(series.dtype, pd.CategoricalDtype):
        return True
    if isinstance(series.dtype, pd.ArrowDtype):
        return "string" in str(series.dtype)
    if pd.api.types.is_string_dtype(series.dtype):
        sample = series.dropna().head(50)
        return not any(isinstance(v, (list, tuple, np.ndarray)) for v in sample)
    return False


@dataclass
class Mirror:
    """The expected state of one browser (see the module docstring)."""

    frame: pd.DataFrame
    columns: list[str]
    formatters: dict[str, Callable[[Any], Any]] = field(default_factory=dict)
    page_size: int = 20
    filters: dict[str, Any] = field(default_factory=dict)
    search: str = ""
    sort: tuple[str, bool] | None = None
    page_index: int = 0

    def rows(self) -> pd.DataFrame:
        df = self.frame
        keep = np.ones(len(df), dtype=bool)
        for column, value in self.filters.items():
            keep &= (df[column] == value).to_numpy(dtype=bool, na_value=False)
        if self.search:
            hit = np.zeros(len(df), dtype=bool)
            needle = self.search.casefold()
            for column in self.columns:
                values = df[column].tolist() if column in df.columns else df.index.tolist()
                fmt = self.formatters.get(column)
                hit |= np.array([needle in cell_text(fmt(v) if fmt else v, 10_000).casefold()
                                 for v in values], dtype=bool)
            keep &= hit
        out = df[keep]
        if self.sort is not None:
            column, ascending = self.sort
            key = out.index.to_series(index=out.index) if column == (df.index.name or "id") else out[column]
            order = key.reset_index(drop=True).sort_values(ascending=ascending, kind="stable",
                                                          na_position="last").index
            out = out.iloc[order.to_numpy()]
        return out

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.rows()) // self.page_size))

    # -- the user's steps, as the browser applies them ------------------------------------

    def set_filter(self, column: str, value: Any) -> None:
        self.filters[column] = value
        self.page_index = 0

    def set_search(self, text: str) -> None:
        self.search = text.strip()
        self.page_index = 0

    def click_header(self, column: str) -> None:
        ascending = not (self.sort is not None and self.sort[0] == column and self.sort[1])
        self.sort = (column, ascending)
        self.page_index = 0

    def turn(self, where: str) -> None:
        last = self.pages - 1
        self.page_index = {"next": min(last, self.page_index + 1), "last": last,
                           "prev": max(0, self.page_index - 1), "first": 0}[where]

    def set_page_size(self, size: int) -> None:
        first = self.page_index * self.page_size
        self.page_size = size
        self.page_index = min(first // size, self.pages - 1)

    # -- expected page --------------------------------------------------------------------

    def page(self) -> dict[str, Any]:
        rows = self.rows()
        start = self.page_index * self.page_size
        page = rows.iloc[start:start + self.page_size]
        cells = []
        for key, record in zip(page.index.tolist(), page.itertuples(index=False)):
            values = dict(zip(page.columns, record))
            cells.append([_shown(key if c not in values else values[c], self.formatters.get(c))
                          for c in self.columns])
        return {"ids": [str(i) for i in page.index.tolist()], "cells": cells,
                "info": f"page {self.page_index + 1} of {self.pages} · {len(rows):,} rows"}


def dom_page(view: Any) -> dict[str, Any]:
    """What Chromium shows in a browser's table: row ids, every cell's text, page info."""
    return view.evaluate(DOM_PAGE_JS)


def expect_page(page: Any, view: Any, mirror: Mirror, step: str, timeout_ms: int = 20_000) -> int:
    """Wait until the drawn page is the mirror's, cell for cell; returns the rows checked."""
    want = mirror.page()
    handle = view.element_handle()
    try:
        page.wait_for_function(
            f"([view, want]) => JSON.stringify(({DOM_PAGE_JS})(view)) === JSON.stringify(want)",
            arg=[handle, want], timeout=timeout_ms)
    except Exception:  # show the first difference, not a timeout
        got = dom_page(view)
        assert got["info"] == want["info"], f"after {step}: page info {got['info']!r} != {want['info']!r}"
        assert got["ids"] == want["ids"], f"after {step}: rows {got['ids'][:8]} != {want['ids'][:8]}"
        for i, (g, w) in enumerate(zip(got["cells"], want["cells"])):
            assert g == w, f"after {step}: row {got['ids'][i]} shows {g}, the frame says {w}"
        raise AssertionError(f"after {step}: {json.dumps(got)[:300]} != {json.dumps(want)[:300]}") from None
    return len(want["ids"])
