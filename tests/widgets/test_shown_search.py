"""Search over the shown cells (synapse_nb.widgets.cell_search) against its definition, a
row read one by one: a row matches when its cell, as the table shows it, holds the text.
Hostile columns: missing values of every kind, 1 / 1.0 / True, -0.0, case folding,
lists, names for ids, categoricals; and the cost: distinct values read once, rows not
turned into Python objects one by one."""

from __future__ import annotations

import decimal
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from synapse_nb._util.html import cell_text
from synapse_nb.widgets.cell_search import SEARCH_CELL_CHARS, shown_search_mask
from synapse_nb.widgets.query import FrameQuery


def row_by_row(series: pd.Series, fmt: Callable[[Any], Any] | None, text: str) -> np.ndarray:
    """The definition: every row formatted and read on its own, as the table's cells are."""
    needle = text.casefold()
    return np.array([needle in cell_text(fmt(v) if fmt is not None else v, SEARCH_CELL_CHARS).casefold()
                     for v in series.tolist()], dtype=bool)


NAMES = {1: "Ann", 2: "Bob", 3: "Straße"}


def _names(value: Any) -> Any:  # user ids -> names, as NameBook.format_user does
    return NAMES.get(value, value) if isinstance(value, (int, float, str)) else value


FORMATTERS: dict[str, Callable[[Any], Any] | None] = {
    "none": None,
    "names": _names,
    "missing": lambda v: "missing" if v is None else "nan!" if isinstance(v, float) and v != v else v,
    "typed": lambda v: f"{type(v).__name__}:{v!r}",  # sees what a cell's text may not
}
NEEDLES = ["1", "true", "strasse", "STRASSE", "ß", "-", "0", "missing", "nan", "ann", "bob",
           "2020", "utc", "cet", "a", "int", "float", "none", "nat", "<na>", "bool", "2,", "i̇"]
ZONES = [pd.Timestamp("2020-01-01 00:00", tz="UTC"), pd.Timestamp("2020-01-01 01:00", tz="Europe/Paris")]

COLUMNS: dict[str, Any] = {
    "mixed objects": pd.Series([1, 1.0, True, "1", None, np.nan, pd.NA, pd.NaT, -0.0, 0.0, 0, False,
                                np.int64(1), np.True_, "true", "TRUE", decimal.Decimal("1.00"), 2],
                               dtype=object),
    "bool first": pd.Series([True, 1, 1.0, "x", None, 2.0, np.float64(3)], dtype=object),
    "ints, bools and None": pd.Series([0, None, True, 1, False, 2, None, True, np.nan], dtype=object),
    "int beside -0.0": pd.Series([1, -0.0, 0, None, 0.0], dtype=object),
    "case folding": pd.Series(["Straße", "STRASSE", "strasse", None, np.nan, "ǅ", "İstanbul", "x",
                               pd.NA, "STRASSE"], dtype=object),
    "string": pd.Series(["Straße", None, "STRASSE", "a", "Straße"], dtype="string"),
    "string[pyarrow]": pd.Series(["Straße", None, "STRASSE", "a"], dtype="string[pyarrow]"),
    "ids with None": pd.Series([1, None, 2, 3, None, 1, np.nan, pd.NA], dtype=object),
    "float ids": pd.Series([1.0, np.nan, 2.0, 3.0, np.nan, 1.0]),
    "floats": pd.Series([0.0, -0.0, np.nan, 1.5, 34980.0, 0.123456789, np.inf, -0.0]),
    "object floats": pd.Series([0.0, -0.0, None, 1.5], dtype=object),
    "object floats, no -0": pd.Series([0.5, 1.5, None, 1.5, 0.0, np.nan], dtype=object),
    "Float64": pd.array([0.0, -0.0, None, 1.5, 0.0], dtype="Float64"),
    "Float64, NaN beside NA": pd.arrays.FloatingArray(np.array([np.nan, 1.0, 0.0, np.nan]),
                                                      np.array([False, False, True, False])),
    "Int64": pd.array([1, None, 2, 1], dtype="Int64"),
    "bool": pd.Series([True, False, True]),
    "boolean": pd.array([True, None, False], dtype="boolean"),
    "datetime": pd.Series(pd.to_datetime(["2020-01-01 00:00", None, "2021-05-05 03:04"])),
    "datetime in a zone": pd.Series(pd.to_datetime(["2020-01-01 00:00", None, "2021-05-05 03:04"])
                                    .tz_localize("Europe/Paris")),
    "timestamps of two zones": pd.Series(ZONES + [pd.NaT, None, ZONES[0]], dtype=object),
    "lists": pd.Series([[1, 2], [1, 2], [True], [1], None, [], np.array([1, 2]), {"a": 1}, (1,),
                        [1.0], np.nan], dtype=object),
    "categories, unused and NA": pd.Series(pd.Categorical(["b", None, "a", "b", "Straße"],
                                                          categories=["a", "b", "unused", "Straße"])),
    "numeric categories": pd.Series(pd.Categorical([0.123456789, None, 2.0, 1.0],
                                                   categories=[0.123456789, 2.0, 3.0, 1.0])),
    "double[pyarrow]": pd.Series([0.0, -0.0, None, 2.5], dtype="double[pyarrow]"),
    "double[pyarrow], NaN beside null": pd.Series(pd.arrays.ArrowExtensionArray(
        pa.array([float("nan"), None, 1.0, -0.0, 0.0]))),
    "list[pyarrow]": pd.Series([[1, 2], None, [3], [1, 2]], dtype=pd.ArrowDtype(pa.list_(pa.int64()))),
    "timestamp[pyarrow]": pd.Series([pd.Timestamp("2020-01-01", tz="UTC"), None],
                                    dtype="timestamp[us, UTC][pyarrow]"),
    "empty": pd.Series([], dtype=object),
    "only missing": pd.Series([None, None, np.nan, pd.NA, pd.NaT], dtype=object),
}


