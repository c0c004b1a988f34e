"""What a browser does with the user's actions, and how it pushes its state to the view.

:class:`BrowserEvents` is the half of :class:`~.browser.RecordBrowser` that reacts: the
public verbs (``set_filter``, ``search``, ``sort_by``, ``go_to``, ``look``, ``check``,
``select``, ``show_selected_only``, ``set_view``) and the dispatch of the frontend's events
to them. Every verb ends in :meth:`BrowserEvents._push`, which writes the view's traits in
one go (traitlets only sends the traits whose value changed).

Example:
    >>> import pandas as pd
    >>> from synapse_nb.widgets import RecordBrowser
    >>> b = RecordBrowser(pd.DataFrame({"a": range(30)}), page_size=10)
    >>> b.go_to(3); b.view.table["info"]
    'page 3 of 3 · 30 rows'
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import pandas as pd

from ._html import record_dict

if TYPE_CHECKING:
    from .detail import DetailRenderer
    from .filters import FilterBar
    from .query import FrameQuery
    from .table import PagedTable
    from .view import BrowserView

__all__ = ["MAX_GALLERY", "BrowserEvents", "BrowserState"]

log = logging.getLogger(__name__)
MAX_GALLERY = 60  # thumbnails drawn per page in the gallery (each may fetch an image)


class BrowserState:
    """What a browser shows, read back as frames and dicts (mixed into ``RecordBrowser``)."""

    query: FrameQuery
    table: PagedTable
    _status: tuple[str, bool]
    _detail: str

    @property
    def frame(self) -> pd.DataFrame:
        """The whole frame being browsed (unfiltered)."""
        return self.query.frame

    @property
    def filtered(self) -> pd.DataFrame:
        """The rows the table shows (matching the filter bar), in the table's order."""
        return self.query.frame.iloc[self.query.positions]

    @property
    def selected(self) -> pd.DataFrame:
        """The selected rows as a frame, in the order they were selected."""
        return self.query.frame.iloc[list(self.table.selection)]

    @property
    def current_record(self) -> dict[str, Any] | None:
        """The record in the detail pane as a dict (JSON text columns decoded), or None."""
        if self.table.current is None:
            return None
        record: dict[str, Any] = record_dict(self.query.frame.iloc[self.table.current])
        return record

    @property
    def detail_html(self) -> str:
        """The detail pane's HTML (what the page shows under the table)."""
        return self._detail

    @property
    def status_text(self) -> str:
        """The status line's message ("" when there is none)."""
        return self._status[0]


