"""Failure sequences: 429 then success, 503 bursts, dropped connections, timeouts.

``MockTransport`` plays answers a server can't easily produce; the dropped-chunk tests wrap
the live server's transport so the server really stores the chunk whose answer is lost.
"""

from __future__ import annotations

import hashlib

import httpx
import pytest

from synapse_nb.client import APIConnectionError, BadRequestError, RateLimitError, RequestTimeoutError, ServerError

from .conftest import Driver

TOKEN = "syn_test_secret_token_42"


@pytest.fixture(params=["sync", "async"])
def mock_api(request, tmp_path):
    made = []

    def make(handler, **kwargs):
        kwargs.setdefault("base_url", "http://127.0.0.1:9")
        kwargs.setdefault("access_token", TOKEN)
        kwargs.setdefault("cache_dir", tmp_path / "cache")
        d = Driver(request.param, {**kwargs, "transport": httpx.MockTransport(handler)})
        d.sleeps = []
        # record waits instead of sleeping
        if request.param == "async":
            async def fake(seconds):
                d.sleeps.append(seconds)
        else:
            def fake(seconds):
                d.sleeps.append(seconds)
        d.client._sleep = fake
        made.append(d)
        return d

    yield make
    for d in made:
        d.close()


def sequence(*answers):
    """A handler that plays ``answers`` in order (status, headers, body) or exceptions."""
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        answer = answers[min(len(calls) - 1, len(answers) - 1)]
        if isinstance(answer, Exception):
            raise answer
        status, headers, body = answer
        return httpx.Response(status, headers=headers, json=body)
    handler.calls = calls
    return handler


OK = (200, {}, {"id": 1, "name": "p"})


def test_429_then_success_honours_retry_after(mock_api):
    h = sequence((429, {"Retry-After": "2"}, {"detail": "slow down"}), OK)
    api = mock_api(h)
    assert api.get_project(1)["id"] == 1
    assert len(h.calls) == 2 and api.sleeps == [2.0]


def test_429_retried_even_for_post(mock_api):
    h = sequence((429, {"Retry-After": "0"}, {}), (201, {}, [{"id": 5}]))
    api = mock_api(h)
    assert api.create_tasks([{"project": 1, "data_unit": 1}]) == [{"id": 5}]
    assert len(h.calls) == 2


def test_429_too_many_times_raises_with_retry_after(mock_api):
    h = sequence((429, {"Retry-After": "1"}, {"detail": "Throttled"}))
    api = mock_api(h, max_retries=2)
    with pytest.raises(RateLimitError) as info:
        api.get_project(1)
    assert info.value.retry_after == 1.0 and info.value.status_code == 429
    assert len(h.calls) == 3


def test_503_burst_on_get_recovers_with_capped_backoff(mock_api):
    h = sequence((503, {}, {}), (502, {}, {}), (504, {}, {}), OK)
    api = mock_api(h)
    assert api.get_task(1)["id"] == 1
    assert len(h.calls) == 4
    assert len(api.sleeps) == 3 and all(0 < s <= 8 for s in api.sleeps)
    assert api.sleeps[0] < api.sleeps[2]  # grows


def test_503_burst_longer_than_retries_raises_server_error(mock_api):
    h = sequence((503, {}, {"detail": "down"}))
    api = mock_api(h)
    with pytest.raises(ServerError) as info:
        api.get_task(1)
    assert info.value.status_code == 503 and info.value.response == {"detail": "down"}
    assert len(h.calls) == 4


def test_post_create_not_repeated_on_503(mock_api):
    h = sequence((503, {}, {}), (201, {}, [{"id": 9}]))
    api = mock_api(h)
    with pytest.raises(ServerError):
        api.create_tasks([{"project": 1, "data_unit": 1}])
    assert len(h.calls) == 1  # the server may have created them: never twice


def test_connect_error_retried_even_for_post(mock_api):
    h = sequence(httpx.ConnectError("refused"), (201, {}, [{"id": 9}]))
    api = mock_api(h)
    assert api.create_tasks([{"project": 1, "data_unit": 1}]) == [{"id": 9}]
    assert len(h.calls) == 2


def test_dropped_answer_to_post_is_not_retried(mock_api):
    h = sequence(httpx.ReadError("connection reset"), (201, {}, [{"id": 9}]))
    api = mock_api(h)
    with pytest.raises(APIConnectionError) as info:
        api.create_tasks([{"project": 1, "data_unit": 1}])
    assert len(h.calls) == 1 and info.value.status_code is None and info.value.status is None


