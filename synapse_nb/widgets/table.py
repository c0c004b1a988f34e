"""The table's model: which page is shown, which row is looked at, which rows are selected.

No widget here: :class:`PagedTable` turns a :class:`~.query.FrameQuery` page into a compact
payload (cell texts only, one list per row) that the browser's single DOM widget draws
(:mod:`.view`), and takes the events that widget sends back. The payload is rebuilt whole
on every change, so every cell the page shows is the current value, an empty one included.

Looking and selecting are apart: ``focus`` is the row looked at (a click on a row or the
arrow keys; its record goes to the detail pane), ``selection`` the ticked rows (checkboxes,
shift-click ranges, the page checkbox). Looking never changes the selection, and the
selection survives filtering, sorting and paging (it holds row positions of the frame).

Example:
    >>> import pandas as pd
    >>> from synapse_nb.widgets.query import FrameQuery
    >>> t = PagedTable(FrameQuery(pd.DataFrame({"a": range(100)}), page_size=5), ["id", "a"])
    >>> t.row_texts()[:2], t.page_info
    ([['0', '0'], ['1', '1']], 'page 1 of 20 · 100 rows')
    >>> t.focus_slot(1); t.check(3, True); t.selection, t.current
    ((3,), 1)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import traitlets

from ._html import cell_text
from .query import FrameQuery

__all__ = ["MAX_CELL_CHARS", "PAGE_SIZES", "PagedTable", "column_width"]

PAGE_SIZES = (10, 20, 50, 100, 500)
MAX_CELL_CHARS = 60  # shown in a cell; the full text (to 400 chars) goes in its tooltip
MAX_TIP_CHARS = 400


def column_width(column: str) -> int:
    """Pixel width of a column in the table (ids narrow, the rest wider)."""
    if column in ("id", "project", "task", "priority", "version", "index", "source_id"):
        return 70
    return 130


class PagedTable(traitlets.HasTraits):
    """Page, focus and selection over a query (see the module docstring).

    ``current`` is the frame position (``iloc``) of the focused row, ``selection`` the
    positions of the selected rows in the order they were selected.
    """

    current = traitlets.Int(None, allow_none=True)
    selection = traitlets.Tuple()

    def __init__(self, query: FrameQuery, columns: Sequence[str], *,
                 formatters: dict[str, Callable[[Any], Any]] | None = None) -> None:
        super().__init__()
        self.query = query
        self.columns = list(columns)
        # column -> function of the cell value giving what to show (tag ids -> names)
        self.formatters = dict(formatters or {})
        # the last ticked row (its frame position, not its slot: a sort or a page turn
        # moves slots), where a shift-click range starts
        self._anchor: int | None = None
        self.focus_seq = 0  # the frontend's count of its focus moves, echoed back
        self._positions: list[int] = []
        self._cells: list[list[str]] = []
        self._tips: list[list[str]] = []
        self.refresh()

    # -- reading ------------------------------------------------------------------------

    @property
    def positions(self) -> list[int]:
        """Frame positions of the rows on the current page, top to bottom."""
        return list(self._positions)

    def row_texts(self) -> list[list[str]]:
        """The cell texts of the page's rows, as the page shows them."""
        return [list(r) for r in self._cells]

    @property
    def page_info(self) -> str:
        q = self.query
        return f"page {q.page + 1} of {q.page_count} · {q.count:,} rows"

    def payload(self) -> dict[str, Any]:
        """What the DOM widget draws: header, rows (texts only) and pager, in one dict."""
        q = self.query
        selected = set(self.selection)
        ids = [str(i) for i in q.frame.index[self._positions].tolist()] if self._positions else []
        focus = self._positions.index(self.current) if self.current in self._positions else -1
        return {
            "columns": [{"key": c, "title": c.replace("_", " "), "width": column_width(c)}
                        for c in self.columns],
            "sort": None if q.sort is None else [q.sort[0], q.sort[1]],
            "ids": ids, "cells": self._cells, "tips": self._tips,
            "checked": [p in selected for p in self._positions], "focus": focus,
            "focus_seq": self.focus_seq,
            "page": q.page, "pages": q.page_count, "count": q.count, "total": len(q.frame),
            "size": q.page_size, "sizes": sorted({*PAGE_SIZES, q.page_size}),
            "info": self.page_info,
        }

    # -- paging and sorting -------------------------------------------------------------

    def go_to(self, page: int) -> None:
        """Show page ``page`` (0-based, clamped)."""
        self.query.set_page(page)
        self.refresh()

    def turn(self, where: str) -> None:
        """``first``, ``prev``, ``next`` or ``last``, as the pager's buttons."""
        q = self.query
        targets = {"first": 0, "prev": q.page - 1, "next": q.page + 1, "last": q.page_count - 1}
        if where not in targets:
            raise ValueError(f"turn to one of {list(targets)}, got {where!r}")
        self.go_to(targets[where])

    def sort_by(self, column: str | None, ascending: bool = True) -> None:
        self.query.set_sort(column, ascending)
        self.refresh()

    def toggle_sort(self, column: str) -> None:
        """A header click: ascending first, a second click reverses."""
        sort = self.query.sort
        self.sort_by(column, not (sort is not None and sort[0] == column and sort[1]))

    def set_page_size(self, size: int) -> None:
        self.query.set_page_size(int(size))
        self.refresh()

    def refresh(self) -> None:
        """Recompute the page's texts from the query (after any change to it)."""
        q = self.query
        q.set_page(q.page)
        self._positions = [int(p) for p in q.page_positions()]
        page = q.frame.iloc[self._positions]
        columns: list[list[Any]] = []
        for column in self.columns:
            values = page[column].tolist() if column in page.columns else page.index.tolist()
            formatter = self.formatters.get(column)
            if formatter is not None:
                values = [formatter(v) for v in values]
            columns.append(values)
        self._cells, self._tips = [], []
        for row in zip(*columns) if columns else ():
            texts = [cell_text(v, MAX_TIP_CHARS) for v in row]
            self._cells.append([t if len(t) <= MAX_CELL_CHARS else t[:MAX_CELL_CHARS - 1] + "…"
                                for t in texts])
            self._tips.append([t if len(t) > MAX_CELL_CHARS else "" for t in texts])
        if len(self._cells) < len(self._positions):  # no columns at all
            self._cells = [[] for _ in self._positions]
            self._tips = [[] for _ in self._positions]

    # -- looking ------------------------------------------------------------------------

    def focus_slot(self, slot: int, seq: int | None = None) -> None:
        """Look at row ``slot`` of the page (a click, or the arrow keys): the selection
        is left as it is. ``seq`` numbers the frontend's moves, so that it can tell the
        echo of an older move from the current one."""
        if seq is not None:
            self.focus_seq = max(self.focus_seq, int(seq))
        if 0 <= slot < len(self._positions):
            self.current = self._positions[slot]

    def click(self, slot: int) -> None:
        """What a click on row ``slot`` does: look at it (same as :meth:`focus_slot`)."""
        self.focus_slot(slot)

    # -- selecting ----------------------------------------------------------------------

    def check(self, slot: int, checked: bool, *, shift: bool = False) -> None:
        """Tick or untick row ``slot``; with ``shift``, every row between the last ticked
        one and this one, in the order shown (filters and sort applied, across pages).
        When the last ticked row is not shown any more, only this row changes."""
        if not 0 <= slot < len(self._positions):
            return
        row = self._positions[slot]
        rows = [row]
        if shift and self._anchor is not None:
            shown = [int(p) for p in self.query.positions]
            where = {p: i for i, p in enumerate(shown)}
            if self._anchor in where and row in where:
                lo, hi = sorted((where[self._anchor], where[row]))
                rows = shown[lo:hi + 1]
        self._anchor = row
        self._apply(rows, checked)

    def check_page(self, checked: bool) -> None:
        """Tick (or untick) every row of the page."""
        self._apply(self._positions, checked)

    def _apply(self, positions: Sequence[int], checked: bool) -> None:
        drop = set(positions)
        kept = [p for p in self.selection if p not in drop]
        self.selection = tuple(kept + list(positions)) if checked else tuple(kept)

    def set_selection(self, positions: Sequence[int]) -> None:
        """Replace the selection (frame positions)."""
        self.selection = tuple(dict.fromkeys(int(p) for p in positions))

    def clear_selection(self) -> None:
        self.selection = ()

    def selected_mask(self) -> np.ndarray:
        """A boolean mask over the frame: True on the selected rows."""
        mask = np.zeros(len(self.query.frame), dtype=bool)
        mask[list(self.selection)] = True
        return mask
