"""synapse_nb's own clients (sync and async) through the methods added for the 2026 SDK.

The same calls the SDK conformance suite makes with the real SDK, here on our clients,
against one isolated server per client kind.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from synapse_nb.client.sdk_models import Agent, ConfirmUploadResponse, Storage
from synapse_nb.server import Settings
from synapse_nb.server.demo import AGENT_TOKEN
from synapse_nb.server.testing import ServerHandle, start_server
from tests.client.conftest import Driver


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("methods-server")
    handle: ServerHandle = start_server(Settings(db_path=root / "synapse.db", data_dir=root / "data",
                                                 demo=True, scale=60))
    yield handle
    handle.stop()


@pytest.fixture(params=["sync", "async"])
def api(request: pytest.FixtureRequest, server: Any, tmp_path: Path) -> Any:
    driver = Driver(request.param, {"base_url": server.base_url, "access_token": server.access_token,
                                    "cache_dir": tmp_path / "cache"})
    yield driver
    driver.close()


def _file(folder: Path, name: str, seed: int) -> Path:
    path = folder / name
    path.write_bytes(hashlib.sha256(str(seed).encode()).digest() * (40 + seed))
    return path


def test_lists_of_both_generations(api):
    failures: list = []
    rows, count = api.list_tasks({"project": 2}, list_all=True, page_retries=2, throttle_seconds=0.1,
                                 page_failures=failures)  # the SDK's walk options
    assert count == len(rows) > 0 and failures == []
    rows, count = api.list_tasks_data({"project": 1}, list_all=True)
    assert count == len(rows) > 0 and set(rows[0]) == {"id", "data"}
    page = api.list_tasks_files({"project": 1})
    assert [f["name"] for f in page["results"][0]["files"]][0] == "image_1"
    assert set(api.list_assignments_data({"project": 1})["results"][0]) == {"id", "data"}
    assert set(api.list_assignments_files({"project": 1})["results"][0]) == {"id", "task", "files"}
    events = api.list_ground_truth_events_files({"ground_truth_dataset_versions": 1})["results"]
    assert events and isinstance(events[0]["files"], list)
    assert api.list_ground_truths({"ground_truth_dataset": 1})["count"] > 0
    assert api.list_ground_truth_versions()["count"] >= 1
    assert api.list_data_collections()["results"] == api.list_data_collection()["results"]
    task = api.get_task(4, params={"expand": ["data_unit", "assignment"]})
    assert isinstance(task["data_unit"], dict) and "assignment" in task
    assert api.exists("list_tasks", {"project": 1}) is True
    assert api.exists("list_tasks", {"project": 1, "status": "completed", "id__in": "999999"}) is False


def test_plugins_jobs_logs(api):
    assert sorted(r["version"] for r in api.list_plugin_releases("yolov8")) == ["1.0.0", "1.1.0"]
    release = api.get_plugin_release_by_lookup("yolov8@1.0.0")
    assert release["version"] == "1.0.0" and release["plugin"]["code"] == "yolov8"
    assert api.get_plugin_release("yolov8@1.1.0")["id"] == 2
    job = api.run_plugin("yolov8", {"agent": 1, "action": "train", "params": {"epochs": 1}})
    updated = api.update_job(job["id"], {"status": "RUNNING", "metrics_record": {"mAP": 0.5},
                                         "console_logs": {"message": "step 1", "level": "info"}})
    assert updated["status"] == "running" and updated["metrics_record"] == {"mAP": 0.5}
    assert api.list_jobs({"status": "RUNNING"})["count"] == api.list_jobs({"status": "running"})["count"] >= 1
    lines = list(api.tail_job_console_logs(job["id"]))
    assert any("step 1" in line for line in lines)
    assert api.create_logs([{"message": "a"}, {"message": "b", "level": "error"}])[1]["level"] == "error"
    app = api.create_serve_application({"job": job["id"], "data": {"route": "/x"}})
    assert api.list_serve_applications({"job": job["id"]})["results"][0]["id"] == app["id"]
    made = api.create_plugin({"name": f"Some Tool {api.kind}"})
    again = api.create_plugin({"name": f"Some Tool {api.kind}"})
    assert made["code"] == f"some-tool-{api.kind}" and again["code"] == f"some-tool-{api.kind}-2"


def test_agents_and_storages(api):
    agents = api.list_agents()
    assert isinstance(agents[0], Agent) and agents[0].name == "gpu-box-01"
    assert api.health_check_agent(token=AGENT_TOKEN)["status"] == "healthy"  # 2025 name
    storage = api.get_storage(2)
    assert isinstance(storage, Storage) and storage.provider == storage["provider"] == "amazon_s3"
    default = api.get_default_storage()
    assert default["category"] == "internal" and default["is_default"] is True
    assert {s["category"] for s in api.list_storages({"category": "external"})["results"]} == {"external"}


def test_uploads(api, tmp_path):
    offset = 100 if api.kind == "async" else 0  # new content for each client kind
    files = [_file(tmp_path, f"f{i}.bin", offset + i) for i in range(3)]
    result = api.upload_files_bulk(files)
    assert isinstance(result, ConfirmUploadResponse)
    assert (result.created_count, result.failed_count) == (3, 0)
    assert sorted(r.file_key for r in result.results) == sorted(str(p) for p in files)
    md5s = [hashlib.md5(p.read_bytes()).hexdigest() for p in files]
    assert api.verify_data_files_checksums(md5s)["missing"] == []
    up = api.create_chunked_upload(_file(tmp_path, "big.bin", offset + 9), chunk_size=1000)
    assert api.get_chunked_upload(up["id"])["completed_at"]
    items = [{"files": {"image_1": str(_file(tmp_path, f"u{i}.png", offset + 20 + i))}} for i in range(2)]
    units = api.upload_data_collection(1, items, project_id=1, batch_size=1)
    assert len(units) == len(units["results"]) == 2
    for unit in units:
        assert api.list_tasks({"project": 1, "data_unit": unit["id"]})["count"] == 1
    one = api.create_data_units(uploaded_files=api.upload_data_file(organized_file=items[0], collection_id=1))
    assert one[0]["files"]["image_1"]["checksum"] == units[0]["files"]["image_1"]["checksum"]


def test_batch_annotation_keeps_going(api):
    out = api.annotate_task_data_batch([{"task_id": 4, "data": {"action": "submit", "data": {"annotations": []}}},
                                        {"task_id": 999999, "data": {"action": "submit", "data": {}}}])
    assert out[4]["success"] is True and out[999999]["success"] is False
    assert out[999999]["error"].startswith("404")
    api.reset_connection()  # a coroutine on the async client (the driver awaits it)
    assert api.get_project(project_id=1)["id"] == 1
