"""A process killed mid-upload, then re-run in a new process: nothing lost, nothing twice.

The child runs upload_folder against an isolated server with added latency. We
SIGKILL it (1) while files are going up and the large file is about half sent,
then (2) in a new process, right after the first data units landed, and
(3) let a third process finish. Afterwards every file is stored once with the
source md5, and there is exactly one data unit per group and one task per unit.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

import pytest
from upload_helpers import write

CHILD = Path(__file__).with_name("upload_child.py")
SHELF, SHELF_PROJECT = 3, 3
CHUNK = 64 * 1024
LARGE = 48 * CHUNK + 123  # 49 chunks: with 25 ms latency ~1.5 s on the wire


def _spawn(server: Any, folder: Path, state: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "SYNAPSE_ACCESS_TOKEN": server.access_token, "TQDM_DISABLE": "1"}
    args = [sys.executable, str(CHILD), server.base_url, str(SHELF), str(folder), str(state), str(SHELF_PROJECT),
            str(4 * CHUNK), str(CHUNK)]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _kill_when(proc: subprocess.Popen[str], ready: Callable[[dict[str, tuple[int, int]]], bool], timeout: float = 60) -> dict[str, tuple[int, int]]:
    """Read progress lines until ``ready(state)``; then SIGKILL. Returns the last state."""
    state: dict[str, tuple[int, int]] = {}
    seen: list[str] = []  # every line, for the failure message
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    for line in proc.stdout:
        seen.append(line.strip())
        parts = line.split()
        if len(parts) == 3 and parts[0] in ("files", "bytes", "units", "tasks"):
            state[parts[0]] = (int(parts[1]), int(parts[2]))
        if ready(state):
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            return state
        assert time.monotonic() < deadline, f"child never reached the kill point: {state}"
    raise AssertionError(f"child finished before the kill point: {state}; its lines: {seen}; "
                         f"stderr: {proc.stderr.read() if proc.stderr else ''}")


def _large_uploads(server: Any) -> list[tuple[str, int, str]]:
    """(id, offset, status) of the server's chunked uploads of the large file (looked up behind the API)."""
    rows = server.db.connection().execute(
        "SELECT id, offset, status FROM chunked_uploads WHERE filename = 'zlarge.jpg' ORDER BY created").fetchall()
    return [tuple(r) for r in rows]


@pytest.mark.slow
def test_killed_upload_resumes_without_duplicates(make_server: Any, tmp_path: Path) -> None:
    from upload_helpers import sync_client_class

    SynapseClient = sync_client_class()

    server = make_server(latency_ms=25)
    folder, state = tmp_path / "src", tmp_path / "state"
    contents: dict[str, bytes] = {}
    for i in range(12):
        img = f"killed-{i}-".encode() + os.urandom(2000)
        contents[f"image_1/p{i:02d}.jpg"] = img
        write(folder / "image_1" / f"p{i:02d}.jpg", img)
    contents["image_1/zlarge.jpg"] = big = os.urandom(LARGE)
    write(folder / "image_1" / "zlarge.jpg", big)
    small_bytes = sum(len(v) for k, v in contents.items() if "large" not in k)

    # 1. killed with some files done and the large file about half sent
    def mid_bytes(s: dict[str, tuple[int, int]]) -> bool:
        return s.get("files", (0, 0))[0] >= 3 and s.get("bytes", (0, 0))[0] >= small_bytes + LARGE // 2
    s1 = _kill_when(_spawn(server, folder, state), mid_bytes)
    assert s1["bytes"][0] < small_bytes + LARGE, "large file finished before the kill"
    half = _large_uploads(server)
    assert len(half) == 1 and 0 < half[0][1] < LARGE, half

    # 2. a new process, killed right after the first data units landed
    _kill_when(_spawn(server, folder, state), lambda s: s.get("units", (0, 0))[0] >= 1)

    # 3. a third process finishes
    proc = _spawn(server, folder, state)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "failed=0" in out, out

    # the half-sent upload was continued at the server's offset, not started again
    done = _large_uploads(server)
    assert [u[0] for u in done] == [half[0][0]], done
    assert done[0][1] == LARGE, done

    with SynapseClient(base_url=server.base_url, access_token=server.access_token) as client:
        unit_ids = []
        for rel, data in contents.items():
            checksum = hashlib.md5(data).hexdigest()
            units = client.list_data_units({"data_collection": SHELF, "checksum": checksum})["results"]
            assert len(units) == 1, f"{rel}: {len(units)} data units"
            stored = client.get_bytes(units[0]["files"]["image_1"]["url"])
            assert hashlib.md5(stored).hexdigest() == checksum, rel
            unit_ids.append(units[0]["id"])
        for uid in unit_ids:
            tasks = client.list_tasks({"project": SHELF_PROJECT, "data_unit": uid})["results"]
            assert len(tasks) == 1, f"unit {uid}: {len(tasks)} tasks"
        verify = client.data_files_verify_checksums([hashlib.md5(d).hexdigest() for d in contents.values()])
        assert verify["missing"] == []
