"""Benchmark: 1M tasks read into one process, into Dask (2 workers) and into Ray, side by side;
and the Parquet dataset's write throughput.

Workload: the reference server (its own process) with ``--tasks`` demo tasks (default
1,000,000) and ``--latency-ms`` per request (default 0: the server's own speed), pages of
1000 rows for every contender, the whole tenant's tasks.

- (a) one process: ``tasks_frame(client, page_size=1000)`` (the client's concurrent
  paging, 16 requests in flight);
- (b) Dask: ``to_dask(client, "tasks").persist()`` on a ``LocalCluster`` of 2 worker
  processes (1 thread each), then ``len``;
- (c) Ray: ``to_ray(client, "tasks").materialize()`` on a local Ray with 2 CPUs;
- (d) ``to_parquet_dataset(client, "tasks", dest)`` partitioned by project, this process.

Two more on request (``--only``): ``dask breakdown`` prints where a Dask read's time and
CPU go (cluster start, the engine's idle CPU per second, the workers' imports, the read:
driver and worker CPU, summed task compute time, pickled size of the partitions and
gathering them); ``partitions in one process`` reads the same partitions one after the
other in this process with the engines' per-partition code and no engine (the project's
own cost of partitioning).

Every contender runs in a fresh Python process; memory is peak RSS (VmHWM) of the driver
and of the largest worker process, which counts Arrow buffers too. Medians over ``--reps``.

What the 2-core machine limits: the server, the driver and the workers share two cores,
so engines cannot beat one process by much here; the point measured is that the work is
spread (per-process memory falls) and that nothing is slower than it must be.

    .venv/bin/python benchmarks/scale.py                      # 1M tasks, 1 rep
    .venv/bin/python benchmarks/scale.py --tasks 100000 --reps 3
    .venv/bin/python benchmarks/scale.py --tasks 100000 --partition-rows 25000 \
        --only "one process" "partitions in one process" "dask breakdown"
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
TOKEN_ENV = "SYNAPSE_NB_BENCH_TOKEN"  # the token goes to the child by env, never by argv
PARTITION_ROWS = int(os.environ.get("SYNAPSE_NB_BENCH_PARTITION_ROWS", 100_000))


def _hwm_kb(pid: int | str = "self") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _ray_workers_peak_kb() -> int:
    peaks = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if b"default_worker.py" in cmd or cmd.startswith(b"ray::"):
            try:
                peaks.append(_hwm_kb(proc.name))
            except OSError:
                pass
    return max(peaks, default=0)


def child(contender: str, base_url: str, dest: str) -> dict[str, Any]:
    import synapse_nb as snb
    from synapse_nb.client import SynapseClient

    client = SynapseClient(base_url, access_token=os.environ[TOKEN_ENV])
    out: dict[str, Any] = {}
    started = time.perf_counter()
    if contender == "one process":
        cpu0 = _cpu()
        rows = len(snb.tasks_frame(client, page_size=1000, progress=False))
        out["cpu_s"] = _cpu() - cpu0
    elif contender == "dask 2 workers":
        from distributed import Client, LocalCluster

        with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0",
                          silence_logs=50) as cluster, Client(cluster) as dc:
            started = time.perf_counter()  # the cluster's start-up is not the read
            ddf = snb.to_dask(client, "tasks", page_size=1000, partition_rows=PARTITION_ROWS).persist()
            rows = len(ddf)
            out["worker_peak_mb"] = max(dc.run(_hwm_kb).values()) / 1024
    elif contender == "dask breakdown":
        out.update(_dask_breakdown(client))
        rows = out.pop("rows")
        started = time.perf_counter() - out["read_s"]
    elif contender == "partitions in one process":
        # the engines' own per-partition path (a client per partition, pages one after the
        # other, Arrow then pandas per partition), with no engine: what is the project's
        from synapse_nb.scale.job import prepare_job
        from synapse_nb.scale.read import read_partition_frame

        cpu0 = _cpu()
        job = prepare_job(client, "tasks", {}, partition_rows=PARTITION_ROWS, page_size=1000)
        rows = sum(len(read_partition_frame(job.spec, p)) for p in job.partitions)
        out["cpu_s"] = _cpu() - cpu0
    elif contender == "ray":
        import ray

        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
        started = time.perf_counter()
        ds = snb.to_ray(client, "tasks", page_size=1000, partition_rows=PARTITION_ROWS).materialize()
        rows = ds.count()
        out["worker_peak_mb"] = _ray_workers_peak_kb() / 1024
        ray.shutdown()
    elif contender == "parquet dataset":
        manifest = snb.to_parquet_dataset(client, "tasks", dest, page_size=1000,
                                          partition_rows=PARTITION_ROWS, progress=False)
        rows = manifest["rows"]
        out["bytes"] = sum(f.stat().st_size for f in Path(dest).rglob("*.parquet"))
    else:
        raise SystemExit(f"unknown contender {contender!r}")
    out.update(seconds=time.perf_counter() - started, rows=rows, driver_peak_mb=_hwm_kb() / 1024)
    return out


def _cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _dask_breakdown(client: Any) -> dict[str, Any]:
    """Where a Dask read's time goes: cluster start, the workers' imports, the read
    (task compute time against wall time, CPU of driver and workers), serialization of
    the partitions (pickle size and time, and gathering them to the driver)."""
    import pickle

    from distributed import Client, LocalCluster, get_task_stream

    import synapse_nb as snb

    def workers_cpu(dc: Any) -> float:
        return sum(dc.run(_cpu).values())

    out: dict[str, Any] = {}
    cpu0, t0 = _cpu(), time.perf_counter()
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0",
                           silence_logs=50)
    dc = Client(cluster)
    out["cluster_start_s"] = time.perf_counter() - t0
    out["cluster_start_cpu_driver"] = _cpu() - cpu0
    out["cluster_start_cpu_workers"] = workers_cpu(dc)
    # the engine's own cost while nothing runs (heartbeats, monitors, the profiler)
    w0, d0, t0 = workers_cpu(dc), _cpu(), time.perf_counter()
    time.sleep(3)
    idle = time.perf_counter() - t0
    out["idle_cpu_per_s_driver"] = (_cpu() - d0) / idle
    out["idle_cpu_per_s_workers"] = (workers_cpu(dc) - w0) / idle
    w0, t0 = workers_cpu(dc), time.perf_counter()
    dc.run(lambda: __import__("synapse_nb.scale.read"))  # what each worker imports to read
    out["worker_imports_s"] = time.perf_counter() - t0
    out["worker_imports_cpu"] = workers_cpu(dc) - w0
    w0, d0, t0 = workers_cpu(dc), _cpu(), time.perf_counter()
    with get_task_stream(client=dc) as ts:
        ddf = snb.to_dask(client, "tasks", page_size=1000, partition_rows=PARTITION_ROWS).persist()
        out["rows"] = len(ddf)
    out["read_s"] = time.perf_counter() - t0
    out["read_cpu_driver"] = _cpu() - d0
    out["read_cpu_workers"] = workers_cpu(dc) - w0
    compute = [sum(ss["stop"] - ss["start"] for ss in task["startstops"] if ss["action"] == "compute")
               for task in ts.data if "synapse-nb" in task["key"][0] if isinstance(task["key"], tuple)]
    out["partitions"] = len(compute)
    out["partition_compute_s"] = sum(compute)
    # serialization: one partition pickled on a worker, and every partition gathered here
    sizes = dc.run(lambda dask_worker: [len(pickle.dumps(v, protocol=5))
                                        for v in dask_worker.data.values()])
    out["pickled_mb"] = sum(sum(v) for v in sizes.values()) / 2**20
    d0, t0 = _cpu(), time.perf_counter()
    ddf.compute()
    out["gather_s"] = time.perf_counter() - t0
    out["gather_cpu_driver"] = _cpu() - d0
    dc.close()
    cluster.close()
    return out


CONTENDERS = ["one process", "dask 2 workers", "ray", "parquet dataset"]
EXTRA = ["dask breakdown", "partitions in one process"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--partition-rows", type=int, default=PARTITION_ROWS)
    parser.add_argument("--only", nargs="*", default=CONTENDERS,
                        help=f"contenders among {CONTENDERS + EXTRA}")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(*args.child)))
        return
    os.environ["SYNAPSE_NB_BENCH_PARTITION_ROWS"] = str(args.partition_rows)  # to the children
    from _harness import server_process

    with tempfile.TemporaryDirectory() as tmp:
        print(f"seeding {args.tasks:,} tasks ...", flush=True)
        started = time.perf_counter()
        with server_process(Path(tmp) / "bench.db", args.tasks, args.latency_ms) as server:
            print(f"server ready in {time.perf_counter() - started:.0f} s", flush=True)
            results: dict[str, list[dict[str, Any]]] = {c: [] for c in args.only}
            for rep in range(args.reps):
                for contender in args.only:
                    dest = str(Path(tmp) / f"ds-{rep}")
                    proc = subprocess.run(
                        [sys.executable, __file__, "--child", contender, server["base_url"], dest],
                        capture_output=True, text=True,
                        env={**os.environ, TOKEN_ENV: server["access_token"]})
                    if proc.returncode != 0:
                        raise SystemExit(f"{contender} failed:\n{proc.stderr[-3000:]}")
                    results[contender].append(json.loads(proc.stdout.strip().splitlines()[-1]))
                    r = results[contender][-1]
                    extra = ", ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}"
                                      for k, v in r.items() if k not in ("seconds", "rows"))
                    print(f"  rep {rep + 1} {contender}: {r['seconds']:.1f} s ({extra})", flush=True)
    base = statistics.median(r["seconds"] for r in results[args.only[0]])
    print(f"\n{args.tasks:,} tasks, {args.latency_ms:g} ms latency, medians of {args.reps} "
          f"(2 cores shared by server, driver and workers)\n")
    print(f"| contender | wall s | vs {args.only[0]} | rows/s | driver peak MB | worker peak MB |")
    print("|---|---|---|---|---|---|")
    for contender, runs in results.items():
        secs = statistics.median(r["seconds"] for r in runs)
        rows = runs[0]["rows"]
        worker = statistics.median(r.get("worker_peak_mb", 0) for r in runs)
        extra = ""
        if "bytes" in runs[0]:
            extra = f" ({runs[0]['bytes'] / 2**20 / secs:.1f} MB/s written)"
        print(f"| {contender}{extra} | {secs:.1f} | {base / secs:.2f}x | {rows / secs:,.0f} | "
              f"{statistics.median(r['driver_peak_mb'] for r in runs):.0f} | "
              f"{worker:.0f} |" if worker else
              f"| {contender}{extra} | {secs:.1f} | {base / secs:.2f}x | {rows / secs:,.0f} | "
              f"{statistics.median(r['driver_peak_mb'] for r in runs):.0f} | - |")


if __name__ == "__main__":
    main()
