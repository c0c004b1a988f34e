"""Pages of 100 tasks served per second by the reference server, from a 100k-task database.

    .venv/bin/python benchmarks/server.py [--scale 100000] [--pages 300] [--repeat 3]

The server runs as a uvicorn subprocess (its own process, so the client does not share its
GIL); clients are httpx over loopback at concurrency 1, 4 and 16, fetching addressable pages
``page=k&page_size=100`` of ``sdk/tasks/`` as the toolkit's concurrent paginator does.

Side by side:
- ceiling: the same page built in-process by the server's page code (SQLite query, dict
  building, orjson encode), with no HTTP at all;
- static server: the same client against a bare ASGI app under the same uvicorn that
  answers one pre-built page to every request (zero server work). The ratio to it says
  how much the reference server costs the client: near 1 means the client, not the
  server, sets the speed;
- client decode: ``json.loads`` of one page, which any client pays per page on top.
It prints medians of ``--repeat`` runs and the ratios.

``--cpu``: instead, the server process's own CPU (user + system, from ``/proc``) per task
for the same tasks read each way, interleaved by segments of 10,000 tasks (each way reads
a segment in turn), medians of ``--repeat`` runs:

- v1: pages of ``page_size=100`` and ``1000`` of ``sdk/tasks/`` (one task a row, JSON
  written by SQLite);
- v2 slim: the cursor walk of ``v2/tasks/?per_page=1000`` (six fields an item);
- v2 bulk: ``POST v2/tasks/bulk-fetch/`` with 200 ids a call (full payloads, ``data`` as
  JSON text), as the client's two-phase read does after the walk;
- v2 read: slim + bulk, what a full v2 read of a task costs the server.

    .venv/bin/python benchmarks/server.py --cpu --scale 30000 --repeat 5
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _harness import process_cpu  # noqa: E402  (the script runs from benchmarks/)
from synapse_nb.server import Settings  # noqa: E402
from synapse_nb.server.app import open_database  # noqa: E402
from synapse_nb.server.demo import DEMO_ACCESS_TOKEN  # noqa: E402
from synapse_nb.server.render import TASK_FROM, TASK_SELECT, task_dict  # noqa: E402


def seed(db_path: Path, scale: int) -> float:
    start = time.perf_counter()
    db = open_database(Settings(db_path=db_path, demo=True, scale=scale))
    db.close()
    return time.perf_counter() - start


STATIC_APP = """
import sys, uvicorn
body = open(sys.argv[1], "rb").read()
headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
"""


def start_static(body_path: Path) -> tuple[subprocess.Popen, str]:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-c", STATIC_APP, str(body_path), str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(base + "/")
            return proc, base
        except httpx.TransportError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("static server did not start")


def start_server(db_path: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "synapse_nb.server", "--db", str(db_path),
                             "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, cwd=ROOT)
    line = proc.stdout.readline().strip()
    if not line.startswith("Synapse reference server:"):
        proc.kill()
        raise SystemExit(f"server did not start: {line!r}")
    return proc, line.rsplit(" ", 1)[1]


async def fetch_pages(base: str, pages: list[int], concurrency: int) -> float:
    """Pages per second fetching ``pages`` with ``concurrency`` requests in flight."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"Synapse-Access-Token": f"Token {DEMO_ACCESS_TOKEN}"}
    queue = list(reversed(pages))
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits,
                                 timeout=60) as client:
        await client.get("/sdk/tasks/", params={"page_size": 100})  # warm the connection

        async def worker() -> None:
            while queue:
                page = queue.pop()
                r = await client.get("/sdk/tasks/", params={"page": page, "page_size": 100})
                r.raise_for_status()
                _ = r.content  # body received; decoding is the client's cost, measured apart

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return len(pages) / (time.perf_counter() - start)


def ceiling(db_path: Path, pages: list[int]) -> float:
    """Pages per second built in-process by the server's own page code, minus HTTP."""
    from synapse_nb.server.db import Database
    from synapse_nb.server.pagination import page_body

    db = Database(db_path)
    base = "http://127.0.0.1:1"

    def build(rows: list[tuple]) -> list[dict]:
        return [task_dict(r, base) for r in rows]

    start = time.perf_counter()
    for page in pages:
        page_body(db, "FROM tasks t WHERE t.tenant_id = ?", [1], TASK_SELECT, "t.id", build,
                  page, 100, lambda n: f"{base}/sdk/tasks/?page={n}&page_size=100",
                  key="t.id", fetch_from=TASK_FROM)
    rate = len(pages) / (time.perf_counter() - start)
    db.close()
    return rate


def client_decode(base: str, pages: int = 200) -> float:
    body = httpx.get(f"{base}/sdk/tasks/", params={"page_size": 100, "page": 7},
                     headers={"Synapse-Access-Token": DEMO_ACCESS_TOKEN}).content
    start = time.perf_counter()
    for _ in range(pages):
        json.loads(body)
    return pages / (time.perf_counter() - start)


