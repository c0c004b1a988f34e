"""The reference server's /v2/ API over loopback: envelopes, cursors, bulk fetch, auth."""

from __future__ import annotations

import base64

import httpx
import pytest

from synapse_nb.server.demo import USER_TOKENS

RESOURCES = ["projects", "tasks", "assignments", "ground-truth-datasets", "ground-truths",
             "ground-truth-events", "models", "experiments", "trains", "reviews",
             "pre-annotations", "exports", "data-collections", "data-units", "members"]


@pytest.fixture(scope="module")
def v2(live_server):
    headers = {"SYNAPSE-ACCESS-TOKEN": live_server.access_token, "SYNAPSE-Tenant": "acme"}
    with httpx.Client(base_url=live_server.base_url + "/v2", headers=headers,
                      timeout=30) as client:
        yield client


def walk(client: httpx.Client, path: str, **params) -> tuple[list[dict], int]:
    """Every item by following next_cursor; also the number of pages."""
    items, pages = [], 0
    body = client.get(path, params=params).json()
    while True:
        pages += 1
        assert set(body) == {"data", "meta"} and "request_id" in body["meta"]
        items += body["data"]
        nxt = body["meta"]["pagination"]["next_cursor"]
        if not nxt:
            return items, pages
        body = client.get(nxt).json()


@pytest.mark.parametrize("resource", RESOURCES)
def test_every_resource_lists_and_retrieves_in_envelopes(v2, resource):
    items, _ = walk(v2, f"/{resource}/", per_page=500)
    assert items, resource
    first = v2.get(f"/{resource}/{items[0]['id']}/").json()
    assert first["data"]["id"] == items[0]["id"]
    slim = set(items[0]) - ({"job_id", "job_status"} if "job" in first["data"] else set())
    assert slim <= set(first["data"])                    # details extend the slim item
    assert "pagination" not in first["meta"]


def test_cursor_walk_matches_v1_and_pages_are_capped(v2, live_server):
    ids = [t["id"] for t in walk(v2, "/tasks/", project=2, per_page=77)[0]]
    v1 = httpx.get(live_server.base_url + "/sdk/tasks/", params={"project": 2, "page_size": 1000},
                   headers={"Synapse-Access-Token": live_server.access_token}).json()
    assert ids == [t["id"] for t in v1["results"]] and len(ids) == v1["count"]
    big = v2.get("/tasks/", params={"per_page": 10**6}).json()
    assert len(big["data"]) == live_server.settings.max_page_size
    assert big["meta"]["pagination"]["per_page"] == live_server.settings.max_page_size
    assert "count" not in big["meta"]["pagination"]


def test_cursors_are_opaque_go_back_and_keep_filters(v2):
    one = v2.get("/tasks/", params={"project": 1, "per_page": 5}).json()
    nxt = one["meta"]["pagination"]["next_cursor"]
    assert "project=1" in nxt and "cursor=" in nxt
    cursor = httpx.URL(nxt).params["cursor"]
    assert not cursor.isdigit()
    two = v2.get(nxt).json()
    assert [t["id"] for t in two["data"]] == [t["id"] + 5 for t in one["data"]]
    back = v2.get(two["meta"]["pagination"]["previous_cursor"]).json()
    assert back["data"] == one["data"]
    assert back["meta"]["pagination"]["previous_cursor"] is None
    forged = base64.urlsafe_b64encode(b"nonsense").decode()
    bad = v2.get("/tasks/", params={"cursor": forged})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "INVALID_CURSOR"


def test_events_default_to_newest_first_and_sort_is_checked(v2):
    events = v2.get("/ground-truth-events/", params={"per_page": 50}).json()["data"]
    pgh = [e["pgh_id"] for e in events]
    assert pgh == sorted(pgh, reverse=True)
    ascending = v2.get("/ground-truth-events/", params={"sort": "pgh_id", "per_page": 5}).json()
    assert [e["pgh_id"] for e in ascending["data"]] == sorted(e["pgh_id"] for e in ascending["data"])
    assert v2.get("/tasks/", params={"sort": "title"}).json()["error"]["code"] == "VALIDATION_ERROR"


def test_bulk_fetch_full_payloads_cap_and_unknown_ids(v2, live_server):
    got = v2.post("/tasks/bulk-fetch/", json={"ids": [3, 1, 10**9]}).json()["data"]
    assert [t["id"] for t in got] == [3, 1]                # order kept, unknown id left out
    assert isinstance(got[0]["data"], str) and got[0]["files_manifest"]
    over = v2.post("/tasks/bulk-fetch/", json={"ids": list(range(1, 202))})
    assert over.status_code == 400 and over.json()["error"]["code"] == "ids_limit_exceeded"
    assert v2.post("/tasks/bulk-fetch/", json={"ids": []}).status_code == 422
    assert v2.post("/assignments/bulk-fetch/", json={"ids": ["x"]}).status_code == 400
    events = v2.post("/ground-truth-events/bulk-data/", json={"pgh_ids": [1, 2]}).json()["data"]
    assert [e["pgh_id"] for e in events] == [1, 2] and events[0]["data"]["annotations"]
    gts = v2.post("/ground-truths/bulk-data/", params={"category": "train"},
                  json={"ids": list(range(1, 40))}).json()["data"]
    assert gts and {g["category"] for g in gts} == {"train"}


