"""Frame functions over an in-memory paginate: params, sync/async, report, progress, streaming."""

from __future__ import annotations

import asyncio

import pandas as pd
import pyarrow.parquet as pq
import pytest

from synapse_nb.frames import (
    assignments_frame,
    iter_frames,
    iter_frames_async,
    jobs_frame,
    tasks_frame,
    tasks_frame_async,
    to_arrow,
    to_arrow_async,
    to_parquet,
)
from synapse_nb.frames import fetch as fetch_mod
from synapse_nb.frames.fetch import build_params
from synapse_nb.frames.schema import RESOURCES

from .fakes import FakeAsyncClient, FakeClient, make_task

TASKS = [make_task(i) for i in range(1, 251)]


def test_filters_become_query_params():
    client = FakeClient(TASKS)
    tasks_frame(client, project=7, status=["pending", "completed"], tags={3, 1}, assignee=None,
                page_size=50, concurrency=3, params={"include_annotations": True})
    path, params, kw = client.calls[-1]
    assert path == "sdk/tasks/"
    assert params == {"project": "7", "status": "pending,completed", "tags": "1,3",
                      "include_annotations": "true"}
    assert kw == {"page_size": 50, "concurrency": 3}


def test_unknown_filter_says_what_to_do():
    with pytest.raises(TypeError, match=r"unknown filter\(s\) projet.*Known filters: project"):
        tasks_frame(FakeClient(TASKS), projet=7)
    with pytest.raises(TypeError, match="takes one value"):
        build_params(RESOURCES["tasks"], {"project": [1, 2]})


def test_sync_frame_and_report():
    df = tasks_frame(FakeClient(TASKS), progress=False)
    assert len(df) == 250 and df.index.is_unique and df.index.tolist() == list(range(1, 251))
    rep = df.attrs["fetch_report"]
    assert rep["pages"] == 3 and rep["rows"] == 250 and rep["count"] == 250
    assert rep["duplicates_dropped"] == 0 and rep["count_drift"] is False
    assert rep["source"] == "server" and rep["elapsed"] >= 0


def test_async_twin_gives_the_same_frame_and_each_refuses_the_other_kind():
    sync_df = tasks_frame(FakeClient(TASKS), progress=False)
    async_df = asyncio.run(tasks_frame_async(FakeAsyncClient(TASKS), progress=False))
    pd.testing.assert_frame_equal(sync_df, async_df)
    with pytest.raises(TypeError, match="tasks_frame_async"):
        tasks_frame(FakeAsyncClient(TASKS))
    with pytest.raises(TypeError, match=r"tasks_frame\(client"):
        asyncio.run(tasks_frame_async(FakeClient(TASKS)))


def test_duplicates_across_pages_are_dropped_and_reported():
    # A row inserted at the head during the fetch shifts rows onto the next page.
    pages = [[make_task(1), make_task(2)], [make_task(2), make_task(3)], [make_task(3), make_task(4)]]
    df = tasks_frame(FakeClient(pages=pages, count=5), progress=False)
    assert df.index.tolist() == [1, 2, 3, 4]
    rep = df.attrs["fetch_report"]
    assert rep["duplicates_dropped"] == 2 and rep["count_drift"] is True


def test_frame_guards_against_a_client_that_does_not_dedupe(monkeypatch):
    class Raw(FakeClient):
        def paginate(self, path, params=None, **kw):
            return [[{"id": 1}, {"id": 2}], [{"id": 2, "status": "pending"}]]
    df = tasks_frame(Raw(), progress=False)
    assert df.index.tolist() == [1, 2] and df.attrs["fetch_report"]["duplicates_dropped"] == 1


class FakeBar:
    made: list["FakeBar"] = []

    def __init__(self, total=None, **kw):
        self.total, self.n, self.closed = total, 0, False
        FakeBar.made.append(self)

    def update(self, n):
        self.n += n

    def close(self):
        self.closed = True


@pytest.fixture
def bars(monkeypatch):
    import tqdm.auto
    FakeBar.made = []
    monkeypatch.setattr(tqdm.auto, "tqdm", FakeBar)
    return FakeBar.made


