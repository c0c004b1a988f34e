"""Tasks as the SDK uses them: list with filters and pages, detail, create, annotate, tags."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest
from server_helpers import sdk_client, walk

from synapse_nb.server.demo import HTML_TAG_NAME, project_ranges


@pytest.fixture
def client(live_server):
    with sdk_client(live_server) as c:
        yield c


def test_envelope_next_is_absolute_and_keeps_the_query(live_server, client):
    body = client.get("sdk/tasks/", params={"page_size": 100, "project": 2}).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["previous"] is None and len(body["results"]) == 100
    nxt = urlsplit(body["next"])
    assert f"{nxt.scheme}://{nxt.netloc}" == live_server.base_url
    assert parse_qs(nxt.query) == {"page": ["2"], "page_size": ["100"], "project": ["2"]}
    second = client.get(body["next"]).json()
    assert second["previous"] and parse_qs(urlsplit(second["previous"]).query)["page"] == ["1"]
    assert second["results"][0]["id"] > body["results"][-1]["id"]


def test_walking_next_returns_every_task_of_a_project_once(client):
    ids = [t["id"] for t in walk(client, "sdk/tasks/", {"project": 3})]
    expected = list(project_ranges(2000)[3])
    assert ids[: len(expected)] == expected          # seeded tasks, in id order
    assert len(ids) == len(set(ids))


def test_page_size_is_capped_and_pages_are_addressable(live_server, client):
    body = client.get("sdk/tasks/", params={"page_size": 5000}).json()
    assert len(body["results"]) == live_server.settings.max_page_size
    page3 = client.get("sdk/tasks/", params={"page_size": 7, "page": 3, "project": 1}).json()
    assert [t["id"] for t in page3["results"]] == list(range(15, 22))


@pytest.mark.parametrize("params,status", [
    ({"page": 0}, 404), ({"page": "x"}, 404), ({"page": 10**6}, 404),
    ({"page_size": 0}, 400), ({"page_size": "many"}, 400),
    ({"project": "one"}, 400), ({"status": "done"}, 400), ({"created_after": "yesterday"}, 400),
    ({"ordering": "priority"}, 400), ({"is_discarded": "maybe"}, 400),
])
def test_bad_query_parameters_say_what_is_wrong(client, params, status):
    r = client.get("sdk/tasks/", params=params)
    assert r.status_code == status
    assert r.json()  # a JSON body naming the problem
    assert any(key in r.json() for key in ("detail", *params))


def test_filters_status_assignee_tags_search_created_after(client):
    completed = client.get("sdk/tasks/", params={"status": "completed", "page_size": 1000}).json()
    assert completed["results"] and all(t["status"] == "completed" for t in completed["results"])
    statuses = {s: client.get("sdk/tasks/", params={"status": s, "project": 1}).json()["count"]
                for s in ("pending", "in_progress", "completed")}
    assert all(statuses.values())
    assert sum(statuses.values()) >= len(project_ranges(2000)[1])
    by_bob = client.get("sdk/tasks/", params={"assignee": 2, "page_size": 1000}).json()["results"]
    assert by_bob and {t["assignee"] for t in by_bob} == {2}
    html = client.get("sdk/tasks/", params={"tags": 4}).json()
    assert html["count"] >= 5 and all(4 in t["tags"] for t in html["results"])
    found = client.get("sdk/tasks/", params={"search": "batch\":3"}).json()
    assert found["count"] > 0
    cut = "2025-06-01T00:00:00Z"
    late = client.get("sdk/tasks/", params={"created_after": cut, "page_size": 1000}).json()
    assert late["results"] and all(t["created"] > "2025-06-01T00:00:00" for t in late["results"])
    both = client.get("sdk/tasks/", params=[("status", "pending"), ("status", "completed"),
                                            ("project", 3)]).json()
    assert {t["status"] for t in both["results"]} <= {"pending", "completed"}


def test_ordering_id_desc_and_id_in(client):
    desc = client.get("sdk/tasks/", params={"ordering": "-id", "page_size": 3}).json()["results"]
    assert [t["id"] for t in desc] == sorted((t["id"] for t in desc), reverse=True)
    chosen = client.get("sdk/tasks/", params={"id__in": "5,3,9"}).json()["results"]
    assert [t["id"] for t in chosen] == [3, 5, 9]


def test_list_objects_carry_files_with_absolute_signed_urls(live_server, client):
    task = client.get("sdk/tasks/", params={"page_size": 4}).json()["results"][3]
    assert task["id"] == 4
    files = task["files"]
    assert set(files) == {"image_1", "image_ir"}            # every 4th street unit has IR
    entry = files["image_1"]
    assert entry["url"].startswith(live_server.base_url + "/") and "sig=" in entry["url"]
    assert entry["is_primary"] is True and len(entry["checksum"]) == 32
    assert entry["file_name_original"].endswith(".png")


def test_declared_checksums_are_the_md5_of_the_files_served(client):
    """The seed computes the demo files' checksums on threads, ahead of the rows: each is
    still the md5 of the bytes the server then sends (street, aerial, infrared)."""
    tasks = client.get("sdk/tasks/", params={"id__in": "4,8,1201,1202"}).json()["results"]
    files = [entry for task in tasks for entry in task["files"].values()]
    assert {e["file_name_original"].rsplit("_", 1)[1] for e in files} == {"1.png", "ir.png"}
    for entry in files:
        body = client.get(entry["url"]).content
        assert body.startswith(b"\x89PNG") and hashlib.md5(body).hexdigest() == entry["checksum"]


def test_expand_data_unit_and_fields(client):
    task = client.get("tasks/7/", params={"expand": "data_unit"}).json()
    assert task["data_unit"]["id"] == 7 and task["data_unit"]["files"]["image_1"]["url"]
    assert task["data_unit"]["data_collection"] == 1
    slim = client.get("sdk/tasks/", params={"fields": "id,data", "page_size": 2}).json()
    assert [set(t) for t in slim["results"]] == [{"id", "data"}, {"id", "data"}]
    with_asg = client.get("sdk/tasks/", params={"expand": "assignment", "status": "completed",
                                                 "page_size": 3}).json()["results"]
    assert all(t["assignment"]["task"] == t["id"] for t in with_asg)


def test_annotation_format_and_statuses(client):
    tasks = client.get("sdk/tasks/", params={"project": 1, "status": "completed"}).json()
    ann = tasks["results"][0]["data"]
    assert ann["metadata"]["annotator_id"] and ann["metadata"]["timestamp"]
    box = ann["annotations"][0]
    assert box["type"] == "bbox" and len(box["coordinates"]) == 4 and box["label"]
    seg = client.get("sdk/tasks/", params={"project": 2, "status": "completed"}).json()
    assert seg["results"][0]["data"]["annotations"][0]["type"] == "polygon"
    pending = client.get("sdk/tasks/", params={"status": "pending"}).json()["results"][0]
    assert pending["data"] is None


def test_create_tasks_both_body_shapes_then_annotate_and_tag(client):
    old = client.post("tasks/", json=[{"project": 1, "data_unit": 11}])      # 2025 SDK
    assert old.status_code == 201, old.text
    new = client.post("tasks/", json={"project": 1, "data": [{"data_unit": 12},
                                                             {"data_unit": 13}]})  # 2026 SDK
    assert new.status_code == 201, new.text
    created = old.json() + new.json()
    assert [t["data_unit"] for t in created] == [11, 12, 13]
    assert all(t["status"] == "pending" and t["data"] is None for t in created)
    pk = created[0]["id"]
    payload = {"annotations": [{"type": "bbox", "coordinates": [1, 2, 30, 40],
                                "label": "person", "confidence": 0.9}]}
    r = client.put(f"tasks/{pk}/annotate_task_data/", json={"action": "submit", "data": payload})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "completed" and r.json()["data"] == payload
    assert client.get(f"tasks/{pk}/").json()["data"] == payload
    ids = [t["id"] for t in created]
    r = client.post("tasks/set_tags/", json={"ids": ids, "tags": [1, 2], "action": "add"})
    assert r.status_code == 200, r.text
    assert all(client.get(f"tasks/{i}/").json()["tags"] == [1, 2] for i in ids)
    client.post("tasks/set_tags/", json={"ids": ids[:1], "tags": [1], "action": "remove"})
    assert client.get(f"tasks/{ids[0]}/").json()["tags"] == [2]
    tagged = client.get("sdk/tasks/", params={"tags": 2, "id__in": ",".join(map(str, ids))})
    assert tagged.json()["count"] == 3


@pytest.mark.parametrize("body", [
    [{"project": 999999, "data_unit": 1}],
    [{"project": 1, "data_unit": 1}, {"project": 1, "data_unit": 999999}],
    [{"project": 1, "data_unit": "x"}],
    {"project": 1},
    [],
])
def test_create_tasks_refuses_bad_input_and_writes_nothing(live_server, client, body):
    before = live_server.db.one("SELECT MAX(id) FROM tasks")[0]
    r = client.post("tasks/", json=body)
    assert r.status_code == 400, r.text
    assert r.json()
    assert live_server.db.one("SELECT MAX(id) FROM tasks")[0] == before


@pytest.mark.parametrize("body", [
    {"ids": [1, 999999], "tags": [1], "action": "add"},
    {"ids": [1], "tags": [999999], "action": "add"},
    {"ids": [1], "tags": [1], "action": "toggle"},
    {"ids": "1", "tags": [1]},
])
def test_set_tags_refuses_unknown_ids_atomically(client, body):
    before = client.get("tasks/1/").json()["tags"]
    r = client.post("tasks/set_tags/", json=body)
    assert r.status_code == 400 and r.json()
    assert client.get("tasks/1/").json()["tags"] == before


def test_annotate_refuses_bad_bodies(client):
    assert client.put("tasks/1/annotate_task_data/", content=b"{not json",
                      headers={"Content-Type": "application/json"}).status_code == 400
    assert client.put("tasks/1/annotate_task_data/", json=[1, 2]).status_code == 400
    assert client.put("tasks/1/annotate_task_data/",
                      json={"action": "submit", "data": "x"}).status_code == 400
    assert client.put("tasks/1/annotate_task_data/",
                      json={"data": {"annotations": {}}}).status_code == 400
    assert client.put("tasks/99999999/annotate_task_data/", json={"data": {}}).status_code == 404


def test_html_tag_is_stored_verbatim(client):
    tag = client.get("task_tags/4/").json()
    assert tag["name"] == HTML_TAG_NAME and tag["project"] == 1
    found = client.get("task_tags/", params={"search": "onerror"}).json()["results"]
    assert [t["id"] for t in found] == [4]


def test_fast_page_path_equals_the_dict_path(client):
    """Plain pages are written by SQLite; with ``fields`` they go through dicts: same JSON."""
    plain = client.get("sdk/tasks/", params={"page": 3, "page_size": 50}).json()["results"]
    keys = ",".join(plain[0])
    assert set(plain[0]) == {"id", "project", "data_unit", "data", "status", "assignee",
                             "priority", "tags", "meta", "is_discarded", "created", "modified",
                             "files"}
    via_dicts = client.get("sdk/tasks/", params={"page": 3, "page_size": 50,
                                                 "fields": keys}).json()["results"]
    assert plain == via_dicts


def test_a_hostile_host_cannot_break_the_json():
    """The base URL comes from the Host header; it is JSON-escaped where it is spliced in."""
    import orjson

    from synapse_nb.server.render import files_fragment

    base = 'http://evil"},"x":"\\'
    out = orjson.loads(orjson.dumps({"files": files_fragment(
        '{"image_1":{"url":"media/a.png?sig=1","is_primary":true}}', base)}))
    assert out["files"]["image_1"]["url"] == base + "/media/a.png?sig=1"
    assert set(out["files"]) == {"image_1"}
