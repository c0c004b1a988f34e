"""records -> RecordBatch -> DataFrame on hand-made records: types, flattening, odd input."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pytest

from synapse_nb.frames import RESOURCES, records_to_batch, table_to_frame
from synapse_nb.frames.schema import TASK_STATUS

from .fakes import make_task


def frame(records, name="tasks"):
    res = RESOURCES[name]
    batch, stats = records_to_batch(records, res)
    return table_to_frame(pa.Table.from_batches([batch], schema=res.schema), res.columns), stats


EXPECTED_TASK_DTYPES = {
    "project": "Int64", "data_unit": "Int64", "status": "category", "assignee": "Int64",
    "priority": "category", "is_discarded": "boolean", "created": "datetime64[us, UTC]",
    "annotation_count": "Int64", "primary_file_url": "str", "data": "str",
}


def test_task_dtypes_and_index():
    df, stats = frame([make_task(1), make_task(2)])
    assert df.index.name == "id" and df.index.dtype == "int64"
    assert df.index.tolist() == [1, 2]
    for col, dtype in EXPECTED_TASK_DTYPES.items():
        assert str(df[col].dtype) == dtype, col
    assert list(df["status"].cat.categories) == list(TASK_STATUS)
    assert df.loc[1, "created"] == pd.Timestamp("2025-06-01T10:00:00Z")
    assert df.loc[2, "primary_file_url"].endswith("/files/2.jpg?sig=x")
    assert df.loc[1, "annotation_count"] == 2
    assert df.loc[1, "data.metadata.annotator_id"] == "user1"
    assert json.loads(df.loc[1, "meta"]) == {"source": "cam"}
    assert df.loc[1, "tags"] == [1, 1]
    assert stats.as_dict()["coerced_values"] == {}


@pytest.mark.parametrize("name", sorted(RESOURCES))
def test_empty_result_has_every_declared_column(name):
    df, _ = frame([], name)
    res = RESOURCES[name]
    assert df.shape == (0, len(res.columns) - 1)
    assert list(df.columns) == res.column_names[1:]
    for col in res.columns:
        if col.kind == "enum":
            assert list(df[col.name].cat.categories) == list(col.categories)


def test_same_shape_whatever_the_server_sends():
    full, _ = frame([make_task(1)])
    sparse, _ = frame([{"id": 5}])
    extra, _ = frame([{**make_task(6), "brand_new_field": {"x": 1}, "another": 3}])
    assert list(full.columns) == list(sparse.columns) == list(extra.columns)
    assert full.dtypes.equals(sparse.dtypes) and full.dtypes.equals(extra.dtypes)
    assert sparse.loc[5].isna().all()
    assert json.loads(extra.loc[6, "extra"]) == {"another": 3, "brand_new_field": {"x": 1}}
    assert pd.isna(full.loc[1, "extra"])


def test_expanded_objects_and_v2_aliases_become_ids():
    rec = {"id": 1, "project_id": 9, "data_unit": {"id": 44, "data_collection": 3,
           "files": {"img": {"url": "http://h/u.png"}}}, "assignee": {"id": 12, "name": "kim"}}
    df, _ = frame([rec])
    assert df.loc[1, "project"] == 9
    assert df.loc[1, "data_unit"] == 44
    assert df.loc[1, "data_unit.data_collection"] == 3
    assert df.loc[1, "assignee"] == 12
    assert df.loc[1, "primary_file_url"] == "http://h/u.png"  # from the expanded unit


def test_bad_values_become_null_and_are_counted():
    recs = [{"id": 1, "project": "seven", "created": "yesterday", "is_discarded": "maybe",
             "tags": "x"}, {"id": 2, "project": "8", "created": "2025-01-01T00:00:00"}]
    df, stats = frame(recs)
    assert pd.isna(df.loc[1, "project"]) and df.loc[2, "project"] == 8
    assert pd.isna(df.loc[1, "created"])
    assert df.loc[2, "created"] == pd.Timestamp("2025-01-01", tz="UTC")  # naive -> UTC
    assert pd.isna(df.loc[1, "is_discarded"])
    coerced = stats.as_dict()["coerced_values"]
    assert coerced["project"] == 1 and coerced["created"] == 1 and coerced["is_discarded"] == 1


def test_unknown_enum_value_is_kept_after_declared_categories():
    df, stats = frame([{"id": 1, "status": "archived"}, {"id": 2, "status": "pending"}])
    assert list(df["status"].cat.categories) == [*TASK_STATUS, "archived"]
    assert df.loc[1, "status"] == "archived"
    assert stats.as_dict()["unknown_categories"] == {"status": ["archived"]}


def test_records_without_id_are_skipped_and_counted():
    df, stats = frame([{"id": 1}, {"project": 3}, "not a dict", None])
    assert df.index.tolist() == [1]
    assert stats.rows_without_id == 3


def test_job_ids_are_text_and_status_folded():
    df, _ = frame([{"id": "7b0e-uuid", "status": "RUNNING"}, {"id": 12, "status": "failed"}], "jobs")
    assert df.index.tolist() == ["7b0e-uuid", "12"]
    assert df["status"].tolist() == ["running", "failed"]


def test_timestamps_with_offsets_are_utc():
    df, _ = frame([{"id": 1, "created": "2025-01-01T09:00:00+09:00"}])
    assert df.loc[1, "created"] == pd.Timestamp("2025-01-01T00:00:00Z")


def test_expand_json_flattens_a_json_column_on_demand():
    from synapse_nb.frames import expand_json

    df, _ = frame([{**make_task(1), "meta": {"camera": "c1", "size": {"w": 320, "h": 240}}},
                   {**make_task(2), "meta": None}])
    wide = expand_json(df, "meta", depth=2, drop=True)
    assert "meta" not in wide.columns
    assert wide.loc[1, "meta.camera"] == "c1" and wide.loc[1, "meta.size.w"] == 320
    assert pd.isna(wide.loc[2, "meta.camera"])
    assert list(wide.index) == [1, 2]
    with pytest.raises(KeyError, match="no column 'nope'"):
        expand_json(df, "nope")


def _per_column(monkeypatch, records, name="tasks"):
    """records_to_batch with the struct fast path off: every column its own way."""
    from synapse_nb.frames import convert

    res = RESOURCES[name]
    with monkeypatch.context() as m:
        m.setattr(convert, "_struct_plan", lambda r: convert._StructPlan(pa.struct([]), frozenset()))
        return records_to_batch(records, res)


@pytest.mark.parametrize("bad_at", [0, 300, 599])
@pytest.mark.parametrize("name", ["tasks", "assignments", "jobs"])
def test_batch_the_struct_fast_path_refuses_equals_the_per_column_path(monkeypatch, bad_at, name):
    # One odd value (any chunk of the batch) makes Arrow refuse the struct of plain fields;
    # the batch must then come out exactly as column by column (values, nulls, counts).
    recs = [{**make_task(i), "status": ("pending", "RUNNING")[i % 2], "project_id": i,
             "user": {"id": i}, "action": "x", "surprise": i % 7 or None} for i in range(1, 601)]
    recs[bad_at] = {**recs[bad_at], "project": "seven", "priority": "urgent", "created": 3.5,
                    "tags": [1, "2"], "assignee": {"id": 4}, "is_discarded": 1}
    recs[bad_at + 1 if bad_at < 599 else 0]["status"] = "archived"
    fast, fast_stats = records_to_batch(recs, RESOURCES[name])
    slow, slow_stats = _per_column(monkeypatch, recs, name)
    assert fast.equals(slow)
    assert fast_stats.as_dict() == slow_stats.as_dict()
    if name == "tasks":
        assert fast_stats.as_dict()["coerced_values"]["project"] == 1


def test_fast_path_equals_the_per_column_path(monkeypatch):
    recs = [make_task(i) for i in range(1, 700)] + [{"id": 700, "project_id": 5}, "junk", None]
    recs[10]["status"] = "archived"
    recs[20]["created"] = "not a time"  # the timestamp cast fails: that column per value
    fast, fast_stats = records_to_batch(recs, RESOURCES["tasks"])
    slow, slow_stats = _per_column(monkeypatch, recs)
    assert fast.equals(slow)
    assert fast_stats.as_dict() == slow_stats.as_dict()
    assert fast_stats.as_dict()["coerced_values"] == {"created": 1}
    assert fast.column("project").to_pylist()[-1] == 5
