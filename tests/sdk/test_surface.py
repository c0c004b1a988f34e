"""synapse_nb's clients against the SDK's surface: every method and parameter name.

2026: introspected from the installed synapse-sdk 2026.2.17 (its own venv). 2025 line:
the seed docs' method table and examples (reference/seed-synapse-sdk-*-docs-diff.txt)
plus section 4 of the backend contract: 39 methods and the constructor's 4 parameters.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from synapse_nb.client import AsyncSynapseClient, SynapseClient


#: the 2025 line: method -> parameter names (seed docs headings and examples, contract section 4)
SDK_2025 = {
    "get_project": ["pk"], "get_task": ["pk", "params"], "annotate_task_data": ["pk", "data"],
    "list_tasks": ["params", "url_conversion", "list_all"], "create_tasks": ["data"],
    "set_tags_tasks": ["data", "params"], "get_task_tag": ["pk"], "list_task_tags": ["params"],
    "create_chunked_upload": ["file_path"], "list_data_collection": [],
    "get_data_collection": ["data_collection_id"], "create_data_file": ["file_path", "use_chunked_upload"],
    "upload_data_file": ["organized_file", "collection_id", "use_chunked_upload"],
    "create_data_units": ["uploaded_files"], "get_assignment": ["pk"],
    "list_assignments": ["params", "url_conversion", "list_all"], "set_tags_assignments": ["data", "params"],
    "health_check_agent": ["token"], "get_plugin": ["pk"], "create_plugin": ["data"],
    "update_plugin": ["pk", "data"], "run_plugin": ["pk", "data"], "list_models": ["params"],
    "get_model": ["pk", "params", "url_conversion"], "create_model": ["data"],
    "create_plugin_release": ["data"], "get_plugin_release": ["pk"], "list_jobs": ["params"],
    "get_job": ["pk", "params"], "update_job": ["pk", "data"], "list_job_console_logs": ["pk"],
    "list_storages": [], "get_storage": ["pk"], "create_storage": ["data"],
    "list_ground_truth_events": ["params", "url_conversion", "list_all"], "get_ground_truth_version": ["pk"],
    "data_files_verify_checksums": ["checksums"], "get_data_unit": ["pk"],
    "list_data_units": ["params", "url_conversion", "list_all"],
}
CONSTRUCTOR_2025 = ["base_url", "api_token", "agent_token", "timeout"]


def _params(client: object, name: str) -> list[str] | None:
    method = getattr(client, name, None)
    if method is None or not callable(method):
        return None
    return list(inspect.signature(method).parameters)


def _drop_in(client: object, surface: dict[str, list[str]]) -> tuple[list[str], dict[str, list[str]]]:
    """(methods that are drop-in, {method: what is missing} for the others)."""
    good, bad = [], {}
    for name, wanted in surface.items():
        ours = _params(client, name)
        missing = ["<method>"] if ours is None else [p for p in wanted if p not in ours]
        if missing:
            bad[name] = missing
        else:
            good.append(name)
    return good, bad


@pytest.fixture(scope="module")
def sdk_2026(introspected: dict[str, Any]) -> dict[str, list[str]]:
    return dict(introspected["methods"])


def test_the_2026_constructor(introspected):
    ours = list(inspect.signature(SynapseClient).parameters)
    assert ours[:2] == introspected["constructor"][:2] == ["base_url", "access_token"]
    assert set(introspected["constructor"]) <= set(ours), introspected["constructor"]


def test_url_host_goes_to_the_backend_only(tmp_path):
    import httpx
    seen: list[httpx.URL] = []
    transport = httpx.MockTransport(lambda r: seen.append(r.url) or httpx.Response(200, json={"id": 1}))
    client = SynapseClient("http://backend.test", access_token="x", url_host="internal", transport=transport,
                           cache_dir=tmp_path)
    client.get_task(1, params={"expand": "data_unit"})
    client.get_bytes("http://storage.test/file.png")
    assert seen[0].params["url_host"] == "internal" and seen[0].params["expand"] == "data_unit"
    assert "url_host" not in seen[1].params


@pytest.mark.parametrize("cls", [SynapseClient, AsyncSynapseClient])
def test_every_2026_method_and_parameter(sdk_2026, cls):
    assert len(sdk_2026) == 63, sorted(sdk_2026)
    client = cls("http://127.0.0.1:9", access_token="x")
    good, bad = _drop_in(client, sdk_2026)
    assert not bad, f"{len(good)}/{len(sdk_2026)} drop-in; missing: {bad}"
    # the 2026 order: the SDK's positional parameters come first, in its order
    for name, wanted in sdk_2026.items():
        ours = _params(client, name)
        assert ours is not None and ours[:len(wanted)] == wanted or set(wanted) <= set(ours or []), name
        positional = [p for p in wanted if p in (ours or [])]
        assert [p for p in (ours or []) if p in positional] == positional, f"{name}: order {ours} vs {wanted}"


@pytest.mark.parametrize("cls", [SynapseClient, AsyncSynapseClient])
def test_every_2025_method_and_parameter(cls):
    client = cls("http://127.0.0.1:9", access_token="x")
    good, bad = _drop_in(client, SDK_2025)
    assert not bad, f"{len(good)}/{len(SDK_2025)} drop-in; missing: {bad}"
    ctor = list(inspect.signature(cls).parameters)
    assert set(CONSTRUCTOR_2025) <= set(ctor), ctor
    assert len(SDK_2025) + len(CONSTRUCTOR_2025) == 43


def test_2025_names_are_keyword_aliases(make_server, tmp_path):
    server = make_server(scale=20)
    with SynapseClient(server.base_url, access_token=server.access_token, cache_dir=tmp_path) as client:
        assert client.get_task(pk=3)["id"] == client.get_task(3)["id"] == client.get_task(task_id=3)["id"] == 3
        assert client.get_data_collection(data_collection_id=1)["id"] == 1
        assert client.get_plugin(pk=1)["id"] == 1
        with pytest.raises(TypeError, match="task_id"):
            client.get_task()
        with pytest.raises(TypeError, match="not both"):
            client.get_task(3, pk=4)


def test_help_shows_the_sdk_signature():
    for cls in (SynapseClient, AsyncSynapseClient):
        client = cls("http://127.0.0.1:9", access_token="x")
        sig = inspect.signature(client.get_task)
        assert list(sig.parameters)[:2] == ["task_id", "params"]
        assert "GET tasks/{task_id}/" in (client.get_task.__doc__ or "")
    assert list(inspect.signature(SynapseClient).parameters)[:2] == ["base_url", "access_token"]
