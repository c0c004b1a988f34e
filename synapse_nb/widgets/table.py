"""A paged, sortable, clickable table widget over a :class:`~.query.FrameQuery`.

Only the visible page is rendered. The table keeps a fixed pool of ``page_size`` row
widgets and rewrites their text when the page, filter or sort changes, so the number of
widgets never depends on the frame's length (a million-row frame shows the same
``page_size`` rows as a ten-row one) and turning a page creates no widgets.

Each row is an ``HBox`` (class ``snb-row``) of a checkbox (``snb-row-check``: add the row
to the selection) and one flat ``Button`` per column (``snb-cell``): a click anywhere on
the row's cells selects that row alone and makes it the current one. Selected rows get
``snb-row-selected``, the current one ``snb-row-current``, and every row a class
``snb-row-id-<id>`` naming its record; unused slots of a short page are hidden and carry
``snb-row-empty`` instead of ``snb-row``. Header buttons (``snb-header``) sort by their
column; a second click reverses the order.

Example:
    >>> import pandas as pd
    >>> from synapse_nb.widgets.query import FrameQuery
    >>> t = PagedTable(FrameQuery(pd.DataFrame({"a": range(100)}), page_size=5), ["a"])
    >>> len(t.visible_rows), t.page_info.value
    (5, 'page 1 of 20 · 100 rows')
"""

from __future__ import annotations

import re
from typing import Any, Callable, Sequence

import ipywidgets as W
import traitlets

from ._html import cell_text
from .query import FrameQuery

__all__ = ["PagedTable", "PAGE_SIZES"]

PAGE_SIZES = (10, 20, 50, 100)
_CLASS_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def _width(column: str, widths: dict[str, str]) -> str:
    if column in widths:
        return widths[column]
    if column in ("id", "project", "task", "user", "assignee", "priority", "version"):
        return "80px"
    return "130px"


