"""What the benchmark scripts share: the reference server in its own process.

The scripts run as ``python benchmarks/<name>.py``, so this folder is on ``sys.path`` and
``import _harness`` / ``import _sdk_baseline`` work without packaging.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

__all__ = ["server_process", "replay_process", "process_cpu", "exchange_key"]

_SERVER = """
import json, os, sys
from synapse_nb.server import Settings
from synapse_nb.server.testing import start_server
server = start_server(Settings(db_path=sys.argv[1], demo=True, scale=int(sys.argv[2])))
server.settings.latency_ms = float(sys.argv[3])
print(json.dumps({"base_url": server.base_url, "access_token": server.access_token,
                  "pid": os.getpid()}), flush=True)
sys.stdin.read()  # until the benchmark closes our stdin
"""


@contextmanager
def server_process(db: Path, tasks: int, latency_ms: float) -> Iterator[dict[str, Any]]:
    """The reference server with ``tasks`` demo tasks and added latency, in its own process
    so that it does not share the client's GIL (the real backend does not either).
    Yields ``{"base_url", "access_token", "pid"}``."""
    with _child([_SERVER, str(db), str(tasks), str(latency_ms)], "the reference server") as info:
        yield info


@contextmanager
def _child(args: list[str], what: str) -> Iterator[dict[str, Any]]:
    """``python -c args...`` that prints one JSON line when it serves and stops when its
    stdin closes; yields that line."""
    proc = subprocess.Popen([sys.executable, "-c", *args], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        if not line:
            raise RuntimeError(f"{what} process did not start")
        yield json.loads(line)
    finally:
        proc.stdin.close()  # type: ignore[union-attr]
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def exchange_key(method: str, path: str, query: str, body: bytes) -> str:
    """What identifies a request in a replay: method, path, query (sorted), body."""
    from urllib.parse import parse_qsl, urlencode
    items = urlencode(sorted(parse_qsl(query, keep_blank_values=True)))
    return f"{method} {path.rstrip('/')}/?{items} {body.decode('utf-8', 'replace')}"


_REPLAY = """
import asyncio, json, os, pickle, sys
sys.path.insert(0, sys.argv[3])
import uvicorn
from _harness import exchange_key
answers = pickle.load(open(sys.argv[1], "rb"))
latency = float(sys.argv[2]) / 1000

async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    key = exchange_key(scope["method"], scope["path"], scope["query_string"].decode(), body)
    answer = answers.get(key)
    if latency:
        await asyncio.sleep(latency)
    status = 200 if answer is not None else 404
    answer = answer if answer is not None else b'{"detail":"not recorded"}'
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(answer)).encode())]})
    await send({"type": "http.response.body", "body": answer})

config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", access_log=False)
server = uvicorn.Server(config)

async def main():
    task = asyncio.ensure_future(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    print(json.dumps({"base_url": f"http://127.0.0.1:{port}", "pid": os.getpid()}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    server.should_exit = True
    await task

asyncio.run(main())
"""


@contextmanager
def replay_process(answers: Path, latency_ms: float) -> Iterator[dict[str, Any]]:
    """A server that answers recorded requests with their recorded bytes (pickled
    ``{exchange_key: bytes}`` at ``answers``), after ``latency_ms``, and renders nothing:
    the honest limit of a read is the same requests replayed against it.
    Yields ``{"base_url", "pid"}``."""
    with _child([_REPLAY, str(answers), str(latency_ms), str(Path(__file__).resolve().parent)],
                "the replay server") as info:
        yield info
