"""Client data safety: a bad file never loses a listing, an HTML page is never saved as an
image, every call honours the client's timeout, a refused connection has no made-up
status, rows deleted during a walk never take surviving rows with them."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest

from synapse_nb.client import APIConnectionError, ContentTypeError, SynapseClient
from synapse_nb.client.files import UrlConversionWarning

from .conftest import Driver
from .test_paging import FakeList

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32
HOST = "http://127.0.0.1:9"


def files_server(requests: list[httpx.Request] | None = None):
    """A list endpoint whose records point at a good image, a 404 and an HTML 200."""
    records = [{"id": i, "files": {"image": {"url": f"{HOST}/media/{name}.png?sig=s{i}", "is_primary": True}}}
               for i, name in ((1, "good"), (2, "missing"), (3, "login"), (4, "good"))]

    def handler(request: httpx.Request) -> httpx.Response:
        if requests is not None:
            requests.append(request)
        path = request.url.path
        if path == "/sdk/tasks/":
            return httpx.Response(200, json={"count": 4, "next": None, "previous": None, "results": records})
        if path == "/media/good.png":
            return httpx.Response(200, headers={"Content-Type": "image/png"}, content=PNG)
        if path == "/media/login.png":
            return httpx.Response(200, headers={"Content-Type": "text/html"}, content=b"<html>log in</html>")
        if path.startswith("/media/v.png"):
            return httpx.Response(200, headers={"Content-Type": "image/png"},
                                  content=PNG + request.url.query)
        return httpx.Response(404, json={"detail": "Not found."})
    return handler


@pytest.fixture(params=["sync", "async"])
def mock(request, tmp_path):
    made = []

    def make(handler, **kw):
        kw.setdefault("max_retries", 0)
        d = Driver(request.param, {"base_url": HOST, "access_token": "syn_x", "cache_dir": tmp_path / "c",
                                   "transport": httpx.MockTransport(handler), **kw})
        made.append(d)
        return d
    yield make
    for d in made:
        d.close()


@pytest.mark.parametrize("list_all", [False, True])
def test_a_failing_file_keeps_the_rows_and_says_so(mock, list_all):
    api = mock(files_server())
    conv = {"files_fields": ["files"]}
    with pytest.warns(UrlConversionWarning, match=r"2 of 4 files could not be fetched \(2 of 4 records\)"):
        if list_all:
            rows, _ = api.list_tasks(url_conversion=conv, list_all=True)
        else:
            rows = api.list_tasks(url_conversion=conv)["results"]
    assert [r["id"] for r in rows] == [1, 2, 3, 4]  # every row kept
    good = rows[0]["files"]["image"]
    assert isinstance(good["path"], Path) and good["path"].read_bytes() == PNG and "url" not in good
    for rec, why in ((rows[1], "NotFoundError"), (rows[2], "ContentTypeError")):
        assert rec["files"]["image"]["url"].startswith(f"{HOST}/media/")  # left unconverted
        [err] = rec["url_conversion_errors"]
        assert err["field"] == "files" and why in err["error"] and "sig=" not in err["url"]
    assert "url_conversion_errors" not in rows[0]
    saved = list((api.client.cache_dir / "files").iterdir())
    # records 1 and 4 (two signed URLs of one image); no HTML saved as an image
    assert len(saved) == 2 and all(p.read_bytes() == PNG for p in saved)


def test_download_refuses_an_html_page_for_an_image(mock, tmp_path):
    api = mock(files_server())
    with pytest.raises(ContentTypeError, match="text/html") as info:
        api.download(f"{HOST}/media/login.png?sig=x", tmp_path / "d")
    assert info.value.status_code == 200
    assert not [p for p in (tmp_path / "d").iterdir()]


def test_download_cache_is_keyed_by_the_whole_url(mock, tmp_path):
    api = mock(files_server())
    a = api.download(f"{HOST}/media/v.png?v=1", tmp_path / "d")
    b = api.download(f"{HOST}/media/v.png?v=2", tmp_path / "d")
    assert a != b and a.read_bytes().endswith(b"v=1") and b.read_bytes().endswith(b"v=2")
    assert a.stat().st_mode & 0o777 == 0o600 and (tmp_path / "d").stat().st_mode & 0o777 == 0o700


def _read_timeouts(requests):
    return {(r.url.path, r.extensions["timeout"]["read"]) for r in requests}


def test_every_call_honours_the_clients_timeout(mock):
    seen: list[httpx.Request] = []
    api = mock(files_server(seen), timeout=2.5)
    api.list_tasks()
    api.list_tasks(list_all=True)
    pages = api.client.paginate("sdk/tasks/")
    api.collect(pages)
    api.get_bytes(f"{HOST}/media/good.png")
    assert _read_timeouts(seen) == {("/sdk/tasks/", 2.5), ("/media/good.png", 2.5)}


def test_without_a_timeout_lists_keep_their_longer_default(mock):
    seen: list[httpx.Request] = []
    api = mock(files_server(seen))
    api.list_tasks()
    api.get_bytes(f"{HOST}/media/good.png")
    assert _read_timeouts(seen) == {("/sdk/tasks/", 60.0), ("/media/good.png", 15.0)}


def test_a_hung_backend_costs_two_timeouts_not_four(mock):
    from synapse_nb.client import RequestTimeoutError

    calls = []

    def hung(request):
        calls.append(request)
        raise httpx.ReadTimeout("no answer")
    api = mock(hung, timeout=1.0, max_retries=3)
    api.client._sleep = (lambda s: _noop()) if api.kind == "async" else (lambda s: None)
    with pytest.raises(RequestTimeoutError):
        api.list_tasks()
    assert len(calls) == 2  # the read timeout is retried once, not max_retries times


async def _noop():
    return None


def test_a_refused_connection_has_no_status():
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with SynapseClient(f"http://127.0.0.1:{port}", access_token="syn_x", max_retries=0) as client:
        with pytest.raises(APIConnectionError) as info:
            client.get_project(1)
    err = info.value
    assert err.status_code is None and err.status is None
    assert "503" not in str(err) and "Connection" in str(err)


class DeletingList(FakeList):
    """``delete`` rows at the head disappear right after page 1 was answered."""

    def __init__(self, n, delete):
        super().__init__(n)
        self.delete = delete

    def respond(self, q):
        if int(q.get("page", 1)) > 1 and self.delete:
            with self.lock:
                self.rows, self.delete = self.rows[self.delete:], 0
        return super().respond(q)


@pytest.mark.parametrize("deleted", [1, 40])
def test_rows_deleted_during_a_walk_lose_no_survivor(mock, deleted):
    fake = DeletingList(200, deleted)
    api = mock(fake)
    pages = api.client.paginate("sdk/tasks/", page_size=20)
    ids = [r["id"] for page in api.collect(pages) for r in page]
    survivors = [r["id"] for r in fake.rows]
    assert set(survivors) <= set(ids), f"{len(set(survivors) - set(ids))} surviving rows lost"
    assert len(ids) == len(set(ids))
    report = pages.report
    assert report.recovered == min(deleted, 20) and report.reread_pages == -(-(200 - deleted) // 20)
    assert report.duplicates_dropped == 0 and report.count == 200


def _upload_sources(tmp_path, n=4):
    out = []
    for i in range(n):  # i + 2 chunks of 1000 bytes each
        src = tmp_path / f"src{i}.bin"
        src.write_bytes(bytes([i + 65]) * (1000 * (i + 2)))
        out.append(src)
    return out


def test_concurrent_uploads_each_keep_their_own_figures(live_server, tmp_path):
    import threading

    sources = _upload_sources(tmp_path)
    done = threading.Barrier(len(sources))
    seen: dict[int, tuple[dict, dict]] = {}

    with SynapseClient(live_server.base_url, access_token=live_server.access_token,
                       cache_dir=tmp_path / "c") as client:
        def one(i):
            up = client.create_chunked_upload(sources[i], chunk_size=1000)
            done.wait()  # every upload finished before anyone reads its figures
            seen[i] = (getattr(up, "stats", None), client.last_upload)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(len(sources))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        # single-threaded use still reads last_upload as before
        client.create_chunked_upload(sources[0], chunk_size=500)
        assert client.last_upload["chunks"] == 4
    assert sorted(seen) == list(range(len(sources)))
    for i, (stats, last) in seen.items():
        assert last["chunks"] == i + 2 and last["bytes_sent"] == 1000 * (i + 2), \
            f"upload {i} read another upload's figures"
        assert stats == last  # and its result carries the same


def test_concurrent_async_uploads_each_keep_their_own_figures(live_server, tmp_path):
    import asyncio

    from synapse_nb.client import AsyncSynapseClient

    sources = _upload_sources(tmp_path)

    async def main():
        async with AsyncSynapseClient(live_server.base_url, access_token=live_server.access_token,
                                      cache_dir=tmp_path / "c") as client:
            async def one(i):
                up = await client.create_chunked_upload(sources[i], chunk_size=1000)
                await asyncio.sleep(0.05)  # let the others finish
                return up.stats, client.last_upload
            return await asyncio.gather(*(one(i) for i in range(len(sources))))

    for i, (stats, last) in enumerate(asyncio.run(main())):
        assert stats["chunks"] == i + 2 and last == stats
