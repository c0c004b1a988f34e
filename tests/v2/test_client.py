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


# ---- issue 20: ids into paths, envelopes of the wrong shape, bulk ids ------------------
def _recording(answer: dict | None = None) -> tuple[SynapseClient, list[httpx.Request]]:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, json=answer or {"data": {"id": 1}, "meta": {}})
    return _mock(handler), requests


@pytest.mark.parametrize("pk", ["1/../../admin", "../1", "1?x=2", "%2e%2e", -1, True, 1.5, ""])
def test_v2_ids_are_validated_before_any_request(pk):
    c, requests = _recording()
    with pytest.raises(ValueError, match="must be an integer id"):
        c.v2.tasks.retrieve(pk)
    with pytest.raises(ValueError, match="must be an integer id"):
        c.v2.ground_truth_datasets.versions(pk)
    with pytest.raises(ValueError, match="must be an integer id"):
        c.v2.ground_truth_datasets.versions(1).events(pk)
    assert requests == []  # nothing left with the credentials
    assert c.v2.tasks.retrieve("7") == {"id": 1} and requests[-1].url.path == "/v2/tasks/7/"


def test_a_member_id_from_the_server_is_validated_too():
    c, requests = _recording({"data": [{"id": "../../admin", "user_id": 9}],
                              "meta": {"pagination": {"next_cursor": None}}})
    with pytest.raises(ValueError, match="member id must be an integer id"):
        c.v2.members.names()
    assert [r.url.path for r in requests] == ["/v2/members/"]


@pytest.mark.parametrize("body, expected", [
    ({"data": [1, 2], "meta": {}}, "a list of objects in data (item 0), got int"),
    ({"data": [{"id": 1}], "meta": {"pagination": ["x"]}}, "meta.pagination as an object, got list"),
    ({"data": [{"id": 1}], "meta": {"pagination": {"next_cursor": 5}}},
     "meta.pagination.next_cursor as a string or null, got int"),
    ({"data": {"id": 1}, "meta": {}}, "a v2 list envelope"),
], ids=["items", "pagination", "cursor", "object"])
def test_a_list_envelope_of_the_wrong_shape_is_a_decoding_error(body, expected):
    from synapse_nb.client.errors import DecodingError

    c, _ = _recording(body)
    with pytest.raises(DecodingError) as err:
        c.v2.tasks.list()
    assert expected in str(err.value) and "GET v2/tasks/" in str(err.value)
    with pytest.raises(DecodingError):
        list(c.v2.tasks.list(list_all=True))


def test_a_detail_and_a_bulk_answer_of_the_wrong_shape_are_decoding_errors():
    from synapse_nb.client.errors import DecodingError

    c, _ = _recording({"data": [{"id": 1}], "meta": {}})
    with pytest.raises(DecodingError, match="expected an object in data, got CursorPage"):
        c.v2.tasks.retrieve(1)
    c, _ = _recording({"data": {"id": 1}, "meta": {}})
    with pytest.raises(DecodingError, match="expected a list of objects, got dict"):
        c.v2.tasks.bulk_fetch([1])


def test_bulk_ids_given_as_digit_strings_match_and_bad_ids_fail_loudly():
    """Decided: an id sent as a digit string ("1", as serializers that keep big ids exact
    send them) is that number; an item without an integer id is an error, never dropped."""
    from synapse_nb.client.errors import DecodingError

    c, _ = _recording({"data": [{"id": "2", "x": "b"}, {"id": 1, "x": "a"}], "meta": {}})
    assert [t["x"] for t in c.v2.tasks.bulk_fetch([1, 2, 3])] == ["a", "b"]
    c, _ = _recording({"data": [{"pgh_id": "5", "id": 1}], "meta": {}})
    assert c.v2.ground_truth_events.bulk_data([5]) == [{"pgh_id": "5", "id": 1}]
    for item in ({"id": "x1"}, {"name": "no id"}, {"id": None}, {"id": True}):
        c, _ = _recording({"data": [item], "meta": {}})
        with pytest.raises(DecodingError, match="expected an integer id on every item"):
            c.v2.tasks.bulk_fetch([1])


def test_a_page_link_without_a_cursor_is_shown_without_its_signature():
    c, requests = _recording()
    with pytest.raises(ValueError, match="page link without a cursor") as err:
        c.v2.tasks.list(cursor="https://files.test/v2/tasks/?page=2&sig=s3cr3tsig")
    assert "s3cr3tsig" not in str(err.value) and "sig=***" in str(err.value)
    assert requests == []
