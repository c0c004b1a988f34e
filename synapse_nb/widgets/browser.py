"""``RecordBrowser``: filter bar, paged table, detail pane and actions over one frame.

The resource browsers (``TaskBrowser`` and friends, in :mod:`.resources`) are this class
with a resource name, default columns and filters; ``RecordBrowser`` alone browses any
DataFrame.

Built from a frame (``RecordBrowser(df)``) or from a client plus server-side filters
(``TaskBrowser(client, project=1)`` loads ``tasks_frame(client, project=1)``); a frame
plus ``client=`` gets images, assignments and tagging from the client. Keyword filters
given with a frame set the filter bar instead.

Example:
    >>> import pandas as pd
    >>> df = pd.DataFrame({"status": ["pending", "completed"] * 50},
    ...                   index=pd.Index(range(100), name="id"))
    >>> b = RecordBrowser(df, page_size=10)
    >>> b.set_filter("status", "completed"); b.table.page_info.value
    'page 1 of 5 · 50 rows'
    >>> b.table.click(0); b.selected.index.tolist()
    [1]
"""

from __future__ import annotations

from typing import Any, ClassVar, Sequence

import ipywidgets as W
import pandas as pd

from ._html import STYLE, esc, html_table, json_details, record_dict
from .detail import DetailRenderer
from .filters import FilterBar
from .query import FrameQuery
from .table import PagedTable

__all__ = ["RecordBrowser"]

MAX_DEFAULT_COLUMNS = 7


def _default_columns(frame: pd.DataFrame) -> list[str]:
    """The index plus the first few short columns (JSON blobs and URLs are for the pane)."""
    skip = {"data", "meta", "files", "extra", "configuration", "metrics", "primary_file_url"}
    cols = [c for c in frame.columns if c not in skip]
    return [frame.index.name or "id", *cols][:MAX_DEFAULT_COLUMNS]


