"""Frames against the reference server over loopback, through the real client.

Checks every adapter's dtypes and index, flattening, empty results, missing and extra
fields, the annotations frame against the raw records (read with plain httpx, not through
the frames), the cache and its refresh, and a fetch during which rows are inserted.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time

import httpx
import pandas as pd
import pyarrow.parquet as pq
import pytest

from synapse_nb import frames
from synapse_nb.frames import annotations_frame, iter_frames, refresh, tasks_frame, tasks_frame_async, to_parquet
from synapse_nb.frames.schema import RESOURCES

client_mod = pytest.importorskip(
    "synapse_nb.client", reason="synapse_nb.client is another engineer's package")
if not hasattr(client_mod, "SynapseClient"):
    pytest.skip("synapse_nb.client has no SynapseClient yet (client not landed)",
                allow_module_level=True)
SynapseClient = client_mod.SynapseClient
AsyncSynapseClient = client_mod.AsyncSynapseClient

FRAME_FUNCS = {
    "tasks": frames.tasks_frame, "assignments": frames.assignments_frame,
    "ground_truth_events": frames.ground_truth_events_frame, "models": frames.models_frame,
    "projects": frames.projects_frame, "data_units": frames.data_units_frame,
    "task_tags": frames.task_tags_frame, "jobs": frames.jobs_frame,
}


def _headers(server) -> dict[str, str]:
    return {"Synapse-Access-Token": f"Token {server.access_token}"}


def raw_list(server, path: str, **params) -> list[dict]:
    """Every record of a list endpoint, page after page with plain httpx (the oracle)."""
    out, url = [], f"{server.base_url}/{path}"
    query = {"page_size": 1000, **params}
    while url:
        body = httpx.get(url, params=query, headers=_headers(server), timeout=60).json()
        out += body["results"]
        url, query = body["next"], None
    return out


@pytest.fixture(scope="module")
def client(live_server):
    with SynapseClient(live_server.base_url, access_token=live_server.access_token) as c:
        yield c


@pytest.mark.parametrize("name", sorted(FRAME_FUNCS))
def test_every_adapter_has_declared_columns_dtypes_and_index(client, live_server, name):
    df = FRAME_FUNCS[name](client, progress=False)
    res = RESOURCES[name]
    raw = raw_list(live_server, res.path)
    assert list(df.columns) == res.column_names[1:]
    assert df.index.name == "id" and df.index.is_unique
    assert sorted(map(str, df.index)) == sorted(str(r["id"]) for r in raw)
    assert df.index.dtype == ("str" if name == "jobs" else "int64")
    for col in res.columns[1:]:
        dtype = str(df[col.name].dtype)
        expected = {"int": "Int64", "str": "str", "bool": "boolean", "ts": "datetime64[us, UTC]",
                    "enum": "category", "json": "str", "ints": "list<item: int64>[pyarrow]",
                    "strs": "list<item: string>[pyarrow]"}[col.kind]
        assert dtype == expected, (col.name, dtype)
        if col.kind == "enum":
            assert list(df[col.name].cat.categories)[:len(col.categories)] == list(col.categories)
    report = df.attrs["fetch_report"]
    assert report["rows"] == len(raw) == len(df) and report["count"] == len(raw)
    assert report["duplicates_dropped"] == 0 and not report["count_drift"]
    assert report["conversion"]["coerced_values"] == {}


def test_task_values_match_the_server(client, live_server):
    raw = {r["id"]: r for r in raw_list(live_server, "sdk/tasks/", project=1)}
    df = tasks_frame(client, project=1, progress=False)
    for tid in list(raw)[:: max(1, len(raw) // 25)]:
        rec, row = raw[tid], df.loc[tid]
        assert row["status"] == rec["status"] and row["priority"] == rec["priority"]
        assert row["project"] == rec["project"] and row["data_unit"] == rec["data_unit"]
        assert list(row["tags"]) == rec["tags"]
        assert row["created"] == pd.Timestamp(rec["created"])
        primary = next(f["url"] for f in rec["files"].values() if f.get("is_primary"))
        assert row["primary_file_url"] == primary
        assert (json.loads(row["data"]) if isinstance(row["data"], str) else None) == rec["data"]


def test_filters_lists_are_comma_separated(client, live_server):
    df = tasks_frame(client, project=2, status=["completed", "in_progress"], progress=False)
    raw = raw_list(live_server, "sdk/tasks/", project=2, status="completed,in_progress")
    assert sorted(df.index) == sorted(r["id"] for r in raw) and len(raw) > 0
    assert set(df["status"].dropna()) <= {"completed", "in_progress"}


def test_expanded_data_unit_flattens_and_keeps_ids(client):
    plain = tasks_frame(client, project=3, progress=False)
    expanded = tasks_frame(client, project=3, expand="data_unit", progress=False)
    assert list(plain.columns) == list(expanded.columns)
    assert expanded["data_unit"].equals(plain["data_unit"])
    assert expanded["data_unit.data_collection"].notna().all()
    assert plain["data_unit.data_collection"].isna().all()


def test_empty_result_keeps_shape(client):
    full = tasks_frame(client, project=1, progress=False)
    empty = tasks_frame(client, project=1, id__in=[987654], progress=False)  # a project, no rows
    assert len(empty) == 0 and list(empty.columns) == list(full.columns)
    assert empty.dtypes.equals(full.dtypes)
    assert empty.attrs["fetch_report"]["rows"] == 0


def test_missing_and_extra_fields_keep_shape(client):
    full = tasks_frame(client, project=3, progress=False)
    sparse = tasks_frame(client, project=3, fields="id,status", progress=False)  # fields missing
    extra = tasks_frame(client, project=3, expand="assignment", progress=False)   # a field more
    for other in (sparse, extra):
        assert list(other.columns) == list(full.columns) and other.dtypes.equals(full.dtypes)
    assert sparse["status"].equals(full["status"])
    assert sparse["project"].isna().all() and sparse["annotation_count"].isna().all()
    assigned = extra["extra"].dropna()
    assert len(assigned) > 0 and all("assignment" in json.loads(x) for x in assigned)
    assert full["extra"].isna().all()


def test_annotations_match_task_objects_one_for_one(client, live_server):
    raw = raw_list(live_server, "sdk/tasks/", project=2)
    ann = annotations_frame(client, project=2, progress=False)
    expected = [(t["id"], k, a.get("label"), a.get("type")) for t in raw
                for k, a in enumerate((t.get("data") or {}).get("annotations") or [])]
    got = list(zip(ann["source_id"], ann["index"], ann["label"], ann["type"].astype(str)))
    assert got == expected and len(expected) > 0
    polys = ann[ann["type"] == "polygon"]
    assert (polys["area"] > 0).all() and polys["points"].notna().all()
    assert ann["primary_file_url"].notna().all()


def test_ground_truth_annotations_and_primary_image(client, live_server):
    raw = raw_list(live_server, "sdk/ground_truth_events/")
    ann = annotations_frame(client, of="ground_truth_events", progress=False)
    n = sum(len((e.get("data") or {}).get("annotations") or []) for e in raw)
    assert len(ann) == n and (ann["source"] == "ground_truth_event").all()
    events = frames.ground_truth_events_frame(client, progress=False)
    assert events["primary_file_url"].notna().all()


def test_async_client_gives_the_same_frame(client, live_server):
    sync_df = tasks_frame(client, project=3, progress=False)

    async def run():
        async with AsyncSynapseClient(live_server.base_url,
                                      access_token=live_server.access_token) as aclient:
            return await tasks_frame_async(aclient, project=3, progress=False)
    async_df = asyncio.run(run())
    pd.testing.assert_frame_equal(sync_df, async_df, check_flags=False)


def test_streaming_and_parquet(client, tmp_path):
    whole = tasks_frame(client, project=1, progress=False)
    chunks = list(iter_frames(client, "tasks", rows=300, project=1, page_size=128))
    assert [len(c) for c in chunks[:-1]] == [300] * (len(chunks) - 1)
    pd.testing.assert_frame_equal(pd.concat(chunks), whole, check_flags=False)
    path = to_parquet(client, tmp_path / "tasks.parquet", "tasks", project=1)
    table = pq.read_table(path)
    assert table.num_rows == len(whole) and table.schema == RESOURCES["tasks"].schema


def _create_tasks(server, n: int, unit: int = 1, project: int = 1) -> list[int]:
    r = httpx.post(f"{server.base_url}/tasks/", headers=_headers(server), timeout=30,
                   json=[{"project": project, "data_unit": unit} for _ in range(n)])
    r.raise_for_status()
    return [t["id"] for t in r.json()]


def test_cache_and_refresh_tell_what_changed(make_server, tmp_path):
    server = make_server(scale=300)
    with SynapseClient(server.base_url, access_token=server.access_token) as c:
        first = tasks_frame(c, status="pending", cache=tmp_path, progress=False)
        # a cache hit makes no request: stop the server's answers to prove it
        server.settings.rate_503 = 1.0
        again = tasks_frame(c, status="pending", cache=tmp_path, progress=False)
        server.settings.rate_503 = 0.0
        assert again.attrs["fetch_report"]["source"] == "cache"
        pd.testing.assert_frame_equal(first, again, check_flags=False)

        done = int(first.index[0])  # submitting it completes it: it leaves the pending frame
        httpx.put(f"{server.base_url}/tasks/{done}/annotate_task_data/", headers=_headers(server),
                  json={"action": "submit", "data": {"annotations": []}}).raise_for_status()
        touched = int(first.index[1])  # a new tag: still pending, but modified
        httpx.post(f"{server.base_url}/tasks/set_tags/", headers=_headers(server),
                   json={"ids": [touched], "tags": [2], "action": "add"}).raise_for_status()
        added = _create_tasks(server, 2)
        changes = refresh(c, "tasks", cache=tmp_path, status="pending", progress=False)
    assert changes.removed == [done]
    assert changes.added == added
    assert changes.modified == [touched]
    assert len(changes.frame) == len(first) - 1 + 2


def test_rows_inserted_during_fetch_no_duplicates(make_server):
    server = make_server(scale=400, latency_ms=40)
    before = {r["id"] for r in raw_list(server, "sdk/tasks/")}
    stop = threading.Event()
    inserted: list[int] = []

    def insert() -> None:
        time.sleep(0.05)
        while not stop.is_set() and len(inserted) < 60:
            inserted.extend(_create_tasks(server, 5))
            time.sleep(0.02)

    writer = threading.Thread(target=insert)
    with SynapseClient(server.base_url, access_token=server.access_token) as c:
        writer.start()
        try:
            # newest first: every insert pushes rows onto later pages while we read
            df = tasks_frame(c, ordering="-id", page_size=20, concurrency=2, progress=False)
        finally:
            stop.set()
            writer.join()
    assert inserted, "the writer inserted nothing during the fetch"
    assert df.index.is_unique
    assert before <= set(df.index)  # rows present from the start are all there
    report = df.attrs["fetch_report"]
    assert report["duplicates_dropped"] > 0 or report["count_drift"], report
    assert report["rows"] == len(df)


def test_cache_keeps_tenants_apart(live_server, tmp_path):
    acme = SynapseClient(live_server.base_url, access_token=live_server.access_token)
    globex = SynapseClient(live_server.base_url, access_token=live_server.other_access_token)
    with acme, globex:
        mine = frames.task_tags_frame(acme, cache=tmp_path, progress=False)
        theirs = frames.task_tags_frame(globex, cache=tmp_path, progress=False)
        assert theirs.attrs["fetch_report"]["source"] == "server"  # not acme's cached file
        assert set(mine.index).isdisjoint(theirs.index) and len(theirs) > 0
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len([p for p in files if p.suffix == ".parquet"]) == 2
    for p in files:
        assert live_server.access_token not in p.read_bytes().decode("latin-1")
        assert live_server.access_token not in str(p)


def test_rows_leaving_the_filter_during_fetch_are_reported(make_server):
    server = make_server(scale=400, latency_ms=40)
    pending = [r["id"] for r in raw_list(server, "sdk/tasks/", status="pending")]
    assert len(pending) > 60
    stop = threading.Event()
    submitted: list[int] = []

    def submit() -> None:  # submitted tasks become completed: they leave status=pending
        time.sleep(0.05)
        for tid in pending[:40]:
            if stop.is_set():
                break
            httpx.put(f"{server.base_url}/tasks/{tid}/annotate_task_data/", headers=_headers(server),
                      json={"action": "submit", "data": {"annotations": []}}).raise_for_status()
            submitted.append(tid)

    writer = threading.Thread(target=submit)
    with SynapseClient(server.base_url, access_token=server.access_token) as c:
        writer.start()
        try:
            df = tasks_frame(c, status="pending", page_size=10, concurrency=2, progress=False)
        finally:
            stop.set()
            writer.join()
    assert submitted, "nothing changed during the fetch"
    assert df.index.is_unique and set(df.index) <= set(pending)
    report = df.attrs["fetch_report"]
    # rows that left the filter shift later rows onto pages already read: the walk reads
    # the pages of the lower count again, so no row that stayed pending is lost
    survivors = set(pending) - set(submitted)
    assert survivors <= set(df.index), f"{len(survivors - set(df.index))} surviving rows lost"
    # a page read again after the count fell can hold rows already read: they are dropped
    # and counted (how many depends on where the writer was; 0 or 1 in practice)
    assert report["count"] == len(pending) and report["duplicates_dropped"] <= len(submitted)
    assert report["count_drift"] == len(df) - report["count"] <= 0, report
    assert report["rows"] == len(df)


def test_a_frame_written_to_parquet_reads_back_with_plain_pandas(client, tmp_path):
    df = tasks_frame(client, project=1, progress=False)
    path = to_parquet(df, tmp_path / "tasks.parquet")
    back = pd.read_parquet(path)  # no dtype_backend: what a colleague would type
    assert back.index.name == "id" and back.index.equals(df.index)
    assert [list(tags) for tags in back["tags"]] == [list(tags) for tags in df["tags"]]
    assert isinstance(back["status"].dtype, pd.CategoricalDtype)
    assert pd.read_parquet(path, dtype_backend="pyarrow")["tags"].dtype == df["tags"].dtype


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_project_that_does_not_exist_is_named(live_server, kind):
    import asyncio

    from synapse_nb.client import AsyncSynapseClient, NotFoundError

    def run(value):
        return asyncio.run(value) if kind == "async" else value

    async def aclosing_fetch(**filters):
        async with AsyncSynapseClient(live_server.base_url, access_token=live_server.access_token) as ac:
            return await frames.tasks_frame_async(ac, progress=False, **filters)

    def fetch(**filters):
        if kind == "async":
            return run(aclosing_fetch(**filters))
        with SynapseClient(live_server.base_url, access_token=live_server.access_token) as c:
            return tasks_frame(c, progress=False, **filters)

    with pytest.raises(NotFoundError, match=r"project 999 does not exist .*tasks_frame\(project=999\)"):
        fetch(project=999)
    # an existing project whose filter matches nothing is an empty frame, not an error
    empty = fetch(project=1, status="completed", id__in=[10**9])
    assert len(empty) == 0 and "status" in empty.columns
