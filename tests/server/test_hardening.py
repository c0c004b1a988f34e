"""The reference server under abuse: shared stored files, huge bodies, unbounded tables,
missing part files, re-finished uploads, NaN in JSON, and Host-built URLs (issue 10)."""

from __future__ import annotations

import logging
import os
import socket
import time
import tracemalloc

import httpx
import pytest
from server_helpers import chunked_upload, md5, sdk_client

from synapse_nb.server import Settings, testing
from synapse_nb.server import auth as server_auth
from synapse_nb.server.routers import chunked_upload as chunked


@pytest.fixture
def server(make_server):
    return make_server(scale=20, max_upload_bytes=64 * 1024**2, max_json_bytes=100_000)


@pytest.fixture
def client(server):
    with sdk_client(server) as c:
        yield c


def test_a_data_file_upload_never_deletes_a_plugin_releases_file(client):
    content = os.urandom(3000)
    release = client.post("plugin_releases/", data={"plugin": "1", "version": "9.9.9"},
                          files={"file": ("plugin.zip", content)})
    assert release.status_code == 201, release.text
    # the same content as a data file, first under another name, then under the release's
    assert client.post("data_files/", files={"file": ("first.zip", content)}).status_code == 201
    assert client.post("data_files/", files={"file": ("plugin.zip", content)}).status_code == 200
    assert httpx.get(release.json()["file"]).content == content


@pytest.mark.parametrize("streamed", [False, True], ids=["content-length", "chunked"])
def test_a_json_body_over_the_limit_answers_413(client, streamed):
    body = b'{"name": "' + b"x" * 200_000 + b'"}'
    content = iter([body[i:i + 8192] for i in range(0, len(body), 8192)]) if streamed else body
    r = client.post("projects/", content=content, headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert "at most 100000 bytes" in r.json()["detail"]


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_in_json_answer_400(client, number):
    body = f'{{"data_collection": 1, "files": {{}}, "meta": {{"score": {number}}}}}'
    r = client.post("data_units/", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert "NaN and Infinity are not valid JSON" in r.json()["detail"]
    # the word inside a string is data, not a number
    fine = client.post("data_units/", content=body.replace(number, f'"{number}"'),
                       headers={"Content-Type": "application/json"})
    assert fine.status_code != 400 or "NaN and Infinity" not in fine.text


def test_a_chunk_is_streamed_to_disk_not_held_whole(client, tmp_path):
    size = 24 * 1024**2
    source = tmp_path / "big.bin"
    with open(source, "wb") as out:
        out.writelines(os.urandom(1 << 20) for _ in range(size // (1 << 20)))
    tracemalloc.start()
    try:
        with open(source, "rb") as fh:  # httpx streams a file part: the client holds little
            r = client.put("chunked_upload/", files={"file": ("big.bin", fh)},
                           headers={"Content-Range": f"bytes 0-{size - 1}/{size}"})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert r.status_code == 200, r.text
    assert r.json()["offset"] == size
    assert peak < size / 3, f"peak {peak / 2**20:.1f} MiB while receiving a 24 MiB chunk"


def test_the_token_miss_cache_is_bounded(server):
    for n in range(5):
        assert httpx.get(f"{server.base_url}/projects/",
                         headers={"Synapse-Access-Token": f"Token made-up-{n}"}).status_code == 401
    cache = server.db.__dict__["_token_cache"]
    for n in range(cache.max_entries + 50):
        server_auth._lookup(server.db, "access", f"{n:064x}")
    assert len(cache.data) == cache.max_entries
    good = httpx.get(f"{server.base_url}/projects/",
                     headers={"Synapse-Access-Token": f"Token {server.access_token}"})
    assert good.status_code == 200  # hits still resolve after evictions


def test_the_upload_lock_table_keeps_only_uploads_in_use(client):
    for n in range(5):
        chunked_upload(client, os.urandom(3000 + n), f"f{n}.bin", chunk=1000)
    assert chunked._locks == {}


def _started(client, data: bytes) -> dict:
    r = client.put("chunked_upload/", files={"file": ("a.bin", data[:1000])},
                   headers={"Content-Range": f"bytes 0-999/{len(data)}"})
    assert r.status_code == 200, r.text
    return r.json()


def test_a_missing_part_file_answers_json_not_a_bare_500(server, client):
    data = os.urandom(2000)
    upload = _started(client, data)
    part = server.settings.data_dir / "chunked" / f"{upload['id']}.part"
    part.unlink()
    r = client.put(upload["url"], files={"file": ("a.bin", data[1000:])},
                   headers={"Content-Range": f"bytes 1000-1999/{len(data)}"})
    assert r.status_code == 410 and "start a new upload" in r.json()["detail"]

    upload = _started(client, data[:1000] + b"")  # a complete one-chunk upload of 1000 bytes
    done = client.post(upload["url"], json={"md5": md5(data[:1000])})
    (server.settings.data_dir / "chunked" / f"{upload['id']}.part").unlink()
    r = client.post("data_files/", json={"chunked_upload": upload["id"]})
    assert done.status_code == 200 and r.status_code == 410
    assert "upload the file again" in str(r.json())


def test_refinishing_a_completed_upload_checks_the_md5_again(client):
    data = os.urandom(3000)
    done = chunked_upload(client, data, "a.bin", chunk=1000)
    url = f"chunked_upload/{done['id']}/"
    assert client.post(url, json={"md5": md5(data)}).status_code == 200  # idempotent
    wrong = client.post(url, json={"md5": "0" * 32})
    assert wrong.status_code == 400 and "does not match" in wrong.json()["detail"]


def test_listening_beyond_loopback_without_public_url_is_said_at_start(monkeypatch, caplog):
    class Stop(Exception):
        pass

    def refuse(settings):  # stop before anything listens: tests bind loopback only
        raise Stop

    monkeypatch.setattr(testing, "create_app", refuse)
    with caplog.at_level(logging.WARNING, logger="synapse_nb.server"), pytest.raises(Stop):
        testing.start_server(Settings(), host="0.0.0.0")
    assert "beyond loopback with no public_url" in caplog.text
    caplog.clear()
    for host, settings in (("127.0.0.1", Settings()),
                           ("0.0.0.0", Settings(public_url="https://synapse.example"))):
        with caplog.at_level(logging.WARNING, logger="synapse_nb.server"), pytest.raises(Stop):
            testing.start_server(settings, host=host)
    assert caplog.text == ""


def test_kept_alive_connections_answer_small_requests_without_nagle_delay(live_server):
    """The listening socket names IPPROTO_TCP, so asyncio sets TCP_NODELAY on each accepted
    connection; with proto 0 it did not, and on a kept-alive connection a small answer's
    body waited for the client's delayed ACK of its headers (~40 ms a request)."""
    sock = testing._listening_socket("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()
    with httpx.Client(base_url=live_server.base_url,
                      headers={"Authorization": f"Token {live_server.access_token}"}) as http:
        http.get("/api/health/")
        took = []
        for _ in range(15):  # one connection, kept alive
            started = time.perf_counter()
            http.get("/nope-404")
            took.append(time.perf_counter() - started)
    took.sort()
    assert took[len(took) // 2] < 0.03, f"median {took[len(took) // 2] * 1000:.0f} ms a request"
