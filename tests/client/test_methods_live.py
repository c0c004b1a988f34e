"""Every section-4 method against the live reference server, on the sync and the async client."""

from __future__ import annotations

import hashlib

import pytest

from synapse_nb.client import NotFoundError, PermissionDeniedError
from synapse_nb.server.demo import AGENT_TOKEN


class TestReads:
    def test_get_project(self, api):
        project = api.get_project(1)
        assert project["id"] == 1 and project["data_collection"] == 1

    def test_get_task_with_params(self, api):
        task = api.get_task(3, params={"expand": "data_unit"})
        assert task["id"] == 3
        assert isinstance(task["data_unit"], dict) and task["data_unit"]["id"] == 3

    def test_list_tasks_first_page(self, api):
        page = api.list_tasks(params={"project": 1})
        assert set(page) >= {"count", "next", "previous", "results"}
        assert page["results"] and all(t["project"] == 1 for t in page["results"])
        assert len(page["results"]) == 100

    def test_list_tasks_default_params_list_all(self, api):
        # the SDK crashed here (params=None with list_all=True)
        rows, count = api.list_tasks(list_all=True, page_size=250)
        assert count >= 2000 and len(rows) == count
        assert len({r["id"] for r in rows}) == count
        # the server lists by id; pages fetched concurrently must come back in that order
        assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)

    def test_list_tasks_keeps_callers_page_size(self, api):
        page = api.list_tasks({"project": 2, "page_size": 7})
        assert len(page["results"]) == 7 and "page_size=7" in page["next"]

    def test_list_tasks_filters(self, api):
        page = api.list_tasks({"project": 1, "status": "completed"})
        assert page["results"] and {t["status"] for t in page["results"]} == {"completed"}

    def test_task_tags(self, api):
        page = api.list_task_tags({"project": 1, "page_size": 100})  # the SDK's first page
        tags, count = page["results"], page["count"]
        assert count == len(tags) >= 4
        assert api.get_task_tag(tags[0]["id"])["name"] == tags[0]["name"]

    def test_data_collections(self, api):
        page = api.list_data_collection()
        assert {c["id"] for c in page["results"]} >= {1, 2, 3}
        coll = api.get_data_collection(1)
        names = {s["name"] for s in coll["file_specifications"]}
        assert {"image_1", "image_ir"} <= names

    def test_data_units(self, api):
        unit = api.get_data_unit(5)
        assert unit["id"] == 5 and "image_1" in unit["files"]
        page = api.list_data_units({"data_collection": 1, "page_size": 5})
        assert len(page["results"]) == 5

    def test_assignments(self, api):
        rows, count = api.list_assignments({"project": 1}, list_all=True, page_size=300)
        assert count == len(rows) > 0 and all(a["project"] == 1 for a in rows)
        assert api.get_assignment(rows[0]["id"])["id"] == rows[0]["id"]

    def test_ground_truth(self, api):
        version = api.get_ground_truth_version(1)
        assert version["id"] == 1
        rows, count = api.list_ground_truth_events({"ground_truth_dataset_versions": 1}, list_all=True)
        assert count == len(rows) > 0
        assert {e["category"] for e in rows} <= {"train", "validation", "test"}

    def test_models(self, api):
        page = api.list_models({"project": 1})
        assert {m["id"] for m in page["results"]} >= {1, 2}
        model = api.get_model(1, params={"expand": "metrics"})
        assert model["id"] == 1 and model.get("metrics")

    def test_plugins_and_releases(self, api):
        assert api.get_plugin(1)["id"] == 1
        assert api.get_plugin_release(1)["id"] == 1

    def test_jobs(self, api):
        page = api.list_jobs({"status": "running", "page_size": 100})  # the SDK's first page
        jobs, count = page["results"], page["count"]
        assert count == len(jobs) >= 1 and {j["status"] for j in jobs} == {"running"}
        assert api.get_job(jobs[0]["id"])["status"] == "running"
        logs = api.list_job_console_logs(1)
        assert logs  # a list, or a page of lines

    def test_storages(self, api):
        page = api.list_storages()
        assert {s["id"] for s in page["results"]} >= {1, 2}
        storage = api.get_storage(2)
        assert storage["provider"] == "amazon_s3"

    def test_health_check_agent(self, api):
        agent = api.health_check_agent(AGENT_TOKEN)
        assert agent["status"] == "healthy" and agent["last_connected"] and isinstance(agent["id"], int)
        assert AGENT_TOKEN not in repr(agent)

    def test_not_found_is_error_with_body(self, api):
        with pytest.raises(NotFoundError) as info:
            api.get_task(10**9)
        assert info.value.status_code == 404 == info.value.status
        assert isinstance(info.value.response, dict) and "detail" in info.value.response

    def test_tenant_isolation(self, make_api, live_server):
        other = make_api(live_server, access_token=live_server.other_access_token)
        with pytest.raises((NotFoundError, PermissionDeniedError)):
            other.get_task(1)