def test_progress_bar_only_for_long_fetches(bars):
    tasks_frame(FakeClient(TASKS[:400]))  # 4 pages of 100: short
    assert bars == []
    tasks_frame(FakeClient(TASKS[:250], page_size=50))  # 5 pages: long
    assert len(bars) == 1 and bars[0].total == 250 and bars[0].n == 250 and bars[0].closed
    tasks_frame(FakeClient(TASKS[:10]), progress=True)
    assert len(bars) == 2
    tasks_frame(FakeClient(TASKS, page_size=10), progress=False)
    assert len(bars) == 2


def test_iter_frames_chunks_exactly():
    chunks = list(iter_frames(FakeClient(TASKS, page_size=30), "tasks", rows=100, progress=False))
    assert [len(c) for c in chunks] == [100, 100, 50]
    assert pd.concat(chunks).index.tolist() == list(range(1, 251))
    assert chunks[-1].attrs["fetch_report"]["rows"] == 250
    assert all(list(c.columns) == list(chunks[0].columns) for c in chunks)
    empty = list(iter_frames(FakeClient([]), "tasks", rows=10))
    assert len(empty) == 1 and len(empty[0]) == 0 and "status" in empty[0].columns


def test_iter_frames_async():
    async def collect():
        return [c async for c in iter_frames_async(FakeAsyncClient(TASKS), "annotations:tasks", rows=120)]
    chunks = asyncio.run(collect())
    assert sum(len(c) for c in chunks) == 500 and len(chunks[0]) == 120


def test_to_arrow_and_to_parquet_keep_declared_schema(tmp_path):
    table = to_arrow(FakeClient(TASKS), "tasks", project=7)
    assert table.schema == RESOURCES["tasks"].schema and table.num_rows == 250
    path = to_parquet(FakeClient(TASKS), tmp_path / "t.parquet", "tasks")
    assert pq.read_table(path).num_rows == 250
    empty = to_parquet(FakeClient([]), tmp_path / "e.parquet", "assignments")
    assert pq.read_schema(empty).names == RESOURCES["assignments"].column_names
    df = tasks_frame(FakeClient(TASKS))
    back = to_arrow(df)
    assert back.num_rows == 250 and "id" in back.column_names
    assert asyncio.run(to_arrow_async(FakeAsyncClient(TASKS), "tasks")).num_rows == 250


def test_failed_fetch_leaves_no_parquet_file(tmp_path):
    class Broken(FakeClient):
        def paginate(self, path, params=None, **kw):
            def gen():
                yield [make_task(1)]
                raise ConnectionError("lost")
            return gen()
    with pytest.raises(ConnectionError):
        to_parquet(Broken(), tmp_path / "x.parquet", "tasks")
    assert not (tmp_path / "x.parquet").exists()


def test_other_resources_use_their_paths():
    client = FakeClient([{"id": 1, "status_label": "completed"}])
    df = assignments_frame(client, status_label=["completed", "skipped"])
    assert client.calls[-1][:2] == ("sdk/assignments/", {"status_label": "completed,skipped"})
    assert df.loc[1, "status_label"] == "completed"
    jobs_frame(client)
    assert client.calls[-1][0] == "jobs/"


@pytest.mark.parametrize("pages, progress, bar", [(4, None, False), (5, None, True),
                                                  (1, True, True), (9, False, False)])
def test_progress_bar_only_for_long_fetches_unless_asked(monkeypatch, pages, progress, bar):
    import tqdm.auto

    made = []

    class Bar:
        def __init__(self, total=None, **kw):
            made.append(total)

        def update(self, n):
            pass

        def close(self):
            pass

    monkeypatch.setattr(tqdm.auto, "tqdm", Bar)
    client = FakeClient([make_task(i) for i in range(1, pages * 2 + 1)], page_size=2)
    df = tasks_frame(client, progress=progress)
    assert len(df) == pages * 2
    assert made == ([pages * 2] if bar else []), f"{pages} pages (threshold {fetch_mod.SHORT_FETCH_PAGES})"


def test_a_non_client_gets_a_clear_error():
    with pytest.raises(TypeError, match="need a synapse_nb client"):
        tasks_frame(object())