class PagedTable(W.VBox):
    """Header, ``page_size`` clickable rows and a pager (see the module docstring).

    ``current`` is the position (``iloc``) of the row last clicked, ``selection`` the
    positions of the selected rows in the order they were selected.
    """

    current = traitlets.Int(None, allow_none=True)
    selection = traitlets.Tuple()

    def __init__(self, query: FrameQuery, columns: Sequence[str], *,
                 column_widths: dict[str, str] | None = None,
                 formatters: dict[str, Callable[[Any], Any]] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.query = query
        self.columns = list(columns)
        # column -> function of the cell value giving what to show (tag ids -> names)
        self.formatters = dict(formatters or {})
        self._widths = dict(column_widths or {})
        self._updating = False
        self.add_class("snb-table-widget")

        self.header_check = W.Checkbox(value=False, indent=False, tooltip="select this page",
                                       layout=W.Layout(width="28px"))
        self.header_check.add_class("snb-page-check")
        self.header_check.observe(self._on_page_check, "value")
        self.header_buttons = [self._cell_button(c, header=True) for c in self.columns]
        for column, button in zip(self.columns, self.header_buttons):
            button.on_click(lambda _b, column=column: self._on_header(column))
        self.header = W.HBox([self.header_check, *self.header_buttons])
        self.header.add_class("snb-header")

        self.first_button = self._pager_button("«", "first page", "snb-page-first", lambda: 0)
        self.prev_button = self._pager_button("‹", "previous page", "snb-page-prev",
                                              lambda: self.query.page - 1)
        self.next_button = self._pager_button("›", "next page", "snb-page-next",
                                              lambda: self.query.page + 1)
        self.last_button = self._pager_button("»", "last page", "snb-page-last",
                                              lambda: self.query.page_count - 1)
        self.page_info = W.Label()
        self.page_info.add_class("snb-page-info")
        sizes = sorted({*PAGE_SIZES, query.page_size})
        self.page_size_picker = W.Dropdown(options=sizes, value=query.page_size,
                                           layout=W.Layout(width="80px"), tooltip="rows per page")
        self.page_size_picker.observe(self._on_page_size, "value")
        self.pager = W.HBox([self.first_button, self.prev_button, self.page_info,
                             self.next_button, self.last_button, self.page_size_picker])
        self.pager.add_class("snb-pager")

        self.rows: list[W.HBox] = []
        self._row_positions: list[int | None] = []
        self._build_rows()
        self.refresh()

    # -- widgets ------------------------------------------------------------------------

    def _cell_button(self, text: str, header: bool = False) -> W.Button:
        column = text
        button = W.Button(description=text if header else "",
                          layout=W.Layout(width=_width(column, self._widths), margin="0"))
        button.add_class("snb-cell")
        if header:
            button.add_class("snb-header-cell")
        return button

    def _pager_button(self, text: str, tooltip: str, cls: str,
                      target: Callable[[], int]) -> W.Button:
        button = W.Button(description=text, tooltip=tooltip, layout=W.Layout(width="40px"))
        button.add_class(cls)
        button.on_click(lambda _b: self.go_to(target()))
        return button

    def _build_rows(self) -> None:
        for old in self.rows:  # a new page size: the old pool goes, comms and all
            for child in old.children:
                child.close()
            old.close()
        rows = []
        for slot in range(self.query.page_size):
            check = W.Checkbox(value=False, indent=False, layout=W.Layout(width="28px"))
            check.add_class("snb-row-check")
            check.observe(lambda change, slot=slot: self._on_check(slot, change["new"]), "value")
            cells = []
            for column in self.columns:
                cell = W.Button(description="", layout=W.Layout(
                    width=_width(column, self._widths), margin="0"))
                cell.add_class("snb-cell")
                cell.on_click(lambda _b, slot=slot: self.click(slot))
                cells.append(cell)
            row = W.HBox([check, *cells])
            row.add_class("snb-row")
            rows.append(row)
        self.rows = rows
        self._row_positions = [None] * len(rows)
        self.children = [self.header, *rows, self.pager]

    # -- reading ------------------------------------------------------------------------

    @property
    def visible_rows(self) -> list[W.HBox]:
        """The row widgets showing a record on the current page."""
        return [r for r, p in zip(self.rows, self._row_positions) if p is not None]

    def row_texts(self) -> list[list[str]]:
        """The cell texts of the visible rows (what the user reads)."""
        return [[c.description for c in row.children[1:]] for row in self.visible_rows]

    # -- actions ------------------------------------------------------------------------

    def go_to(self, page: int) -> None:
        self.query.set_page(page)
        self.refresh()

    def click(self, slot: int) -> None:
        """What a click on row ``slot`` of the page does: select that row alone."""
        position = self._row_positions[slot] if slot < len(self._row_positions) else None
        if position is None:
            return
        self.current = position
        self.selection = (position,)
        self._paint()

    def set_selection(self, positions: Sequence[int]) -> None:
        self.selection = tuple(dict.fromkeys(int(p) for p in positions))
        self._paint()

    def sort_by(self, column: str | None, ascending: bool = True) -> None:
        self.query.set_sort(column, ascending)
        self.refresh()

    def refresh(self) -> None:
        """Rewrite the rows from the query's current page."""
        q = self.query
        q.set_page(q.page)
        positions = q.page_positions().tolist()
        page = q.frame.iloc[positions]
        values = []
        for column in self.columns:
            if column in page.columns:
                column_values = page[column].tolist()
            else:  # the index (``id``)
                column_values = page.index.tolist()
            formatter = self.formatters.get(column)
            if formatter is not None:
                column_values = [formatter(v) for v in column_values]
            values.append(column_values)
        ids = page.index.tolist()
        self._updating = True
        try:
            for slot, row in enumerate(self.rows):
                if slot < len(positions):
                    self._row_positions[slot] = positions[slot]
                    for col_i, cell in enumerate(row.children[1:]):
                        value = values[col_i][slot]
                        cell.description = cell_text(value, 60)
                        cell.tooltip = cell_text(value, 400)
                    row.layout.display = None
                    kept = tuple(c for c in row._dom_classes if c not in ("snb-row", "snb-row-empty")
                                 and not c.startswith("snb-row-id-"))
                    row._dom_classes = ("snb-row", *kept,
                                        f"snb-row-id-{_CLASS_UNSAFE.sub('_', str(ids[slot]))}")
                else:
                    # An unused slot is hidden and loses ``snb-row``, so that counting
                    # ``.snb-row`` in the page counts the records shown.
                    self._row_positions[slot] = None
                    row.layout.display = "none"
                    row._dom_classes = ("snb-row-empty", *(
                        c for c in row._dom_classes if c not in ("snb-row", "snb-row-empty")
                        and not c.startswith("snb-row-id-")))
        finally:
            self._updating = False
        for column, button in zip(self.columns, self.header_buttons):
            arrow = ""
            if q.sort is not None and q.sort[0] == column:
                arrow = " ▲" if q.sort[1] else " ▼"
            button.description = column + arrow
        self.page_info.value = f"page {q.page + 1} of {q.page_count} · {q.count:,} rows"
        self.prev_button.disabled = self.first_button.disabled = q.page == 0
        self.next_button.disabled = self.last_button.disabled = q.page >= q.page_count - 1
        self._paint()

    def _paint(self) -> None:
        """Selection and current-row classes and checkboxes of the visible rows."""
        selected = set(self.selection)
        self._updating = True
        try:
            all_on_page = True
            for row, position in zip(self.rows, self._row_positions):
                is_sel = position is not None and position in selected
                if position is not None and not is_sel:
                    all_on_page = False
                row.children[0].value = is_sel
                classes = [c for c in row._dom_classes
                           if c not in ("snb-row-selected", "snb-row-current")]
                if is_sel:
                    classes.append("snb-row-selected")
                if position is not None and position == self.current:
                    classes.append("snb-row-current")
                row._dom_classes = tuple(classes)
            self.header_check.value = all_on_page and any(p is not None for p in self._row_positions)
        finally:
            self._updating = False

    # -- events -------------------------------------------------------------------------

    def _on_check(self, slot: int, checked: bool) -> None:
        if self._updating:
            return
        position = self._row_positions[slot]
        if position is None:
            return
        selection = [p for p in self.selection if p != position]
        if checked:
            selection.append(position)
            self.current = position
        self.selection = tuple(selection)
        self._paint()

    def _on_page_check(self, change: dict[str, Any]) -> None:
        if self._updating:
            return
        on_page = [p for p in self._row_positions if p is not None]
        rest = [p for p in self.selection if p not in set(on_page)]
        self.selection = tuple(rest + on_page) if change["new"] else tuple(rest)
        self._paint()

    def _on_header(self, column: str) -> None:
        sort = self.query.sort
        ascending = not (sort is not None and sort[0] == column and sort[1])
        self.sort_by(column, ascending)

    def _on_page_size(self, change: dict[str, Any]) -> None:
        self.query.set_page_size(int(change["new"]))
        self._build_rows()
        self.refresh()