def test_assignment_id_and_time_ranges_partition_the_list(v2):
    everything = [a["id"] for a in walk(v2, "/assignments/", per_page=1000)[0]]
    mid = everything[len(everything) // 2]
    low = [a["id"] for a in walk(v2, "/assignments/", id__lte=mid, per_page=1000)[0]]
    high = [a["id"] for a in walk(v2, "/assignments/", id__gt=mid, per_page=1000)[0]]
    assert low + high == everything and low[-1] == mid
    late = walk(v2, "/assignments/", created__gte="2025-06-01T00:00:00Z", per_page=1000)[0]
    assert all(a["created"] >= "2025-06-01" for a in late)


def test_nested_versions_and_events(v2):
    versions = v2.get("/ground-truth-datasets/1/versions/").json()["data"]
    assert [v["id"] for v in versions] == [1, 2]
    assert v2.get("/ground-truth-datasets/2/versions/1/").status_code == 404
    nested = walk(v2, "/ground-truth-datasets/1/versions/2/events/", per_page=1000)[0]
    flat = walk(v2, "/ground-truth-events/", ground_truth_dataset_version=2, per_page=1000)[0]
    assert nested == flat and nested
    assert v2.get("/ground-truth-datasets/2/versions/2/events/").json()["data"] == []


def test_members_carry_names(v2):
    members = v2.get("/members/").json()["data"]
    names = {m["user_id"]: m["name"] for m in members}
    assert names[1] == "Alice" and names[8] == "Heidi" and 9 not in names  # ivan is globex


def test_auth_headers_and_tenants(live_server):
    base = live_server.base_url + "/v2/tasks/1/"
    for headers in ({"SYNAPSE-ACCESS-TOKEN": live_server.access_token},
                    {"SYNAPSE-ACCESS-TOKEN": "Token " + live_server.access_token},
                    {"Authorization": f"Token {USER_TOKENS['judy']}", "SYNAPSE-Tenant": "acme"},
                    {"Authorization": f"Token {USER_TOKENS['judy']}",
                     "SYNAPSE-Tenant": "Token acme"}):
        assert httpx.get(base, headers=headers).status_code == 200, headers
    none = httpx.get(base)
    assert none.status_code == 401 and none.json()["error"]["code"] == "AUTHENTICATION_REQUIRED"
    other = httpx.get(base, headers={"SYNAPSE-ACCESS-TOKEN": live_server.other_access_token})
    assert other.status_code == 404 and set(other.json()) == {"error", "meta"}
    wrong = httpx.get(base, headers={"SYNAPSE-ACCESS-TOKEN": live_server.access_token,
                                     "SYNAPSE-Tenant": "globex"})
    assert wrong.status_code == 403
    mine = httpx.get(live_server.base_url + "/v2/tasks/", params={"per_page": 1000},
                     headers={"SYNAPSE-ACCESS-TOKEN": live_server.other_access_token}).json()
    assert mine["data"] and all(t["project_id"] == 4 for t in mine["data"])


def test_task_bulk_json_written_by_sqlite_equals_the_builder(make_server):
    """The hot v2 task object is JSON text written by SQLite (TASK_BULK_SQL): byte for
    byte what the dict builder gives, on the demo tasks and on
    stored values that need escaping (unicode, quotes, backslashes, control characters),
    no data, and a unit without files."""
    import orjson

    from synapse_nb.server.v2.resources import SPECS
    from synapse_nb.server.v2.spec import rows_by_ids
    from synapse_nb.server.v2.tables import ensure_v2_tables

    server = make_server(scale=40)
    db = server.db
    ensure_v2_tables(db)
    data = {"annotations": [{"label": 'say "hi" \\ é ☕\n\t\x01', "coordinates": [0.5, 1e-07]}],
            "metadata": {"annotator_id": "zoë"}}
    with db.write() as con:
        con.execute("UPDATE tasks SET data = ?, meta = ? WHERE id = 1",
                    [orjson.dumps(data).decode(), orjson.dumps({"k": "ü\"\\"}).decode()])
        con.execute("UPDATE tasks SET data = NULL, assignee = NULL WHERE id = 2")
        con.execute("UPDATE data_units SET files = '' WHERE id = (SELECT data_unit_id FROM "
                    "tasks WHERE id = 3)")
    spec = SPECS["tasks"]
    tenant = db.one("SELECT tenant_id FROM tasks WHERE id = 1")[0]
    ids = [r[0] for r in db.query("SELECT id FROM tasks WHERE tenant_id = ? ORDER BY id DESC",
                                  [tenant])]
    assert len(ids) >= 40
    base = 'http://h:1/a "b"'
    assert spec.bulk is not None and spec.bulk_sql is not None
    by_sql = rows_by_ids(db, spec, spec.full_select, ids, tenant, spec.bulk, base, spec.bulk_sql)
    by_dicts = rows_by_ids(db, spec, spec.full_select, ids, tenant, spec.bulk, base)
    assert orjson.dumps(by_sql) == orjson.dumps(by_dicts)
    assert [orjson.loads(orjson.dumps(o))["id"] for o in by_sql] == ids  # order of ids
    first = orjson.loads(orjson.dumps(rows_by_ids(db, spec, spec.full_select, [1], tenant,
                                                  spec.bulk, base, spec.bulk_sql)))[0]
    assert orjson.loads(first["data"]) == data


def test_request_ids_are_unique_without_a_uuid_per_request(v2):
    ids = {v2.get("/projects/", params={"per_page": 1}).json()["meta"]["request_id"]
           for _ in range(20)}
    assert len(ids) == 20 and all(len(i) == 20 and i.startswith("req_") for i in ids)
