"""Resumable chunked upload: a killed process continues in a new one at the server's offset."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from synapse_nb.client import SynapseClient
from synapse_nb.client.journal import ChunkJournal

CHILD = Path(__file__).with_name("upload_child.py")
SIZE = 2 * 1024 * 1024
CHUNK = 64 * 1024


def _child(server, state, src):
    env = {**os.environ, "SYNAPSE_ACCESS_TOKEN": server.access_token}
    return subprocess.Popen([sys.executable, str(CHILD), server.base_url, str(state), str(src), str(CHUNK)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def test_killed_upload_resumes_in_new_process(make_server, tmp_path):
    server = make_server(scale=20, latency_ms=40)  # ~32 chunks at 40 ms: time to kill mid-way
    src = tmp_path / "video.bin"
    src.write_bytes(os.urandom(SIZE))
    state = tmp_path / "state"

    proc = _child(server, state, src)
    seen = 0
    deadline = time.monotonic() + 60
    while seen < 8 * CHUNK and time.monotonic() < deadline:
        line = proc.stdout.readline()
        assert line, f"child ended early: {proc.stderr.read()}"
        if line.startswith("offset "):
            seen = int(line.split()[1])
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert proc.returncode == -signal.SIGKILL and seen < SIZE
    journal = ChunkJournal(state, src, f"{server.base_url}|")
    saved = journal.load()
    assert saved and saved["offset"] >= seen and saved["url"].startswith(server.base_url)
    assert server.access_token not in journal.path.read_text()  # the journal holds no token

    proc2 = _child(server, state, src)
    out, err = proc2.communicate(timeout=120)
    assert proc2.returncode == 0, err
    result = json.loads(next(line for line in out.splitlines() if line.startswith("result "))[len("result "):])
    up, stats = result["upload"], result["stats"]
    assert stats["resumed_from"] >= seen and stats["bytes_sent"] <= SIZE - seen + CHUNK
    assert up["checksum"] == hashlib.md5(src.read_bytes()).hexdigest() and up["size"] == SIZE
    with SynapseClient(server.base_url, access_token=server.access_token, cache_dir=tmp_path) as c:
        stored = c.get_bytes(up["file"])
    assert hashlib.md5(stored).hexdigest() == hashlib.md5(src.read_bytes()).hexdigest()
    assert journal.load() is None  # finished: journal removed


@pytest.mark.parametrize("lag", [0, 2])
def test_journal_behind_server_is_realigned(make_server, tmp_path, lag):
    """The process died after the server stored chunks but before the journal said so."""
    server = make_server(scale=20)
    src = tmp_path / "f.bin"
    src.write_bytes(os.urandom(10 * 1000))
    state = tmp_path / "state"
    with SynapseClient(server.base_url, access_token=server.access_token, upload_state_dir=state,
                       cache_dir=tmp_path) as c:
        journal = ChunkJournal(state, src, c.config.identity())
        calls = []

        def stop_after(done, total):
            calls.append(done)
            if done >= 6000:
                raise KeyboardInterrupt  # the user interrupts the cell
        with pytest.raises(KeyboardInterrupt):
            c.create_chunked_upload(src, chunk_size=1000, on_progress=stop_after)
        saved = journal.load()
        assert saved["offset"] == 6000
        journal.save({**saved, "offset": 6000 - lag * 1000})  # journal lags the server
        up = c.create_chunked_upload(src, chunk_size=1000)
        assert up["checksum"] == hashlib.md5(src.read_bytes()).hexdigest()
        assert c.last_upload["resumed_from"] == 6000 - lag * 1000
        assert c.last_upload["realigned"] == (1 if lag else 0)
        assert c.last_upload["restarted"] == 0  # a key of every upload, not only of a restarted one
        assert c.last_upload["bytes_sent"] <= 4000 + (1000 if lag else 0)


def test_forgotten_upload_starts_again(make_server, tmp_path):
    server = make_server(scale=20)
    src = tmp_path / "f.bin"
    src.write_bytes(os.urandom(5000))
    state = tmp_path / "state"
    with SynapseClient(server.base_url, access_token=server.access_token, upload_state_dir=state,
                       cache_dir=tmp_path) as c:
        journal = ChunkJournal(state, src, c.config.identity())
        journal.save({"url": f"{server.base_url}/chunked_upload/{'0' * 32}/", "id": "0" * 32, "offset": 3000})
        up = c.create_chunked_upload(src, chunk_size=2000)
        assert up["checksum"] == hashlib.md5(src.read_bytes()).hexdigest()


def test_changed_file_does_not_reuse_journal(tmp_path):
    src = tmp_path / "f.bin"
    src.write_bytes(b"a" * 100)
    j1 = ChunkJournal(tmp_path / "s", src, "http://h|")
    j1.save({"url": "http://h/chunked_upload/1/", "offset": 50})
    src.write_bytes(b"b" * 120)
    assert ChunkJournal(tmp_path / "s", src, "http://h|").load() is None
    assert ChunkJournal(tmp_path / "s", tmp_path / "f.bin", "http://other|").path != j1.path


def test_a_stale_resume_of_a_rewritten_file_is_sent_again_from_byte_0(make_server, tmp_path):
    """A file rewritten with the same size and mtime after an interrupted upload: the
    journal's resume sends other bytes, the finishing md5 cannot match; the journal goes
    and the file is sent again from byte 0 (before: a 400 at every run, forever)."""
    server = make_server(scale=20)
    src = tmp_path / "f.bin"
    src.write_bytes(os.urandom(10 * 1000))
    state = tmp_path / "state"
    with SynapseClient(server.base_url, access_token=server.access_token, upload_state_dir=state,
                       cache_dir=tmp_path) as c:
        def stop_after(done, total):
            if done >= 4000:
                raise KeyboardInterrupt
        with pytest.raises(KeyboardInterrupt):
            c.create_chunked_upload(src, chunk_size=2000, on_progress=stop_after)
        st = src.stat()
        src.write_bytes(os.urandom(10 * 1000))
        os.utime(src, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size, same mtime
        assert ChunkJournal(state, src, c.config.identity()).load()["offset"] == 4000
        up = c.create_chunked_upload(src, chunk_size=2000)
        assert up["checksum"] == hashlib.md5(src.read_bytes()).hexdigest()
        assert up.stats["resumed_from"] == 4000 and up.stats["restarted"] == 1
        assert hashlib.md5(c.get_bytes(up["file"])).hexdigest() == up["checksum"]
        assert list(state.glob("*.json")) == []


def test_an_md5_that_never_matches_says_so_and_clears_the_journal(tmp_path):
    """A server whose finishing md5 never matches: a fresh upload says the file changed
    while it was sent; a resumed one restarts once, then says so; no journal is left."""
    import httpx

    from synapse_nb.client.errors import BadRequestError

    posts = []

    def handler(request):
        if request.method == "POST":
            posts.append(request.url.path)
            return httpx.Response(400, json={"detail": "md5 checksum does not match"})
        return httpx.Response(200, json={"url": "http://h/chunked_upload/1/", "id": "1",
                                         "offset": int(request.headers["Content-Range"].split("-")[1].split("/")[0]) + 1})

    src = tmp_path / "f.bin"
    src.write_bytes(b"x" * 3000)
    state = tmp_path / "state"
    with SynapseClient("http://h", access_token="syn_x", upload_state_dir=state,
                       transport=httpx.MockTransport(handler)) as c:
        with pytest.raises(BadRequestError, match="changed while it was being sent"):
            c.create_chunked_upload(src, chunk_size=1000)
        assert len(posts) == 1 and list(state.glob("*.json")) == []
        ChunkJournal(state, src, c.config.identity()).save(
            {"url": "http://h/chunked_upload/1/", "id": "1", "offset": 2000})
        with pytest.raises(BadRequestError, match="changed while it was being sent"):
            c.create_chunked_upload(src, chunk_size=1000)
        assert len(posts) == 3 and list(state.glob("*.json")) == []