class BrowserEvents:
    """Verbs and event dispatch of a browser (mixed into ``RecordBrowser``)."""

    query: FrameQuery
    table: PagedTable
    filter_bar: FilterBar
    view: BrowserView
    renderer: DetailRenderer
    resource: ClassVar[str | None]
    server_filters: dict[str, Any]
    mode: str
    _title: str | None
    _status: tuple[str, bool]
    _detail: str

    # -- verbs --------------------------------------------------------------------------

    def set_filter(self, column: str, value: Any) -> None:
        """Set a filter (``None`` clears it): through the filter bar when it has ``column``
        (so the bar shows it), else directly on the query."""
        if column in self.filter_bar.columns:
            self.filter_bar.set(column, value)
        else:
            self.query.set_filter(column, value)
            self._on_filter_change()

    def search(self, text: str) -> None:
        """Search the text columns (case-insensitive substring; an id finds its row)."""
        self.filter_bar.set_search(text)

    def sort_by(self, column: str | None, ascending: bool = True) -> None:
        self.table.sort_by(column, ascending)
        self._push()

    def go_to(self, page: int) -> None:
        """Show page ``page`` (1-based, like the pager says)."""
        self.table.go_to(page - 1)
        self._push()

    def set_page_size(self, size: int) -> None:
        self.table.set_page_size(size)
        self._push()

    def look(self, record_id: Any) -> None:
        """Show record ``record_id`` in the detail pane (the selection is left alone)."""
        position = self._positions_of([record_id])[0]
        self.table.current = position
        self._push()

    def select(self, ids: Sequence[Any]) -> None:
        """Select exactly these records (by id)."""
        self.table.set_selection(self._positions_of(ids))
        self._push()

    def check(self, ids: Sequence[Any], checked: bool = True) -> None:
        """Add records to (or, with ``checked=False``, remove them from) the selection."""
        positions = self._positions_of(ids)
        self.table._apply(positions, checked)
        self._push()

    def clear_selection(self) -> None:
        self.table.clear_selection()
        self._push()

    def select_matching(self) -> None:
        """Select every row matching the filters and search (all pages), not just a page."""
        self.table._apply([int(p) for p in self.query.positions], True)
        self._push()

    def show_selected_only(self, on: bool = True) -> None:
        """Show only the selected rows that match the filters shown or, with ``on=False``,
        every row matching the filters again."""
        self.query.set_only(self.table.selected_mask() if on else None)
        self.table.refresh()
        self._push()

    def set_view(self, mode: str) -> None:
        """``"table"`` or ``"gallery"`` (thumbnails of the page with their shapes)."""
        if mode not in ("table", "gallery"):
            raise ValueError(f"view is 'table' or 'gallery', got {mode!r}")
        self.mode = mode
        self._push()

    def _positions_of(self, ids: Sequence[Any]) -> list[int]:
        positions = self.query.frame.index.get_indexer(pd.Index(list(ids)))
        if (positions < 0).any():
            missing = [i for i, p in zip(ids, positions) if p < 0]
            raise KeyError(f"no record(s) with id {missing} in this browser")
        return [int(p) for p in positions]

    # -- frontend events ----------------------------------------------------------------

    def _on_event(self, event: dict[str, Any]) -> None:
        """One event from the frontend; errors go to the status line, not the log only."""
        kind = event["event"]
        before = self._status
        try:
            if kind == "focus":
                seq = event.get("seq")
                self.table.focus_slot(int(event["slot"]), None if seq is None else int(seq))
            elif kind == "check":
                self.table.check(int(event["slot"]), bool(event.get("value")),
                                 shift=bool(event.get("shift")))
            elif kind == "check_page":
                self.table.check_page(bool(event.get("value")))
            elif kind == "clear_selection":
                self.table.clear_selection()
            elif kind == "select_matching":
                self.select_matching()
            elif kind == "page":
                self.table.turn(str(event["to"]))
            elif kind == "page_size":
                self.table.set_page_size(int(event["size"]))
            elif kind == "sort":
                self.table.toggle_sort(str(event["key"]))
            elif kind == "filter":
                key = str(event["key"])
                if "index" in event:
                    self.filter_bar.choose(key, int(event["index"]))
                else:
                    self.filter_bar.set(key, str(event.get("text") or ""))
            elif kind == "search":
                self.filter_bar.set_search(str(event.get("text") or ""))
            elif kind == "selected_only":
                self.show_selected_only(bool(event.get("value")))
            elif kind == "view":
                self.set_view(str(event.get("mode")))
            elif kind == "action":
                self._on_action(str(event["key"]), str(event.get("text") or ""))
            elif kind == "edit":
                self._on_edit_event(event)  # type: ignore[attr-defined]
            elif kind == "review":
                self._on_review_event(event)
        except Exception as err:  # shown where the user looks; nothing is lost
            log.debug("browser event %r failed", event, exc_info=True)
            self._set_status(f"{type(err).__name__}: {err}", error=True)
        else:
            if before[1] and self._status is before and kind not in ("focus",):
                self._set_status("")  # an old error does not outlive the next success
        self._push()

    def _on_review_event(self, event: dict[str, Any]) -> None:
        """Review keys; only a :class:`~.review.ReviewQueue` has a queue."""

    def _on_action(self, key: str, text: str) -> None:
        if key == "reload":
            self.reload()  # type: ignore[attr-defined]

    # -- reactions ----------------------------------------------------------------------

    def _on_filter_change(self) -> None:
        # with "show selected only" on, a filter narrows the selection shown (the bar
        # never displays a filter that is not applied)
        self.table.refresh()
        self._push()

    def _on_selection(self) -> None:
        if self.query.only is not None:  # an unticked row leaves "show selected only"
            self.query.set_only(self.table.selected_mask())
            self.table.refresh()
        self._push()

    def _set_status(self, message: str, error: bool = False) -> None:
        self._status = (message, error)
        self.view.status = {"text": message, "error": error}

    def _set_detail(self, html: str) -> None:
        self._detail = html
        self.view.detail = html

    def _title_parts(self) -> tuple[str, str]:
        name = self._title or (self.resource or "records").replace("_", " ").capitalize()
        from .browser import REQUEST_PARAMS

        where = ", ".join(f"{k}={v}" for k, v in self.server_filters.items()
                          if k not in REQUEST_PARAMS)
        q = self.query
        info = f"{q.count:,} of {len(q.frame):,} rows" + (f" ({where})" if where else "")
        if q.only is not None:
            info += " · showing the selection only"
        if self.mode == "gallery" and len(self.table.positions) > MAX_GALLERY:
            info += f" · the gallery shows the first {MAX_GALLERY} rows of the page"
        return name, info

    def _push(self) -> None:
        """Write the whole state to the view (only changed traits travel)."""
        view = self.view
        name, info = self._title_parts()
        with view.hold_sync():
            view.title, view.subtitle = name, info
            view.filters = self.filter_bar.state()
            view.search = self.query.search
            view.table = self.table.payload()
            view.selection = {"count": len(self.table.selection),
                              "only": self.query.only is not None,
                              "matching": int(self.query.count)}
            view.actions = self._action_buttons()  # type: ignore[attr-defined]
            view.mode = self.mode
            view.gallery = self._gallery_cards() if self.mode == "gallery" else []
        if self.table.current is None and not self._detail:
            self._render_detail()  # type: ignore[attr-defined]

    def _gallery_cards(self) -> list[dict[str, Any]]:
        """Thumbnails of the page (the first ``MAX_GALLERY``), each with its shapes."""
        q = self.query
        selected = set(self.table.selection)
        cards = []
        for slot, position in enumerate(self.table.positions[:MAX_GALLERY]):
            row = q.frame.iloc[position]
            html = self.renderer.thumbnail(row, checked=position in selected)
            cards.append({"slot": slot, "id": str(row.name), "html": html})
        return cards
