"""A headless JupyterLab for the browser tests: started as a subprocess, always stopped.

JupyterLab runs from this venv on a free 127.0.0.1 port with a known token, with a
temporary folder as its root and its own config, settings, runtime and workspace folders
(so nothing from ``~/.jupyter`` leaks in and nothing is written there). Everything that
would reach the internet is off: news, update checks, the PyPI extension manager.

Example (what the ``jupyter_lab`` fixture does):
    >>> # with JupyterLab.start(root=tmp / "notebooks", workdir=tmp / "lab") as lab:
    >>> #     lab.url_for("demo.ipynb")   # 'http://127.0.0.1:PORT/lab/tree/demo.ipynb?token=...'
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import httpx

__all__ = ["JupyterLab", "LabStartError", "free_port", "write_notebook"]

START_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 15.0

# Written into the temporary JUPYTER_CONFIG_DIR: no outbound network, no terminals.
SERVER_CONFIG = {
    "ServerApp": {"open_browser": False, "terminals_enabled": False,
                  "allow_remote_access": False, "port_retries": 0},
    "LabApp": {"news_url": None, "extension_manager": "readonly",
               "check_for_updates_class": "jupyterlab.NeverCheckForUpdate"},
    "LanguageServerManager": {"autodetect": False},
}
# User settings of the frontend: no news/update toast over the notebook, every cell kept
# in the DOM (the default virtual windowing can detach cells out of view).
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


class LabStartError(RuntimeError):
    """JupyterLab did not come up; the message holds the end of its log."""


def free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_notebook(path: Path, cells: list[str], *, name: str = "python3") -> Path:
    """Write a notebook (nbformat 4) of code cells, with the venv's Python kernel."""
    notebook = {
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": name, "display_name": "Python 3",
                                    "language": "python"},
                     "language_info": {"name": "python"}},
        "cells": [{"cell_type": "code", "id": f"cell-{i}", "metadata": {},
                   "execution_count": None, "outputs": [], "source": source}
                  for i, source in enumerate(cells)],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    return path


