"""Benchmark: tasks_frame vs what users do today vs the wire limit, side by side.

Workload: the reference server with ``scale`` demo tasks (default 100,000) and
``latency_ms`` added per request (default 20), pages of 100 for every contender.

- (a) today: the SDK's sequential paging (``list_tasks(list_all=True)``: page 1 fetched
  once for the count, then every page one after another by following ``next``) into a
  list of dicts, then ``pd.DataFrame(list)``. From ``benchmarks/_sdk_baseline.py`` when it
  exists, else the equivalent written here with httpx.
- (b) ``tasks_frame(client, page_size=100)``.
- (c) the wire limit: ``client.paginate("sdk/tasks/", page_size=100)`` at the same
  concurrency, pages iterated and dropped, nothing built.

Each run is a fresh Python process (the server runs in this one, in a thread), so that
peak memory is that run's alone: peak RSS (``VmHWM`` of /proc/self/status) minus the RSS
just before the fetch, after imports. RSS counts Arrow's buffers too, which tracemalloc
would not see. Client CPU is the run's process time (all its threads). Contenders are
interleaved (a, b, c, a, b, c, ...) so that machine noise
hits all of them alike; the table shows medians.

    .venv/bin/python benchmarks/frames.py                    # 100k tasks, 20 ms, 3 reps
    .venv/bin/python benchmarks/frames.py --scale 20000 --reps 3 --latency-ms 20
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
from pathlib import Path
from typing import Any

from synapse_nb.client.base import DEFAULT_MAX_CONCURRENCY

HERE = Path(__file__).resolve().parent
PAGE_SIZE = 100
TOKEN_ENV = "SYNAPSE_NB_BENCH_TOKEN"  # the token goes to the child by env, never by argv


# --- inside a child process: one run of one contender ------------------------------------
def _rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _reset_peak() -> None:
    # Linux >= 4.0: writing 5 to clear_refs resets VmHWM to the current RSS.
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _sequential_sdk_rows(base_url: str, token: str) -> list[dict[str, Any]]:
    """synapse-sdk ``list_tasks(list_all=True)``: count from page 1, then page after page."""
    import httpx

    headers = {"Synapse-Access-Token": f"Token {token}"}
    with httpx.Client(base_url=base_url.rstrip("/") + "/", headers=headers, timeout=60) as http:
        params = {"page_size": PAGE_SIZE}
        http.get("sdk/tasks/", params=params).raise_for_status()  # the count call
        rows: list[dict[str, Any]] = []
        url: str | None = "sdk/tasks/"
        query: dict[str, Any] | None = params
        while url:
            resp = http.get(url, params=query)
            resp.raise_for_status()
            body = resp.json()
            rows.extend(body["results"])
            url, query = body["next"], None
    return rows


def _sdk_baseline_frame(base_url: str, token: str) -> Any:
    import pandas as pd

    path = HERE / "_sdk_baseline.py"
    if path.exists():
        spec = importlib.util.spec_from_file_location("_sdk_baseline", path)
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        for name in ("list_all_tasks", "list_tasks_all", "sequential_list_tasks"):
            fn = getattr(module, name, None)
            if fn is not None:
                return pd.DataFrame(list(fn(base_url, token)))
    return pd.DataFrame(_sequential_sdk_rows(base_url, token))


def child(which: str, base_url: str, concurrency: int) -> dict[str, Any]:
    import pandas  # noqa: F401  (imports are not part of the measured run)
    import pyarrow  # noqa: F401

    from synapse_nb.client import SynapseClient
    from synapse_nb.frames import tasks_frame

    token = os.environ[TOKEN_ENV]
    client = SynapseClient(base_url, access_token=token, max_concurrency=concurrency)
    before = _rss_kb("VmRSS")
    _reset_peak()
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    if which == "a":
        result = _sdk_baseline_frame(base_url, token)
        rows = len(result)
    elif which == "b":
        result = tasks_frame(client, page_size=PAGE_SIZE, concurrency=concurrency, progress=False)
        rows = len(result)
    else:
        rows = 0
        for page in client.paginate("sdk/tasks/", None, page_size=PAGE_SIZE,
                                    concurrency=concurrency):
            rows += len(page)
    elapsed = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    peak = _rss_kb("VmHWM")
    client.close()
    return {"which": which, "elapsed": elapsed, "rows": rows, "cpu_s": cpu,
            "peak_mb": max(peak - before, 0) / 1024}


# --- the driver ---------------------------------------------------------------------------
def run_child(which: str, base_url: str, token: str, concurrency: int) -> dict[str, Any]:
    env = {**os.environ, TOKEN_ENV: token}
    out = subprocess.run([sys.executable, __file__, "--child", which, "--url", base_url,
                          "--concurrency", str(concurrency)], env=env, capture_output=True,
                         text=True, timeout=900)
    if out.returncode != 0:
        raise SystemExit(f"run {which} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=int, default=100_000)
    ap.add_argument("--latency-ms", type=float, default=20.0)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=DEFAULT_MAX_CONCURRENCY)
    ap.add_argument("--only", default="abc", help="contenders to run, e.g. bc")
    ap.add_argument("--db-dir", default=os.path.join(tempfile.gettempdir(), "synapse_nb_bench"))
    ap.add_argument("--child", choices=["a", "b", "c"])
    ap.add_argument("--url")
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.url, args.concurrency)))
        return

    from synapse_nb.server import Settings
    from synapse_nb.server.testing import serve_in_thread

    # The seeded database is kept between runs (seeding 100k tasks takes a while).
    db = Path(args.db_dir) / f"tasks-{args.scale}.db"
    settings = Settings(db_path=db, demo=True, scale=args.scale)
    t0 = time.perf_counter()
    with serve_in_thread(settings) as server:
        print(f"server ready in {time.perf_counter() - t0:.1f}s: {args.scale} tasks, "
              f"{args.latency_ms:g} ms latency, pages of {PAGE_SIZE}, "
              f"concurrency {args.concurrency}, {args.reps} reps", flush=True)
        run_child("c", server.base_url, server.access_token, args.concurrency)  # warm-up
        server.settings.latency_ms = args.latency_ms
        results: dict[str, list[dict[str, Any]]] = {k: [] for k in args.only}
        for rep in range(args.reps):
            for which in args.only:
                r = run_child(which, server.base_url, server.access_token, args.concurrency)
                results[which].append(r)
                print(f"  rep {rep + 1} {which}: {r['elapsed']:.2f}s, {r['rows']} rows, "
                      f"client CPU {r['cpu_s']:.1f}s, peak +{r['peak_mb']:.0f} MB", flush=True)
    report(results)


NAMES = {"a": "(a) SDK sequential + pd.DataFrame(list)", "b": "(b) tasks_frame",
         "c": "(c) wire limit: paginate, nothing built"}


def report(results: dict[str, list[dict[str, Any]]]) -> None:
    med = {k: statistics.median(r["elapsed"] for r in v) for k, v in results.items() if v}
    mem = {k: statistics.median(r["peak_mb"] for r in v) for k, v in results.items() if v}
    cpu = {k: statistics.median(r["cpu_s"] for r in v) for k, v in results.items() if v}
    print("\ncontender                                   median s   client CPU s   peak RSS MB")
    for k in med:
        print(f"{NAMES[k]:<44}{med[k]:>8.2f}   {cpu[k]:>12.1f}   {mem[k]:>11.0f}")
    if "a" in med and "b" in med:
        print(f"speed-up (a)/(b): {med['a'] / med['b']:.1f}x   (aim >= 10x)")
        print(f"peak memory (b)/(a): {mem['b'] / max(mem['a'], 1e-9):.2f}   (aim <= 1)")
    if "b" in med and "c" in med:
        print(f"overhead (b)/(c): {med['b'] / med['c']:.2f}x   (aim <= 1.3x)")


if __name__ == "__main__":
    main()