class RecordBrowser(W.VBox):
    """Browse a frame: filter, search, sort, page, select, inspect (see module docstring).

    Arguments: a frame or a client (first argument, or ``frame=`` / ``client=``);
    ``columns`` shown in the table (default: the resource's usual ones); ``filter_columns``
    for the filter bar (default: the resource's; ``"label"`` filters on annotation labels);
    ``page_size``; ``search_columns`` (default: every text column); ``link_template`` for
    the record link, formatted with the record's fields (``"https://app/tasks/{id}"``;
    default: the record's API URL); ``fetch_image(url) -> bytes`` (default:
    ``client.get_bytes``); ``assignments``, a frame of them for a task browser without a
    client; ``title``; any other keyword is a server-side filter of the frame function
    (with a frame in memory: an initial filter-bar value).

    ``browser.selected`` is the selected rows as a frame; ``browser.current_record`` the
    record shown in the detail pane, as a dict; ``browser.filtered`` the matching rows.
    """

    resource: ClassVar[str | None] = None
    record_path: ClassVar[str | None] = None
    default_columns: ClassVar[tuple[str, ...]] = ()
    filter_specs: ClassVar[tuple[tuple[str, str], ...]] = ()
    default_server_filters: ClassVar[dict[str, Any]] = {}

    def __init__(self, source: Any = None, /, *, client: Any = None,
                 frame: pd.DataFrame | None = None, columns: Sequence[str] | None = None,
                 filter_columns: Sequence[str] | None = None, page_size: int = 20,
                 search_columns: Sequence[str] | None = None, link_template: str | None = None,
                 fetch_image: Any = None, assignments: pd.DataFrame | None = None,
                 title: str | None = None, **server_filters: Any) -> None:
        super().__init__()
        if isinstance(source, pd.DataFrame):
            if frame is not None:
                raise TypeError("pass the frame once: RecordBrowser(df) or RecordBrowser(frame=df)")
            frame = source
        elif source is not None:
            if client is not None:
                raise TypeError("pass the client once: TaskBrowser(client) or TaskBrowser(client=client)")
            client = source
        self.client = client
        self.server_filters = {**self.default_server_filters, **server_filters}
        initial: dict[str, Any] = {}
        self._from_client = frame is None  # only then does Reload know what to fetch
        if frame is None:
            if client is None:
                raise TypeError(f"{type(self).__name__} needs a frame or a client, e.g. "
                                f"{type(self).__name__}(client, project=1) or {type(self).__name__}(df)")
            frame = self._load()
        else:
            initial, self.server_filters = dict(server_filters), {}
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"expected a pandas DataFrame, got {type(frame).__name__}")

        self.query = FrameQuery(frame, page_size=page_size, search_columns=search_columns)
        available = {*frame.columns, frame.index.name or "id"}
        wanted = list(columns) if columns is not None else (
            [c for c in self.default_columns if c in available] or _default_columns(frame))
        missing = [c for c in wanted if c not in available]
        if missing:
            raise KeyError(f"no column(s) {missing} in the frame; columns are {list(frame.columns)}")
        specs = ([(c, c.replace("_", " ")) for c in filter_columns] if filter_columns is not None
                 else list(self.filter_specs) or self._guess_filters(frame))
        unknown = [k for k in initial if k not in {c for c, _t in specs}]
        if unknown:
            raise TypeError(f"unknown filter(s) {unknown} for a frame; filter on one of "
                            f"{[c for c, _t in specs]}, or filter the frame with pandas first")

        self.renderer = DetailRenderer(client, fetch_image=fetch_image, link_template=link_template,
                                       record_path=self.record_path, assignments=assignments)
        self.style_html = W.HTML(STYLE)
        self.title_html = W.HTML()
        self.title_html.add_class("snb-title")
        self._title = title
        self.filter_bar = FilterBar(self.query, specs, names=self._value_names())
        self.table = PagedTable(self.query, wanted, formatters=self._formatters())
        self.selection_label = W.Label()
        self.selection_label.add_class("snb-selection-info")
        self.reload_button = W.Button(description="Reload", icon="refresh",
                                      disabled=not self._from_client,
                                      layout=W.Layout(width="90px"))
        self.reload_button.on_click(lambda _b: self.reload())
        self.actions = W.HBox([self.selection_label, *self._action_widgets(), self.reload_button])
        self.actions.add_class("snb-actions")
        self.status = W.HTML()
        self.status.add_class("snb-status")
        self.detail = W.HTML()
        self.detail.add_class("snb-detail")

        self.filter_bar.on_change(self._on_filter_change)
        self.filter_bar.on_error(lambda err: self._set_status(f"Filter not applied: {err}", error=True))
        self.table.observe(self._on_current, "current")
        self.table.observe(self._on_selection, "selection")
        self.children = [self.style_html, self.title_html, self.filter_bar, self.table,
                         self.actions, self.status, self.detail]
        self.add_class("snb-browser")
        for column, value in initial.items():
            self.set_filter(column, value)
        self._update_labels()

    # -- loading ------------------------------------------------------------------------

    def _load(self, progress: bool | None = None) -> pd.DataFrame:
        if self.resource is None:
            raise TypeError("RecordBrowser browses a frame: pass one, or use TaskBrowser, "
                            "AssignmentBrowser, GroundTruthBrowser or ModelBrowser with a client")
        from synapse_nb import frames
        from synapse_nb.frames.fetch import is_async_client

        if is_async_client(self.client):
            raise TypeError(f"{type(self).__name__} needs the sync client (SynapseClient); "
                            "widgets call it from their click handlers")
        function = getattr(frames, f"{self.resource}_frame")
        return function(self.client, progress=progress, **self.server_filters)

    def reload(self) -> None:
        """Fetch the frame again with the same server filters; keeps the bar's filters."""
        if not self._from_client:
            raise TypeError("this browser shows a frame that was passed in; build it from a "
                            f"client to reload, e.g. {type(self).__name__}(client, project=1)")
        ids = self.selected.index.tolist()
        try:
            frame = self._load(progress=False)  # a click handler has no cell to draw a bar in
        except Exception as err:  # keep showing what we had
            self._set_status(f"Reload failed: {type(err).__name__}: {err}", error=True)
            return
        self._replace_frame(frame, keep_ids=ids)
        self._set_status(f"Reloaded {len(frame):,} rows.")

    def _replace_frame(self, frame: pd.DataFrame, keep_ids: Sequence[Any] = ()) -> None:
        current_id = None if self.table.current is None else self.query.frame.index[self.table.current]
        page, sort = self.query.page, self.query.sort
        self.query.set_frame(frame)
        self.query.sort = sort
        self.filter_bar.rebuild()
        index = frame.index
        positions = [int(p) for p in index.get_indexer(list(keep_ids)) if p >= 0]
        self.table.set_selection(positions)
        self.query.set_page(page)
        self.table.current = None if current_id is None or current_id not in index else int(
            index.get_indexer([current_id])[0])
        self.table.refresh()
        self._update_labels()
        self._render_detail()

    @staticmethod
    def _guess_filters(frame: pd.DataFrame) -> list[tuple[str, str]]:
        """For any frame: its categorical columns and ``project``."""
        specs = [(c, str(c).replace("_", " ")) for c in frame.columns
                 if isinstance(frame[c].dtype, pd.CategoricalDtype)
                 or pd.api.types.is_bool_dtype(frame[c].dtype)
                 or any(w in str(c) for w in ("status", "category"))]
        if "project" in frame.columns:
            specs.insert(0, ("project", "project"))
        return specs[:6]

    def _action_widgets(self) -> list[W.Widget]:
        return []

    def _value_names(self) -> dict[str, dict[Any, str]]:
        """column -> {value: text} for the filter dropdowns (tag ids -> tag names)."""
        return {}

    def _formatters(self) -> dict[str, Any]:
        """column -> function of a cell value giving the text the table shows."""
        return {}

    # -- the public surface -------------------------------------------------------------

    @property
    def frame(self) -> pd.DataFrame:
        """The whole frame being browsed (unfiltered)."""
        return self.query.frame

    @property
    def filtered(self) -> pd.DataFrame:
        """The rows matching the filter bar, in the table's order."""
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
        return record_dict(self.query.frame.iloc[self.table.current])

    def set_filter(self, column: str, value: Any) -> None:
        """Set a filter (``None`` clears it): through the bar's control when the bar has
        one for ``column`` (so the control shows it), else directly on the query."""
        if column in self.filter_bar.controls:
            self.filter_bar.set(column, value)
        else:
            self.query.set_filter(column, value)
            self._on_filter_change()

    def search(self, text: str) -> None:
        self.filter_bar.search.value = text

    def sort_by(self, column: str | None, ascending: bool = True) -> None:
        self.table.sort_by(column, ascending)

    def go_to(self, page: int) -> None:
        """Show page ``page`` (1-based, like the pager says)."""
        self.table.go_to(page - 1)

    def select(self, ids: Sequence[Any]) -> None:
        """Select records by id (the last one becomes the current one)."""
        positions = self.query.frame.index.get_indexer(list(ids))
        if (positions < 0).any():
            missing = [i for i, p in zip(ids, positions) if p < 0]
            raise KeyError(f"no record(s) with id {missing} in this browser")
        self.table.set_selection(positions.tolist())
        self.table.current = int(positions[-1]) if len(positions) else None

    # -- events -------------------------------------------------------------------------

    def _on_filter_change(self) -> None:
        self.table.refresh()
        self._update_labels()

    def _on_current(self, _change: Any) -> None:
        self._render_detail()

    def _on_selection(self, _change: Any) -> None:
        self._update_labels()

    def _render_detail(self) -> None:
        if self.table.current is None:
            self.detail.value = '<div class="snb-note">Click a row to see the record.</div>'
            return
        row = self.query.frame.iloc[self.table.current]
        try:
            self.detail.value = self.renderer.render(row, kind=self.resource, frame=self.query.frame)
        except Exception as err:  # an odd record must not leave a stale pane behind
            self.detail.value = (f'<div class="snb-note snb-status-error">Could not show record '
                                 f"{esc(row.name)}: {esc(type(err).__name__)}: {esc(err)}</div>"
                                 + json_details(record_dict(row), open_=True))

    def _update_labels(self) -> None:
        name = self._title or (self.resource or "records").replace("_", " ").capitalize()
        where = ", ".join(f"{k}={v}" for k, v in self.server_filters.items())
        self.title_html.value = (f"<b>{esc(name)}</b> · {self.query.count:,} of "
                                 f"{len(self.query.frame):,} rows"
                                 + (f" <small>({esc(where)})</small>" if where else ""))
        self.selection_label.value = f"{len(self.table.selection)} selected"
        if self.table.current is None and not self.detail.value:
            self._render_detail()

    def _set_status(self, message: str, error: bool = False) -> None:
        cls = "snb-status-error" if error else "snb-status-ok"
        color = "#b00020" if error else "#2e7d32"
        self.status.value = f'<span class="{cls}" style="color:{color}">{esc(message)}</span>'

    def close(self) -> None:
        """Close the browser and every widget in it (frees them in the kernel and the page)."""
        stack: list[W.Widget] = list(self.children)
        while stack:
            widget = stack.pop()
            stack.extend(getattr(widget, "children", ()))
            widget.close()
        super().close()

    # -- display ------------------------------------------------------------------------

    def __repr__(self) -> str:
        q = self.query
        return (f"{type(self).__name__}(rows={q.count}/{len(q.frame)}, page={q.page + 1}/"
                f"{q.page_count}, selected={len(self.table.selection)})")

    def _repr_html_(self) -> str:
        """The current page as an escaped HTML table, for frontends without widgets."""
        q = self.query
        caption = (f"{self._title or (self.resource or 'records').replace('_', ' ')}: "
                   f"page {q.page + 1} of {q.page_count}, {q.count:,} rows")
        columns = [c for c in self.table.columns if c in q.frame.columns]
        return (f'<div class="snb-browser-static">{STYLE}'
                f"{html_table(q.page_frame(), columns, caption=caption, index_name=q.frame.index.name or 'id')}"
                "</div>")

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = super()._repr_mimebundle_(**kwargs) or {"text/plain": repr(self)}
        bundle["text/html"] = self._repr_html_()
        return bundle
