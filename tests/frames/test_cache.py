"""The Parquet cache: hits without requests, dtypes kept, refresh diff, safe paths."""

from __future__ import annotations

import asyncio

import pandas as pd

from synapse_nb.frames import (FrameCache, annotations_frame, annotations_frame_async, refresh,
                               refresh_async, tasks_frame)
from synapse_nb.frames.cache import _client_identity

from .fakes import FakeAsyncClient, FakeClient, make_task


def test_cache_hit_returns_same_frame_without_a_request(tmp_path):
    client = FakeClient([make_task(i) for i in range(1, 21)])
    first = tasks_frame(client, project=7, cache=tmp_path)
    n_calls = len(client.calls)
    second = tasks_frame(client, project=7, cache=tmp_path)
    assert len(client.calls) == n_calls
    assert second.attrs["fetch_report"]["source"] == "cache"
    pd.testing.assert_frame_equal(first, second, check_flags=False)
    assert list(second["status"].cat.categories) == ["pending", "in_progress", "completed"]
    # other filters are another entry
    tasks_frame(client, project=8, cache=tmp_path)
    assert len(client.calls) == n_calls + 1


def test_refresh_reports_added_removed_modified(tmp_path):
    records = [make_task(i) for i in range(1, 11)]
    client = FakeClient(records)
    tasks_frame(client, cache=tmp_path)
    changed = [r for r in records if r["id"] != 3]           # 3 removed
    changed[0] = {**changed[0], "status": "in_progress"}     # 1 modified
    changed[4] = {**changed[4], "tags": [9]}                 # 6 modified (list column)
    changed.append(make_task(11))                           # 11 added
    client.records = changed
    changes = refresh(client, "tasks", cache=tmp_path)
    assert changes.added == [11] and changes.removed == [3] and changes.modified == [1, 6]
    assert len(changes.frame) == 10
    again = tasks_frame(client, cache=tmp_path)  # the refreshed frame is now cached
    assert again.attrs["fetch_report"]["source"] == "cache" and 11 in again.index
    df = tasks_frame(client, cache=tmp_path, refresh=True)
    assert df.attrs["changes"]["counts"] == {"added": 0, "removed": 0, "modified": 0}


def test_async_refresh_and_annotations_cache(tmp_path):
    client = FakeAsyncClient([make_task(i) for i in range(1, 6)])
    changes = asyncio.run(refresh_async(client, "tasks", cache=tmp_path))
    assert changes.added == [1, 2, 3, 4, 5]
    ann = asyncio.run(annotations_frame_async(client, cache=tmp_path))
    ann2 = asyncio.run(annotations_frame_async(client, cache=tmp_path))
    assert ann2.attrs["fetch_report"]["source"] == "cache"
    pd.testing.assert_frame_equal(ann, ann2, check_flags=False)


def test_cache_paths_are_per_host_and_tenant_and_never_hold_tokens(tmp_path):
    cache = FrameCache(tmp_path)
    a = FakeClient(tenant="acme")
    b = FakeClient(tenant="../../etc")
    c = FakeClient(base_url="http://127.0.0.1:5/", tenant=None)
    c.access_token = "syn_secret_token"
    pa_, pb, pc_ = (cache.path_for(x, "tasks", {"project": "7"}) for x in (a, b, c))
    assert len({pa_, pb, pc_}) == 3
    for p in (pa_, pb, pc_):
        assert tmp_path.resolve() in p.parents
    assert "syn_secret_token" not in str(pc_)
    assert _client_identity(c)[1].startswith("token-")
