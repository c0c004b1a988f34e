"""An export SIGKILLed half way and run again: no file fetched twice, every checksum right.

The child process counts its own file requests at the transport (not through the
exporter). After the kill, the files already complete on disk must not be requested by
the second run, each missing file is requested exactly once, and every file's md5 equals
the bytes the server serves and the md5 in ``manifest.json``.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from synapse_nb.client import SynapseClient
from synapse_nb.datasets import snapshot
from synapse_nb.datasets.fetch import FileJob, Ledger, fetch_files

CHILD = Path(__file__).with_name("export_child.py")


def _spawn(server: Any, dest: Path, log: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "SYNAPSE_ACCESS_TOKEN": server.access_token, "TQDM_DISABLE": "1",
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[2]),
                                          os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen([sys.executable, str(CHILD), server.base_url, "2", str(dest), "coco",
                             str(log)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)


def _complete(dest: Path) -> set[str]:
    return {str(p.relative_to(dest)) for p in (dest / "images").rglob("*.png")}


@pytest.mark.slow
def test_killed_export_resumes_without_refetching(make_server: Any, tmp_path: Path) -> None:
    server = make_server(scale=300, latency_ms=20)
    dest, log1, log2 = tmp_path / "out", tmp_path / "run1.log", tmp_path / "run2.log"
    proc = _spawn(server, dest, log1)
    deadline = time.monotonic() + 60
    while not dest.exists() or len(_complete(dest)) < 12:
        assert proc.poll() is None, f"child ended early: {proc.communicate()}"
        assert time.monotonic() < deadline, "child never reached the kill point"
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    done_before = _complete(dest)
    assert not (dest / "manifest.json").exists(), "the export finished before the kill"

    proc = _spawn(server, dest, log2)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    manifest = json.loads((dest / "manifest.json").read_text())
    md5 = manifest["export"]["md5"]
    total = manifest["images"]
    assert len(done_before) < total, "nothing left to fetch after the kill"

    server.settings.latency_ms = 0  # the checks below need no slow link
    with SynapseClient(server.base_url, access_token=server.access_token) as client:
        snap = snapshot(client, ground_truth_dataset_version=2, progress=False)
        url_of = {f"images/{s}/{n}": u for s, n, u in
                  zip(snap.records.split, snap.records.file_name, snap.records.file_url)}
        path_of = {rel: "/" + url.split("/", 3)[3].split("?")[0] for rel, url in url_of.items()}
        second = log2.read_text().split()
        assert len(second) == len(set(second)), "a file was requested twice in one run"
        for rel in done_before:
            assert path_of[rel] not in second, f"{rel} was complete and fetched again"
        assert set(second) == {path_of[r] for r in url_of if r not in done_before}
        assert set(md5) == set(url_of) == _complete(dest)
        for rel, url in url_of.items():  # the bytes the server serves, fetched independently
            served = hashlib.md5(client.get_bytes(url)).hexdigest()
            assert hashlib.md5((dest / rel).read_bytes()).hexdigest() == served == md5[rel], rel
    assert manifest["export"]["checksums"]["skipped"] == len(done_before)


def test_changed_file_is_fetched_again(live_server: Any, tmp_path: Path) -> None:
    with SynapseClient(live_server.base_url, access_token=live_server.access_token) as client:
        snap = snapshot(client, tasks=[1, 2, 3], progress=False)
        dest = snap.export(tmp_path / "x", format="coco", progress=False)
        target = next((dest / "images").rglob("*.png"))
        good = target.read_bytes()
        target.write_bytes(good[:-10] + b"corrupted!")
        again = json.loads((snap.export(dest, format="coco", progress=False)
                            / "manifest.json").read_text())["export"]["checksums"]
        assert target.read_bytes() == good
        assert (again["fetched"], again["skipped"]) == (1, 2)


def test_failed_files_are_reported_and_the_rest_kept(live_server: Any, tmp_path: Path) -> None:
    from synapse_nb.datasets.fetch import FetchError

    with SynapseClient(live_server.base_url, access_token=live_server.access_token) as client:
        snap = snapshot(client, tasks=[1, 2], progress=False)
        good = [FileJob(u, tmp_path / n, None, n) for u, n in
                zip(snap.records.file_url, snap.records.file_name)]
        bad = FileJob(live_server.base_url + "/media/demo/detection/1/image_1.png?sig=bad",
                      tmp_path / "bad.png", None, "bad.png")
        with pytest.raises(FetchError, match="1 of 3 files could not be fetched.*run the export again"):
            fetch_files(client, [*good, bad], state_dir=tmp_path / "state", total=3,
                        progress=False)
        assert all(j.path.exists() for j in good) and not bad.path.exists()
        assert set(Ledger(tmp_path / "state").entries) == {j.name for j in good}


def test_progress_bars_for_images_bytes_and_records(live_server: Any, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    with SynapseClient(live_server.base_url, access_token=live_server.access_token) as client:
        snap = snapshot(client, tasks=[1, 2, 3], progress=False)
        snap.export(tmp_path / "x", format="yolo", progress=True)
    err = capsys.readouterr().err
    assert "images" in err and "files" in err      # files fetched
    assert "bytes" in err and "B/s" in err          # bytes fetched
    assert "annotations" in err                     # records written
