"""Ground truth, models (with a file), plugins, jobs, storages, collections, assignments."""

from __future__ import annotations

import os

import httpx
import pytest
from server_helpers import chunked_upload, md5, sdk_client, walk


@pytest.fixture
def client(live_server):
    with sdk_client(live_server) as c:
        yield c


def test_ground_truth_events_by_version_with_files_and_categories(client):
    version = client.get("ground_truth_dataset_versions/2/").json()
    assert version["version"] == "v1.1" and version["ground_truth_dataset"] == 1
    events = list(walk(client, "sdk/ground_truth_events/",
                       {"ground_truth_dataset_versions": 2, "expand": "data"}))
    assert len(events) == version["event_count"] > 0
    assert {e["category"] for e in events} == {"train", "validation", "test"}
    first = events[0]
    assert first["ground_truth_dataset_version"] == 2
    assert first["data_unit"]["files"]["image_1"]["url"].startswith("http")
    assert first["data"]["annotations"] and first["classes"]
    v1 = client.get("sdk/ground_truth_events/",
                    params=[("ground_truth_dataset_versions", "1")]).json()["count"]
    assert 0 < v1 < len(events)
    both = client.get("sdk/ground_truth_events/",
                      params={"ground_truth_dataset_versions": "1,3"}).json()
    assert both["count"] > v1
    datasets = client.get("ground_truth_datasets/").json()["results"]
    assert [d["versions"] for d in datasets] == [[1, 2], [3]]


def test_ground_truth_events_match_their_tasks(client):
    event = client.get("sdk/ground_truth_events/", params={"ground_truth_dataset_versions": 3}
                       ).json()["results"][0]
    task = client.get("sdk/tasks/", params={"data_unit": event["data_unit"]["id"]}
                      ).json()["results"][0]
    assert task["status"] == "completed"
    assert task["data"]["annotations"] == event["data"]["annotations"]


def test_models_with_metrics_and_a_downloadable_file(client):
    models = client.get("models/", params={"project": 1}).json()["results"]
    assert [m["name"] for m in models] == ["yolov8n-street", "yolov8s-street"]
    model = client.get("models/2/", params={"expand": "metrics"}).json()
    assert model["metrics"]["mAP50"] > 0 and model["ground_truth_dataset_version"] == 2
    assert httpx.get(model["file"]).status_code == 200


def test_create_model_from_a_chunked_upload(client):
    weights = os.urandom(30_000)
    done = chunked_upload(client, weights, "best.pt", chunk=16_000)
    r = client.post("models/", json={"name": "my-model", "project": 1, "plugin": 1,
                                     "chunked_upload": done["id"],
                                     "metrics": {"mAP50": 0.5},
                                     "ground_truth_dataset_version": 1})
    assert r.status_code == 201, r.text
    assert httpx.get(r.json()["file"]).content == weights
    assert md5(weights) == done["checksum"]
    bad = client.post("models/", json={"name": "x", "project": 424242})
    assert bad.status_code == 400 and "project" in bad.json()


def test_plugins_create_update_run_and_releases(client):
    code = f"p-{os.urandom(4).hex()}"
    r = client.post("plugins/", json={"code": code, "name": "Mine", "category": "export"})
    assert r.status_code == 201, r.text
    pk = r.json()["id"]
    assert client.post("plugins/", json={"code": code, "name": "Dup"}).status_code == 400
    assert client.put(f"plugins/{pk}/", json={"name": "Renamed"}).json()["name"] == "Renamed"
    rel = client.post("plugin_releases/", data={"plugin": str(pk), "version": "0.1.0",
                                               "config": '{"actions": {"export": {}}}'},
                      files={"file": ("plugin.zip", b"PK\x03\x04 fake")})
    assert rel.status_code == 201, rel.text
    assert client.get(f"plugin_releases/{rel.json()['id']}/").json()["version"] == "0.1.0"
    job = client.post(f"plugins/{pk}/run/", json={"agent": 1, "action": "export",
                                                  "params": {"project": 1}})
    assert job.status_code == 201, job.text
    assert job.json()["status"] == "pending"
    assert job.json()["plugin_release"] == rel.json()["id"]
    assert client.post(f"plugins/{pk}/run/", json={"action": "export", "version": "9.9"}
                       ).status_code == 400
    assert client.post(f"plugins/{pk}/run/", json={"action": "x", "agent": 9999}
                       ).status_code == 400


