"""The v2 task answers pinned byte for byte to the path they replaced.

Slim cursor pages and bulk answers of tasks are written by SQLite (one keyset query a page,
one array a call). The reference kept here is the generic path every other resource still
takes, which tasks took before: ids first, then a dict per row from the spec's builders
(``_task_slim`` / ``_task_bulk``), a list of them in the envelope. Each HTTP answer must be
the bytes that path gives for the same request (same request id), on the demo tasks and
on stored values a renderer can get wrong (unicode, quotes, control characters, nulls,
empty objects, a unit without files, odd enum text).
"""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest
from starlette.requests import Request

from synapse_nb.server.v2.envelope import cursor_page, envelope, page_args
from synapse_nb.server.v2.resources import SPECS
from synapse_nb.server.v2.routes import _filtered, origin
from synapse_nb.server.v2.spec import rows_by_ids

SPEC = SPECS["tasks"]


def _request(server: Any, http: httpx.Response) -> Request:
    """The server-side request of an answer, for the reference path (same URL, host, id)."""
    url = http.request.url
    scope = {"type": "http", "method": http.request.method, "path": url.path,
             "raw_path": url.raw_path.split(b"?")[0], "root_path": "",
             "query_string": url.query, "scheme": url.scheme,
             "headers": [(b"host", url.netloc)], "server": (url.host, url.port),
             "app": server.app}
    request = Request(scope)
    request.state.v2_request_id = orjson.loads(http.content)["meta"]["request_id"]
    return request


def _tenant(server: Any) -> int:
    return server.db.one("SELECT tenant_id FROM tasks ORDER BY id LIMIT 1")[0]


def reference_page(server: Any, http: httpx.Response) -> bytes:
    """The slim page as the dict path renders it."""
    request, db, tenant = _request(server, http), server.db, _tenant(server)
    from_where, params = _filtered(SPEC, request, tenant)
    args = page_args(request, SPEC.default_desc, SPEC.order_names)
    base = origin(request)
    return bytes(cursor_page(request, db, from_where, params, SPEC.key, args,
                             lambda ids: rows_by_ids(db, SPEC, SPEC.slim_select, ids, tenant,
                                                     SPEC.slim, base)).body)


def reference_bulk(server: Any, http: httpx.Response, ids: list[int]) -> bytes:
    """The bulk answer as the dict path renders it (ids deduplicated, unknown left out)."""
    request, tenant = _request(server, http), _tenant(server)
    assert SPEC.bulk is not None
    data = rows_by_ids(server.db, SPEC, SPEC.full_select, list(dict.fromkeys(ids)), tenant,
                       SPEC.bulk, origin(request))
    return bytes(envelope(request, data, {"next_cursor": None, "previous_cursor": None}).body)


def check_every_answer(server: Any) -> int:
    """Walk pages in every direction and order, filtered and not, and bulk-fetch; return
    the number of tasks compared."""
    compared = 0
    with httpx.Client(base_url=server.base_url + "/v2",
                      headers={"SYNAPSE-ACCESS-TOKEN": server.access_token}) as client:
        for params in ({"per_page": 7}, {"per_page": 5, "sort": "-id"}, {"per_page": 1000},
                       {"per_page": 4, "project": 1, "is_discarded": "false"},
                       {"per_page": 3, "status": "in_progress,completed"},
                       {"project": 999}):  # an empty page
            http = client.get("/tasks/", params=params)
            back = None
            while True:
                assert http.status_code == 200, http.text
                assert http.content == reference_page(server, http)
                body = orjson.loads(http.content)
                compared += len(body["data"])
                back = body["meta"]["pagination"]["previous_cursor"] or back
                nxt = body["meta"]["pagination"]["next_cursor"]
                if not nxt:
                    break
                http = client.get(nxt)
            if back:  # a backwards page (reverse cursor) too
                http = client.get(back)
                assert http.content == reference_page(server, http)
        ids = [item["id"] for item in client.get("/tasks/", params={"per_page": 1000}
                                                 ).json()["data"]]
        other = server.db.one("SELECT MIN(id) FROM tasks WHERE tenant_id != ?",
                              [_tenant(server)])[0]
        for batch in (ids[:200], ids[::-1][:150], [ids[3], 10**12, ids[3], ids[0], other]):
            http = client.post("/tasks/bulk-fetch/", json={"ids": batch})
            assert http.status_code == 200, http.text
            assert http.content == reference_bulk(server, http, batch)
            compared += len(orjson.loads(http.content)["data"])
    return compared


def test_v2_task_answers_equal_the_dict_path_on_the_demo_data(make_server):
    server = make_server(scale=60)
    assert check_every_answer(server) > 200


