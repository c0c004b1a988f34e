"""Filtering, sorting and paging of a frame, without any widget: the browsers' model.

A :class:`FrameQuery` keeps the frame untouched and works on row *positions*: the filter
gives a boolean mask, the sort a permutation of the matching positions, and a page is
``frame.iloc[positions[start:stop]]``. Both are cached and recomputed only when the filter
or the sort changes, so turning pages on a million-row frame costs one ``iloc`` of
``page_size`` rows.

Filters are ``column -> value`` (equality), ``column -> [values]`` (any of them) or, for a
column holding lists (task ``tags``), "the row's list holds any of the values". The
special key ``label`` matches rows whose annotation payload (the ``data`` column) has an
object with one of the labels. ``search`` is a case-insensitive substring search over the
text columns.

Example:
    >>> import pandas as pd
    >>> q = FrameQuery(pd.DataFrame({"status": ["a", "b", "a"]}), page_size=1)
    >>> q.set_filter("status", "a"); q.count, q.page_count
    (2, 2)
    >>> q.set_sort("status", ascending=False); q.page_frame().index.tolist()
    [0]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from synapse_nb.frames.labels import annotations_of, label_mask, row_labels

from .cell_search import shown_search_mask

__all__ = ["LABEL_FILTER", "FrameQuery", "annotations_of", "is_list_column", "row_labels"]

LABEL_FILTER = "label"


def _is_empty(value: Any) -> bool:
    if value is None or value == "":
        return True
    return isinstance(value, (list, tuple, set, frozenset)) and len(value) == 0


def _list_column_matches(series: pd.Series, wanted: list[Any]) -> np.ndarray:
    """Rows of a list-valued column that hold any of ``wanted``."""
    if isinstance(series.dtype, pd.ArrowDtype) and pa.types.is_list(series.dtype.pyarrow_dtype):
        arr = pa.chunked_array(series.array._pa_array).combine_chunks()
        flat = pc.list_flatten(arr)
        parents = pc.list_parent_indices(arr).to_numpy()
        try:
            hit = pc.is_in(flat, value_set=pa.array(wanted, type=flat.type)).to_numpy(
                zero_copy_only=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            hit = np.isin(np.asarray(flat.to_pylist(), dtype=object), np.asarray(wanted, dtype=object))
        mask = np.zeros(len(series), dtype=bool)
        mask[parents[hit]] = True
        return mask
    wanted_set = set(wanted)
    return np.fromiter(
        (isinstance(v, (list, tuple, np.ndarray)) and any(x in wanted_set for x in v)
         for v in series), dtype=bool, count=len(series))


def is_list_column(series: pd.Series) -> bool:
    """True for a column of lists (Arrow list dtype, or objects that are lists)."""
    if isinstance(series.dtype, pd.ArrowDtype):
        return bool(pa.types.is_list(series.dtype.pyarrow_dtype)
                    or pa.types.is_large_list(series.dtype.pyarrow_dtype))
    if series.dtype == object and len(series):
        first = series.dropna().head(50)
        return bool(len(first)) and all(isinstance(v, (list, tuple, np.ndarray)) for v in first)
    return False


def _is_text_column(series: pd.Series) -> bool:
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return True
    if isinstance(dtype, pd.ArrowDtype):
        return bool(pa.types.is_string(dtype.pyarrow_dtype)
                    or pa.types.is_large_string(dtype.pyarrow_dtype)
                    or pa.types.is_dictionary(dtype.pyarrow_dtype))
    return pd.api.types.is_string_dtype(dtype) and not is_list_column(series)


def _coerce(value: Any, series: pd.Series) -> Any:
    """A filter value typed like the column (a text box gives "7" for an int column)."""
    if isinstance(value, str) and pd.api.types.is_integer_dtype(series.dtype):
        try:
            return int(value)
        except ValueError:
            return value
    return value


class FrameQuery:
    """Filter, sort and page a DataFrame by row positions (see the module docstring)."""

    def __init__(self, frame: pd.DataFrame, *, page_size: int = 20,
                 search_columns: Iterable[str] | None = None) -> None:
        if page_size < 1:
            raise ValueError(f"page_size must be at least 1, got {page_size}")
        self.frame = frame
        self.page_size = int(page_size)
        self.filters: dict[str, Any] = {}
        self.search = ""
        self.sort: tuple[str, bool] | None = None
        self.page = 0
        self._search_columns = list(search_columns) if search_columns is not None else None
        # what the table shows (columns, and the text of a value: names for ids): the
        # search matches that, not hidden columns (every image URL holds the port)
        self._shown: tuple[list[str], dict[str, Callable[[Any], Any]]] | None = None
        self._mask: np.ndarray | None = None
        self._positions: np.ndarray | None = None
        self._labels: pd.Series | None = None
        self.only: np.ndarray | None = None

    # -- changing the query -------------------------------------------------------------

    def set_frame(self, frame: pd.DataFrame) -> None:
        """Replace the frame (after a reload), keeping filters and sort; back to page 1."""
        self.frame = frame
        self._labels = None
        self.only = None
        self._invalidate()

    def set_filter(self, column: str, value: Any) -> None:
        """Filter on ``column``; ``None``, ``""`` or ``[]`` removes the filter."""
        if not self.is_label_payload(column) and not self.has_column(column):
            raise KeyError(f"no column {column!r} to filter on; columns are {list(self.frame.columns)}")
        if _is_empty(value):
            self.filters.pop(column, None)
        else:
            self.filters[column] = value
        self._invalidate()

    def set_shown(self, columns: Iterable[str], formatters: dict[str, Callable[[Any], Any]]) -> None:
        """Search these columns as their cells read (``formatters``: value -> text)."""
        self._shown = (list(columns), dict(formatters))
        self._invalidate()

    def set_search(self, text: str) -> None:
        self.search = (text or "").strip()
        self._invalidate()

    def set_sort(self, column: str | None, ascending: bool = True) -> None:
        """Sort by ``column`` (``None``: frame order). The index name sorts by the index."""
        if column is not None and not self.has_column(column):
            raise KeyError(f"no column {column!r} to sort by; columns are {list(self.frame.columns)}")
        self.sort = None if column is None else (column, bool(ascending))
        self._positions = None
        self.page = 0

    def set_page(self, page: int) -> None:
        """Go to page ``page`` (0-based), clamped to the pages there are."""
        self.page = max(0, min(int(page), self.page_count - 1))

    def set_page_size(self, page_size: int) -> None:
        if page_size < 1:
            raise ValueError(f"page_size must be at least 1, got {page_size}")
        first = self.page * self.page_size
        self.page_size = int(page_size)
        self.set_page(first // self.page_size)  # keep the first visible row on screen

    @property
    def index_key(self) -> str:
        """The name the index goes by in filters and sorts (``id`` when it has none)."""
        return str(self.frame.index.name or "id")

    def has_column(self, column: str) -> bool:
        """True for a column of the frame, or the index's name."""
        return column in self.frame.columns or column == self.index_key

    def is_label_payload(self, column: str) -> bool:
        """True when ``column`` is the ``label`` filter on annotation payloads (a frame
        without a ``label`` column of its own, e.g. tasks); an annotations frame's
        ``label`` column is filtered like any other."""
        return column == LABEL_FILTER and column not in self.frame.columns

    def set_only(self, mask: np.ndarray | None) -> None:
        """Show only the rows of ``mask`` that match the filters and search, or, with
        ``None``, the rows matching the filters again ("show selected only")."""
        self.only = None if mask is None else np.asarray(mask, dtype=bool)
        self._invalidate()

    def _invalidate(self) -> None:
        self._mask = None
        self._positions = None
        self.page = 0

    # -- results ------------------------------------------------------------------------

    @property
    def mask(self) -> np.ndarray:
        if self._mask is None:
            self._mask = self._compute_mask()
        return self._mask

    @property
    def positions(self) -> np.ndarray:
        """Positions (``iloc``) of the matching rows, in sort order."""
        if self._positions is None:
            pos = np.flatnonzero(self.mask)
            if self.sort is not None and len(pos) > 1:
                pos = pos[self._sort_order(pos)]
            self._positions = pos
        return self._positions

    @property
    def count(self) -> int:
        return len(self.positions)

    @property
    def page_count(self) -> int:
        return max(1, -(-self.count // self.page_size))

    def page_positions(self) -> np.ndarray:
        start = self.page * self.page_size
        return self.positions[start:start + self.page_size]

    def page_frame(self) -> pd.DataFrame:
        """The rows of the current page only."""
        return self.frame.iloc[self.page_positions()]

    def labels(self) -> pd.Series:
        """Per-row label sets from the ``data`` column (computed once, on first use)."""
        if self._labels is None:
            if "data" in self.frame.columns:
                self._labels = pd.Series([row_labels(v) for v in self.frame["data"].tolist()],
                                         index=self.frame.index, dtype=object)
            else:
                self._labels = pd.Series([set()] * len(self.frame), index=self.frame.index,
                                         dtype=object)
        return self._labels

    # -- computation --------------------------------------------------------------------

    def column(self, name: str) -> pd.Series:
        """A column by name; the index's name gives the index as a series."""
        if name in self.frame.columns:
            return self.frame[name]
        return self.frame.index.to_series(index=self.frame.index)

    def _compute_mask(self) -> np.ndarray:
        mask = np.ones(len(self.frame), dtype=bool)
        if self.only is not None and len(self.only) == len(self.frame):
            # "show selected only" narrows what the filters shown in the bar match
            mask &= self.only
        for column, value in self.filters.items():
            wanted = list(value) if isinstance(value, (list, tuple, set, frozenset)) else [value]
            if self.is_label_payload(column):
                mask &= self._label_mask({str(w) for w in wanted}, mask)
                continue
            series = self.column(column)
            wanted = [_coerce(w, series) for w in wanted]
            if is_list_column(series):
                mask &= _list_column_matches(series, wanted)
            else:
                mask &= series.isin(wanted).to_numpy(dtype=bool, na_value=False)
        if self.search:
            mask &= self._search_mask()
        return mask

    def _label_mask(self, wanted: set[str], within: np.ndarray) -> np.ndarray:
        """Rows (among ``within``) with an annotation labelled one of ``wanted``
        (:func:`synapse_nb.frames.labels.label_mask`: cost follows the candidate rows)."""
        if self._labels is not None or "data" not in self.frame.columns:
            return np.fromiter((bool(s & wanted) for s in self.labels()), dtype=bool,
                               count=len(self.frame))
        return label_mask(self.frame["data"], wanted, within)

    def _search_mask(self) -> np.ndarray:
        text = self.search
        hit = np.zeros(len(self.frame), dtype=bool)
        if self._search_columns is None and self._shown is not None:
            return shown_search_mask(self, *self._shown, text)
        names = self._search_columns or [c for c in self.frame.columns if _is_text_column(self.frame[c])]
        for name in names:
            series = self.frame[name]
            if isinstance(series.dtype, pd.CategoricalDtype):
                # Search the few categories, then map through the codes.
                cats = series.cat.categories.astype(str)
                cat_hit = cats.str.contains(text, case=False, regex=False)
                codes = series.cat.codes.to_numpy()
                hit |= (codes >= 0) & np.asarray(cat_hit, dtype=bool)[np.maximum(codes, 0)]
            else:
                found = series.astype("string").str.contains(text, case=False, regex=False)
                hit |= found.to_numpy(dtype=bool, na_value=False)
        # An id typed into the search box finds its row.
        if text.isdigit():
            index = self.frame.index
            if pd.api.types.is_integer_dtype(index.dtype):
                hit |= np.asarray(index == int(text), dtype=bool)
        return hit

    def _sort_order(self, pos: np.ndarray) -> np.ndarray:
        column, ascending = self.sort  # type: ignore[misc]
        values = self.column(column).iloc[pos].reset_index(drop=True)
        try:
            ordered = values.sort_values(ascending=ascending, kind="stable", na_position="last")
        except (TypeError, ValueError, pa.ArrowNotImplementedError):
            # Lists and mixed objects: sort by their text.
            ordered = values.map(lambda v: "" if v is None else str(v)).sort_values(
                ascending=ascending, kind="stable")
        return ordered.index.to_numpy()

