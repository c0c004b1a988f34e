"""Benchmark: ``list_tasks(list_all=True)`` over 100k tasks vs the SDK's algorithm.

The reference server holds ``--tasks`` demo tasks and adds ``--latency-ms`` per request.
Each repetition runs the SDK baseline (``benchmarks/_sdk_baseline.py``: page_size forced
to 100, page 1 twice, sequential, following ``next``) and synapse_nb side by side, and
checks both saw every task once. Printed: both medians and the ratio, for synapse_nb with
the default ``page_size=100`` and with ``page_size=1000`` (the server's cap; the SDK
overwrites any caller page_size, synapse_nb keeps it).

    .venv/bin/python benchmarks/paging.py                      # 100k tasks, 20 ms, 3 reps
    .venv/bin/python benchmarks/paging.py --tasks 20000 --reps 1
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from synapse_nb.client.base import DEFAULT_MAX_CONCURRENCY

HERE = Path(__file__).resolve().parent


def _baseline():
    spec = importlib.util.spec_from_file_location("_sdk_baseline", HERE / "_sdk_baseline.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


_SERVER = """
import json, sys, time
from synapse_nb.server import Settings
from synapse_nb.server.testing import start_server
server = start_server(Settings(db_path=sys.argv[1], demo=True, scale=int(sys.argv[2])))
server.settings.latency_ms = float(sys.argv[3])
print(json.dumps({"base_url": server.base_url, "access_token": server.access_token}), flush=True)
sys.stdin.read()  # until the benchmark closes our stdin
"""


@contextmanager
def server_process(db: Path, tasks: int, latency_ms: float) -> Iterator[dict[str, Any]]:
    """The reference server in its own process, so it does not share the client's GIL
    (the real backend does not either)."""
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=DEFAULT_MAX_CONCURRENCY)
    args = parser.parse_args()

    from synapse_nb.client import SynapseClient

    sdk = _baseline()
    tmp = Path(tempfile.mkdtemp(prefix="synapse-nb-bench-"))
    t0 = time.perf_counter()
    with server_process(tmp / "synapse.db", args.tasks, args.latency_ms) as server:
        base_url, token = server["base_url"], server["access_token"]
        print(f"server: {args.tasks} tasks seeded in {time.perf_counter() - t0:.1f}s (own process); "
              f"latency {args.latency_ms:.0f} ms/request; {args.reps} reps", flush=True)
        headers = sdk.sdk_headers(token)
        times: dict[str, list[float]] = {"sdk": [], "nb_100": [], "nb_1000": []}
        with SynapseClient(base_url, access_token=token,
                           max_concurrency=args.concurrency, cache_dir=tmp) as client:
            for rep in range(args.reps):
                t = time.perf_counter()
                rows, count = sdk.sdk_list_all(base_url, headers, "sdk/tasks/")
                n = len({r["id"] for r in rows})
                times["sdk"].append(time.perf_counter() - t)
                assert n == count == args.tasks, (n, count)
                for size in (100, 1000):
                    t = time.perf_counter()
                    rows, count = client.list_tasks(list_all=True, page_size=size)
                    ids = [r["id"] for r in rows]
                    times[f"nb_{size}"].append(time.perf_counter() - t)
                    assert len(ids) == len(set(ids)) == count == args.tasks, (len(ids), count)
                print(f"rep {rep + 1}: " + ", ".join(f"{k} {v[-1]:.2f}s" for k, v in times.items()), flush=True)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"\nSDK algorithm (sequential, next, page 1 twice, page_size 100): median {med['sdk']:.2f}s")
    print(f"synapse_nb list_tasks(list_all=True) page_size=100:  median {med['nb_100']:.2f}s "
          f"-> {med['sdk'] / med['nb_100']:.1f}x faster")
    print(f"synapse_nb list_tasks(list_all=True) page_size=1000: median {med['nb_1000']:.2f}s "
          f"-> {med['sdk'] / med['nb_1000']:.1f}x faster")


if __name__ == "__main__":
    sys.exit(main())
