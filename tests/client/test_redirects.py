"""Credentials never follow a redirect to another origin, nor an https-to-http downgrade.

httpx's own ``follow_redirects`` strips only ``Authorization``; the Synapse headers
(``Synapse-Access-Token``, ``SYNAPSE-Agent``, ``Synapse-Tenant``) went to whatever host
``Location`` named. The client follows redirects itself; these tests run each public way
of making a request (a method call, ``download``, ``get_bytes``) on both clients against
a transport that redirects, and record which headers reached which origin. A server
cannot easily answer with a redirect to another host, so the transport is a mock.
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable

import httpx
import pytest

from synapse_nb.client import AsyncSynapseClient, ClientError, SynapseClient

AUTH = {"synapse-access-token", "authorization", "synapse-tenant", "synapse-agent"}
BACKEND = "https://api.example.test"


class Recorder:
    """A transport: ``routes[(origin, path)] -> (status, headers, body)``; records requests."""

    def __init__(self, routes: dict[str, tuple[int, dict[str, str], bytes]]) -> None:
        self.routes = routes
        self.seen: list[tuple[str, str, set[str]]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url).split("?")[0]
        self.seen.append((request.method, url, {k.lower() for k in request.headers} & AUTH))
        status, headers, body = self.routes.get(url, (404, {}, b'{"detail": "Not found."}'))
        return httpx.Response(status, headers=headers, content=body)

    def auth_sent_to(self, prefix: str) -> set[str]:
        return {h for _, url, hs in self.seen if url.startswith(prefix) for h in hs}


def _client(kind: str, recorder: Recorder, tmp_path: Any) -> Any:
    cls = AsyncSynapseClient if kind == "async" else SynapseClient
    transport = httpx.MockTransport(recorder)
    return cls(BACKEND, access_token="syn_A", token="drf_U", agent_token="agt_G", tenant="acme",
               cache_dir=tmp_path, transport=transport, max_retries=0)


def _call(kind: str, client: Any, name: str, *args: Any) -> Any:
    result = getattr(client, name)(*args)
    if kind == "async":
        async def run() -> Any:
            try:
                return await result
            finally:
                await client.aclose()
        return asyncio.run(run())
    try:
        return result
    finally:
        client.close()


WAYS: dict[str, Callable[[str], tuple[str, tuple[Any, ...]]]] = {
    "method": lambda tmp: ("get_task", (1,)),
    "download": lambda tmp: ("download", (f"{BACKEND}/media/1.png?sig=s", tmp)),
    "get_bytes": lambda tmp: ("get_bytes", (f"{BACKEND}/media/1.png?sig=s",)),
}
FIRST = {"method": f"{BACKEND}/tasks/1/", "download": f"{BACKEND}/media/1.png",
         "get_bytes": f"{BACKEND}/media/1.png"}


@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize("way", list(WAYS))
@pytest.mark.parametrize("target", ["https://evil.example.test/steal",
                                    "http://api.example.test/downgraded",
                                    "https://api.example.test:8443/other-port"])
def test_no_credentials_to_another_origin(kind, way, target, tmp_path):
    rec = Recorder({
        FIRST[way]: (302, {"Location": target}, b""),
        target: (200, {"Content-Type": "image/png"}, b'{"id": 1}'),
    })
    name, args = WAYS[way](str(tmp_path / "dl"))
    out = _call(kind, _client(kind, rec, tmp_path), name, *args)
    assert out is not None
    assert rec.auth_sent_to(FIRST[way]) == AUTH  # the backend itself got every header
    assert [u for _, u, _ in rec.seen] == [FIRST[way], target]  # the redirect was followed
    assert rec.auth_sent_to(target) == set(), f"credentials went to {target}"


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_same_origin_redirect_keeps_credentials_and_chain_never_regains_them(kind, tmp_path):
    # backend -> backend (auth kept) -> storage -> back to backend (auth not regained:
    # the storage host chose that URL)
    rec = Recorder({
        f"{BACKEND}/tasks/1/": (301, {"Location": "/tasks/1/moved/"}, b""),
        f"{BACKEND}/tasks/1/moved/": (302, {"Location": "https://storage.example.test/x"}, b""),
        "https://storage.example.test/x": (307, {"Location": f"{BACKEND}/tasks/9/"}, b""),
        f"{BACKEND}/tasks/9/": (200, {}, b'{"id": 9}'),
    })
    assert _call(kind, _client(kind, rec, tmp_path), "get_task", 1) == {"id": 9}
    sent = [(u, hs) for _, u, hs in rec.seen]
    assert sent == [(f"{BACKEND}/tasks/1/", AUTH), (f"{BACKEND}/tasks/1/moved/", AUTH),
                    ("https://storage.example.test/x", set()), (f"{BACKEND}/tasks/9/", set())]


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_post_302_becomes_get_and_redirect_loops_end(kind, tmp_path):
    rec = Recorder({
        f"{BACKEND}/plugins/": (302, {"Location": "/plugins/1/"}, b""),
        f"{BACKEND}/plugins/1/": (200, {}, b'{"id": 1}'),
        f"{BACKEND}/loop/": (302, {"Location": "/loop/"}, b""),
    })
    assert _call(kind, _client(kind, rec, tmp_path), "create_plugin", {"name": "p"}) == {"id": 1}
    assert [m for m, _, _ in rec.seen] == ["POST", "GET"]
    with pytest.raises(ClientError, match="redirects"):
        _call(kind, _client(kind, rec, tmp_path), "get_bytes", f"{BACKEND}/loop/")


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_an_http_to_https_upgrade_on_the_same_host_keeps_credentials(kind, tmp_path):
    rec = Recorder({
        "http://api.example.test/tasks/1/": (301, {"Location": "https://api.example.test/tasks/1/"}, b""),
        "https://api.example.test/tasks/1/": (200, {}, b'{"id": 1}'),
    })
    cls = AsyncSynapseClient if kind == "async" else SynapseClient
    client = cls("http://api.example.test", access_token="syn_A", tenant="acme", cache_dir=tmp_path,
                 transport=httpx.MockTransport(rec), max_retries=0)
    assert _call(kind, client, "get_task", 1) == {"id": 1}
    assert [hs for _, _, hs in rec.seen] == [{"synapse-access-token", "synapse-tenant"}] * 2


def test_user_info_is_no_part_of_the_origin():
    """A SYNAPSE_HOST with ``user:pw@`` and the server's own page links are one origin (auth
    headers go to them); another host stays another origin."""
    from synapse_nb.client.redirects import same_origin

    assert same_origin("http://h:8000/sdk/tasks/?page=2", "http://ann:pa55word@h:8000")
    assert not same_origin("http://evil:8000/x", "http://ann:pa55word@h:8000")
    assert not same_origin("http://ann:pa55word@evil:8000/x", "http://h:8000")
