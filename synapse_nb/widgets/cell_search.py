"""Search the cells as the table shows them: a row matches when the text of one of its
shown cells (after the column's formatter, e.g. names for user ids) holds the search
text, case-folded. The browsers' :class:`~.query.FrameQuery` uses it once the table has
said what it shows.

Each distinct value is formatted once and the per-row part is numpy: the column is
factorized (a categorical has its codes already), each group's value is formatted and
tested, and ``hits[codes]`` gives the rows. A group only ever holds values that read the
same: ``1``, ``1.0`` and ``True`` are one value to ``==`` (and to ``pd.factorize``) but
three texts on screen, so object columns are also told apart by type; floats by their
bits (``-0.0`` reads "-0"); missing values by type (None, NaN, ``pd.NA`` and NaT each as
it reads). Columns no grouping is sure for (lists, dicts, arrays, timestamps or decimals
in an object column) are read row by row, each distinct value formatted once, known by
type and ``repr``.

Example:
    >>> import pandas as pd
    >>> from synapse_nb.widgets.query import FrameQuery
    >>> q = FrameQuery(pd.DataFrame({"who": [1, 2, None, 1]}))
    >>> shown_search_mask(q, ["who"], {"who": {1: "Ann", 2: "Bob"}.get}, "ANN").tolist()
    [True, False, False, True]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from synapse_nb._util.html import cell_text

if TYPE_CHECKING:
    from .query import FrameQuery

__all__ = ["shown_search_mask"]

SEARCH_CELL_CHARS = 10_000  # a cell's text is searched up to this length

#: types whose equal values read the same, so a value of one of them is known by value
_READS_AS_EQUAL = frozenset({str, bytes, int, bool, np.str_, np.bytes_, np.bool_,
                             *(np.dtype(c).type for c in np.typecodes["AllInteger"])})
#: floats read the same when equal but for the sign of a zero (0.0 reads "0", -0.0 "-0")
_FLOAT_TYPES = frozenset({float, np.float64, np.float32, np.float16})
#: missing values: each type has one text (None, pd.NA, NaT are singletons; NaN is NaN)
_MISSING_TYPES = frozenset({type(None), type(pd.NA), type(pd.NaT), *_FLOAT_TYPES})
_type_of = np.frompyfunc(type, 1, 1)


def shown_search_mask(query: FrameQuery, columns: list[str],
                      formatters: dict[str, Callable[[Any], Any]], text: str) -> np.ndarray:
    """Rows where a shown cell's text (``formatters``: value -> text, e.g. names for ids)
    contains ``text``, case-insensitively; each distinct value is formatted once."""
    needle = text.casefold()
    hit = np.zeros(len(query.frame), dtype=bool)
    for name in columns:
        hit |= _column_hits(query.column(name), formatters.get(name), needle)
    return hit


def _column_hits(series: pd.Series, fmt: Callable[[Any], Any] | None, needle: str) -> np.ndarray:
    def reads(value: Any) -> bool:
        shown = cell_text(fmt(value) if fmt is not None else value, SEARCH_CELL_CHARS)
        return needle in shown.casefold()

    groups = _value_groups(series)
    if groups is None:
        return _row_by_row(series.tolist(), reads)
    codes, values = groups
    per_group = np.fromiter(map(reads, values), dtype=bool, count=len(values))
    hits: np.ndarray = per_group[codes]
    return hits


def _value_groups(series: pd.Series) -> tuple[np.ndarray, list[Any]] | None:
    """``(codes, values)``: row ``i`` holds ``values[codes[i]]``, or a value that reads the
    same, as the table's cells get it (``tolist``: Python scalars, Timestamps, NA); None
    when no grouping is sure to."""
    try:
        if isinstance(series.dtype, pd.CategoricalDtype):
            # the categories are the distinct values already (an unused one is read too)
            codes = series.cat.codes.to_numpy().astype(np.intp)
            values = series.cat.categories.tolist()
        else:
            found = _codes(series)
            if found is None:
                return None
            codes = found
            values = series.iloc[_first_rows(codes)].tolist()
    except (TypeError, ValueError, NotImplementedError, pa.ArrowException):
        return None  # e.g. Arrow lists: no hashing of their values
    missing = codes < 0
    if missing.any():  # a typed column has one missing value (NaN, NaT or NA): one group
        codes = np.where(missing, len(values), codes)
        at = int(np.argmax(missing))
        values.append(series.iloc[at:at + 1].tolist()[0])
    return codes, values


def _codes(series: pd.Series) -> np.ndarray | None:
    """Codes numbered in order of appearance, -1 for a missing value (none in an object
    column: its missing values are grouped by type)."""
    if series.dtype == object:
        return _object_codes(series.to_numpy())
    if pd.api.types.is_float_dtype(series.dtype):
        missing = series.isna().to_numpy(dtype=bool)
        bits = series.to_numpy(dtype=np.float64, na_value=0.0).view(np.int64)
        codes = np.full(len(series), -1, dtype=np.intp)
        codes[~missing] = pd.factorize(bits[~missing])[0]  # by bits: -0.0 is not 0.0
        return codes
    return np.asarray(pd.factorize(series)[0], dtype=np.intp)


def _object_codes(values: np.ndarray) -> np.ndarray | None:
    """Codes of an object column's values, equal values of different types apart; None
    when a type in it can read differently for equal values (Timestamps of two zones,
    decimals, lists)."""
    codes = pd.factorize(values)[0]  # a TypeError for unhashable values
    missing = codes < 0
    kinds = set(map(type, values[~missing] if missing.any() else values))
    if not all(kind in _READS_AS_EQUAL or kind in _FLOAT_TYPES for kind in kinds):
        return None
    type_codes = np.zeros(len(values), dtype=np.intp)
    if len(kinds) > 1:  # 1, 1.0 and True are one value to factorize, three texts on screen
        type_codes, all_kinds = pd.factorize(np.asarray(_type_of(values), dtype=object))
        codes = np.where(missing, -1, codes * len(all_kinds) + type_codes)
    if kinds & _FLOAT_TYPES:  # equal floats read alike but for a zero's sign: "-0", "0"
        floats = ~missing if len(kinds) == 1 else ~missing & np.isin(
            type_codes, [k for k, kind in enumerate(all_kinds) if kind in _FLOAT_TYPES])
        numbers = values[floats].astype(np.float64)
        if np.signbit(numbers[numbers == 0]).any():
            return None
    if missing.any():  # None, NaN, pd.NA and NaT: a group per type
        missing_types, found = pd.factorize(np.asarray(_type_of(values[missing]), dtype=object))
        if not all(kind in _MISSING_TYPES for kind in found):
            return None
        codes = np.asarray(codes, dtype=np.int64).copy()
        codes[missing] = -1 - missing_types
    return np.asarray(pd.factorize(codes)[0], dtype=np.intp)  # numbered in order of appearance


def _first_rows(codes: np.ndarray) -> np.ndarray:
    """The first row of each code, for codes numbered in order of appearance (as
    ``pd.factorize`` numbers them; -1, missing, is skipped)."""
    seen = np.maximum.accumulate(codes) if len(codes) else codes
    return np.flatnonzero(np.diff(seen, prepend=-1) > 0)


def _row_by_row(values: list[Any], reads: Callable[[Any], bool]) -> np.ndarray:
    """The rows of a column no grouping is sure for: each distinct value read once, known
    by its type and value (or ``repr``: lists, dicts and arrays are unhashable)."""
    seen: dict[Any, bool] = {}
    found = np.zeros(len(values), dtype=bool)
    for i, value in enumerate(values):
        kind = type(value)
        key = (kind, value) if kind in _READS_AS_EQUAL else (
            kind, repr(value.tolist() if isinstance(value, np.ndarray) else value))
        hit = seen.get(key)
        if hit is None:
            hit = seen[key] = reads(value)
        found[i] = hit
    return found
