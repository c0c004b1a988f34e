"""Constructor arguments of both SDK generations, from_env, timeouts, context managers."""

from __future__ import annotations

import asyncio
import json

import pytest

from synapse_nb.client import AsyncSynapseClient, BackendClient, SynapseClient
from synapse_nb.client.config import config_from_env


def test_both_generations_of_arguments():
    old = SynapseClient("http://127.0.0.1:9/", token="u", tenant="acme", agent_token="a", timeout=7)
    new = SynapseClient(base_url="http://127.0.0.1:9", authorization_token="u", tenant="acme",
                        timeout={"connect": 2, "read": 30})
    assert old.config.auth_headers()["Authorization"] == new.config.auth_headers()["Authorization"] == "Token u"
    assert old.base_url == "http://127.0.0.1:9" and old.config.timeout.read == 7
    assert new.config.timeout.connect == 2 and new.config.timeout.read == 30
    assert SynapseClient("http://127.0.0.1:9", access_token="Token syn_x").config.auth_headers() == {
        "Synapse-Access-Token": "Token syn_x"}  # no double prefix
    with pytest.raises(ValueError, match="either token"):
        SynapseClient("http://127.0.0.1:9", token="a", authorization_token="b")
    old.close(), new.close()


def test_base_url_errors_say_what_to_fix(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    for var in ("SYNAPSE_HOST", "SYNAPSE_PLUGIN_RUN_HOST"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(ValueError, match="SYNAPSE_HOST"):
        SynapseClient()
    with pytest.raises(ValueError, match="http://"):
        SynapseClient("api.synapse.sh", access_token="x")


def test_from_env_then_config_file(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    for var in ("SYNAPSE_HOST", "SYNAPSE_ACCESS_TOKEN", "SYNAPSE_API_TOKEN", "SYNAPSE_AGENT_TOKEN",
                "SYNAPSE_TENANT", "SYNAPSE_PLUGIN_RUN_HOST", "SYNAPSE_PLUGIN_RUN_USER_TOKEN",
                "SYNAPSE_PLUGIN_RUN_TENANT"):
        monkeypatch.delenv(var, raising=False)
    (tmp_path / ".synapse").mkdir()
    (tmp_path / ".synapse" / "config.json").write_text(json.dumps(
        {"host": "http://127.0.0.1:8001", "access_token": "syn_file", "tenant": "globex"}))
    c = SynapseClient.from_env()
    assert c.base_url == "http://127.0.0.1:8001" and c.tenant == "globex"
    assert c.config.access_token == "syn_file"
    monkeypatch.setenv("SYNAPSE_HOST", "http://127.0.0.1:8002")
    monkeypatch.setenv("SYNAPSE_ACCESS_TOKEN", "syn_env")
    monkeypatch.setenv("SYNAPSE_AGENT_TOKEN", "agt_env")
    c2 = AsyncSynapseClient.from_env()
    assert c2.base_url == "http://127.0.0.1:8002" and c2.config.access_token == "syn_env"
    assert c2.config.agent_token == "agt_env" and c2.tenant == "globex"  # filled from the file
    (tmp_path / ".synapse" / "config.json").write_text("{not json")
    with pytest.raises(ValueError, match="config.json"):
        config_from_env()


def test_env_token_not_sent_to_another_host(monkeypatch):
    monkeypatch.setenv("SYNAPSE_HOST", "http://127.0.0.1:8001")
    monkeypatch.setenv("SYNAPSE_ACCESS_TOKEN", "syn_env")
    c = SynapseClient("http://127.0.0.1:9999")
    assert c.config.access_token is None
    c2 = SynapseClient("http://127.0.0.1:8001/")
    assert c2.config.access_token == "syn_env"


def test_pooled_connection_and_context_managers(live_server, tmp_path):
    with BackendClient(live_server.base_url, access_token=live_server.access_token, cache_dir=tmp_path) as c:
        for pk in (1, 2, 3):
            c.get_project(pk)
        http = c._http
    assert http.is_closed

    async def main():
        async with AsyncSynapseClient(live_server.base_url, access_token=live_server.access_token) as ac:
            projects = await asyncio.gather(*(ac.get_project(pk) for pk in (1, 2, 3)))
            return [p["id"] for p in projects], ac._http
    ids, ahttp = asyncio.run(main())
    assert ids == [1, 2, 3] and ahttp.is_closed


def test_sync_client_usable_inside_running_loop(live_server, tmp_path):
    # notebooks run cells inside an event loop: nothing here may call asyncio.run
    async def cell():
        with SynapseClient(live_server.base_url, access_token=live_server.access_token, cache_dir=tmp_path) as c:
            page = c.list_tasks({"project": 1, "page_size": 3}, url_conversion={"files_fields": ["files"]})
            rows, count = c.list_tasks({"project": 3}, list_all=True, page_size=200)
            return page, list(rows), count
    page, rows, count = asyncio.run(cell())
    assert len(rows) == count and all("path" in f for f in page["results"][0]["files"].values())


def test_same_method_names_on_both_clients():
    names = {n for n in dir(SynapseClient) if not n.startswith("_")}
    anames = {n for n in dir(AsyncSynapseClient) if not n.startswith("_")}
    sdk = {"get_project", "get_task", "annotate_task_data", "list_tasks", "create_tasks", "set_tags_tasks",
           "get_task_tag", "list_task_tags", "create_chunked_upload", "list_data_collection",
           "get_data_collection", "create_data_file", "data_files_verify_checksums", "upload_data_file",
           "create_data_units", "get_data_unit", "list_data_units", "get_assignment", "list_assignments",
           "set_tags_assignments", "list_models", "get_model", "create_model", "list_ground_truth_events",
           "get_ground_truth_version", "health_check_agent", "get_plugin", "create_plugin", "update_plugin",
           "run_plugin", "get_plugin_release", "create_plugin_release", "list_jobs", "get_job", "update_job",
           "list_job_console_logs", "list_storages", "get_storage", "create_storage",
           "paginate", "download", "get_bytes", "from_env"}
    assert sdk <= names and sdk <= anames
    import inspect
    sync = SynapseClient("http://127.0.0.1:9", access_token="x")
    assert list(inspect.signature(sync.list_tasks).parameters)[:4] == ["params", "url_conversion", "list_all",
                                                                       "page_size"]
    assert "on_progress" in inspect.signature(sync.create_data_file).parameters
    c = AsyncSynapseClient("http://127.0.0.1:9", access_token="x")
    assert list(inspect.signature(c.get_task).parameters) == ["task_id", "params", "pk"]  # pk: 2025 alias
    assert asyncio.iscoroutinefunction(c.get_task) and not asyncio.iscoroutinefunction(
        SynapseClient("http://127.0.0.1:9", access_token="x").get_task)
