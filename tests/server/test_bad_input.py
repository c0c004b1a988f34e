"""Bad input: bad JSON, wrong types, unknown ids, wrong content types: 4xx with a reason."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from server_helpers import sdk_client, walk

from synapse_nb.server import Settings
from synapse_nb.server.demo import DEMO_ACCESS_TOKEN
from synapse_nb.server.testing import serve_in_thread

JSON_POSTS = [
    ("post", "tasks/"), ("post", "tasks/set_tags/"), ("post", "assignments/set_tags/"),
    ("post", "data_units/"), ("post", "data_files/verify_checksums/"), ("post", "models/"),
    ("post", "plugins/"), ("put", "plugins/1/"), ("post", "plugins/1/run/"),
    ("patch", "jobs/1/"), ("post", "storages/"), ("post", "task_tags/"),
    ("put", "tasks/1/annotate_task_data/"), ("post", "data_files/"),
]


@pytest.fixture
def client(live_server):
    with sdk_client(live_server) as c:
        yield c


@pytest.mark.parametrize("method,path", JSON_POSTS)
@pytest.mark.parametrize("body", [b"{broken", b"", b"[]", b'"text"'])
def test_bad_json_bodies_get_400_with_a_reason(client, method, path, body):
    r = client.request(method, path, content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400, (path, body, r.status_code, r.text)
    assert isinstance(r.json(), dict) and r.json()


@pytest.mark.parametrize("path,body,field", [
    ("tasks/set_tags/", {"ids": {"a": 1}, "tags": [1]}, "ids"),
    ("tasks/", [{"project": [1], "data_unit": 1}], "project"),
    ("data_files/verify_checksums/", {"checksums": "abc"}, "checksums"),
    ("storages/", {"name": "s", "provider": "amazon_s3", "configuration": [1]}, "configuration"),
    ("plugins/", {"code": "", "name": "x"}, "code"),
    ("models/", {"name": "m", "is_released": "perhaps"}, "is_released"),
])
def test_wrong_types_name_the_field(client, path, body, field):
    r = client.post(path, json=body)
    assert r.status_code == 400, r.text
    assert any(field in key for key in r.json()), r.json()


@pytest.mark.parametrize("path", ["tasks/abc/", "tasks/0/", "tasks/99999999999999999999/",
                                  "projects/-1/", "models/1.5/"])
def test_malformed_ids_are_4xx(client, path):
    r = client.get(path)
    assert 400 <= r.status_code < 500 and r.json()


@pytest.mark.parametrize("method,path", [("post", "data_files/"), ("put", "chunked_upload/"),
                                         ("post", "plugin_releases/")])
def test_upload_endpoints_need_a_file_part(client, method, path):
    r = client.request(method, path, data={"filename": "x"})
    assert r.status_code == 400 and r.json()
    r = client.request(method, path, content=b"raw bytes",
                       headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 400 and r.json()


def test_unknown_paths_and_methods_are_json(client):
    r = client.get("no_such_thing/")
    assert r.status_code == 404 and r.json()["detail"]
    r = client.delete("tasks/1/")
    assert r.status_code == 405 and r.json()["detail"]


def test_pages_fetched_concurrently_equal_the_sequential_walk(live_server, client):
    sequential = [t["id"] for t in walk(client, "sdk/tasks/", {"project": 1})]

    async def concurrently() -> list[int]:
        headers = {"Synapse-Access-Token": f"Token {DEMO_ACCESS_TOKEN}"}
        async with httpx.AsyncClient(base_url=live_server.base_url, headers=headers) as c:
            first = (await c.get("/sdk/tasks/", params={"project": 1, "page_size": 100})).json()
            pages = -(-first["count"] // 100)
            rest = await asyncio.gather(*(c.get("/sdk/tasks/", params={
                "project": 1, "page_size": 100, "page": p}) for p in range(2, pages + 1)))
            return [t["id"] for page in [first] + [r.json() for r in rest]
                    for t in page["results"]]

    assert asyncio.run(concurrently()) == sequential


def test_serve_in_thread_stops_at_the_end_of_the_block():
    with serve_in_thread(Settings.for_demo(scale=30)) as server:
        url = server.base_url
        assert "syn_" not in repr(server)
        r = httpx.get(f"{url}/sdk/tasks/", headers={"Synapse-Access-Token": server.access_token})
        assert r.json()["count"] == 30
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{url}/sdk/tasks/", timeout=2)


@pytest.mark.parametrize("method,path,body", [
    ("put", "tasks/1/annotate_task_data/", {"data": {"annotations": [], "n": -(2**63) - 1}}),
    ("patch", "jobs/1/", {"progress_record": {"x": 2**64}}),
    ("post", "storages/", {"name": "s", "provider": "gcp", "configuration": {"n": 2**70}}),
])
def test_integers_beyond_64_bits_in_free_json_are_400_and_nothing_changes(client, method,
                                                                          path, body):
    before = client.get("tasks/1/").json()
    r = client.request(method, path, json=body)
    assert r.status_code == 400 and "64-bit" in r.json()["detail"]
    assert client.get("tasks/1/").json() == before   # found by schemathesis (was a 500)