HOSTILE_DATA = {"annotations": [{"label": 'say "hi" \\ é ☕ 🐈\n\t\x01\x1f\x7f\u2028',
                                 "coordinates": [0.5, 1e-07, -0.0, 1e300]}],
                "metadata": {"annotator_id": "zoë", "null": None}}


def test_v2_task_answers_equal_the_dict_path_on_hostile_stored_values(make_server):
    server = make_server(scale=60)
    db = server.db
    ids = [r[0] for r in db.query("SELECT id FROM tasks WHERE tenant_id = ? ORDER BY id",
                                  [_tenant(server)])]
    dumps = lambda value: orjson.dumps(value).decode()  # noqa: E731  (as the server stores)
    with db.write() as con:
        con.execute("UPDATE tasks SET data = ?, meta = ?, tags = ? WHERE id = ?",
                    [dumps(HOSTILE_DATA), dumps({"k": 'ü"\\', "e": "", "n": None}),
                     dumps([1, 2]), ids[0]])
        con.execute("UPDATE tasks SET data = NULL, assignee = NULL WHERE id = ?", [ids[1]])
        con.execute("UPDATE data_units SET files = '' WHERE id = (SELECT data_unit_id FROM "
                    "tasks WHERE id = ?)", [ids[2]])
        con.execute("UPDATE tasks SET data = '{}', meta = '{}', tags = '[]', is_discarded = 1 "
                    "WHERE id = ?", [ids[3]])
        con.execute("UPDATE tasks SET status = ?, priority = ?, created = ?, modified = ? "
                    "WHERE id = ?", ['in_"progress"', "hï\\gh\x02", 'zoë "q"\t',
                                     "2026-01-01T00:00:00\u2028", ids[4]])
        con.execute("UPDATE data_units SET files = ? WHERE id = (SELECT data_unit_id FROM "
                    "tasks WHERE id = ?)", [dumps({
                        "image_1": {"url": "media/ü ☕.png?sig=a\"b", "is_primary": True},
                        "raw": {"url": "https://elsewhere/x.png", "meta": None},
                        "empty": {}}), ids[5]])
        con.execute("UPDATE tasks SET data = ? WHERE id = ?", ['"just a string"', ids[6]])
    assert check_every_answer(server) > 200
    # and the values a client reads back are the stored ones (not only equal to the old path)
    with httpx.Client(base_url=server.base_url + "/v2",
                      headers={"SYNAPSE-ACCESS-TOKEN": server.access_token}) as client:
        got = {item["id"]: item for item in client.post(
            "/tasks/bulk-fetch/", json={"ids": ids[:7]}).json()["data"]}
    assert orjson.loads(got[ids[0]]["data"]) == HOSTILE_DATA
    assert got[ids[1]]["data"] is None and got[ids[1]]["has_data"] is False
    assert got[ids[1]]["assignee_id"] is None and got[ids[2]]["files_manifest"] == {}
    assert got[ids[3]]["is_discarded"] is True and got[ids[3]]["meta"] == {}
    assert (got[ids[4]]["status"], got[ids[4]]["created"]) == ('in_"progress"', 'zoë "q"\t')
    primary = got[ids[5]]["files_manifest"]["image_1"]["url"]
    assert primary == f"{server.base_url}/media/ü ☕.png?sig=a\"b"
    assert got[ids[6]]["data"] == '"just a string"'


@pytest.mark.parametrize("text", ["{}", '{"k": 1}', "[]"])
def test_json_array_passes_texts_through(text):
    from synapse_nb.server.v2.envelope import json_array

    assert orjson.dumps(json_array([text, text])) == f"[{text},{text}]".encode()
    assert orjson.dumps(json_array([])) == b"[]"


@pytest.mark.parametrize("ids, status", [
    ([], 422), ([True], 400), ([1, False], 400), ([0], 400), ([-3, 1], 400), ([2**63], 400),
    ([2**63 - 1], 200), (["1"], 400), ([1.0], 400), ([None], 400), ([[1]], 400),
    ({"1": 1}, 400), (list(range(1, 202)), 400), ([1, 1, 2], 200)])
def test_bulk_ids_are_checked_as_before(live_server, ids, status):
    """Positive 64-bit ints only (not bools, floats, strings), 1 to 200 of them."""
    answer = httpx.post(live_server.base_url + "/v2/tasks/bulk-fetch/", json={"ids": ids},
                        headers={"SYNAPSE-ACCESS-TOKEN": live_server.access_token})
    assert answer.status_code == status, answer.text
    if status != 200:
        code = "ids_limit_exceeded" if len(ids) > 200 else "VALIDATION_ERROR"
        assert answer.json()["error"]["code"] == code
