"""Run the reference server in a background thread (tests, notebooks, ``connect()``).

>>> from synapse_nb.server import Settings
>>> with serve_in_thread(Settings(demo=True, scale=500)) as server:   # doctest: +SKIP
...     httpx.get(server.base_url + "/sdk/tasks/",
...               headers={"Synapse-Access-Token": "Token " + server.access_token})
"""

from __future__ import annotations

import errno
import logging
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator

import uvicorn
from fastapi import FastAPI

from .app import create_app, open_database
from .demo import DEMO_ACCESS_TOKEN, OTHER_ACCESS_TOKEN
from .settings import Settings

__all__ = ["ServerHandle", "serve_in_thread", "start_server"]


@dataclass
class ServerHandle:
    """A running server: where it is, its demo token, and its (mutable) settings."""

    base_url: str
    settings: Settings
    app: FastAPI
    access_token: str = DEMO_ACCESS_TOKEN
    other_access_token: str = OTHER_ACCESS_TOKEN
    _server: uvicorn.Server | None = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    def __repr__(self) -> str:  # no token in reprs
        return f"ServerHandle(base_url={self.base_url!r})"

    @property
    def port(self) -> int:
        return int(self.base_url.rsplit(":", 1)[1])

    @property
    def db(self):  # the server's Database, for tests that look behind the API
        return self.app.state.db

    def stop(self, timeout: float = 10.0) -> None:
        """Ask uvicorn to exit and wait for the thread."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None


def _listening_socket(host: str, port: int, tries: int = 5) -> socket.socket:
    """A socket bound and listening on ``host:port`` (port 0: a free one).

    With SO_REUSEADDR, ``bind`` to port 0 can hand out a port that another socket of the
    machine still holds, and only ``listen`` then fails (EADDRINUSE): listen here, in the
    caller's thread, and take another free port when that happens.
    """
    for attempt in range(tries):
        # IPPROTO_TCP named, not left 0: asyncio sets TCP_NODELAY only on sockets whose
        # proto says TCP, and accepted sockets inherit it. Without it a keep-alive
        # answer's body waited for the client's delayed ACK of its headers (40 ms).
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET,
                             socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
            sock.listen(2048)
            return sock
        except OSError as err:
            sock.close()
            if port != 0 or err.errno != errno.EADDRINUSE or attempt == tries - 1:
                raise
    raise AssertionError("unreachable")


def start_server(settings: Settings, host: str = "127.0.0.1", port: int = 0,
                 startup_timeout: float = 120.0) -> ServerHandle:
    """Start uvicorn in a daemon thread and return once it accepts connections."""
    warning = settings.exposure_warning(host)
    if warning:
        logging.getLogger("synapse_nb.server").warning("synapse_nb server: %s", warning)
    app = create_app(settings)
    # open and seed here, in the caller's thread, so errors surface immediately
    app.state.db = open_database(settings)
    sock = _listening_socket(host, port)
    bound_port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on",
                            timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                              name=f"synapse-nb-server-{bound_port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the reference server thread exited during startup")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError("the reference server did not start in time")
        time.sleep(0.01)
    display = f"[{host}]" if ":" in host else host
    if display in ("0.0.0.0", "[::]"):
        display = "127.0.0.1"
    return ServerHandle(f"http://{display}:{bound_port}", settings, app,
                        _server=server, _thread=thread)


@contextmanager
def serve_in_thread(settings: Settings | None = None, host: str = "127.0.0.1",
                    port: int = 0) -> Iterator[ServerHandle]:
    """A live server for the length of the ``with`` block (free port by default)."""
    handle = start_server(settings or Settings(), host=host, port=port)
    try:
        yield handle
    finally:
        handle.stop()