class TestWrites:
    """Writes go to a private server so the shared one keeps its demo state."""

    @pytest.fixture
    def wapi(self, make_api, make_server):
        return make_api(make_server(scale=200))

    def test_annotate_task_data(self, wapi):
        data = {"annotations": [{"type": "bbox", "coordinates": [1, 2, 30, 40], "label": "person",
                                 "confidence": 0.95}], "metadata": {"annotator_id": "u1"}}
        task = wapi.annotate_task_data(2, {"action": "submit", "data": data})
        assert task["id"] == 2
        assert wapi.get_task(2)["data"]["annotations"][0]["coordinates"] == [1, 2, 30, 40]

    def test_set_tags_tasks_and_assignments(self, wapi):
        wapi.set_tags_tasks({"ids": [1, 2], "tags": [2], "action": "add"})
        assert 2 in _tag_ids(wapi.get_task(1)["tags"])
        wapi.set_tags_tasks({"ids": [1], "tags": [2], "action": "remove"})
        assert 2 not in _tag_ids(wapi.get_task(1)["tags"])
        first = wapi.list_assignments({"project": 1, "page_size": 1})["results"][0]
        wapi.set_tags_assignments({"ids": [first["id"]], "tags": [1], "action": "add"})
        assert 1 in _tag_ids(wapi.get_assignment(first["id"])["tags"])

    def test_upload_flow(self, wapi, tmp_path):
        # data file (multipart) -> verify checksums -> data unit -> task
        img = tmp_path / "street.png"
        img.write_bytes(b"\x89PNG fake image " + bytes(range(256)) * 4)
        md5 = hashlib.md5(img.read_bytes()).hexdigest()
        df = wapi.create_data_file(img)
        assert df["checksum"] == md5 and df["size"] == img.stat().st_size
        seen = wapi.data_files_verify_checksums([md5, "0" * 32])
        assert md5 in seen["existing"] and "0" * 32 in seen["missing"]
        payload = wapi.upload_data_file({"files": {"image_1": img}, "meta": {"origin": "test"}}, 1)
        assert payload["files"]["image_1"]["checksum"] == md5 and payload["data_collection"] == 1
        units = wapi.create_data_units(payload)
        assert isinstance(units, list) and units[0]["id"]
        tasks = wapi.create_tasks([{"project": 1, "data_unit": units[0]["id"]}])
        created = tasks if isinstance(tasks, list) else tasks.get("results", [tasks])
        assert created[0]["data_unit"] in (units[0]["id"], units[0])

    def test_chunked_upload_and_data_file(self, wapi, tmp_path):
        src = tmp_path / "big.bin"
        src.write_bytes(hashlib.sha256(b"x").digest() * 5000)  # 160 kB
        seen: list[int] = []
        up = wapi.create_chunked_upload(src, chunk_size=50_000, on_progress=lambda done, total: seen.append(done))
        assert up["checksum"] == hashlib.md5(src.read_bytes()).hexdigest()
        assert seen == [50_000, 100_000, 150_000, 160_000]
        df = wapi.create_data_file(src, chunked_upload=up["id"])
        assert df["checksum"] == up["checksum"]
        # above the threshold, create_data_file goes chunked by itself
        wapi.client.chunked_threshold = 1000
        other = tmp_path / "other.bin"
        other.write_bytes(b"z" * 5000)
        df2 = wapi.create_data_file(other, chunk_size=2048)
        assert df2["checksum"] == hashlib.md5(b"z" * 5000).hexdigest()
        assert wapi.client.last_upload["chunks"] == 3

    def test_create_model_uploads_file(self, wapi, tmp_path):
        weights = tmp_path / "best.pt"
        weights.write_bytes(b"weights" * 1000)
        model = wapi.create_model({"name": "my-model", "project": 1, "category": "object_detection",
                                   "file": str(weights)})
        assert model["id"] and model["name"] == "my-model"
        stored = wapi.get_bytes(model["file"]) if isinstance(model.get("file"), str) else None
        assert stored == weights.read_bytes()

    def test_plugins_and_storages(self, wapi, tmp_path):
        plugin = wapi.create_plugin({"name": "My Plugin", "code": "my-plugin", "category": "export"})
        updated = wapi.update_plugin(plugin["id"], {"description": "Updated description"})
        assert updated["description"] == "Updated description"
        run = wapi.run_plugin(plugin["id"], {"agent": 1, "action": "export", "params": {"x": 1}})
        assert run is not None
        archive = tmp_path / "plugin.zip"
        archive.write_bytes(b"PK\x05\x06" + b"\0" * 18)
        release = wapi.create_plugin_release({"plugin": plugin["id"], "version": "1.0.0", "file": archive})
        assert wapi.get_plugin_release(release["id"])["id"] == release["id"]
        storage = wapi.create_storage({"name": "My Storage", "category": "external", "provider": "amazon_s3",
                                       "configuration": {"bucket": "b"}})
        assert wapi.get_storage(storage["id"])["name"] == "My Storage"

    def test_update_job(self, wapi):
        job = wapi.update_job(4, {"status": "running"})
        assert job["status"] == "running" and wapi.get_job(4)["status"] == "running"



def _tag_ids(tags):
    return {t["id"] if isinstance(t, dict) else t for t in tags or []}