def test_jobs_statuses_update_and_console_logs(client):
    jobs = client.get("jobs/").json()["results"]
    assert {"pending", "running", "stopped", "succeeded", "failed"} <= {j["status"] for j in jobs}
    failed = client.get("jobs/", params={"status": "failed"}).json()["results"]
    assert failed and all(j["status"] == "failed" for j in failed)
    logs = client.get("jobs/2/console_logs/").json()
    assert logs["count"] == 5 and logs["results"][-1]["level"] == "error"
    pk = client.post("plugins/1/run/", json={"action": "inference"}).json()["id"]
    r = client.patch(f"jobs/{pk}/", json={"status": "succeeded", "result": {"ok": True}})
    assert r.status_code == 200 and r.json()["status"] == "succeeded" and r.json()["completed"]
    assert client.patch(f"jobs/{pk}/", json={"status": "exploded"}).status_code == 400


def test_storages_hide_configuration_unless_asked(client):
    plain = client.get("storages/2/").json()
    assert plain["provider"] == "amazon_s3" and "configuration" not in plain
    full = client.get("storages/2/", params={"with_configuration": "true"}).json()
    assert full["configuration"]["bucket_name"] == "acme-raw"
    r = client.post("storages/", json={"name": "gcs", "provider": "gcp"})
    assert r.status_code == 201 and r.json()["category"] == "external"
    assert client.post("storages/", json={"name": "x", "provider": "dropbox"}).status_code == 400


def test_data_collections_and_units(client):
    cols = client.get("data_collections/").json()["results"]
    assert [c["name"] for c in cols] == ["Street cameras", "Aerial tiles", "Shelf photos"]
    units = client.get("data_units/", params={"data_collection": 2, "page_size": 3}).json()
    assert units["count"] > 0 and all(u["data_collection"] == 2 for u in units["results"])
    unit = client.get(f"data_units/{units['results'][0]['id']}/").json()
    assert unit["files"]["image_1"]["url"] and unit["meta"]["origin_file_stem"]


def test_assignments_filters_and_set_tags(client):
    rejected = client.get("sdk/assignments/", params={"status_review": "rejected"}).json()
    assert rejected["count"] > 0
    assert all(a["status_review"] == "rejected" for a in rejected["results"])
    by_user = client.get("sdk/assignments/", params={"user": 3, "project": 2}).json()["results"]
    assert by_user and all(a["user"] == 3 and a["project"] == 2 for a in by_user)
    first = by_user[0]
    assert client.get("sdk/assignments/", params={"task": first["task"]}).json()["count"] >= 1
    assert first["files"]["image_1"]["url"] and first["file"] == first["files"]["image_1"]["url"]
    for label in ("stand_by", "in_progress", "completed", "skipped"):
        assert client.get("sdk/assignments/", params={"status_label": label}).json()["count"]
    assert client.get("sdk/assignments/", params={"status_label": "nope"}).status_code == 400


def test_set_tags_on_assignments(make_server):
    server = make_server(scale=100)  # changes seeded rows: not on the shared server
    with sdk_client(server) as client:
        first = client.get("sdk/assignments/", params={"project": 2}).json()["results"][0]
        r = client.post("assignments/set_tags/", json={"ids": [first["id"]], "tags": [5],
                                                       "action": "add"})
        assert r.status_code == 200 and r.json()["updated"] == 1
        assert client.get(f"assignments/{first['id']}/").json()["tags"] == [5]
        r = client.post("assignments/set_tags/", json={"ids": [first["id"]], "tags": [5],
                                                       "action": "remove"})
        assert client.get(f"assignments/{first['id']}/").json()["tags"] == []
