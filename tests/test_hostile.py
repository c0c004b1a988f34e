"""The hostile server itself (``tests/hostile.py``) lies as documented, sync and async, so
the client, datasets and ML tests that use it test their code, not the fixture."""

from __future__ import annotations

import hashlib
from typing import Any, Callable

import anyio
import httpx

from tests.hostile import ChangedFiles, EndlessPages, HostileTransport, HtmlImages, RenamedFiles, RepeatingCursor

AUTH = "Synapse-Access-Token"


def _get(server: Any, transport: HostileTransport, url: str, **params: Any) -> httpx.Response:
    with httpx.Client(transport=transport, headers={AUTH: f"Token {server.access_token}"}) as http:
        # no params= at all for a link: httpx would replace its query with the empty one
        return http.get(url if url.startswith("http") else server.base_url + url,
                        **({"params": params} if params else {}))


def test_repeating_cursor_v1_and_v2(live_server: Any,
                                    hostile_transport: Callable[..., HostileTransport]) -> None:
    transport = hostile_transport(RepeatingCursor(drop_count=True))
    first = _get(live_server, transport, "/sdk/tasks/", project=1, page_size=5).json()
    assert "count" not in first
    second = _get(live_server, transport, first["next"]).json()
    assert second["next"] == first["next"]  # the second page points at itself
    assert {r["id"] for r in second["results"]}.isdisjoint(r["id"] for r in first["results"])
    v2 = _get(live_server, transport, "/v2/tasks/", per_page=2).json()
    cursor = v2["meta"]["pagination"]["next_cursor"]
    again = _get(live_server, transport, cursor).json()
    assert again["meta"]["pagination"]["next_cursor"] == cursor


def test_endless_pages_link_on_past_the_end_up_to_the_limit(
        live_server: Any, hostile_transport: Callable[..., HostileTransport]) -> None:
    endless = EndlessPages(limit=1)
    transport = hostile_transport(endless)
    count = _get(live_server, transport, "/sdk/tasks/", project=1, page_size=1).json()["count"]
    last = _get(live_server, transport, "/sdk/tasks/", project=1, page=-(-count // 1000),
                page_size=1000).json()
    page = int(httpx.URL(last["next"]).params["page"])  # the last page links on
    past = _get(live_server, transport, last["next"])
    assert past.status_code == 200 and past.json()["results"] == []
    assert int(httpx.URL(past.json()["next"]).params["page"]) == page + 1 and endless.pages == 1
    assert _get(live_server, transport, past.json()["next"]).status_code == 404  # the limit


def test_the_transport_works_for_async_clients(live_server: Any) -> None:
    async def main() -> list[str]:
        transport = HostileTransport(RepeatingCursor())
        async with httpx.AsyncClient(transport=transport,
                                     headers={AUTH: f"Token {live_server.access_token}"}) as http:
            first = (await http.get(live_server.base_url + "/sdk/tasks/",
                                    params={"project": 1, "page_size": 5})).json()
            second = (await http.get(first["next"])).json()
        await transport.aclose()
        return [first["next"], second["next"]]

    links = anyio.run(main)
    assert links[0] == links[1]


def test_files_renamed_changed_and_answered_as_html(live_server: Any, repeating_cursor_client: Any,
                                                    hostile_transport: Callable[..., HostileTransport]) -> None:
    plain = _get(live_server, hostile_transport(), "/sdk/tasks/", project=1, page_size=2).json()
    url = plain["results"][0]["files"]["image_1"]["url"]
    served = _get(live_server, hostile_transport(), url).content

    changed = hostile_transport(ChangedFiles(), RenamedFiles(["a.png", "a.png"]))
    page = _get(live_server, changed, "/sdk/tasks/", project=1, page_size=2).json()
    entries = [r["files"]["image_1"] for r in page["results"]]
    assert [e["file_name_original"] for e in entries] == ["a.png", "a.png"]
    new = _get(live_server, changed, url).content
    assert new != served and hashlib.md5(new).hexdigest() == entries[0]["checksum"]

    html = _get(live_server, hostile_transport(HtmlImages()), url)
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert repeating_cursor_client.hostile.tamperings[0].drop_count
