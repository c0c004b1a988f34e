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
- (o) the obvious-code floor on the same bytes: the pages of (b)'s walk fetched as bytes
  (same requests, same concurrency, same client), then ``orjson.loads`` of each page,
  ``pa.Table.from_pylist(rows)``, ``.to_pandas()``. The fetch is inside its timer, as
  tasks_frame's own requests are inside tasks_frame's: both sides pay HTTP (the fetch's
  CPU alone is printed as "HTTP only", and the decoding alone beside it).
- (v) ``tasks_frame`` on a client with ``api="v2"`` (full payloads: slim cursor walks and
  bulk fetches), and (w) the obvious-code floor on the same bytes of v2: the slim pages
  and bulk answers of the same read fetched as bytes (inside the timer), every body
  ``orjson.loads``-ed, and the frame's columns made the obvious way: v2 sends ``data`` as
  a JSON string, so each row's ``data`` is ``orjson.loads``-ed for the annotation count,
  ``metadata.annotator_id`` and ``metadata.timestamp``, the primary file read from
  ``files_manifest``, ``meta`` and ``files`` written as JSON text as the frame keeps them;
  then ``from_pylist`` and ``to_pandas``. (Leaving ``data`` an unparsed string, as this
  floor once did, makes a frame without three of tasks_frame's columns: not the same
  work. ``--stages`` still prints that narrower floor stage by stage, "data left a
  string".)

Printed per contender: the median wall time, client CPU (``process_time`` of the run's
process, all threads) and peak RSS; then tasks_frame's client CPU against the floor, for
v1 (b/o) and v2 (v/w). Before its timer each contender makes one small request of the
same kind on the same client (tasks_frame on one task, v2 one project; the floor one
page), so that neither counts imports or opening connections.

Each run is a fresh Python process (the server runs in this one, in a thread), so that
peak memory is that run's alone: peak RSS (``VmHWM`` of /proc/self/status) minus the RSS
just before the fetch, after imports. RSS counts Arrow's buffers too, which tracemalloc
would not see. Client CPU is the run's process time (all its threads). Contenders are
interleaved (a, b, c, a, b, c, ...) so that machine noise
hits all of them alike; the table shows medians.

    .venv/bin/python benchmarks/frames.py                    # 100k tasks, 20 ms, 3 reps
    .venv/bin/python benchmarks/frames.py --scale 20000 --reps 3 --latency-ms 20
    .venv/bin/python benchmarks/frames.py --scale 30000 --reps 3 --only bovw   # CPU vs floor
    .venv/bin/python benchmarks/frames.py --scale 30000 --stages   # us per row, stage by stage
    .venv/bin/python benchmarks/frames.py --scale 30000 --instructions --only vw  # callgrind

``--instructions`` counts the instructions each contender's process executes, under
valgrind's callgrind (which runs one thread at a time), minus those of a child that does
the same imports and warm-ups and then nothing (n). CPU seconds on this 2-vCPU VM depend
on what runs beside: a pure Python loop costs 1.3x the CPU with the other vCPU busy, and a
pipelined read keeps both busy (its fetch threads, the server, its conversion) where the
floor converts alone after its fetch. Instructions are the work itself, the same whatever
runs beside; callgrind is ~50x slower, so this takes minutes and runs each child once.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
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
WARM_ALL_ENV = "SYNAPSE_NB_BENCH_WARM_ALL"


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


def _one(call: Any) -> Any:
    return (yield call)


def _v1_bytes(client: Any) -> tuple[list[bytes], int]:
    """The pages tasks_frame's walk reads, as bytes: page 1, then 2..N concurrently."""
    import orjson

    from synapse_nb.client.ops import Call, Gather

    def call(page: int) -> Any:
        return Call("GET", "sdk/tasks/", params={"page": page, "page_size": PAGE_SIZE}, raw=True)
    first = client.run_flow(_one(call(1)))
    count = orjson.loads(first)["count"]
    rest = client.run_flow(_one(Gather([call(p) for p in range(2, -(-count // PAGE_SIZE) + 1)])))
    return [first, *rest], 0


def _v2_bytes(client: Any) -> tuple[list[bytes], int]:
    """The bodies a v2 read receives, as bytes: each partition's slim pages (cursor walk,
    1000 a page), and the bulk answers for their ids (200 a call, concurrent)."""
    import orjson

    from synapse_nb.client.ops import Call, Gather
    from synapse_nb.client.v2.flows import cursor_of, v2_headers

    headers = v2_headers(client.config)

    ids: list[int] = []

    def walk(params: dict[str, Any]) -> list[bytes]:
        out, cursor = [], None
        while True:  # each slim page decoded once: for its ids and its next cursor
            query = {**params, "per_page": 1000, **({"cursor": cursor} if cursor else {})}
            body = client.run_flow(_one(Call("GET", "v2/tasks/", params=query, headers=headers,
                                             raw=True)))
            out.append(body)
            page = orjson.loads(body)
            ids.extend(r["id"] for r in page["data"])
            nxt = page["meta"]["pagination"]["next_cursor"]
            if not nxt:
                return out
            cursor = cursor_of(nxt)
    slim = []
    for project in _v2_projects(client, headers):
        for has_data in ("true", "false"):
            slim += walk({"project": project, "has_data": has_data})
    bulk = client.run_flow(_one(Gather([
        Call("POST", "v2/tasks/bulk-fetch/", params={"response_mode": "inline"},
             json={"ids": ids[k:k + 200]}, headers=headers, raw=True)
        for k in range(0, len(ids), 200)])))
    return [*slim, *bulk], len(slim)


def _v2_projects(client: Any, headers: dict[str, str]) -> list[int]:
    import orjson

    from synapse_nb.client.ops import Call
    body = client.run_flow(_one(Call("GET", "v2/projects/", params={"per_page": 1000},
                                     headers=headers, raw=True)))
    return [p["id"] for p in orjson.loads(body)["data"]]


def obvious_frame(bodies: list[bytes], slim: int, key: str) -> Any:
    """The obvious code: ``orjson.loads`` of every body, ``from_pylist`` of the rows under
    ``key`` (v1 ``results``; v2 bulk answers ``data``; the first ``slim`` bodies, slim
    pages, are skipped: the walk that fetched them decoded them), ``.to_pandas()``."""
    import orjson
    import pyarrow as pa

    rows: list[Any] = []
    for body in bodies[slim:]:  # (slim pages were decoded by the walk that fetched them)
        rows += orjson.loads(body)[key]
    return pa.Table.from_pylist(rows).to_pandas()


def obvious_v2_frame(bodies: list[bytes], slim: int) -> Any:
    """The obvious code for tasks_frame's columns on v2: as :func:`obvious_frame`, and
    per bulk row ``data`` (sent as JSON text) parsed for the three values the frame reads
    inside it, the primary file read from ``files_manifest``, ``meta`` and ``files`` kept
    as JSON text, the v2 names renamed to the frame's."""
    import orjson
    import pyarrow as pa

    rows: list[Any] = []
    for body in bodies[slim:]:  # (slim pages were decoded by the walk that fetched them)
        for r in orjson.loads(body)["data"]:
            data = orjson.loads(r["data"]) if r.get("data") else None
            meta = (data or {}).get("metadata") or {}
            files = r.get("files_manifest") or {}
            entries = [f for f in files.values() if isinstance(f, dict)]
            primary = next((f for f in entries if f.get("is_primary")),
                           entries[0] if entries else {})
            rows.append({
                "id": r["id"], "project": r.get("project_id"),
                "data_unit": r.get("data_unit_id"), "status": r.get("status"),
                "assignee": r.get("assignee_id"), "priority": r.get("priority"),
                "tags": r.get("tags"), "is_discarded": r.get("is_discarded"),
                "created": r.get("created"), "modified": r.get("modified"),
                "primary_file_url": primary.get("url") or primary.get("path"),
                "primary_file_name": primary.get("file_name_original"),
                "annotation_count": len((data or {}).get("annotations") or ()),
                "data.metadata.annotator_id": meta.get("annotator_id"),
                "data.metadata.timestamp": meta.get("timestamp"),
                "data": r.get("data"),
                "meta": orjson.dumps(r["meta"]).decode() if r.get("meta") is not None else None,
                "files": orjson.dumps(files).decode() if files else None})
    return pa.Table.from_pylist(rows).to_pandas()


def child(which: str, base_url: str, concurrency: int) -> dict[str, Any]:
    import pandas  # noqa: F401  (imports are not part of the measured run)
    import pyarrow  # noqa: F401

    from synapse_nb.client import SynapseClient
    from synapse_nb.frames import tasks_frame

    token = os.environ[TOKEN_ENV]
    api = "v2" if which in "vw" else "v1"
    client = SynapseClient(base_url, access_token=token, max_concurrency=concurrency, api=api)
    if api == "v2":
        client.v2.tasks.bulk_fetch([1])  # the server makes its v2 tables on first use
    http_cpu = decode_cpu = None
    if os.environ.get(WARM_ALL_ENV):  # --instructions: every child the same warm-ups
        import orjson  # noqa: F401

        from synapse_nb.client.ops import Call
        tasks_frame(client, project=1, progress=False)
        client.run_flow(_one(Call("GET", "sdk/tasks/", params={"page_size": 1}, raw=True)))
    elif which in "bv":  # imports and connections warmed up, as the floor's are
        tasks_frame(client, project=1, id__in=[1], progress=False) if which == "b" else \
            tasks_frame(client, project=1, progress=False)
    if which in "ow":  # the floor's imports and connections warmed up the same way
        import orjson  # noqa: F401

        from synapse_nb.client.ops import Call
        client.run_flow(_one(Call("GET", "sdk/tasks/", params={"page_size": 1}, raw=True)))
    before = _rss_kb("VmRSS")
    _reset_peak()
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    if which == "a":
        result = _sdk_baseline_frame(base_url, token)
        rows = len(result)
    elif which in "bv":
        result = tasks_frame(client, page_size=PAGE_SIZE if which == "b" else None,
                             concurrency=concurrency, progress=False)
        rows = len(result)
    elif which in "ow":  # both sides pay HTTP: the fetch is inside the timer
        bodies, slim = _v1_bytes(client) if which == "o" else _v2_bytes(client)
        http_cpu = time.process_time() - cpu0
        result = obvious_frame(bodies, slim, "results") if which == "o" else \
            obvious_v2_frame(bodies, slim)
        rows = len(result)
        decode_cpu = time.process_time() - cpu0 - http_cpu
    elif which == "n":  # --instructions' baseline: the imports and warm-ups, nothing else
        rows = 0
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
            "peak_mb": max(peak - before, 0) / 1024, "http_cpu_s": http_cpu,
            "decode_cpu_s": decode_cpu}


def stages(base_url: str, token: str, concurrency: int) -> None:
    """Microseconds per row of each client stage of tasks_frame and of the obvious code,
    on the same bytes (v1 pages of 100; v2 slim pages and bulk answers), each stage timed
    alone in this process (median of 5)."""
    from synapse_nb.client import SynapseClient

    for api in ("v1", "v2"):
        with SynapseClient(base_url, access_token=token, max_concurrency=concurrency,
                           api=api) as client:
            if api == "v2":
                client.v2.tasks.bulk_fetch([1])
            bodies, slim = _v1_bytes(client) if api == "v1" else _v2_bytes(client)
        _stages_of(api, bodies, slim)


def _stages_of(api: str, bodies: list[bytes], slim: int) -> None:
    from operator import attrgetter

    import orjson
    import pyarrow as pa

    from synapse_nb.frames.convert import table_to_frame
    from synapse_nb.frames.schema import RESOURCES
    from synapse_nb.frames.typed import rows_to_batch, typed_plan
    from synapse_nb.frames.v2 import SOURCES
    from synapse_nb.frames.v2_read import _typed

    def med(fn: Any) -> tuple[float, Any]:
        runs = []
        for _ in range(5):
            cpu0 = time.process_time()
            out = fn()
            runs.append(time.process_time() - cpu0)
        return sorted(runs)[2], out

    tasks = RESOURCES["tasks"]
    pages = bodies[slim:]
    plan = typed_plan(tasks) if api == "v1" else _typed(SOURCES["sdk/tasks/"])
    assert plan is not None
    if api == "v1":
        t_dec, rows = med(lambda: [r for p in pages for r in plan.decode_v1_page(p)["results"]])
    else:
        t_dec, rows = med(lambda: [r for p in pages for r in plan.decode_v2_items(p)])
    parts = [rows[k:k + 4000] for k in range(0, len(rows), 4000)]  # fetch.BATCH_ROWS
    t_obj, _ = med(lambda: [plan.views.columns(
        plan.sources(b), lambda key, b=b: list(map(attrgetter(key), b)), len(b)) for b in parts])
    t_batch, batches = med(lambda: [rows_to_batch(b, plan) for b in parts])
    t_pd, _ = med(lambda: table_to_frame(pa.Table.from_batches(batches, schema=tasks.schema),
                                         tasks.columns))
    key = "results" if api == "v1" else "data"
    t_loads, dicts = med(lambda: [r for p in pages for r in orjson.loads(p)[key]])
    t_pylist, table = med(lambda: pa.Table.from_pylist(dicts))
    t_topd, _ = med(lambda: table.to_pandas())
    t_obvious, _ = med(lambda: obvious_frame(bodies, slim, key) if api == "v1"
                       else obvious_v2_frame(bodies, slim))
    n = len(rows) / 1e6
    print(f"{api} ({len(rows)} rows, {sum(map(len, pages)) / len(rows):.0f} bytes a row): "
          f"typed decode {t_dec / n:.1f} us/row | objects (views, JSON text) "
          f"{t_obj / n:.1f} | plain columns, Arrow {(t_batch - t_obj) / n:.1f} | to pandas "
          f"{t_pd / n:.1f} | in all {(t_dec + t_batch + t_pd) / n:.1f}")
    print(f"{api} obvious: orjson.loads {t_loads / n:.1f} | from_pylist {t_pylist / n:.1f} | "
          f"to_pandas {t_topd / n:.1f}{' (data left a string)' if api == 'v2' else ''} | in "
          f"one go{', data parsed for the frame' + chr(39) + 's columns' if api == 'v2' else ''}"
          f", GC walking the rows {t_obvious / n:.1f} us/row")


# --- the driver ---------------------------------------------------------------------------
def run_child(which: str, base_url: str, token: str, concurrency: int, *,
              instructions: bool = False) -> dict[str, Any]:
    env = {**os.environ, TOKEN_ENV: token}
    prefix: list[str] = []
    if instructions:
        if shutil.which("valgrind") is None:
            raise SystemExit("--instructions needs valgrind (apt-get install -y valgrind)")
        prefix = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
        env[WARM_ALL_ENV] = "1"
    out = subprocess.run([*prefix, sys.executable, __file__, "--child", which, "--url", base_url,
                          "--concurrency", str(concurrency)], env=env, capture_output=True,
                         text=True, timeout=3600)
    if out.returncode != 0:
        raise SystemExit(f"run {which} failed:\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if instructions:
        counted = re.search(r"Collected : (\d+)", out.stderr)
        if counted is None:
            raise SystemExit(f"run {which}: no instruction count from callgrind:\n"
                             f"{out.stderr[-2000:]}")
        result["instructions"] = int(counted.group(1))
    return result


def instruction_counts(only: str, base_url: str, token: str, concurrency: int) -> None:
    """Instructions of each contender's read (its child minus the warm-up-only child)."""
    base = run_child("n", base_url, token, concurrency, instructions=True)["instructions"]
    print(f"  baseline (imports and warm-ups only): {base / 1e9:.3f} G instructions", flush=True)
    counts = {}
    for which in only:
        r = run_child(which, base_url, token, concurrency, instructions=True)
        counts[which] = r["instructions"] - base
        print(f"  {NAMES[which]}: {counts[which] / 1e9:.3f} G instructions, {r['rows']} rows "
              f"({counts[which] / max(r['rows'], 1) / 1e3:.1f} k a row)", flush=True)
    for frame, floor, api in (("b", "o", "v1"), ("v", "w", "v2")):
        if frame in counts and floor in counts:
            print(f"{api}: tasks_frame {counts[frame] / 1e9:.3f} G / obvious floor "
                  f"{counts[floor] / 1e9:.3f} G instructions = "
                  f"{counts[frame] / counts[floor]:.2f}x (aim <= 0.8x)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=int, default=100_000)
    ap.add_argument("--latency-ms", type=float, default=20.0)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=DEFAULT_MAX_CONCURRENCY)
    ap.add_argument("--only", default="abc", help="contenders to run, e.g. bc")
    ap.add_argument("--db-dir", default=os.path.join(tempfile.gettempdir(), "synapse_nb_bench"))
    ap.add_argument("--child", choices=list("abcovwn"))
    ap.add_argument("--instructions", action="store_true",
                    help="instructions per contender under callgrind (load-independent)")
    ap.add_argument("--url")
    ap.add_argument("--stages", action="store_true",
                    help="microseconds per row of each client stage, on the same bytes")
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
        if args.stages:
            stages(server.base_url, server.access_token, args.concurrency)
            return
        run_child("c", server.base_url, server.access_token, args.concurrency)  # warm-up
        server.settings.latency_ms = args.latency_ms
        if args.instructions:
            instruction_counts(args.only, server.base_url, server.access_token,
                               args.concurrency)
            return
        results: dict[str, list[dict[str, Any]]] = {k: [] for k in args.only}
        for rep in range(args.reps):
            for which in args.only:
                r = run_child(which, server.base_url, server.access_token, args.concurrency)
                results[which].append(r)
                http = (f" (HTTP {r['http_cpu_s']:.2f}s, decoding {r['decode_cpu_s']:.2f}s)"
                        if r["http_cpu_s"] is not None else "")
                print(f"  rep {rep + 1} {which}: {r['elapsed']:.2f}s, {r['rows']} rows, "
                      f"client CPU {r['cpu_s']:.2f}s{http}, peak +{r['peak_mb']:.0f} MB",
                      flush=True)
    report(results)


NAMES = {"a": "(a) SDK sequential + pd.DataFrame(list)", "b": "(b) tasks_frame",
         "c": "(c) wire limit: paginate, nothing built",
         "o": "(o) obvious code on (b)'s bytes (floor)",
         "v": "(v) tasks_frame, api='v2'", "w": "(w) obvious code on (v)'s bytes (floor)"}


def report(results: dict[str, list[dict[str, Any]]]) -> None:
    med = {k: statistics.median(r["elapsed"] for r in v) for k, v in results.items() if v}
    mem = {k: statistics.median(r["peak_mb"] for r in v) for k, v in results.items() if v}
    cpu = {k: statistics.median(r["cpu_s"] for r in v) for k, v in results.items() if v}
    http = {k: statistics.median(r["http_cpu_s"] for r in v) for k, v in results.items()
            if v and v[0]["http_cpu_s"] is not None}
    print("\ncontender                                   median s   client CPU s   peak RSS MB")
    for k in med:
        print(f"{NAMES[k]:<44}{med[k]:>8.2f}   {cpu[k]:>12.2f}   {mem[k]:>11.0f}")
    for frame, floor, api in (("b", "o", "v1"), ("v", "w", "v2")):
        if frame in cpu and floor in cpu:
            # both include HTTP; "beyond HTTP" takes the floor's HTTP CPU off both sides
            # (the same requests: tasks_frame's HTTP is assumed to cost what the floor's does)
            print(f"{api}: tasks_frame client CPU {cpu[frame]:.2f}s / obvious floor {cpu[floor]:.2f}s "
                  f"= {cpu[frame] / cpu[floor]:.2f}x (aim <= 0.8x), both with HTTP; HTTP alone "
                  f"{http[floor]:.2f}s; beyond HTTP {cpu[frame] - http[floor]:.2f}s / "
                  f"{cpu[floor] - http[floor]:.2f}s = "
                  f"{(cpu[frame] - http[floor]) / max(cpu[floor] - http[floor], 1e-9):.2f}x")
    if "a" in med and "b" in med:
        print(f"speed-up (a)/(b): {med['a'] / med['b']:.1f}x   (aim >= 10x)")
        print(f"peak memory (b)/(a): {mem['b'] / max(mem['a'], 1e-9):.2f}   (aim <= 1)")
    if "b" in med and "c" in med:
        print(f"overhead (b)/(c): {med['b'] / med['c']:.2f}x   (aim <= 1.3x)")


if __name__ == "__main__":
    main()