def read_v1(client: httpx.Client, start: int, tasks: int, size: int) -> None:
    """Tasks ``start`` to ``start + tasks`` in pages of ``size`` (``start`` a multiple)."""
    for page in range(start // size + 1, (start + tasks - 1) // size + 2):
        client.get("/sdk/tasks/", params={"page": page, "page_size": size}).raise_for_status()


def read_v2_slim(client: httpx.Client, tasks: int, after: int | None = None) -> list[int]:
    """The ids of ``tasks`` tasks after the id ``after`` by the cursor walk, pages of 1000."""
    from synapse_nb.server.v2.envelope import encode_cursor

    ids: list[int] = []
    url: str | None = "/v2/tasks/?per_page=1000"
    if after is not None:
        url += "&cursor=" + encode_cursor(after, False)
    while url and len(ids) < tasks:
        body = client.get(url).raise_for_status().json()
        ids += [item["id"] for item in body["data"]]
        url = body["meta"]["pagination"]["next_cursor"]
    return ids[:tasks]


def read_v2_bulk(client: httpx.Client, ids: list[int]) -> None:
    for start in range(0, len(ids), 200):
        client.post("/v2/tasks/bulk-fetch/", json={"ids": ids[start:start + 200]}
                    ).raise_for_status()


def cpu_per_task(proc: subprocess.Popen, base: str, tasks: int, repeat: int,
                 segment: int = 10_000) -> None:
    """Print the server's CPU per task, v1 and v2 side by side.

    Interleaved finely: each way reads a segment of ``segment`` tasks in turn, so load
    that drifts during a run (a shared machine) hits every way alike; a way's figure is
    its CPU summed over the segments of a run, and the median of ``repeat`` runs.
    """
    headers = {"Synapse-Access-Token": DEMO_ACCESS_TOKEN}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        ids = read_v2_slim(client, tasks)  # also warms both APIs' code paths
        read_v1(client, 0, 1000, 100)
        read_v2_bulk(client, ids[:1000])
        segment = min(segment, len(ids)) // 1000 * 1000 or len(ids)

        def ways(start: int) -> dict[str, Callable[[], Any]]:
            part = ids[start:start + segment]
            after = ids[start - 1] if start else None
            return {
                "v1 pages of 100": lambda: read_v1(client, start, len(part), 100),
                "v1 pages of 1000": lambda: read_v1(client, start, len(part), 1000),
                "v2 slim pages of 1000": lambda: read_v2_slim(client, len(part), after),
                "v2 bulk calls of 200": lambda: read_v2_bulk(client, part),
            }

        runs: dict[str, list[float]] = {name: [] for name in ways(0)}
        for _ in range(repeat):
            used = dict.fromkeys(runs, 0.0)
            for start in range(0, len(ids), segment):
                for name, read in ways(start).items():
                    before = process_cpu(proc.pid)
                    read()
                    used[name] += process_cpu(proc.pid) - before
            for name, seconds in used.items():
                runs[name].append(seconds / len(ids) * 1e6)
    us = {name: statistics.median(values) for name, values in runs.items()}
    us["v2 read (slim + bulk)"] = (us["v2 slim pages of 1000"] + us["v2 bulk calls of 200"])
    v1 = us["v1 pages of 100"]
    print(f"server CPU per task, {len(ids)} tasks, median of {repeat} runs interleaved by "
          f"{segment} tasks (load {os.getloadavg()[0]:.2f}):")
    for name, value in us.items():
        print(f"  {name:<24} {value:6.2f} us   {value / v1:5.2f}x v1 pages of 100   "
              f"{value / us['v1 pages of 1000']:5.2f}x v1 pages of 1000")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=300, help="pages fetched per run")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", type=Path, default=None, help="reuse this seeded database")
    parser.add_argument("--cpu", action="store_true",
                        help="the server's CPU per task, v1 and v2 side by side")
    parser.add_argument("--tasks", type=int, default=30_000, help="tasks read per --cpu run")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="synapse-bench-"))
    db_path = args.db or tmp / "bench.db"
    if not db_path.exists():
        print(f"seeding {args.scale} tasks: {seed(db_path, args.scale):.1f} s", flush=True)
    last_page = args.scale // 100
    step = max(1, last_page // args.pages)
    pages = list(range(1, last_page + 1, step))[: args.pages]  # spread over the whole table
    proc, base = start_server(db_path)
    if args.cpu:
        try:
            cpu_per_task(proc, base, min(args.tasks, args.scale), args.repeat)
        finally:
            proc.terminate()
            proc.wait(10)
            shutil.rmtree(tmp, ignore_errors=True)
        return
    body_path = tmp / "page.json"
    body_path.write_bytes(httpx.get(f"{base}/sdk/tasks/", params={"page": 7, "page_size": 100},
                                    headers={"Synapse-Access-Token": DEMO_ACCESS_TOKEN}).content)
    static, static_base = start_static(body_path)
    try:
        print(f"server {base}, {len(pages)} pages of 100 tasks per run, "
              f"median of {args.repeat} runs (machine: {os.cpu_count()} cores)")
        ceil = statistics.median(ceiling(db_path, pages) for _ in range(args.repeat))
        decode = statistics.median(client_decode(base) for _ in range(args.repeat))
        print(f"in-process page build (no HTTP): {ceil:.0f} pages/s; "
              f"client json.loads of a page: {decode:.0f} pages/s")
        print(f"{'concurrency':>11} {'server pages/s':>15} {'tasks/s':>9} "
              f"{'static pages/s':>15} {'server/static':>14} {'server/no-HTTP':>15}")
        for concurrency in (1, 4, 16):
            ours, bare = [], []
            for _ in range(args.repeat):  # interleaved, so load drift hits both alike
                ours.append(asyncio.run(fetch_pages(base, pages, concurrency)))
                bare.append(asyncio.run(fetch_pages(static_base, pages, concurrency)))
            rate, ref = statistics.median(ours), statistics.median(bare)
            print(f"{concurrency:>11} {rate:15.0f} {rate * 100:9.0f} {ref:15.0f} "
                  f"{rate / ref:14.2f} {rate / ceil:15.2f}", flush=True)
    finally:
        for process in (proc, static):
            process.terminate()
            process.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)  # the seeded database too, unless --db


if __name__ == "__main__":
    main()
