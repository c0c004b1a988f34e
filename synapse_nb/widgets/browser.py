"""``RecordBrowser``: filter bar, paged table (or gallery), detail pane and actions over one frame.

The resource browsers (``TaskBrowser`` and friends, in :mod:`.resources`) are this class
with a resource name, default columns and filters; ``RecordBrowser`` alone browses any
DataFrame.

Built from a frame (``RecordBrowser(df)``) or from a client plus server-side filters
(``TaskBrowser(client, project=1)`` loads ``tasks_frame(client, project=1)``); a frame
plus ``client=`` gets images, assignments, names and tagging from the client. Keyword
filters given with a frame set the filter bar instead.

What is drawn is one DOM widget (:class:`~.view.BrowserView`); filtering, sorting, paging
and selection stay here in Python (:mod:`.query`, :mod:`.table`), so a million-row frame
turns a page as fast as a small one, and the browser is a handful of widget models.

In a saved notebook, the browser's output also holds the page as a static HTML table; it
is what nbconvert, GitHub and an untrusted notebook in JupyterLab show. A trusted notebook
reopened in JupyterLab without the kernel that drew the browser shows ipywidgets' "Error
displaying widget: model not found" instead (its widget renderer comes first and has no
fallback to the other mime types) unless the notebook was saved with its widget state:
``synapse-nb demo`` and Binder start JupyterLab with Settings > Widget Manager > Save Widget
State Automatically on (the package's overrides, :mod:`synapse_nb.lab`; the user's own
settings are not written), so a notebook saved there draws its browsers again from their
saved state, with no kernel. Elsewhere, turn that setting on before saving.

Example:
    >>> import pandas as pd
    >>> df = pd.DataFrame({"status": ["pending", "completed"] * 50},
    ...                   index=pd.Index(range(100), name="id"))
    >>> b = RecordBrowser(df, page_size=10)
    >>> b.set_filter("status", "completed"); b.table.page_info
    'page 1 of 5 · 50 rows'
    >>> b.view.handle({"event": "focus", "slot": 0}); b.current_record["id"], len(b.selected)
    (1, 0)
    >>> b.view.handle({"event": "check", "slot": 1, "value": True}); b.selected.index.tolist()
    [3]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import ipywidgets as W
import pandas as pd

from ._html import STYLE, esc, html_table, json_details, record_dict
from .detail import DetailRenderer
from .editing import EditingMixin
from .events import BrowserEvents, BrowserState
from .filters import FilterBar
from .names import NameResolver
from .query import LABEL_FILTER, FrameQuery
from .table import PagedTable
from .view import BrowserView

__all__ = ["RecordBrowser"]

MAX_DEFAULT_COLUMNS = 8
# Filters the frame functions take that are about the request, not the rows.
REQUEST_PARAMS = frozenset({"expand", "fields", "ordering", "page_size", "params", "cache",
                            "refresh", "concurrency"})


ANNOTATION_COLUMNS = ("source_id", "label", "type", "area", "confidence", "annotator")


def _default_columns(frame: pd.DataFrame) -> list[str]:
    """The index plus the first few short columns (JSON blobs and URLs are for the pane);
    for an ``annotations_frame``, what says which object it is: label, type, area."""
    if {"label", "area"} <= set(frame.columns):
        return [str(frame.index.name or "id"), *(c for c in ANNOTATION_COLUMNS if c in frame.columns)]
    skip = {"data", "meta", "files", "extra", "configuration", "metrics", "primary_file_url",
            "points"}
    cols = [str(c) for c in frame.columns if c not in skip]
    return [str(frame.index.name or "id"), *cols][:MAX_DEFAULT_COLUMNS]


def _frame_and_client(source: Any, frame: pd.DataFrame | None, client: Any) -> tuple[Any, Any]:
    """The frame and the client from the first argument and the keywords (each once)."""
    if isinstance(source, pd.DataFrame):
        if frame is not None:
            raise TypeError("pass the frame once: RecordBrowser(df) or RecordBrowser(frame=df)")
        return source, client
    if source is not None:
        if client is not None:
            raise TypeError("pass the client once: TaskBrowser(client) or TaskBrowser(client=client)")
        return frame, source
    return frame, client


def _table_columns(frame: pd.DataFrame, columns: Sequence[str] | None,
                   defaults: Sequence[str]) -> list[str]:
    """The table's columns: as asked (each must exist), else the resource's, else a guess."""
    available = {*frame.columns, frame.index.name or "id"}
    wanted = list(columns) if columns is not None else (
        [c for c in defaults if c in available] or _default_columns(frame))
    missing = [c for c in wanted if c not in available]
    if missing:
        raise KeyError(f"no column(s) {missing} in the frame; columns are {list(frame.columns)}")
    return wanted


def guess_filters(frame: pd.DataFrame) -> list[tuple[str, str]]:
    """For any frame: ``project``, its categorical and boolean columns, and ``label``."""
    specs = [(str(c), str(c).replace("_", " ")) for c in frame.columns
             if c != LABEL_FILTER and (isinstance(frame[c].dtype, pd.CategoricalDtype)
                                       or pd.api.types.is_bool_dtype(frame[c].dtype)
                                       or any(w in str(c) for w in ("status", "category")))]
    if "project" in frame.columns:
        specs.insert(0, ("project", "project"))
    specs = specs[:5]
    if LABEL_FILTER in frame.columns or "data" in frame.columns:
        specs.append((LABEL_FILTER, "label"))
    return specs


class RecordBrowser(EditingMixin, BrowserState, BrowserEvents, W.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """Browse a frame: filter, search, sort, page, look, select, act (module docstring).

    Arguments: a frame or a client (first argument, or ``frame=`` / ``client=``);
    ``columns`` shown in the table (default: the resource's usual ones); ``filter_columns``
    for the filter bar (default: the resource's; ``"label"`` filters on annotation labels,
    or on a ``label`` column); ``page_size``; ``search_columns`` (default: every text
    column); ``link_template`` for the record link, formatted with the record's fields
    (``"https://app/tasks/{id}"``; default: the record's API URL); ``fetch_image(url) ->
    bytes`` (default: ``client.get_bytes``); ``assignments``, a frame of them for a task
    browser without a client; ``title``; ``progress`` for the initial fetch; any other
    keyword is a server-side filter of the frame function (with a frame in memory: an
    initial filter-bar value).

    ``browser.selected`` is the selected rows as a frame; ``browser.current_record`` the
    record in the detail pane, as a dict; ``browser.filtered`` the matching rows.
    """

    resource: ClassVar[str | None] = None
    record_path: ClassVar[str | None] = None
    default_columns: ClassVar[tuple[str, ...]] = ()
    filter_specs: ClassVar[tuple[tuple[str, str], ...]] = ()
    default_server_filters: ClassVar[dict[str, Any]] = {}
    tag_names: ClassVar[bool] = True  # a ``tags`` column holds task tag ids

    def __init__(self, source: pd.DataFrame | Any = None, /, *, client: Any = None,
                 frame: pd.DataFrame | None = None, columns: Sequence[str] | None = None,
                 filter_columns: Sequence[str] | None = None, page_size: int = 20,
                 search_columns: Sequence[str] | None = None, link_template: str | None = None,
                 fetch_image: Callable[[str], bytes] | None = None,
                 assignments: pd.DataFrame | None = None, title: str | None = None,
                 progress: bool | None = None, **server_filters: Any) -> None:
        super().__init__()
        frame, client = _frame_and_client(source, frame, client)
        self.client = client
        self.server_filters = {**self.default_server_filters, **server_filters}
        initial: dict[str, Any] = {}
        self._from_client = frame is None  # only then does Reload know what to fetch
        if frame is None:
            if client is None:
                name = type(self).__name__
                raise TypeError(f"{name} needs a frame or a client, e.g. "
                                f"{name}(client, project=1) or {name}(df)")
            frame = self._load(progress)
            initial = {k: v for k, v in server_filters.items() if not isinstance(v, (list, tuple))}
        else:
            initial, self.server_filters = dict(server_filters), {}
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"expected a pandas DataFrame, got {type(frame).__name__}")

        self.query = FrameQuery(frame, page_size=page_size, search_columns=search_columns)
        wanted = _table_columns(frame, columns, self.default_columns)
        specs = ([(c, c.replace("_", " ")) for c in filter_columns] if filter_columns is not None
                 else list(self.filter_specs) or guess_filters(frame))
        if self._from_client:  # server filters the bar has no control for are not re-applied
            initial = {k: v for k, v in initial.items() if k in {c for c, _t in specs}}
        unknown = [k for k in initial if k not in {c for c, _t in specs}]
        if unknown:
            raise TypeError(f"unknown filter(s) {unknown} for a frame; filter on one of "
                            f"{[c for c, _t in specs]}, or filter the frame with pandas first")

        self.names = NameResolver.for_client(client)
        self.renderer = DetailRenderer(client, fetch_image=fetch_image, link_template=link_template,
                                       record_path=self.record_path, assignments=assignments,
                                       label_colors=self._label_colors(),
                                       names=self.names)
        self._title = title
        self.filter_bar = FilterBar(self.query, specs, names=self._value_names())
        self.table = PagedTable(self.query, wanted, formatters=self._formatters())
        if search_columns is None:  # search what the table shows, as it reads
            self.query.set_shown(self.table.columns, self.table.formatters)
        self.view = BrowserView()
        self.mode = "table"
        self._status = ("", False)
        self._detail = ""
        self.filter_bar.on_change(self._on_filter_change)
        self.filter_bar.on_error(lambda err: self._set_status(f"Filter not applied: {err}", error=True))
        self.table.observe(lambda _c: self._render_detail(), "current")
        self.table.observe(lambda _c: self._on_selection(), "selection")
        self.view.on_event(self._on_event)
        self.children = [self.view]
        self.add_class("snb-browser")
        self._init_editing()
        for column, value in initial.items():
            self.filter_bar.set(column, value)
            if self._from_client:
                self.filter_bar.fixed[column] = (
                    f"the rows were loaded with {column}={value!r}: to see others, build a new "
                    f"browser, e.g. {type(self).__name__}(client, {column}=...)")
        self._push()
        if self.client is not None and self.resource in ("tasks", None):
            self.offer_restore(self._task_ids())

    def _task_ids(self) -> list[Any]:
        """The tasks this browser's rows belong to (journaled edits of them are offered)."""
        frame = self.query.frame
        if self.resource == "tasks":
            return frame.index.tolist()
        for column in ("task", "source_id"):
            if column in frame.columns:
                return [int(t) for t in frame[column].dropna().unique().tolist()]
        return []

    # -- loading ------------------------------------------------------------------------

    def _load(self, progress: bool | None = None) -> pd.DataFrame:
        if self.resource is None:
            raise TypeError("RecordBrowser browses a frame: pass one, or use TaskBrowser, "
                            "AssignmentBrowser, GroundTruthBrowser or ModelBrowser with a client")
        from synapse_nb import frames
        from synapse_nb.frames.fetch import is_async_client  # the one sync/async check

        if is_async_client(self.client):
            raise TypeError(f"{type(self).__name__} needs the sync client (SynapseClient); "
                            "widgets call it from their click handlers")
        function = getattr(frames, f"{self.resource}_frame")
        frame: pd.DataFrame = function(self.client, progress=progress, **self.server_filters)
        return frame

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
        old = self.query.frame
        current_id = None if self.table.current is None else old.index[self.table.current]
        page, sort, only = self.query.page, self.query.sort, self.query.only is not None
        self.query.set_frame(frame)
        self.query.sort = sort
        self.filter_bar.rebuild()
        index = frame.index
        self.table.set_selection([int(p) for p in index.get_indexer(pd.Index(list(keep_ids))) if p >= 0])
        if only:
            self.query.set_only(self.table.selected_mask())
        self.query.set_page(page)
        self.table.current = (None if current_id is None or current_id not in index
                              else int(index.get_indexer(pd.Index([current_id]))[0]))
        self.table.refresh()
        self._push()
        self._render_detail()

    def _action_buttons(self) -> dict[str, Any]:
        """The actions row: ``{"input": spec or None, "buttons": [spec, ...]}``."""
        return {"input": None, "buttons": [self._reload_spec()]}

    def _reload_spec(self) -> dict[str, Any]:
        return {"key": "reload", "label": "Reload", "cls": "snb-reload",
                "disabled": not self._from_client,
                "title": "fetch again from the server" if self._from_client
                else "this browser shows a frame that was passed in"}

    def _label_colors(self) -> dict[str, str]:
        """Label -> colour from the project's configuration (empty: the fixed palette)."""
        return {}

    def _value_names(self) -> dict[str, dict[Any, str]]:
        """column -> {value: text} for the filter dropdowns (ids -> names)."""
        return self.names.value_names(self.query.frame, tags=self.tag_names)

    def _formatters(self) -> dict[str, Callable[[Any], Any]]:
        """column -> function of a cell value giving the text the table shows."""
        return self.names.formatters(self.query.frame.columns, tags=self.tag_names)

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
        table = html_table(q.page_frame(), columns, caption=caption,
                           index_name=str(q.frame.index.name or "id"))
        return f'<div class="snb-browser-static">{STYLE}{table}</div>'

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        # The text/html page is what a saved notebook shows where widgets cannot be drawn:
        # nbconvert, GitHub, an untrusted notebook in JupyterLab. A *trusted* notebook
        # reopened in JupyterLab without the kernel that drew it shows ipywidgets'
        # "model not found" instead, whatever else the bundle holds: its WidgetRenderer is
        # ranked first and has no fallback (jupyterlab#1139). The page comes back there
        # only if the notebook was saved with widget state (Settings > Widget Manager >
        # Save Widget State Automatically). tests/browser/test_saved_notebook.py shows both.
        bundle = super()._repr_mimebundle_(**kwargs) or {"text/plain": repr(self)}
        bundle["text/html"] = self._repr_html_()
        return bundle

    def close(self) -> None:
        """Close the browser and its view (frees them in the kernel and the page)."""
        view = self.__dict__.get("view")  # absent when the constructor refused its input
        if view is not None:
            view.close()
        super().close()

    def _render_detail(self) -> None:
        if self.table.current is None:
            self._set_detail('<div class="snb-note">Click a row to see the record.</div>')
            return
        row = self.query.frame.iloc[self.table.current]
        try:
            html = self.renderer.render(row, kind=self.resource, frame=self.query.frame)
        except Exception as err:  # an odd record must not leave a stale pane behind
            html = (f'<div class="snb-note snb-status-error">Could not show record '
                    f"{esc(row.name)}: {esc(type(err).__name__)}: {esc(err)}</div>"
                    + json_details(record_dict(row), open_=True))
        self._set_detail(html)
