"""``snb.to_polars``: the same columns, values and (matching) dtypes as the pandas frames,
from Arrow buffers polars takes without a copy."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import synapse_nb as snb
from synapse_nb.frames import FRAME_FUNCTIONS, annotations_frame
from synapse_nb.scale.polars import polars_from_arrow

pl = pytest.importorskip("polars", reason="polars is the [polars] extra")


def _polars_type(dtype: Any) -> Any:
    """The polars type that stands for a pandas dtype of the frames."""
    if isinstance(dtype, pd.CategoricalDtype):
        return pl.Enum(list(dtype.categories))
    if isinstance(dtype, pd.ArrowDtype):
        return pl.from_arrow(pa.array([], type=dtype.pyarrow_dtype)).dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        return pl.Datetime(dtype.unit, str(dtype.tz))
    name = str(dtype)
    return {"Int64": pl.Int64, "int64": pl.Int64, "Float64": pl.Float64, "float64": pl.Float64,
            "boolean": pl.Boolean, "bool": pl.Boolean, "str": pl.String, "string": pl.String,
            "object": pl.String}[name]


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def _assert_same(frame: pd.DataFrame, got: Any) -> None:
    want = frame.reset_index() if frame.index.name is not None else frame
    assert got.columns == list(want.columns)
    assert got.height == len(want) > 0
    for name in want.columns:
        assert got.schema[name] == _polars_type(want[name].dtype), name
        assert [_plain(v) for v in got[name].to_list()] == [_plain(v) for v in want[name].tolist()], name


@pytest.mark.parametrize("resource, filters", [
    ("tasks", {"project": 1}),
    ("assignments", {"project": 1}),
    ("ground_truth_events", {"ground_truth_dataset_versions": 2}),
    ("data_units", {}),
    ("projects", {}),
    ("models", {}),
])
def test_the_polars_frame_equals_the_pandas_frame(client: Any, resource: str,
                                                   filters: dict[str, Any]) -> None:
    frame = FRAME_FUNCTIONS[f"{resource}_frame"](client, progress=False, **filters)
    _assert_same(frame, snb.to_polars(client, resource, progress=False, **filters))


def test_annotations_as_polars_equal_annotations_frame(client: Any) -> None:
    frame = annotations_frame(client, project=1, progress=False)
    got = snb.to_polars(client, "annotations", project=1, progress=False)
    _assert_same(frame, got)
    assert got.schema["points"] == pl.List(pl.List(pl.Float64))


def test_polars_takes_the_arrow_buffers_without_a_copy() -> None:
    ids = pa.array(np.arange(100_000, dtype="int64"))
    table = pa.table({"id": ids, "status": pa.array(["a", "b"] * 50_000).dictionary_encode()})
    frame = polars_from_arrow(table)
    # polars hands its buffers back to Arrow without a copy too: the same address means
    # the frame reads the table's own memory
    assert frame["id"].to_arrow().buffers()[1].address == ids.buffers()[1].address
    copied = pl.Series("id", ids.to_numpy().copy())
    assert copied.to_arrow().buffers()[1].address != ids.buffers()[1].address


def test_an_enum_keeps_the_declared_categories_then_new_values(client: Any) -> None:
    got = snb.to_polars(client, "tasks", project=1, status="completed", progress=False)
    assert set(got["status"].to_list()) == {"completed"}
    assert got.schema["status"] == pl.Enum(["pending", "in_progress", "completed"])


def test_an_async_client_or_an_unknown_resource_is_refused_before_any_request(client: Any) -> None:
    with pytest.raises(ValueError, match="unknown resource 'taskz'"):
        snb.to_polars(client, "taskz")
    aclient = snb.AsyncSynapseClient(client.base_url, access_token="x")
    with pytest.raises(TypeError, match="to_polars got an async client"):
        snb.to_polars(aclient, "tasks")


def test_the_module_examples_run() -> None:
    import doctest

    import synapse_nb.scale.polars as module

    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0
