"""The filter bar's model: one dropdown per filterable column, plus a free-text search.

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
    >>> bar.choices["status"]
    [('a', 'a'), ('b', 'b')]
    >>> bar.set("status", "b"); q.count
    1
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

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
    if query.is_label_payload(column):
        if len(frame) > MAX_ROWS_FOR_LABEL_CHOICES:
            return None
        values = sorted(set().union(*query.labels().tolist())) if len(frame) else []
    elif not query.has_column(column):
        return None
    else:
        series = query.column(column)
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


class FilterBar:
    """The filter bar's model: for ``specs`` = ``[(column, title), ...]``, the choices of
    each filter (a dropdown) or a text box when there are too many, and the search text.

    ``on_change(callback)`` is called after the query has changed, ``on_error(callback)``
    with the error when a filter cannot be applied (the table is then left as it was).
    """

    def __init__(self, query: FrameQuery, specs: Sequence[tuple[str, str]], *,
                 names: dict[str, dict[Any, str]] | None = None) -> None:
        self.query = query
        # The label filter needs labels: a ``label`` column, or annotation payloads (``data``).
        self.specs = [(c, t) for c, t in specs if query.has_column(c) or (
            c == LABEL_FILTER and "data" in query.frame.columns)]
        self._names = names or {}
        self._callbacks: list[Callable[[], None]] = []
        self._error_callbacks: list[Callable[[Exception], None]] = []
        self.choices: dict[str, list[tuple[str, Any]] | None] = {}
        self.values: dict[str, Any] = {}
        # column -> why it cannot change here: filters the rows were loaded with (changing
        # them in the bar would only narrow what was loaded, never fetch the rest)
        self.fixed: dict[str, str] = {}
        self.rebuild()

    @property
    def columns(self) -> list[str]:
        return [c for c, _t in self.specs]

    def rebuild(self) -> None:
        """Recompute the choices from the (possibly reloaded) frame; keeps chosen values."""
        self.choices = {c: filter_choices(self.query, c, self._names.get(c)) for c, _t in self.specs}

    def state(self) -> list[dict[str, Any]]:
        """What the view draws: one entry per filter (texts only; values stay here)."""
        out = []
        for column, title in self.specs:
            choices = self.choices.get(column)
            value = self.values.get(column)
            entry: dict[str, Any] = {"key": column, "title": title}
            if column in self.fixed:
                entry["fixed"] = self.fixed[column]
            if choices is None:
                entry.update(kind="text", text="" if value is None else str(value))
            else:
                values = [v for _t, v in choices]
                index = values.index(value) + 1 if value is not None and value in values else 0
                entry.update(kind="select", options=["any", *(t for t, _v in choices)],
                             index=index)
            out.append(entry)
        return out

    def on_change(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)

    def on_error(self, callback: Callable[[Exception], None]) -> None:
        """Called with the error when a filter cannot be applied (the table is unchanged)."""
        self._error_callbacks.append(callback)

    def set(self, column: str, value: Any) -> None:
        """Set one filter as the user would (``None`` or ``""``: any)."""
        if column not in self.columns:
            raise KeyError(f"no filter {column!r}; filters are {self.columns}")
        if column in self.fixed and value != self.values.get(column):
            self._failed(ValueError(self.fixed[column]))
            return
        if isinstance(value, str):
            value = value.strip()
        try:
            self.query.set_filter(column, value)
        except Exception as err:  # reported; raising from a frontend event only reaches the log
            self._failed(err)
            return
        if value is None or value == "":
            self.values.pop(column, None)
        else:
            self.values[column] = value
        self._changed()

    def choose(self, column: str, index: int) -> None:
        """Option ``index`` of a dropdown (0 is "any"), as the frontend sends it."""
        choices = self.choices.get(column) or []
        if not 0 <= index <= len(choices):
            raise IndexError(f"filter {column!r} has {len(choices)} choices, got index {index}")
        self.set(column, None if index == 0 else choices[index - 1][1])

    def set_search(self, text: str) -> None:
        try:
            self.query.set_search(text)
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
