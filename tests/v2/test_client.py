"""``client.v2`` and ``api=`` on both clients: over loopback, and MockTransport for what a
server can't easily show (a v1-only backend, a page link to another origin)."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from synapse_nb.client import AsyncSynapseClient, NotFoundError, SynapseClient
from synapse_nb.client.v2 import CursorPage


@pytest.fixture
def client(live_server):
    with SynapseClient(live_server.base_url, access_token=live_server.access_token,
                       tenant="acme", api="v2") as c:
        yield c


def test_list_walk_retrieve_bulk(client, live_server):
    page = client.v2.tasks.list(project=2, per_page=25)
    assert isinstance(page, CursorPage) and len(page) == 25 and page.request_id.startswith("req_")
    walked = [t["id"] for t in client.v2.tasks.list(project=2, per_page=333, list_all=True)]
    v1 = client.list_tasks({"project": 2}, list_all=True)[0]
    assert walked == [t["id"] for t in v1]
    more = client.v2.tasks.list(project=2, per_page=25, cursor=page.next)
    assert more.results[0]["id"] == walked[25]
    ids = walked[::-1][:450]                              # 3 bulk calls of <= 200, in order
    full = client.v2.tasks.bulk_fetch(ids + [10**9])
    assert [t["id"] for t in full] == ids and "files_manifest" in full[0]
    assert client.v2.tasks.retrieve(ids[0])["project_id"] == 2
    with pytest.raises(NotFoundError) as err:
        client.v2.tasks.retrieve(10**9)
    assert "no tasks object has this id" in str(err.value)
    events = client.v2.ground_truth_datasets.versions(1).events(2).list(list_all=True)
    assert len(list(events)) > 10
    names = {m["user_id"]: m["name"] for m in client.v2.members.list(list_all=True)}
    assert names[2] == "Bob" and client.v2.members.names() == names
    with pytest.raises(AttributeError, match="no bulk endpoint"):
        client.v2.models.bulk_fetch([1])


def test_async_client(live_server):
    async def main() -> tuple:
        async with AsyncSynapseClient(live_server.base_url, access_token=live_server.access_token,
                                      api="auto") as c:
            api = await c.resolve_api()
            ids = [t["id"] async for t in c.v2.assignments.list(list_all=True, per_page=400,
                                                                 id__lte=900)]
            full = await c.v2.assignments.bulk_fetch(ids)
            page = await c.v2.members.list()
            return api, ids, full, page
    api, ids, full, page = asyncio.run(main())
    assert api == "v2" and ids and ids[-1] <= 900 and [a["id"] for a in full] == ids
    assert page.results and page.next is None


def _mock(handler) -> SynapseClient:
    return SynapseClient("http://backend.test", access_token="syn_secret", tenant="acme",
                         api="auto", transport=httpx.MockTransport(handler), max_retries=0)


def test_auto_falls_back_to_v1_and_asks_once():
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(404, json={"detail": "Not found."})
    c = _mock(handler)
    assert c.resolve_api() == "v1" and c.resolve_api() == "v1"
    assert seen == ["/v2/projects/"]
    with pytest.raises(ValueError, match="api must be one of"):
        SynapseClient("http://backend.test", access_token="x", api="v3")


def test_v2_headers_raw_and_page_links_stay_on_our_origin():
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        if "cursor" in request.url.params:
            return httpx.Response(200, json={"data": [{"id": 2}], "meta": {
                "pagination": {"next_cursor": None, "previous_cursor": None}}})
        return httpx.Response(200, json={"data": [{"id": 1}], "meta": {"pagination": {
            "next_cursor": "https://evil.test/v2/tasks/?cursor=abc", "previous_cursor": None}}})
    c = _mock(handler)
    assert [t["id"] for t in c.v2.tasks.list(list_all=True)] == [1, 2]
    assert all(r.url.host == "backend.test" for r in requests)
    assert requests[1].url.params["cursor"] == "abc"
    assert requests[0].headers["synapse-access-token"] == "syn_secret"
    assert requests[0].headers["synapse-tenant"] == "acme"


def test_env_variables_of_the_v2_sdk(live_server, monkeypatch):
    for name in ("SYNAPSE_HOST", "SYNAPSE_ACCESS_TOKEN", "SYNAPSE_API_TOKEN", "SYNAPSE_TENANT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SYNAPSE_BACKEND_V2_ACCESS_TOKEN", live_server.access_token)
    monkeypatch.setenv("SYNAPSE_BACKEND_V2_TENANT", "acme")
    with SynapseClient(live_server.base_url, api="v2") as c:
        assert c.v2.projects.retrieve(1)["id"] == 1
        assert live_server.access_token not in repr(c)
    monkeypatch.delenv("SYNAPSE_BACKEND_V2_ACCESS_TOKEN")
    from synapse_nb.server.demo import USER_TOKENS
    monkeypatch.setenv("SYNAPSE_BACKEND_V2_DRF_TOKEN", USER_TOKENS["judy"])
    with SynapseClient(live_server.base_url) as c:   # judy is in two tenants: the tenant picks
        assert c.v2.members.retrieve(1)["tenant_id"] == 1


def test_bulk_body_and_error_message():
    bodies: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(400, json={"error": {"code": "ids_limit_exceeded",
                                                   "message": "At most 200 ids."},
                                         "meta": {"request_id": "req_1"}})
    c = _mock(handler)
    with pytest.raises(Exception) as err:
        c.v2.ground_truth_events.bulk_data([5, 6])
    assert bodies == [{"pgh_ids": [5, 6]}] and "At most 200 ids." in str(err.value)


def test_member_names_retrieve_what_the_list_leaves_out():
    """The schema's slim member has no name: names() then asks each member's detail."""
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v2/members/":
            return httpx.Response(200, json={"data": [{"id": 5, "user_id": 9, "role": "member"}],
                                             "meta": {"pagination": {"next_cursor": None}}})
        assert request.url.path == "/v2/members/5/"
        return httpx.Response(200, json={"data": {"id": 5, "user_id": 9, "name": "Ivan"},
                                         "meta": {"request_id": "r"}})
    assert _mock(handler).v2.members.names() == {9: "Ivan"}
