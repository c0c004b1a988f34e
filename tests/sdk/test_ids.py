"""Ids go into URL paths checked and quoted: ``get_project("../x")`` reaches no other path.

(Issue 10: a string id such as ``"../x"`` reached another API path with the user's
credentials.) Every request is recorded by a MockTransport: a refused id sends nothing.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from synapse_nb.client import AsyncSynapseClient, SynapseClient


def _recording() -> tuple[list[str], httpx.MockTransport]:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path.decode())
        return httpx.Response(200, json={"id": 1, "count": 0, "results": []})
    return seen, httpx.MockTransport(handler)


BAD = ["../x", "..", ".", "1/../../users", "1?page=2", "1#x", "%2e%2e", "", " 1", -1, True, 1.5, None, "a/b"]


@pytest.mark.parametrize("value", BAD)
def test_bad_ids_send_nothing(value, tmp_path):
    seen, transport = _recording()
    client = SynapseClient("http://backend.test", access_token="syn_x", transport=transport, cache_dir=tmp_path)
    with pytest.raises((ValueError, TypeError)):
        client.get_project(value)
    with pytest.raises((ValueError, TypeError)):
        client.get_plugin_release(value)  # takes codes too, still never a path
    with pytest.raises((ValueError, TypeError)):
        client.update_job(value, {"status": "RUNNING"})
    assert seen == []


def test_error_says_what_an_id_is(tmp_path):
    client = SynapseClient("http://backend.test", access_token="syn_x", cache_dir=tmp_path)
    with pytest.raises(ValueError, match=r"project_id must be an integer id .*'\.\./x'"):
        client.get_project("../x")
    with pytest.raises(ValueError) as err:
        client.health_check_agent("../secret-token")
    assert "secret-token" not in str(err.value)  # tokens stay out of messages


def test_good_ids_and_codes_reach_their_path(tmp_path):
    seen, transport = _recording()
    client = SynapseClient("http://backend.test", access_token="syn_x", transport=transport, cache_dir=tmp_path)
    client.get_project(7)
    client.get_project("8")
    client.run_plugin("yolov8", {"action": "train"})
    client.get_plugin_release_by_lookup("yolov8@1.1.0")
    client.get_job("550e8400-e29b-41d4-a716-446655440000")
    assert seen[:5] == ["/projects/7/", "/projects/8/", "/plugins/yolov8/run/",
                        "/plugin_releases/yolov8@1.1.0/?expand=plugin",
                        "/jobs/550e8400-e29b-41d4-a716-446655440000/"]


def test_async_client_checks_too(tmp_path):
    seen, _ = _recording()

    async def main() -> None:
        async with AsyncSynapseClient("http://backend.test", access_token="syn_x", cache_dir=tmp_path) as client:
            with pytest.raises(ValueError):
                await client.get_task("../../projects/1")
    asyncio.run(main())
    assert seen == []
