"""The filter bar: one dropdown per filterable column, plus a free-text search box.

Dropdown choices come from the frame: a categorical column offers its declared categories
(every task status, even one no task has yet), other columns their distinct values when
there are few enough, list columns (``tags``) the distinct items. When a column has too
many distinct values for a dropdown, a text box takes the value instead. The ``label``
filter reads the labels out of the annotation payloads.

Example:
    >>> import pandas as pd
    >>> from synapse_nb.widgets.query import FrameQuery
    >>> q = FrameQuery(pd.DataFrame({"status": pd.Categorical(["a", "b"])}))
    >>> bar = FilterBar(q, [("status", "Status")])
    >>> bar.controls["status"].options
    (('any', None), ('a', 'a'), ('b', 'b'))
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import ipywidgets as W
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .query import LABEL_FILTER, FrameQuery, is_list_column

__all__ = ["FilterBar", "filter_choices"]

MAX_CHOICES = 200
# Computing labels parses every row's annotation payload; past this, type the label.
MAX_ROWS_FOR_LABEL_CHOICES = 200_000


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def filter_choices(query: FrameQuery, column: str, names: dict[Any, str] | None = None
                   ) -> list[tuple[str, Any]] | None:
    """``(text, value)`` choices for a column's dropdown, or None when there are too many
    (the bar then shows a text box)."""
    frame = query.frame
    names = names or {}
    if column == LABEL_FILTER:
        if len(frame) > MAX_ROWS_FOR_LABEL_CHOICES:
            return None
        values = sorted(set().union(*query.labels().tolist())) if len(frame) else []
    elif column not in frame.columns:
        return None
    else:
        series = frame[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            values = list(series.cat.categories)
        elif is_list_column(series):
            if isinstance(series.dtype, pd.ArrowDtype):  # distinct items straight in Arrow
                arr = pa.chunked_array(series.array._pa_array)
                items = pc.unique(pc.list_flatten(arr)).drop_null().to_pylist()
            else:
                items = series.explode().dropna().unique().tolist()
            values = sorted({_plain(v) for v in items}, key=str)
        else:
            uniques = series.dropna().unique()
            if len(uniques) > MAX_CHOICES:
                return None
            try:
                values = sorted(_plain(v) for v in uniques.tolist())
            except TypeError:
                values = sorted((_plain(v) for v in uniques.tolist()), key=str)
    if len(values) > MAX_CHOICES:
        return None
    return [(str(names.get(v, v)), v) for v in values]


class FilterBar(W.HBox):
    """Dropdowns (or text boxes) for ``specs`` = ``[(column, title), ...]`` and a search
    box; ``on_change(callback)`` is called after the query has been updated."""

    def __init__(self, query: FrameQuery, specs: Sequence[tuple[str, str]], *,
                 names: dict[str, dict[Any, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.query = query
        self.specs = [(c, t) for c, t in specs
                      if c == LABEL_FILTER or c in query.frame.columns]
        self._names = names or {}
        self._callbacks: list[Callable[[], None]] = []
        self._error_callbacks: list[Callable[[Exception], None]] = []
        self.controls: dict[str, W.Widget] = {}
        self.search = W.Text(placeholder="search…", continuous_update=False,
                             layout=W.Layout(width="180px"))
        self.search.add_class("snb-search")
        self.search.observe(self._on_search, "value")
        self.rebuild()
        self.add_class("snb-filter-bar")

    def rebuild(self) -> None:
        """Recompute the choices from the (possibly reloaded) frame; keeps chosen values."""
        old = {c: w.value for c, w in self.controls.items()}
        controls: dict[str, W.Widget] = {}
        for column, title in self.specs:
            choices = filter_choices(self.query, column, self._names.get(column))
            if choices is None:
                control: W.Widget = W.Text(description=title, placeholder="any",
                                           continuous_update=False,
                                           layout=W.Layout(width="180px"))
                if isinstance(old.get(column), str):
                    control.value = old[column]
            else:
                # index=0 explicitly: with "any" -> None as the first option, ipywidgets
                # leaves nothing selected under some hash seeds (a blank dropdown).
                control = W.Dropdown(description=title, options=[("any", None), *choices],
                                     index=0, layout=W.Layout(width="190px"))
                if old.get(column) in [v for _t, v in choices]:
                    control.value = old[column]
            control.add_class(f"snb-filter-{column.replace('.', '-')}")
            control.style.description_width = "initial"
            control.observe(lambda change, column=column: self._on_filter(column, change["new"]),
                            "value")
            controls[column] = control
        for control in self.controls.values():
            control.close()
        self.controls = controls
        self.children = [*controls.values(), self.search]

    def on_change(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)

    def set(self, column: str, value: Any) -> None:
        """Set one filter as the user would (the control shows it too)."""
        control = self.controls.get(column)
        if control is None:
            raise KeyError(f"no filter {column!r}; filters are {list(self.controls)}")
        control.value = "" if value is None and isinstance(control, W.Text) else value

    def on_error(self, callback: Callable[[Exception], None]) -> None:
        """Called with the error when a filter cannot be applied (the table is unchanged)."""
        self._error_callbacks.append(callback)

    def _on_filter(self, column: str, value: Any) -> None:
        if isinstance(value, str):
            value = value.strip()
        try:
            self.query.set_filter(column, value)
        except Exception as err:  # reported; raising in an observer only reaches the log
            self._failed(err)
            return
        self._changed()

    def _on_search(self, change: dict[str, Any]) -> None:
        try:
            self.query.set_search(change["new"])
        except Exception as err:
            self._failed(err)
            return
        self._changed()

    def _failed(self, err: Exception) -> None:
        if not self._error_callbacks:
            raise err
        for callback in self._error_callbacks:
            callback(err)

    def _changed(self) -> None:
        for callback in self._callbacks:
            callback()
