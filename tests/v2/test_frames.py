"""Frames on v2 equal frames on v1 over the same demo data; the v2-only frames."""

from __future__ import annotations

import asyncio

import pandas as pd
import pytest

from synapse_nb import experiments_frame, ground_truths_frame, members_frame, reviews_frame, trains_frame
from synapse_nb.client import AsyncSynapseClient
from synapse_nb.frames import (
    assignments_frame,
    assignments_frame_async,
    ground_truth_events_frame,
    models_frame,
    tasks_frame,
    tasks_frame_async,
)

CASES = [
    (tasks_frame, {}), (tasks_frame, {"project": 3}),
    (assignments_frame, {}), (assignments_frame, {"status_review": "rejected", "project": 1}),
    (ground_truth_events_frame, {}), (ground_truth_events_frame,
                                      {"ground_truth_dataset_versions": 3}),
    (models_frame, {}), (models_frame, {"project": 1}),
]


@pytest.mark.parametrize("frame, filters", CASES,
                         ids=[f"{f.__name__}-{'-'.join(map(str, k.values())) or 'all'}"
                              for f, k in CASES])
def test_v2_frame_equals_v1(clients, frame, filters):
    v1, v2 = clients
    a, b = frame(v1, **filters), frame(v2, **filters)
    assert len(a) > 0
    pd.testing.assert_frame_equal(a, b)          # ids, columns, dtypes, values
    assert b.attrs["fetch_report"]["read"].startswith("v2: ")
    assert "read" not in a.attrs["fetch_report"]
    assert b.attrs["fetch_report"]["rows"] == len(b)


def test_reads_are_partitioned_and_bulk_fetched(clients):
    _, v2 = clients
    tasks = tasks_frame(v2).attrs["fetch_report"]
    assert "6 partitions (3 projects x has_data)" in tasks["read"]
    assert "bulk fetch of 200" in tasks["read"] and tasks["detail_calls"] >= 10
    assignments = assignments_frame(v2).attrs["fetch_report"]
    assert "id ranges" in assignments["read"]


def test_async_auto_client_frames_equal(clients, live_server):
    v1, _ = clients

    async def main() -> tuple:
        async with AsyncSynapseClient(live_server.base_url, access_token=live_server.access_token,
                                      api="auto") as a:
            return await assignments_frame_async(a), await tasks_frame_async(a, project=2)
    asg, tasks = asyncio.run(main())
    pd.testing.assert_frame_equal(asg, assignments_frame(v1))
    pd.testing.assert_frame_equal(tasks, tasks_frame(v1, project=2))
    assert asg.attrs["fetch_report"]["read"].startswith("v2: ")


def test_v1_only_filters_are_refused_on_v2(clients):
    _, v2 = clients
    with pytest.raises(TypeError, match="not available on the v2 API.*api='v1'"):
        tasks_frame(v2, status="completed")


def test_v2_only_frames(clients, live_server):
    v1, _ = clients                       # v2-only frames read /v2/ whatever api says
    db = live_server.db
    members = members_frame(v1)
    assert dict(zip(members.user, members.name)) == dict(db.query(
        "SELECT u.id, u.name FROM memberships m JOIN users u ON u.id = m.user_id "
        "WHERE m.tenant_id = 1"))
    assert str(members.role.dtype) == "category" and str(members.user.dtype) == "Int64"
    trains = trains_frame(v1, experiment=1)
    assert list(trains.job_status.astype(str)) == ["succeeded", "failed"]
    assert str(trains.created.dtype) == "datetime64[us, UTC]"
    reviews = reviews_frame(v1)
    assert len(reviews) == db.query("SELECT COUNT(*) FROM v2_reviews WHERE tenant_id = 1")[0][0]
    gts = ground_truths_frame(v1, ground_truth_dataset=2)
    events = ground_truth_events_frame(v1, ground_truth_dataset_versions=3)
    assert sorted(gts.data_unit) == sorted(events.data_unit)
    assert (gts.annotation_count > 0).all() and gts.primary_file_url.str.startswith("http").all()
    exps = experiments_frame(v1)
    assert exps.name.tolist() == ["street-detection", "aerial-segmentation"]
    assert exps.extra.isna().all() and members.extra.isna().all()


def test_events_by_version_and_streaming_and_annotations_on_v2(clients):
    from synapse_nb.frames import annotations_frame, iter_frames
    v1, v2 = clients
    report = ground_truth_events_frame(v2).attrs["fetch_report"]
    assert "3 partitions (dataset versions)" in report["read"]
    chunks = list(iter_frames(v2, "assignments", rows=500, project=2))
    assert sum(map(len, chunks)) == len(assignments_frame(v1, project=2)) and len(chunks) > 1
    pd.testing.assert_frame_equal(annotations_frame(v2, of="tasks", project=3),
                                  annotations_frame(v1, of="tasks", project=3))


def test_countless_v2_read_shows_a_bar_of_rows(clients, monkeypatch):
    import tqdm.auto
    opened: list[dict] = []
    real = tqdm.auto.tqdm

    def spy(*args, **kwargs):
        opened.append(kwargs)
        return real(*args, **{**kwargs, "disable": True})
    monkeypatch.setattr(tqdm.auto, "tqdm", spy)
    _, v2 = clients
    tasks_frame(v2, progress=False)
    assert opened == []
    tasks_frame(v2, project=1, progress=True)
    assert opened and opened[0]["total"] is None and opened[0]["unit"] == "rows"
