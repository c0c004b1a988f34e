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

__all__ = ["server_process"]

_SERVER = """
import json, sys
from synapse_nb.server import Settings
from synapse_nb.server.testing import start_server
server = start_server(Settings(db_path=sys.argv[1], demo=True, scale=int(sys.argv[2])))
server.settings.latency_ms = float(sys.argv[3])
print(json.dumps({"base_url": server.base_url, "access_token": server.access_token}), flush=True)
sys.stdin.read()  # until the benchmark closes our stdin
"""


@contextmanager
def server_process(db: Path, tasks: int, latency_ms: float) -> Iterator[dict[str, Any]]:
    """The reference server with ``tasks`` demo tasks and added latency, in its own process
    so that it does not share the client's GIL (the real backend does not either).
    Yields ``{"base_url", "access_token"}``."""
    proc = subprocess.Popen([sys.executable, "-c", _SERVER, str(db), str(tasks), str(latency_ms)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        if not line:
            raise RuntimeError("the reference server process did not start")
        yield json.loads(line)
    finally:
        proc.stdin.close()  # type: ignore[union-attr]
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