@pytest.mark.parametrize("name", list(COLUMNS))
def test_search_finds_the_rows_their_cells_read(name: str) -> None:
    column = pd.Series(COLUMNS[name])
    q = FrameQuery(pd.DataFrame({"c": column}))
    for fmt_name, fmt in FORMATTERS.items():
        formatters = {} if fmt is None else {"c": fmt}
        for text in NEEDLES:
            got = shown_search_mask(q, ["c"], formatters, text)
            assert got.tolist() == row_by_row(column, fmt, text).tolist(), (fmt_name, text)


def test_search_over_several_columns_and_the_index(tasks_df: pd.DataFrame) -> None:
    q = FrameQuery(tasks_df)
    columns = ["status", "assignee", "tags", "created", q.index_key]
    formatters = {"assignee": {10: "Ann", 11: "Bob"}.get}
    q.set_shown(columns, formatters)
    for text in ["bob", "pending", "2025", "12", "ann"]:
        q.set_search(text)
        expected = np.zeros(len(tasks_df), dtype=bool)
        for c in columns:
            expected |= row_by_row(q.column(c), formatters.get(c), text)
        assert q.mask.tolist() == expected.tolist(), text
        assert expected.any() and (text == "2025" or not expected.all()), text


def test_each_distinct_value_is_read_once_and_rows_stay_in_numpy(monkeypatch) -> None:
    rng = np.random.default_rng(5)
    n = 20_000
    ids = pd.Series(rng.choice([1.0, 2.0, 3.0, np.nan], n))          # user ids, NaN: none
    words = pd.Series(rng.choice(np.array(["Straße", "x", None, "y"], dtype=object), n))
    status = pd.Series(pd.Categorical(rng.choice(["a", "b"], n), categories=["a", "b", "c"]))
    q = FrameQuery(pd.DataFrame({"who": ids, "word": words, "status": status}))
    formatted: list[Any] = []
    to_python = []
    tolist = pd.Series.tolist

    def counting_tolist(series: pd.Series) -> list[Any]:
        out = tolist(series)
        to_python.append(len(out))
        return out

    def names(value: Any) -> Any:
        formatted.append(value)
        return _names(value)

    monkeypatch.setattr(pd.Series, "tolist", counting_tolist)
    mask = shown_search_mask(q, ["who", "word", "status"], {"who": names}, "STRASSE")
    monkeypatch.undo()
    # four distinct ids (one of them the missing NaN) formatted four times, not once a row
    assert len(formatted) == 4
    # the values read are the distinct ones; no column became a list of 20,000 objects
    assert sum(to_python) <= 4 + 4 + 2
    expected = (row_by_row(ids, _names, "strasse") | row_by_row(words, None, "strasse")
                | row_by_row(status, None, "strasse"))
    assert mask.tolist() == expected.tolist() and mask.any()
