"""The synapse-nb command: export, and demo (server + JupyterLab, stopped by Ctrl-C)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pandas as pd
import pytest

from synapse_nb.cli import main
from synapse_nb.export import parse_filters


def test_export_parquet_and_csv(live_server, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("SYNAPSE_HOST", live_server.base_url)
    monkeypatch.setenv("SYNAPSE_ACCESS_TOKEN", live_server.access_token)
    out = tmp_path / "done.parquet"
    assert main(["export", "tasks", "--project", "1", "-f", "status=completed", "-o", str(out)]) == 0
    frame = pd.read_parquet(out, dtype_backend="pyarrow")
    assert len(frame) > 0
    assert set(frame["status"].astype(str)) == {"completed"}
    assert set(frame["project"].astype(int)) == {1}
    assert f"wrote {len(frame)} tasks" in capsys.readouterr().err

    csv = tmp_path / "projects.csv"
    assert main(["export", "projects", "-o", str(csv)]) == 0
    assert len(pd.read_csv(csv)) >= 3


@pytest.mark.parametrize("argv, message", [
    (["export", "tasks", "-o", "tasks.xlsx"], "name the file .parquet or .csv"),
    (["export", "tasks", "-o", "/no/such/folder/t.csv"], "does not exist"),
    (["export", "tasks", "-f", "status", "-o", "t.csv"], "KEY=VALUE"),
])
def test_export_bad_arguments_say_what_to_fix(argv, message, live_server, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SYNAPSE_HOST", live_server.base_url)
    monkeypatch.setenv("SYNAPSE_ACCESS_TOKEN", live_server.access_token)
    with pytest.raises(SystemExit, match=message):
        main(argv)


def test_parse_filters_keeps_commas():
    assert parse_filters(["tags=1,2", " status = completed"]) == {"tags": "1,2",
                                                                  "status": "completed"}


@pytest.mark.slow
def test_demo_serves_both_and_ctrl_c_stops_both(tmp_path):
    (tmp_path / "hello.ipynb").write_text('{"cells": [], "metadata": {}, "nbformat": 4, '
                                          '"nbformat_minor": 5}')
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNAPSE_")}
    demo = subprocess.Popen(
        [sys.executable, "-m", "synapse_nb.cli", "demo", "--no-browser", "--port", "0",
         "--lab-port", "0", "--scale", "100", "--notebooks", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
    )
    try:
        lines = []
        deadline = time.monotonic() + 90
        while len(lines) < 2 and time.monotonic() < deadline:
            line = demo.stdout.readline()
            if line.startswith(("Synapse", "JupyterLab")):
                lines.append(line)
        server_url = re.search(r"http://\S+", lines[0]).group(0)
        lab_url = re.search(r"http://\S+", lines[1]).group(0)
        lab_root = lab_url.split("/lab?")[0]
        token = lab_url.split("token=")[1]
        assert httpx.get(server_url + "/sdk/tasks/").status_code == 401  # auth is checked
        for _ in range(120):
            try:
                contents = httpx.get(f"{lab_root}/api/contents",
                                     headers={"Authorization": f"token {token}"})
                break
            except httpx.TransportError:
                time.sleep(0.5)
        assert [item["name"] for item in contents.json()["content"]] == ["hello.ipynb"]

        demo.send_signal(signal.SIGINT)
        assert demo.wait(30) == 0
        for url in (server_url + "/sdk/tasks/", lab_root + "/api"):
            with pytest.raises(httpx.TransportError):
                httpx.get(url, timeout=2)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