@dataclass
class JupyterLab:
    """A running ``jupyter lab`` subprocess (its own process group, so kernels stop too)."""

    root: Path
    port: int
    token: str
    process: subprocess.Popen[bytes]
    log_path: Path
    _log: Any = field(repr=False, default=None)

    def __repr__(self) -> str:  # the token stays out of reprs and failure messages
        return f"JupyterLab(port={self.port}, root={str(self.root)!r}, pid={self.process.pid})"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url_for(self, notebook: str) -> str:
        """The notebook's URL in a workspace of its own, reset, so that notebooks opened
        by earlier tests (a saved workspace restores them) are not open behind it."""
        workspace = Path(notebook).stem.replace(" ", "-") or "default"
        return (f"{self.base_url}/lab/workspaces/{workspace}/tree/{notebook}"
                f"?reset&token={self.token}")

    def log_tail(self, chars: int = 3000) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return text[-chars:].replace(self.token, "<token>")

    # -- lifecycle ----------------------------------------------------------------------

    @classmethod
    def start(cls, *, root: Path, workdir: Path, env: Mapping[str, str] | None = None,
              timeout: float = START_TIMEOUT_S, attempts: int = 2,
              args: Sequence[str] = ()) -> "JupyterLab":
        """Start JupyterLab and wait until its API answers; retry once on a port race.
        ``args`` are more ``jupyter lab`` options (the demo's ``--LabApp.app_settings_dir``)."""
        last: Exception | None = None
        for attempt in range(attempts):
            lab = cls._spawn(root=root, workdir=workdir / f"run{attempt}", env=env, args=args)
            try:
                lab.wait_ready(timeout)
                return lab
            except LabStartError as err:
                lab.stop()
                last = err
        assert last is not None
        raise last

    @classmethod
    def _spawn(cls, *, root: Path, workdir: Path, env: Mapping[str, str] | None,
               args: Sequence[str] = ()) -> "JupyterLab":
        root.mkdir(parents=True, exist_ok=True)
        dirs = {name: workdir / name for name in ("config", "runtime", "settings", "workspaces",
                                                  "ipython")}
        for d in dirs.values():
            d.mkdir(parents=True, exist_ok=True)
        (dirs["config"] / "jupyter_server_config.json").write_text(json.dumps(SERVER_CONFIG))
        for rel, values in LAB_SETTINGS.items():
            target = dirs["settings"] / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(values))
        port, token = free_port(), secrets.token_hex(16)
        venv_bin = Path(sys.executable).parent
        child_env = {
            **os.environ,
            "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
            "JUPYTER_CONFIG_DIR": str(dirs["config"]),
            "JUPYTER_RUNTIME_DIR": str(dirs["runtime"]),
            "JUPYTERLAB_SETTINGS_DIR": str(dirs["settings"]),
            "JUPYTERLAB_WORKSPACES_DIR": str(dirs["workspaces"]),
            "IPYTHONDIR": str(dirs["ipython"]),
            "JUPYTER_PLATFORM_DIRS": "1",
            "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        log_path = workdir / "jupyter-lab.log"
        log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        process = subprocess.Popen(
            [str(venv_bin / "jupyter"), "lab", "--no-browser", f"--port={port}",
             # IdentityProvider.token is ServerApp.token's current name (jupyter_server 2).
             "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
             f"--ServerApp.root_dir={root}",
             # CI containers run as root; Jupyter refuses that unless told.
             *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
             *args],
            cwd=root, env=child_env, stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True)
        return cls(root=root, port=port, token=token, process=process, log_path=log_path, _log=log)

    def wait_ready(self, timeout: float = START_TIMEOUT_S) -> None:
        """Poll ``/api/status`` (with the token) until it answers 200."""
        deadline = time.monotonic() + timeout
        headers = {"Authorization": f"token {self.token}"}
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise LabStartError(f"jupyter lab exited with {self.process.returncode}:\n"
                                    f"{self.log_tail()}")
            try:
                r = httpx.get(f"{self.base_url}/api/status", headers=headers, timeout=2.0,
                              trust_env=False)
                if r.status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.25)
        raise LabStartError(f"jupyter lab did not answer on port {self.port} within "
                            f"{timeout:.0f}s:\n{self.log_tail()}")

    def wait_kernel_connected(self, notebook: str, timeout: float = 60.0) -> None:
        """Wait until the notebook's kernel is idle with a browser connected to it.

        The page's own idle indicator shows "idle" before any kernel exists, and cells run
        before the kernel's websocket is up are dropped, so ask the server instead."""
        deadline = time.monotonic() + timeout
        headers = {"Authorization": f"token {self.token}"}
        state = "no session"
        while time.monotonic() < deadline:
            try:
                r = httpx.get(f"{self.base_url}/api/sessions", headers=headers, timeout=2.0,
                              trust_env=False)
                for session in r.json() if r.status_code == 200 else []:
                    if session.get("path", "").endswith(notebook) and session.get("kernel"):
                        kernel = session["kernel"]
                        state = f"{kernel.get('execution_state')}, {kernel.get('connections')} connection(s)"
                        if kernel.get("execution_state") == "idle" and kernel.get("connections", 0) >= 1:
                            return
            except (httpx.TransportError, ValueError):
                pass
            time.sleep(0.25)
        raise TimeoutError(f"the kernel of {notebook} was not ready within {timeout:.0f}s "
                           f"({state}):\n{self.log_tail()}")

    def stop(self) -> None:
        """Stop JupyterLab and its kernels: SIGTERM to its process group, then SIGKILL."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                pass
        # Kernels live in the same group; make sure none outlives the server.
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            pass
        if self._log is not None and not self._log.closed:
            self._log.close()

    def __enter__(self) -> "JupyterLab":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
