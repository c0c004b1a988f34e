"""First checks of the reference server: auth, tenants, pagination, signed files."""

from __future__ import annotations

import httpx

from synapse_nb.server.demo import DEMO_ACCESS_TOKEN, OTHER_ACCESS_TOKEN


def _h(token: str = DEMO_ACCESS_TOKEN) -> dict[str, str]:
    return {"Synapse-Access-Token": f"Token {token}"}


def test_list_tasks_pages_follow_next(live_server):
    url = live_server.base_url + "/sdk/tasks/"
    first = httpx.get(url, params={"page_size": 100, "project": 3}, headers=_h()).json()
    seen = [t["id"] for t in first["results"]]
    nxt = first["next"]
    while nxt:
        page = httpx.get(nxt, headers=_h()).json()
        seen += [t["id"] for t in page["results"]]
        nxt = page["next"]
    assert len(seen) == first["count"] == len(set(seen))
    assert seen == sorted(seen)


def test_no_token_is_401_and_other_tenant_is_404(live_server):
    assert httpx.get(live_server.base_url + "/tasks/1/").status_code == 401
    assert httpx.get(live_server.base_url + "/tasks/1/", headers=_h()).status_code == 200
    r = httpx.get(live_server.base_url + "/tasks/1/", headers=_h(OTHER_ACCESS_TOKEN))
    assert r.status_code == 404 and "detail" in r.json()


def test_demo_image_is_a_png(live_server):
    task = httpx.get(live_server.base_url + "/tasks/2/", headers=_h()).json()
    r = httpx.get(task["files"]["image_1"]["url"])
    assert r.status_code == 200 and r.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_make_server_is_isolated_and_injects_faults(make_server):
    server = make_server(scale=50)
    server.settings.rate_429 = 1.0
    r = httpx.get(server.base_url + "/sdk/tasks/", headers=_h())
    assert r.status_code == 429 and r.headers["Retry-After"] == "1"
    server.settings.rate_429 = 0.0
    assert httpx.get(server.base_url + "/sdk/tasks/", headers=_h()).json()["count"] == 50
