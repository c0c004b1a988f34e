"""Conformance: the real ``BackendClientV2`` (synapse-sdk 2026.2.17) against /v2/.

One SDK process (startup is the cost) lists, walks (``list_all=True``), retrieves and
bulk-fetches every resource of issue 17, sync and async, and prints what it got; the tests
here check it against v1 (where v1 has the resource) or against the database (v2-only
resources). The SDK's typed models validate every list item and detail on the way.
"""

from __future__ import annotations

import json

import httpx
import pytest

from tests.sdk_runner import run_sdk

SCRIPT = r"""
import asyncio, json, os
from synapse_sdk.clients.backend_v2 import AsyncBackendClientV2, BackendClientV2

host = os.environ["SNB_HOST"]
# credentials from the SDK's own environment variables (raw tenant header by default)
c = BackendClientV2(host, allow_insecure=True)
out = {"errors": {}}

def dump(x):
    return x.model_dump(mode="json") if hasattr(x, "model_dump") else x

def walk(res, **kw):
    return [dump(i) for i in res.list(list_all=True, **kw)]

def record(name, fn):
    try:
        out[name] = fn()
    except Exception as err:   # kept: the test names the call that failed
        out["errors"][name] = f"{type(err).__name__}: {err}"[:300]

first = c.tasks.list(per_page=7, project=1)
out["tasks_first"] = {"n": len(first.results), "next": first.next}
record("tasks", lambda: walk(c.tasks, per_page=400))
record("task_1", lambda: dump(c.tasks.retrieve(1)))
record("tasks_bulk", lambda: c.tasks.bulk_fetch([5, 1, 3]))
record("assignments", lambda: walk(c.assignments, per_page=400))
record("assignments_done", lambda: walk(c.assignments, status_review="rejected",
                                        is_discarded=False, per_page=400))
record("assignments_bulk", lambda: c.assignments.bulk_fetch(list(range(1, 201))))
record("projects", lambda: walk(c.projects))
record("project_1", lambda: dump(c.projects.retrieve(1)))
record("datasets", lambda: walk(c.ground_truth_datasets))
record("dataset_1", lambda: dump(c.ground_truth_datasets.retrieve(1)))
record("versions_1", lambda: walk(c.ground_truth_datasets.versions(1)))
record("version_2", lambda: dump(c.ground_truth_datasets.versions(1).retrieve(2)))
record("version_2_events", lambda: walk(c.ground_truth_datasets.versions(1).events(2),
                                        per_page=300))
record("events", lambda: walk(c.ground_truth_events, ground_truth_dataset_version=2,
                              per_page=300))
record("events_bulk", lambda: c.ground_truth_events.bulk_data([3, 1, 2]))
record("event_1", lambda: c.ground_truth_events.retrieve(1))
record("ground_truths", lambda: walk(c.ground_truths, ground_truth_dataset=1, per_page=300))
record("ground_truth_1", lambda: dump(c.ground_truths.retrieve(1)))
record("ground_truths_bulk", lambda: c.ground_truths.bulk_data([1, 2, 3], category="train"))
record("models", lambda: walk(c.models))
record("models_released", lambda: walk(c.models, is_released=True))
record("model_2", lambda: dump(c.models.retrieve(2)))
record("experiments", lambda: walk(c.experiments))
record("experiment_1", lambda: dump(c.experiments.retrieve(1)))
record("trains", lambda: walk(c.trains, experiment=1))
record("train_1", lambda: dump(c.trains.retrieve(1)))
record("reviews", lambda: walk(c.reviews, per_page=300))
record("review_1", lambda: dump(c.reviews.retrieve(1)))
record("pre_annotations", lambda: walk(c.pre_annotations))
record("pre_annotation_1", lambda: dump(c.pre_annotations.retrieve(1)))
record("exports", lambda: walk(c.exports))
record("export_1", lambda: dump(c.exports.retrieve(1)))
record("collections", lambda: walk(c.data_collections))
record("collection_1", lambda: dump(c.data_collections.retrieve(1)))
record("collection_1_raw", lambda: c._get("/v2/data-collections/1/"))
record("units", lambda: walk(c.data_units, data_collection=2, per_page=300))
record("unit_1", lambda: dump(c.data_units.retrieve(1)))
record("members", lambda: walk(c.members))
record("member_1", lambda: dump(c.members.retrieve(1)))
out["request_id"] = c.last_request_id

# the DRF token with the legacy "Token <code>" tenant header
legacy = BackendClientV2(host, access_token="", drf_token=os.environ["SNB_DRF"], tenant="acme",
                         tenant_token_prefix=True, allow_insecure=True)
record("legacy_project_2", lambda: dump(legacy.projects.retrieve(2)))

async def run_async():
    async with AsyncBackendClientV2(host, allow_insecure=True) as a:
        page = await a.tasks.list(per_page=50, project=2).first_page()
        ids = [t.id async for t in a.tasks.list(per_page=50, project=2)]
        task = await a.tasks.retrieve(ids[-1])
        bulk = await a.tasks.bulk_fetch(ids[:3])
        members = [m.user_id async for m in a.members.list()]
        return {"first": len(page.results), "ids": ids, "last": task.id,
                "bulk": [b["id"] for b in bulk], "members": members}

record("async", lambda: asyncio.run(run_async()))
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def sdk(live_server):
    from synapse_nb.server.demo import USER_TOKENS
    return run_sdk(SCRIPT, env={"SNB_HOST": live_server.base_url,
                                "SNB_DRF": USER_TOKENS["alice"],
                                "SYNAPSE_BACKEND_V2_ACCESS_TOKEN": live_server.access_token,
                                "SYNAPSE_BACKEND_V2_TENANT": "acme"})


@pytest.fixture(scope="module")
def v1(live_server):
    headers = {"Synapse-Access-Token": f"Token {live_server.access_token}"}
    with httpx.Client(base_url=live_server.base_url, headers=headers, timeout=60) as client:
        def get_all(path: str, **params) -> list[dict]:
            body = client.get(path, params={"page_size": 1000, **params}).json()
            items = body["results"]
            while body["next"]:
                body = client.get(body["next"]).json()
                items += body["results"]
            return items
        yield get_all


# The SDK's generated model for a collection detail allows only "sensitive_content" as
# ``caution`` (the schema drops the blank choice the project model keeps), so a collection
# without a caution cannot be read through ``data_collections.retrieve``: an SDK defect,
# checked here so that any other failure, or a fixed SDK, shows.
KNOWN_SDK_DEFECTS = {"collection_1": "caution"}


def test_every_call_succeeds(sdk):
    assert {k: v for k, v in sdk["errors"].items() if k not in KNOWN_SDK_DEFECTS} == {}
    for name, field in KNOWN_SDK_DEFECTS.items():
        assert field in sdk["errors"][name], sdk["errors"].get(name)
    assert sdk["collection_1_raw"]["caution"] == "" and sdk["collection_1_raw"]["id"] == 1
    assert sdk["request_id"].startswith("req_")


def test_tasks_match_v1(sdk, v1):
    tasks = v1("/sdk/tasks/")
    assert [t["id"] for t in sdk["tasks"]] == [t["id"] for t in tasks]
    assert sdk["tasks_first"]["n"] == 7 and "cursor=" in sdk["tasks_first"]["next"]
    by_id = {t["id"]: t for t in tasks}
    one = sdk["task_1"]
    assert (one["project_id"], one["data_unit_id"], one["data"]) == (
        by_id[1]["project"], by_id[1]["data_unit"], by_id[1]["data"])
    assert [b["id"] for b in sdk["tasks_bulk"]] == [5, 1, 3]
    for b in sdk["tasks_bulk"]:
        assert (json.loads(b["data"]) if b["data"] else None) == by_id[b["id"]]["data"]
        assert b["files_manifest"].keys() == by_id[b["id"]]["files"].keys()
    assert [t["has_data"] for t in sdk["tasks"]] == [t["data"] is not None for t in tasks]


def test_assignments_match_v1(sdk, v1):
    rows = v1("/sdk/assignments/")
    assert [a["id"] for a in sdk["assignments"]] == [a["id"] for a in rows]
    done = [a["id"] for a in rows if a["status_review"] == "rejected" and not a["is_discarded"]]
    assert [a["id"] for a in sdk["assignments_done"]] == done and done
    by_id = {a["id"]: a for a in rows}
    for b in sdk["assignments_bulk"]:
        assert (b["task_id"], b["project_id"], b["user_id"]) == (
            by_id[b["id"]]["task"], by_id[b["id"]]["project"], by_id[b["id"]]["user"])
    assert len(sdk["assignments_bulk"]) == min(200, len(rows))


def test_ground_truth_matches_v1(sdk, v1):
    events = v1("/sdk/ground_truth_events/", ground_truth_dataset_versions=2)
    newest_first = sorted((e["id"] for e in events), reverse=True)
    assert [e["pgh_id"] for e in sdk["events"]] == newest_first
    assert sdk["version_2_events"] == sdk["events"]
    by_id = {e["id"]: e for e in v1("/sdk/ground_truth_events/")}
    assert [e["pgh_id"] for e in sdk["events_bulk"]] == [3, 1, 2]
    for e in sdk["events_bulk"]:
        assert e["data"] == by_id[e["pgh_id"]]["data"]
        assert e["category"] == by_id[e["pgh_id"]]["category"]
    assert sdk["event_1"]["pgh_id"] == 1
    assert [v["id"] for v in sdk["versions_1"]] == [1, 2]
    assert sdk["version_2"]["ground_truth_dataset_id"] == 1
    assert [d["id"] for d in sdk["datasets"]] == [1, 2] and sdk["dataset_1"]["project_id"] == 1
    # a ground truth holds its latest event's labels; dataset 1's units are version 2's
    latest = {e["data_unit"]["id"] if isinstance(e["data_unit"], dict) else e["data_unit"]: e
              for e in sorted(events, key=lambda e: e["id"])}
    gts = sdk["ground_truths"]
    assert {g["data_unit_id"] for g in gts} == set(latest)
    gt1 = sdk["ground_truth_1"]
    assert gt1["data"] == latest[gt1["data_unit_id"]]["data"]
    assert all(g["category"] == "train" for g in sdk["ground_truths_bulk"])


def test_models_projects_and_data_match_v1(sdk, v1):
    models = v1("/models/")
    assert [m["id"] for m in sdk["models"]] == [m["id"] for m in models]
    assert [m["id"] for m in sdk["models_released"]] == [m["id"] for m in models
                                                         if m["is_released"]]
    two = next(m for m in models if m["id"] == 2)
    assert (sdk["model_2"]["name"], sdk["model_2"]["dataset_id"]) == (
        two["name"], two["ground_truth_dataset_version"])
    projects = v1("/projects/")
    assert [(p["id"], p["title"], p["task_count"]) for p in sdk["projects"]] == [
        (p["id"], p["title"], p["task_count"]) for p in projects]
    assert sdk["project_1"]["data_collection_id"] == projects[0]["data_collection"]
    assert sdk["legacy_project_2"]["id"] == 2
    assert [c["name"] for c in sdk["collections"]] == [c["name"] for c in v1("/data_collections/")]
    assert [u["id"] for u in sdk["units"]] == [u["id"] for u in v1("/data_units/",
                                                                 data_collection=2)]
    assert sdk["unit_1"]["data_collection_id"] == 1


def test_v2_only_resources_match_the_database(sdk, live_server):
    db = live_server.db
    assert [e["name"] for e in sdk["experiments"]] == [r[0] for r in db.query(
        "SELECT name FROM v2_experiments WHERE tenant_id = 1 ORDER BY id")]
    assert sdk["experiment_1"]["task_id"] == 1
    assert [t["id"] for t in sdk["trains"]] == [1, 2]
    assert sdk["train_1"]["job"]["status"] == "SUCCEEDED" and sdk["train_1"]["checkpoint"] == 1
    reviewed = db.query("SELECT id, reviewer_id FROM assignments WHERE tenant_id = 1 AND "
                        "reviewer_id IS NOT NULL AND status_review IN ('rejected', 'completed') "
                        "ORDER BY id")
    assert [r["assignment_id"] for r in sdk["reviews"]] == [r[0] for r in reviewed]
    assert sdk["review_1"]["user_id"] == reviewed[0][1]
    assert sdk["pre_annotation_1"]["job"]["action"] == "inference"
    assert sdk["export_1"]["target"] == "task" and sdk["exports"][0]["job_status"] == "RUNNING"
    users = dict(db.query("SELECT m.user_id, m.role FROM memberships m WHERE m.tenant_id = 1 "
                          "ORDER BY m.rowid"))
    assert {m["user_id"]: m["role"] for m in sdk["members"]} == users
    assert sdk["member_1"]["tenant_id"] == 1


def test_async_client(sdk, v1):
    project2 = [t["id"] for t in v1("/sdk/tasks/", project=2)]
    got = sdk["async"]
    assert got["first"] == 50 and got["ids"] == project2
    assert got["last"] == project2[-1] and got["bulk"] == project2[:3]
    assert sorted(got["members"]) == [1, 2, 3, 4, 5, 6, 7, 8, 10]
