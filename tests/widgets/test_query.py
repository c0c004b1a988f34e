"""FrameQuery: filtering, search, sorting and paging on typed frames, and on a million rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from synapse_nb.widgets.query import FrameQuery


def test_status_filter_matches_pandas(tasks_df):
    q = FrameQuery(tasks_df, page_size=7)
    q.set_filter("status", "completed")
    expected = tasks_df.index[tasks_df["status"] == "completed"].tolist()
    assert q.frame.iloc[q.positions].index.tolist() == expected
    assert q.count == len(expected) == 20
    assert q.page_count == 3


def test_several_values_and_clearing(tasks_df):
    q = FrameQuery(tasks_df)
    q.set_filter("status", ["completed", "pending"])
    assert q.count == 40
    q.set_filter("status", None)
    assert q.count == len(tasks_df)


def test_project_filter_from_text_box_value(tasks_df):
    q = FrameQuery(tasks_df)
    q.set_filter("project", "7")  # a text box gives text; the column is an integer
    assert q.count == len(tasks_df)
    q.set_filter("project", "8")
    assert q.count == 0


def test_tags_filter_on_arrow_list_column(tasks_df):
    assert isinstance(tasks_df["tags"].dtype, pd.ArrowDtype)
    q = FrameQuery(tasks_df)
    q.set_filter("tags", 3)
    expected = [i for i, tags in tasks_df["tags"].items() if 3 in list(tags)]
    assert q.frame.iloc[q.positions].index.tolist() == expected
    assert expected  # the fixture has tasks tagged 3


def test_label_filter_reads_annotation_payload(tasks_df):
    q = FrameQuery(tasks_df)
    q.set_filter("label", "tree")
    got = q.frame.iloc[q.positions]
    assert len(got) > 0
    assert all('"tree"' in d for d in got["data"])
    assert all('"tree"' not in d for d in tasks_df.drop(got.index)["data"])


def test_search_is_case_insensitive_and_finds_ids(tasks_df):
    q = FrameQuery(tasks_df)
    q.set_search("IMG_12.PNG")
    assert q.frame.iloc[q.positions].index.tolist() == [12]
    q.set_search("17")
    assert 17 in q.frame.iloc[q.positions].index
    q.set_search("in_prog")  # categorical status is searched through its categories
    assert set(q.frame.iloc[q.positions]["status"]) == {"in_progress"}


def test_filters_combine(tasks_df):
    q = FrameQuery(tasks_df)
    q.set_filter("status", "pending")
    q.set_filter("tags", 1)
    expected = [i for i, r in tasks_df.iterrows() if r.status == "pending" and 1 in list(r.tags)]
    assert q.frame.iloc[q.positions].index.tolist() == expected


def test_sort_both_ways_with_missing_last():
    df = pd.DataFrame({"score": [3.0, None, 1.0, 2.0]}, index=pd.Index([10, 11, 12, 13], name="id"))
    q = FrameQuery(df)
    q.set_sort("score", ascending=True)
    assert q.page_frame().index.tolist() == [12, 13, 10, 11]
    q.set_sort("score", ascending=False)
    assert q.page_frame().index.tolist() == [10, 13, 12, 11]
    q.set_sort("id", ascending=False)  # the index sorts too
    assert q.page_frame().index.tolist() == [13, 12, 11, 10]


def test_sort_a_list_column_falls_back_to_text(tasks_df):
    q = FrameQuery(tasks_df)
    q.set_sort("tags")
    texts = [str(list(v)) for v in q.page_frame()["tags"]]
    assert len(texts) == 20


def test_paging_clamps_and_filter_goes_back_to_page_one(tasks_df):
    q = FrameQuery(tasks_df, page_size=25)
    q.set_page(99)
    assert q.page == 2 and len(q.page_frame()) == 10
    q.set_filter("status", "pending")
    assert q.page == 0
    with pytest.raises(ValueError, match="page_size"):
        q.set_page_size(0)


def test_unknown_column_says_which_exist(tasks_df):
    q = FrameQuery(tasks_df)
    with pytest.raises(KeyError, match="no column 'nope'"):
        q.set_filter("nope", 1)


def _million() -> tuple[pd.DataFrame, np.ndarray]:
    """A million tasks-like rows, and which of them hold tag 3 (row i holds [i % 7] when
    i % 3 != 0), built vectorised so the test spends its time in the browser."""
    n = 1_000_000
    rng = np.random.default_rng(0)
    i = np.arange(n)
    has = i % 3 != 0
    offsets = np.concatenate([[0], np.cumsum(has)]).astype(np.int32)
    tags = pa.ListArray.from_arrays(pa.array(offsets), pa.array((i % 7)[has], pa.int64()))
    df = pd.DataFrame({
        "status": pd.Categorical.from_codes(rng.integers(0, 3, n), ["pending", "in_progress",
                                                                   "completed"]),
        "project": rng.integers(1, 5, n),
        "score": rng.random(n),
        "tags": pd.arrays.ArrowExtensionArray(tags),
    }, index=pd.Index(np.arange(1, n + 1), name="id"))
    return df, has & (i % 7 == 3)


def test_million_rows_render_one_page_only():
    from synapse_nb.widgets import RecordBrowser

    df, tagged_3 = _million()
    browser = RecordBrowser(df, page_size=20)
    assert len(browser.view.table["cells"]) == 20
    browser.set_filter("status", "completed")
    browser.set_filter("tags", 3)
    browser.sort_by("score", ascending=False)
    browser.go_to(5)
    expected = df[(df.status == "completed").to_numpy() & tagged_3]
    expected = expected.sort_values("score", ascending=False, kind="stable")
    assert browser.query.count == len(expected)
    shown = [int(r[0]) for r in browser.view.table["cells"]]
    assert shown == expected.index[80:100].tolist()
    # What goes to the frontend is the page alone: nothing grew with the frame.
    assert len(browser.view.table["ids"]) == 20 and len(browser.view.gallery) == 0


def test_label_filter_is_exact_and_reads_non_ascii_labels():
    import json

    rows = [
        {"annotations": [{"type": "bbox", "label": "사람"}]},                 # raw UTF-8
        {"annotations": [{"type": "bbox", "label": "tree"}]},
        {"annotations": [{"type": "bbox", "label": "car"}], "metadata": {"note": "tree"}},
        {"annotations": [{"type": "bbox", "class": "tree"}]},                 # v2 spelling
    ]
    texts = [json.dumps(rows[0], ensure_ascii=False), json.dumps(rows[1]), json.dumps(rows[2]),
             json.dumps(rows[3])]
    df = pd.DataFrame({"data": texts, "n": range(4)})
    q = FrameQuery(df)
    q.set_filter("label", "tree")
    assert q.positions.tolist() == [1, 3]  # not row 2, whose "tree" is not a label
    q.set_filter("label", "사람")
    assert q.positions.tolist() == [0]
    escaped = FrameQuery(pd.DataFrame({"data": [json.dumps(rows[0])]}))  # \\u-escaped text
    escaped.set_filter("label", "사람")
    assert escaped.count == 1
    dicts = FrameQuery(pd.DataFrame({"data": rows}))  # objects, not JSON text
    dicts.set_filter("label", ["사람", "car"])
    assert dicts.positions.tolist() == [0, 2]