def test_timeout_becomes_408(mock_api):
    h = sequence(httpx.ReadTimeout("slow"))
    api = mock_api(h, max_retries=0)
    with pytest.raises(RequestTimeoutError) as info:
        api.get_task(1)
    assert info.value.status_code == 408 == info.value.status


def test_error_body_kept_for_every_status(mock_api):
    h = sequence((422, {}, {"name": ["This field is required."]}))
    api = mock_api(h)
    with pytest.raises(BadRequestError) as info:
        api.create_storage({})
    e = info.value
    assert e.response == {"name": ["This field is required."]} and e.detail == e.response
    assert e.reason == "Unprocessable Entity" and "name" in str(e)


def test_sends_sdk_auth_headers(mock_api):
    h = sequence(OK)
    api = mock_api(h, token="drf_tok", tenant="acme", agent_token="agt_x")
    api.get_project(1)
    headers = h.calls[0].headers
    assert headers["Synapse-Access-Token"] == f"Token {TOKEN}"
    assert headers["Authorization"] == "Token drf_tok"
    assert headers["Synapse-Tenant"] == "Token acme"
    assert headers["SYNAPSE-Agent"] == "Token agt_x"
    assert str(h.calls[0].url) == "http://127.0.0.1:9/projects/1/"


def test_download_never_saves_an_error_page(mock_api, tmp_path):
    def handler(request):
        assert "Synapse-Access-Token" not in request.headers  # signed URL on a storage host
        return httpx.Response(403, text="<html>AccessDenied</html>")
    api = mock_api(handler, max_retries=0)
    with pytest.raises(Exception) as info:
        api.download("http://storage.invalid/a/b.png?sig=x", tmp_path / "dl")
    assert info.value.status_code == 403
    assert list((tmp_path / "dl").iterdir()) == []


class DropAfterStore(httpx.HTTPTransport):
    """Forwards to the server, then loses the answer to the ``n``-th chunk PUT."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.n, self.puts, self.dropped = n, 0, 0

    def handle_request(self, request):
        response = super().handle_request(request)
        if request.method == "PUT" and "chunked_upload" in request.url.path:
            self.puts += 1
            if self.puts == self.n:
                response.read()
                response.close()
                self.dropped += 1
                raise httpx.ReadError("connection dropped mid-chunk")
        return response


class AsyncDropAfterStore(httpx.AsyncHTTPTransport):
    def __init__(self, n: int) -> None:
        super().__init__()
        self.n, self.puts, self.dropped = n, 0, 0

    async def handle_async_request(self, request):
        response = await super().handle_async_request(request)
        if request.method == "PUT" and "chunked_upload" in request.url.path:
            self.puts += 1
            if self.puts == self.n:
                await response.aread()
                await response.aclose()
                self.dropped += 1
                raise httpx.ReadError("connection dropped mid-chunk")
        return response


@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize("drop_at", [1, 2, 4])
def test_connection_dropped_mid_chunk(kind, drop_at, live_server, tmp_path):
    src = tmp_path / "data.bin"
    src.write_bytes(bytes(range(256)) * 400)  # 102400 bytes, 4 chunks of 30000 (last short)
    transport = AsyncDropAfterStore(drop_at) if kind == "async" else DropAfterStore(drop_at)
    api = Driver(kind, {"base_url": live_server.base_url, "access_token": live_server.access_token,
                        "cache_dir": tmp_path / "c", "transport": transport})
    try:
        up = api.create_chunked_upload(src, chunk_size=30_000)
        assert transport.dropped == 1
        assert up["checksum"] == hashlib.md5(src.read_bytes()).hexdigest() and up["size"] == 102400
        stored = api.get_bytes(up["file"])
        assert stored == src.read_bytes()
        if drop_at > 1:  # the retried PUT was refused with the real offset, and the upload moved on
            assert api.client.last_upload["realigned"] == 1
    finally:
        api.close()


def test_live_server_faults_do_not_lose_rows_or_bytes(make_api, make_server, tmp_path):
    server = make_server(scale=300, rate_429=0.15, rate_503=0.1, retry_after=0, fault_seed=3)
    api = make_api(server, max_retries=8)
    api.client.retry.initial_delay = 0.01  # keep the test fast; the policy is unit-tested above
    rows, count = api.list_tasks(list_all=True, page_size=20)
    assert count == 300 and sorted(r["id"] for r in rows) == list(range(1, 301))
    src = tmp_path / "f.bin"
    src.write_bytes(bytes(range(256)) * 200)
    up = api.create_chunked_upload(src, chunk_size=5000)
    assert up["checksum"] == hashlib.md5(src.read_bytes()).hexdigest()
    server.settings.rate_429 = server.settings.rate_503 = 0.0
    assert api.get_bytes(up["file"]) == src.read_bytes()
