"""Each example of the seed SDK docs (reference/seed-synapse-sdk-*-docs-diff.txt), rewritten
against synapse_nb and a private reference server, on the sync and the async client.

Only the import line and the ids change (``BackendClient`` from ``synapse_nb.client``,
ids that exist in the demo data); the calls are the docs' own.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from synapse_nb.client import BackendClient, ClientError, SynapseClient
from synapse_nb.server.demo import AGENT_TOKEN


@pytest.fixture
def client(make_api, make_server):
    return make_api(make_server(scale=200))


def test_constructor_examples(make_server, monkeypatch, tmp_path):
    server = make_server(scale=50)
    assert BackendClient is SynapseClient
    from synapse_nb.client.backend import BackendClient as Same  # was synapse_sdk.clients.backend
    assert Same is BackendClient
    # 명시적 토큰으로 클라이언트 생성 (explicit token)
    client = BackendClient(base_url=server.base_url, api_token=server.access_token, cache_dir=tmp_path)
    assert client.get_project(1)["id"] == 1
    client.close()
    # 환경변수 (SYNAPSE_API_TOKEN from the environment)
    monkeypatch.delenv("SYNAPSE_ACCESS_TOKEN", raising=False)
    monkeypatch.delenv("SYNAPSE_HOST", raising=False)
    monkeypatch.setenv("SYNAPSE_API_TOKEN", server.access_token)
    with BackendClient(base_url=server.base_url, timeout={"connect": 5, "read": 30}) as client:
        assert client.get_project(1)["id"] == 1


def test_annotation_examples(client):
    project = client.get_project(1)
    assert project["name"] or project["title"]
    task = client.get_task(4)
    task = client.get_task(4, params={"expand": "data_unit"})
    assert isinstance(task["data_unit"], dict)
    task = client.get_task(4, params={"expand": ["data_unit", "assignment", "annotations"]})
    assert task["id"] == 4
    annotation_data = {
        "annotations": [
            {"type": "bbox", "coordinates": [10, 10, 100, 100], "label": "person", "confidence": 0.95},
            {"type": "polygon", "points": [[0, 0], [50, 0], [50, 50], [0, 50]], "label": "vehicle"},
        ],
        "metadata": {"annotator_id": "user123", "timestamp": "2023-10-01T12:00:00Z"},
    }
    result = client.annotate_task_data(4, {"action": "submit", "data": annotation_data})
    assert result["id"] == 4


def test_list_tasks_examples(client):
    tasks = client.list_tasks(params={"project": 1})
    assert tasks["count"] > 0
    tasks = client.list_tasks(params={"project": 1, "status": "pending"})
    assert all(t["status"] == "pending" for t in tasks["results"])
    all_tasks, count = client.list_tasks(list_all=True)
    assert len(all_tasks) == count == 200
    tasks = client.list_tasks(params={"project": 1},
                              url_conversion={"files": lambda url: f"https://cdn.example.com{url}"})
    first = next(iter(tasks["results"][0]["files"].values()))
    assert first["path"].startswith("https://cdn.example.com")
    tasks_page1 = client.list_tasks(params={"page": 1, "page_size": 100})
    assert len(tasks_page1["results"]) == 100


def test_create_and_tag_examples(client):
    new_task = client.create_tasks({"project": 1, "data_unit": 7, "priority": "high",
                                    "metadata": {"batch": "batch_001"}})
    assert new_task
    new_tasks = client.create_tasks([{"project": 1, "data_unit": 8}, {"project": 1, "data_unit": 9}])
    assert len(new_tasks if isinstance(new_tasks, list) else new_tasks["results"]) == 2
    client.set_tags_tasks({"task_ids": [5, 6, 7], "tag_ids": [1, 2, 3]})
    assert {1, 2, 3} <= {t["id"] if isinstance(t, dict) else t for t in client.get_task(5)["tags"]}
    tag = client.get_task_tag(1)
    assert tag["name"] == "urgent"
    assert client.list_task_tags({})["count"] >= 6
    assert client.list_task_tags({"project": 1})["count"] >= 4
    assert client.list_task_tags({"search": "urgent"})["results"][0]["name"] == "urgent"
    a = client.list_assignments(params={"project": 1})["results"][:2]
    client.set_tags_assignments({"assignment_ids": [x["id"] for x in a], "tag_ids": [1, 2]})
    assert 1 in {t["id"] if isinstance(t, dict) else t for t in client.get_assignment(a[0]["id"])["tags"]}


def test_error_examples(client):
    from synapse_nb.client.exceptions import ClientError  # was synapse_sdk.clients.exceptions
    try:
        client.get_task(999999)
    except ClientError as e:
        assert e.status_code == 404
    else:
        pytest.fail("no error for a missing task")
    try:
        client.get_project(999)
    except ClientError as e:
        assert f"{e}" and e.status_code == 404 and e.response


def test_data_examples(client, tmp_path):
    large = tmp_path / "large_file.zip"
    large.write_bytes(os.urandom(300_000))
    result = client.create_chunked_upload(Path(large))
    assert result["size"] == 300_000
    collections = client.list_data_collection()
    assert collections["count"] >= 3
    collection = client.get_data_collection(1)
    file_specs = collection["file_specifications"]
    assert file_specs
    jpg = tmp_path / "file.jpg"
    jpg.write_bytes(os.urandom(2000))
    data_file = client.create_data_file(Path(jpg))
    large_file = client.create_data_file(Path(large), use_chunked_upload=True)
    assert data_file["size"] == 2000 and large_file["size"] == 300_000
    result = client.upload_data_file(organized_file={"files": {"image_1": jpg}, "meta": {"k": "v"}},
                                     collection_id=1, use_chunked_upload=False)
    data_units = client.create_data_units([result])
    assert data_units[0]["id"]


def test_assignment_examples(client):
    assignments = client.list_assignments(params={"project": 1})
    assignment = client.get_assignment(assignments["results"][0]["id"])
    assert assignment["project"] == 1
    all_assignments, count = client.list_assignments(list_all=True)
    assert len(all_assignments) == count


def test_agent_plugin_job_storage_examples(client, tmp_path):
    assert client.health_check_agent(AGENT_TOKEN) is not None
    plugin = client.get_plugin(1)
    assert plugin["id"] == 1
    new_plugin = client.create_plugin({"name": "My Plugin", "description": "Plugin description"})
    assert new_plugin["code"] == "my-plugin"  # made from the name (the docs send no code)
    updated = client.update_plugin(new_plugin["id"], {"description": "Updated description"})
    assert updated["description"] == "Updated description"
    result = client.run_plugin(1, {"parameters": {"input": "value"}, "context": {}})
    assert result["action"] == "train" and result["params"] == {"input": "value"}
    result = client.run_plugin(1, {"agent": 1, "action": "train", "params": {"input": "value"}})
    assert result["status"] == "pending"
    zip_path = tmp_path / "plugin.zip"
    zip_path.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    with open(zip_path, "rb") as fh:
        release = client.create_plugin_release({"plugin": 1, "version": "9.9.9", "file": fh})
    release_info = client.get_plugin_release(release["id"])
    assert release_info["id"] == release["id"]
    storages = client.list_storages()
    assert storages["count"] >= 2
    storage = client.get_storage(1)
    assert storage["id"] == 1
    new_storage = client.create_storage({"name": "My Storage", "provider": "amazon_s3", "category": "external",
                                         "configuration": {"bucket": "x"}})
    assert new_storage["name"] == "My Storage"


def test_job_examples(client):
    jobs = client.list_jobs(params={"status": "running"})
    assert {j["status"] for j in jobs["results"]} == {"running"}
    job = client.get_job(3, params={"expand": "logs"})
    assert job["id"] == 3
    done = client.update_job(3, {"status": "completed"})  # the docs' word for succeeded
    assert done["status"] == "succeeded"
    logs = client.list_job_console_logs(3)
    assert logs is not None


def test_model_and_ground_truth_examples(client, tmp_path):
    models = client.list_models(params={"project": 1})
    model = client.get_model(models["results"][0]["id"], params={"expand": "metrics"})
    assert model["metrics"]
    pkl = tmp_path / "model.pkl"
    pkl.write_bytes(os.urandom(5000))
    new_model = client.create_model({"name": "My Model", "project": 1, "file": str(pkl)})
    assert new_model["name"] == "My Model"
    events, count = client.list_ground_truth_events(params={"ground_truth_dataset_versions": [1]}, list_all=True)
    assert len(events) == count > 0
    version = client.get_ground_truth_version(1)
    assert version["id"] == 1
