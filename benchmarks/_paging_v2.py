"""The v2 part of ``benchmarks/paging.py``: every task, full payloads, over /v2/.

Side by side, on the same server (``--tasks`` tasks, ``--latency-ms`` per request):

- the real ``BackendClientV2`` (synapse-sdk 2026.2.17, run in its own venv; timed inside
  that process, startup excluded): its sequential ``CursorPaginator`` walking
  ``tasks.list(per_page=1000, list_all=True)`` (slim items only), and the SDK's documented
  two-phase export: that walk, then ``tasks.bulk_fetch`` of 200 ids at a time, sequential;
- synapse_nb on a client with ``api="v2"``: ``tasks_frame`` (full payloads, typed frame)
  and the bare read behind it (records, no frame);
- the limit: synapse_nb's read recorded once (every request and its answer's bytes), then
  the same requests replayed, with the same concurrency and latency, against a server
  that answers each from its recorded bytes (``_harness.replay_process``: nothing
  rendered) by a client that decodes nothing but the cursors and ids it needs. No read
  of these bytes at this latency and concurrency can be faster.

Each run prints its wall time, the client's CPU (this process, or the SDK's process
with its startup) and the server's CPU (its process, from /proc).
"""

from __future__ import annotations

import json
import pickle
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from _harness import exchange_key, process_cpu, replay_process

SDK_SCRIPT = r"""
import json, sys, time
from synapse_sdk.clients.backend_v2 import BackendClientV2
host, token = sys.argv[1], sys.argv[2]
c = BackendClientV2(host, access_token=token, tenant="acme", allow_insecure=True)
t = time.perf_counter()
ids = [task.id for task in c.tasks.list(per_page=1000, list_all=True)]
walk = time.perf_counter() - t
t = time.perf_counter()
ids2 = [task.id for task in c.tasks.list(per_page=1000, list_all=True)]
full = []
for k in range(0, len(ids2), 200):
    full += c.tasks.bulk_fetch(ids2[k:k + 200])
two = time.perf_counter() - t
print(json.dumps({"walk": walk, "two_phase": two, "n": len(set(ids)), "full": len(full)}))
"""


def _sdk_python() -> Path | None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.sdk_runner import sdk_python
    return sdk_python()


