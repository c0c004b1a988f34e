"""The synapse-nb command: export, and demo (server + JupyterLab, stopped by Ctrl-C)."""

from __future__ import annotations

import json
import os
import signal
import socket
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


def _start_demo(notebooks: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    (notebooks / "hello.ipynb").write_text('{"cells": [], "metadata": {}, "nbformat": 4, '
                                           '"nbformat_minor": 5}')
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("SYNAPSE_")}, **(env or {})}
    return subprocess.Popen(
        [sys.executable, "-m", "synapse_nb.cli", "demo", "--no-browser", "--port", "0",
         "--lab-port", "0", "--scale", "100", "--notebooks", str(notebooks)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
    )


def _ready_block(demo: subprocess.Popen) -> dict[str, str]:
    """The demo's closing block, as {label: value}; it must be the whole of stdout."""
    block: dict[str, str] = {}
    deadline = time.monotonic() + 90
    while "access token" not in block and time.monotonic() < deadline:
        line = demo.stdout.readline()
        assert ":" in line, f"stdout holds only the ready block, got {line!r}"
        label, _, value = line.partition(":")
        block[label.strip()] = value.strip()
    return block


def _listening(url: str) -> bool:
    host, port = url.split("//")[1].split("/")[0].split(":")
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
        return True
    except OSError:
        return False


@pytest.mark.slow
def test_demo_ends_with_one_block_and_sighup_stops_both(tmp_path):
    demo = _start_demo(tmp_path)
    try:
        block = _ready_block(demo)
        server_url = block["Synapse server"].split()[0]
        lab_url = block["JupyterLab"]
        lab_root = lab_url.split("/lab?")[0]
        token = lab_url.split("token=")[1]
        assert httpx.get(server_url + "/sdk/tasks/").status_code == 401  # auth is checked
        answer = httpx.get(server_url + "/sdk/tasks/?page_size=1",
                           headers={"Synapse-Access-Token": f"Token {block['access token']}"})
        assert answer.json()["count"] == 100  # the printed token reaches the printed server
        contents = httpx.get(f"{lab_root}/api/contents", headers={"Authorization": f"token {token}"})
        assert [item["name"] for item in contents.json()["content"]] == ["hello.ipynb"]

        demo.send_signal(signal.SIGHUP)  # the terminal closed (Ctrl-C takes the same path)
        assert demo.wait(30) == 0
        assert not _listening(server_url) and not _listening(lab_root)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()


@pytest.mark.slow
def test_kill_stops_lab_its_kernels_and_the_server(tmp_path):
    runtime = tmp_path / "runtime"
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    demo = _start_demo(notebooks, env={"JUPYTER_RUNTIME_DIR": str(runtime)})
    try:
        block = _ready_block(demo)
        lab_root = block["JupyterLab"].split("/lab?")[0]
        urls = [block["Synapse server"].split()[0], lab_root]
        token = block["JupyterLab"].split("token=")[1]
        kernel = httpx.post(f"{lab_root}/api/kernels", json={"name": "python3"},
                            headers={"Authorization": f"token {token}"}).json()
        connection = json.loads((runtime / f"kernel-{kernel['id']}.json").read_text())
        kernel_urls = [f"http://{connection['ip']}:{connection[name]}"
                       for name in ("shell_port", "iopub_port", "control_port")]
        deadline = time.monotonic() + 60
        while not all(map(_listening, kernel_urls)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert all(map(_listening, kernel_urls)), "the kernel did not start"
        urls += kernel_urls
        demo.send_signal(signal.SIGTERM)  # `kill PID`: no Ctrl-C
        demo.wait(30)
        time.sleep(0.5)
        assert [url for url in urls if _listening(url)] == []
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()


def test_a_second_demo_names_the_busy_port(tmp_path, capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(SystemExit) as exit_info:
            main(["demo", "--no-browser", "--port", str(port), "--notebooks", str(tmp_path)])
        assert f"port {port} on 127.0.0.1 is busy" in str(exit_info.value)
        assert "--port 0" in str(exit_info.value)

        # the default port busy (a demo already runs): a free one is used, and said so
        from synapse_nb import cli

        notes: list[str] = []
        chosen = cli._port("127.0.0.1", None, port, "--port", notes)
        assert chosen != port and notes == [f"(port {port} is busy, another demo? using {chosen})"]


@pytest.fixture
def no_backend(monkeypatch, tmp_path):
    for name in [n for n in os.environ if n.startswith("SYNAPSE_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.synapse/config.json
    monkeypatch.setenv("SYNAPSE_NB_DEMO_SCALE", "100")


def test_export_without_a_backend_says_the_data_is_the_demos(no_backend, tmp_path, capsys):
    assert main(["export", "projects", "-o", str(tmp_path / "p.csv")]) == 0
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert "DEMO server's made-up data" in last and "SYNAPSE_HOST" in last


def test_export_from_a_backend_says_nothing_of_the_demo(live_server, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("SYNAPSE_HOST", live_server.base_url)
    monkeypatch.setenv("SYNAPSE_ACCESS_TOKEN", live_server.access_token)
    assert main(["export", "projects", "-o", str(tmp_path / "p.csv")]) == 0
    assert "DEMO" not in capsys.readouterr().err


def _dead_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"  # closed again: nothing listens


@pytest.mark.parametrize("host, token, filters, fix", [
    ("live", "live", ["-f", "status=bogus"], "fix the --filter / --project values"),
    ("live", "live", ["-f", "colour=red"], "unknown filter(s) colour"),
    ("live", "wrong-token", [], "refused the access token"),
    ("dead", "any", [], "check SYNAPSE_HOST and that the server is running"),
    (None, "some-token", [], "SYNAPSE_ACCESS_TOKEN is set but no host: set SYNAPSE_HOST"),
])
def test_cli_errors_are_one_line_that_says_what_to_fix(host, token, filters, fix, live_server,
                                                      no_backend, monkeypatch, tmp_path, capsys):
    if host is not None:
        monkeypatch.setenv("SYNAPSE_HOST", live_server.base_url if host == "live" else _dead_url())
    monkeypatch.setenv("SYNAPSE_ACCESS_TOKEN", live_server.access_token if token == "live" else token)
    try:  # any other exception escapes: a traceback, and the test fails
        status = main(["export", "tasks", *filters, "-o", str(tmp_path / "t.csv")])
        stderr = capsys.readouterr().err
    except SystemExit as done:  # the interpreter prints a str code as one line, exit status 1
        status, stderr = (1, f"{done.code}\n") if isinstance(done.code, str) else (done.code, "")
    assert status != 0
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert stderr.startswith("synapse-nb export: ") and fix in stderr
    if token not in ("live", "any"):
        assert token not in stderr  # credentials never appear in errors
    assert not (tmp_path / "t.csv").exists()


# ---- issue 20: no tracebacks, no overwritten files, no password on screen ----------------
def _one_line(argv: list[str], capsys) -> str:
    """Run the command; it must fail with exit status 1 and exactly one line on stderr."""
    assert main(argv) == 1  # any exception escapes: a traceback, and the test fails
    err = capsys.readouterr().err.rpartition("\r")[2]  # after a progress bar's last redraw
    assert len(err.strip().split("\n")) == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("argv, fix", [
    (["serve", "--port", "99999"], "--port must be a port from 0 to 65535 (0: any free port), got 99999"),
    (["serve", "--port", "-2"], "--port must be a port from 0 to 65535"),
    (["demo", "--lab-port", "70000"], "--lab-port must be a port from 0 to 65535"),
    (["export-dataset", "--project", "1", "-o", "out", "--workers", "0"],
     "--workers must be 1 or more"),
])
def test_options_out_of_range_are_one_line(argv, fix, no_backend, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    err = _one_line(argv, capsys)
    assert err.startswith(f"synapse-nb {argv[0]}: ") and fix in err
    assert not (tmp_path / "out").exists()  # refused before anything ran


def test_export_refuses_an_existing_file_unless_forced(live_server, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("SYNAPSE_HOST", live_server.base_url)
    monkeypatch.setenv("SYNAPSE_ACCESS_TOKEN", live_server.access_token)
    out = tmp_path / "projects.csv"
    out.write_text("my own work\n")
    err = _one_line(["export", "projects", "-o", str(out)], capsys)
    assert "exists; pass --force to replace it" in err
    assert out.read_text() == "my own work\n"  # untouched
    assert main(["export", "projects", "-o", str(out), "--force"]) == 0
    assert len(pd.read_csv(out)) >= 3 and "wrote" in capsys.readouterr().err
    assert "is a folder" in _one_line(["export", "projects", "-o", str(tmp_path)], capsys)


def test_export_dataset_into_a_file_is_one_line(no_backend, tmp_path, capsys):
    target = tmp_path / "file.txt"
    target.write_text("keep")
    err = _one_line(["export-dataset", "--project", "1", "-o", str(target)], capsys)
    assert "is a file; -o names the folder" in err and target.read_text() == "keep"


def test_fetch_errors_are_one_line_that_says_how_to_resume(live_server, monkeypatch, tmp_path, capsys):
    from synapse_nb.datasets.fetch import FetchError
    from synapse_nb.datasets.snapshots import Snapshot

    def fail(self, *args, **kwargs):  # what fetch_files raises when some files failed
        raise FetchError("2 of 5 files could not be fetched (http://h/media/1.png?sig=s3cr3tsig: 503)")
    monkeypatch.setattr(Snapshot, "export", fail)
    monkeypatch.setenv("SYNAPSE_HOST", live_server.base_url)
    monkeypatch.setenv("SYNAPSE_ACCESS_TOKEN", live_server.access_token)
    err = _one_line(["export-dataset", "--project", "1", "-o", str(tmp_path / "out")], capsys)
    assert err.startswith("synapse-nb export-dataset: 2 of 5 files could not be fetched")
    assert "run the same command again to resume" in err
    assert "s3cr3tsig" not in err and "sig=***" in err


def test_a_password_in_synapse_host_is_never_shown(no_backend, monkeypatch, tmp_path, capsys, caplog):
    import logging

    from synapse_nb.client import NotFoundError, SynapseClient

    dead = _dead_url().replace("http://", "http://ann:pa55word@")
    monkeypatch.setenv("SYNAPSE_HOST", dead)
    monkeypatch.setenv("SYNAPSE_ACCESS_TOKEN", "some-token")
    err = _one_line(["export", "tasks", "-o", str(tmp_path / "t.csv")], capsys)
    assert "pa55word" not in err and "ann:***@" in err and "check SYNAPSE_HOST" in err

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"detail": f"no {request.url}"})  # a server echoing the URL
    caplog.set_level(logging.DEBUG)
    with SynapseClient(dead, access_token="some-token", max_retries=0,
                       transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(NotFoundError) as error:
            client.get_task(1)
        shown = [repr(client), repr(client.config), str(error.value), repr(error.value.detail),
                 str(error.value.url), caplog.text]
    assert "ann:***@" in shown[0] and "ann:***@" in caplog.text
    assert not [text for text in shown if "pa55word" in text], shown


def test_python_m_server_says_a_bad_port_as_synapse_nb_serve_does(no_backend, tmp_path, capsys):
    serve_line = _one_line(["serve", "--port", "99999"], capsys)
    run = subprocess.run([sys.executable, "-m", "synapse_nb.server", "--port", "99999"],
                         capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    assert run.stderr.strip().splitlines() == [
        "python -m synapse_nb.server: " + serve_line.strip().removeprefix("synapse-nb serve: ")]


def test_demo_lab_command_saves_widget_state_without_touching_user_settings(tmp_path, monkeypatch):
    """`synapse-nb demo` starts Lab on a copy of the install's app settings with the shipped
    override (saveState on): a saved notebook redraws its browsers without a kernel."""
    import argparse

    from synapse_nb.cli import _lab_command
    from synapse_nb.lab import OVERRIDES, demo_settings_dir

    # an install that already has app settings of its own: they are kept, its overrides win
    app = tmp_path / "share" / "jupyter" / "lab"
    (app / "settings").mkdir(parents=True)
    (app / "static").mkdir()
    (app / "settings" / "page_config.json").write_text('{"disabledExtensions": ["x"]}')
    (app / "settings" / "overrides.json").write_text(
        '{"@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"}}')
    home_settings = tmp_path / "home-settings"  # the user's own settings: never written
    monkeypatch.setenv("JUPYTERLAB_SETTINGS_DIR", str(home_settings))

    settings = demo_settings_dir(tmp_path / "run", app_dir=app)
    args = argparse.Namespace(host="127.0.0.1", no_browser=True)
    command = _lab_command("jupyter", args, 8888, tmp_path, "tok", settings)

    assert f"--LabApp.app_settings_dir={settings}" in command
    overrides = json.loads((settings / "overrides.json").read_text())
    assert overrides == {
        "@jupyter-widgets/jupyterlab-manager:plugin": {"saveState": True},
        "@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"},
    }
    assert json.loads(OVERRIDES.read_text()) == {
        "@jupyter-widgets/jupyterlab-manager:plugin": {"saveState": True}}
    assert (settings / "page_config.json").read_text() == '{"disabledExtensions": ["x"]}'
    assert (settings.parent / "static").resolve() == (app / "static").resolve()
    # the install is untouched, and nothing was written to the user's settings
    assert json.loads((app / "settings" / "overrides.json").read_text()) == {
        "@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"}}
    assert not home_settings.exists()


def test_demo_settings_keep_an_install_that_turned_save_state_off(tmp_path):
    from synapse_nb.lab import demo_settings_dir, install_overrides

    app = tmp_path / "lab"
    (app / "settings").mkdir(parents=True)
    (app / "settings" / "overrides.json").write_text(
        '{"@jupyter-widgets/jupyterlab-manager:plugin": {"saveState": false}}')
    settings = demo_settings_dir(tmp_path / "run", app_dir=app)
    assert json.loads((settings / "overrides.json").read_text()) == {
        "@jupyter-widgets/jupyterlab-manager:plugin": {"saveState": False}}
    # a broken overrides.json is refused, named, and left as it was
    (app / "settings" / "overrides.json").write_text("[1, 2")
    with pytest.raises(ValueError, match="overrides.json is not valid JSON"):
        install_overrides(app / "settings")
    assert (app / "settings" / "overrides.json").read_text() == "[1, 2"


def test_binder_post_build_installs_the_shipped_overrides(tmp_path):
    """binder/postBuild merges the one shipped overrides.json into the image's app settings."""
    post_build = (Path(__file__).parents[1] / "binder" / "postBuild").read_text()
    line = next(x for x in post_build.splitlines() if "install_overrides" in x)
    code = line.split("python -c ", 1)[1].strip().strip("'")
    env = {**os.environ, "JUPYTERLAB_DIR": str(tmp_path / "lab"),
           "PYTHONPATH": str(Path(__file__).parents[1])}
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)
    assert json.loads((tmp_path / "lab" / "settings" / "overrides.json").read_text()) == {
        "@jupyter-widgets/jupyterlab-manager:plugin": {"saveState": True}}