def raw_read(base_url: str, headers: dict[str, str], concurrency: int,
             record: dict[str, bytes] | None = None) -> int:
    """synapse_nb's v2 read of every task as bytes: the projects, then one cursor walk per
    (project, has_data) partition in its own thread (slim pages of 1000), each slim page's
    ids asked in bulk calls of 200 on a pool of ``concurrency``. Returns the rows received;
    ``record`` collects every exchange's bytes."""
    import httpx
    import orjson

    limits = httpx.Limits(max_connections=concurrency + 64, max_keepalive_connections=concurrency + 64)
    lock = threading.Lock()
    rows = [0]
    with httpx.Client(base_url=base_url, headers=headers, timeout=120, limits=limits) as http, \
            ThreadPoolExecutor(concurrency) as pool:
        def send(method: str, path: str, params: dict[str, Any], body: Any = None) -> bytes:
            request = http.build_request(method, path, params=params, json=body)
            content = http.send(request).raise_for_status().content
            if record is not None:
                key = exchange_key(method, request.url.path, request.url.query.decode(),
                                   request.content)
                with lock:
                    record[key] = content
            return content

        def bulk(ids: list[int]) -> None:
            got = orjson.loads(send("POST", "/v2/tasks/bulk-fetch/", {"response_mode": "inline"},
                                    {"ids": ids}))["data"]
            with lock:
                rows[0] += len(got)

        def walk(params: dict[str, Any], futures: list[Any]) -> None:
            cursor = None
            while True:
                query = {**params, "per_page": 1000, **({"cursor": cursor} if cursor else {})}
                page = orjson.loads(send("GET", "/v2/tasks/", query))
                ids = [r["id"] for r in page["data"]]
                futures += [pool.submit(bulk, ids[k:k + 200]) for k in range(0, len(ids), 200)]
                nxt = page["meta"]["pagination"]["next_cursor"]
                if not nxt or not ids:
                    return
                cursor = nxt.split("cursor=", 1)[1].split("&", 1)[0]

        projects = [p["id"] for p in orjson.loads(send("GET", "/v2/projects/",
                                                       {"per_page": 1000}))["data"]]
        futures: list[Any] = []
        walkers = [threading.Thread(target=walk, args=({"project": p, "has_data": d}, futures))
                   for p in projects for d in ("true", "false")]
        for thread in walkers:
            thread.start()
        for thread in walkers:
            thread.join()
        for future in futures:
            future.result()
    return rows[0]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_v2(base_url: str, token: str, tasks: int, latency_ms: float, reps: int,
           concurrency: int, server_pid: int | None = None) -> None:
    from synapse_nb.client import SynapseClient
    from synapse_nb.client.v2.flows import v2_headers
    from synapse_nb.frames import tasks_frame
    from synapse_nb.frames.v2 import SOURCES
    from synapse_nb.frames.v2_read import V2Pages

    python = _sdk_python()
    runs: dict[str, list[tuple[float, float, float]]] = {}  # name -> (wall, client, server)
    report: dict[str, Any] = {}
    tmp = Path(tempfile.mkdtemp(prefix="synapse-nb-replay-"))

    def server_cpu(pid: int | None) -> float:
        return process_cpu(pid) if pid else 0.0

    def timed(name: str, fn: Any, pid: int | None, child: bool = False) -> Any:
        s0, c0 = server_cpu(pid), (_children_cpu() if child else time.process_time())
        t0 = time.perf_counter()
        out = fn()
        wall = time.perf_counter() - t0
        client = (_children_cpu() if child else time.process_time()) - c0
        runs.setdefault(name, []).append((wall, client, server_cpu(pid) - s0))
        return out

    with SynapseClient(base_url, access_token=token, api="v2", max_concurrency=concurrency) as c:
        c.v2.tasks.bulk_fetch([1])  # the server makes its v2-only tables on first use
        headers = v2_headers(c.config)
        answers: dict[str, bytes] = {}
        assert raw_read(base_url, headers, concurrency, answers) == tasks
        (tmp / "answers.pkl").write_bytes(pickle.dumps(answers))
        size = sum(map(len, answers.values()))
        with replay_process(tmp / "answers.pkl", latency_ms) as replay:
            assert raw_read(replay["base_url"], headers, concurrency) == tasks  # warm-up
            for rep in range(reps):
                if python is not None:
                    out = timed("sdk", lambda: subprocess.run(
                        [str(python), "-c", SDK_SCRIPT, base_url, token], capture_output=True,
                        text=True, check=True), server_pid, child=True)
                    sdk = json.loads(out.stdout.strip().splitlines()[-1])
                    assert sdk["n"] == sdk["full"] == tasks, sdk
                df = timed("nb_frame", lambda: tasks_frame(c, progress=False), server_pid)
                assert len(df) == df.index.nunique() == tasks, len(df)
                report = df.attrs["fetch_report"]
                del df
                rows = timed("nb_records", lambda: sum(
                    len(page) for page in V2Pages(c, SOURCES["sdk/tasks/"], {})), server_pid)
                assert rows == tasks, rows
                n = timed("replay", lambda: raw_read(replay["base_url"], headers, concurrency),
                          replay["pid"])
                assert n == tasks
                print(f"v2 rep {rep + 1}: " + ", ".join(
                    f"{k} {v[-1][0]:.2f}s (client {v[-1][1]:.2f}, server {v[-1][2]:.2f} CPU-s)"
                    for k, v in runs.items()), flush=True)
    med = {k: tuple(statistics.median(r[i] for r in v) for i in range(3)) for k, v in runs.items()}
    print(f"\nv2, {tasks} tasks at {latency_ms:.0f} ms, concurrency {concurrency}, "
          f"{size / 1e6:.0f} MB of answers: {report.get('read')}")
    names = {"replay": "limit: the same requests replayed against pre-rendered answers",
             "sdk": "SDK two-phase: walk + sequential bulk_fetch(200) (CPU incl. startup)",
             "nb_records": "synapse_nb read, full payloads (records)",
             "nb_frame": "synapse_nb tasks_frame(api='v2'), full payloads, typed"}
    if "sdk" not in med:
        print("(SDK venv not found: ./dev.sh sdk-venv; SDK rows left out)")
    limit = med["replay"][0]
    print(f"  {'':<72} {'wall s':>7} {'x limit':>8} {'client CPU-s':>13} {'server CPU-s':>13}")
    for key in ("replay", "sdk", "nb_records", "nb_frame"):
        if key in med:
            wall, client, server = med[key]
            print(f"  {names[key]:<72} {wall:7.2f} {wall / limit:7.2f}x {client:13.2f} "
                  f"{server:13.2f}")
    frame, records = med["nb_frame"], med["nb_records"]
    print(f"  per row: server {1e6 * frame[2] / tasks:.1f} us (tasks_frame read), client "
          f"{1e6 * frame[1] / tasks:.1f} us (tasks_frame), {1e6 * records[1] / tasks:.1f} us "
          f"(records)")
