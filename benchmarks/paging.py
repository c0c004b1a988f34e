"""Benchmark: every task over v1 (``list_tasks(list_all=True)``) and over v2 vs the SDK.

The reference server holds ``--tasks`` demo tasks and adds ``--latency-ms`` per request.
Each repetition runs the SDK baseline (``benchmarks/_sdk_baseline.py``: page_size forced
to 100, page 1 twice, sequential, following ``next``) and synapse_nb side by side, and
checks both saw every task once. Printed: both medians and the ratio, for synapse_nb with
the default ``page_size=100`` and with ``page_size=1000`` (the server's cap; the SDK
overwrites any caller page_size, synapse_nb keeps it).

The v2 part (``--api v2``, see ``benchmarks/_paging_v2.py``) runs the real
``BackendClientV2`` (its sequential ``CursorPaginator``, and its two-phase walk + bulk
fetch) beside synapse_nb's partitioned read and ``tasks_frame`` on ``api="v2"``, and the
honest limit: the same requests replayed, same concurrency and latency, against
pre-rendered answers; each with its wall time, client CPU and server CPU.

    .venv/bin/python benchmarks/paging.py                      # 100k tasks, 20 ms, 3 reps
    .venv/bin/python benchmarks/paging.py --tasks 20000 --reps 1
    .venv/bin/python benchmarks/paging.py --api v2             # the v2 part only
    .venv/bin/python benchmarks/paging.py --api v2 --tasks 30000 --reps 3
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _harness import process_cpu, server_process
from synapse_nb.client.base import DEFAULT_MAX_CONCURRENCY


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=DEFAULT_MAX_CONCURRENCY)
    parser.add_argument("--api", choices=("v1", "v2", "both"), default="both")
    args = parser.parse_args()

    import _sdk_baseline as sdk
    from synapse_nb.client import SynapseClient
    tmp = Path(tempfile.mkdtemp(prefix="synapse-nb-bench-"))
    t0 = time.perf_counter()
    with server_process(tmp / "synapse.db", args.tasks, args.latency_ms) as server:
        base_url, token = server["base_url"], server["access_token"]
        print(f"server: {args.tasks} tasks seeded in {time.perf_counter() - t0:.1f}s (own process); "
              f"latency {args.latency_ms:.0f} ms/request; {args.reps} reps", flush=True)
        if args.api != "v1":
            from _paging_v2 import run_v2
            run_v2(base_url, token, args.tasks, args.latency_ms, args.reps, args.concurrency,
                   server.get("pid"))
        if args.api == "v2":
            return
        headers = sdk.sdk_headers(token)
        times: dict[str, list[float]] = {"sdk": [], "nb_100": [], "nb_1000": []}
        cpu: dict[str, list[tuple[float, float]]] = {"nb_100": [], "nb_1000": []}  # client, server
        with SynapseClient(base_url, access_token=token,
                           max_concurrency=args.concurrency, cache_dir=tmp) as client:
            for rep in range(args.reps):
                t = time.perf_counter()
                rows, count = sdk.sdk_list_all(base_url, headers, "sdk/tasks/")
                n = len({r["id"] for r in rows})
                times["sdk"].append(time.perf_counter() - t)
                assert n == count == args.tasks, (n, count)
                for size in (100, 1000):
                    t, c, s = time.perf_counter(), time.process_time(), process_cpu(server["pid"])
                    rows, count = client.list_tasks(list_all=True, page_size=size)
                    ids = [r["id"] for r in rows]
                    times[f"nb_{size}"].append(time.perf_counter() - t)
                    cpu[f"nb_{size}"].append((time.process_time() - c,
                                              process_cpu(server["pid"]) - s))
                    assert len(ids) == len(set(ids)) == count == args.tasks, (len(ids), count)
                print(f"rep {rep + 1}: " + ", ".join(f"{k} {v[-1]:.2f}s" for k, v in times.items()), flush=True)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"\nSDK algorithm (sequential, next, page 1 twice, page_size 100): median {med['sdk']:.2f}s")
    print(f"synapse_nb list_tasks(list_all=True) page_size=100:  median {med['nb_100']:.2f}s "
          f"-> {med['sdk'] / med['nb_100']:.1f}x faster")
    print(f"synapse_nb list_tasks(list_all=True) page_size=1000: median {med['nb_1000']:.2f}s "
          f"-> {med['sdk'] / med['nb_1000']:.1f}x faster")
    for key, runs in cpu.items():
        client_cpu = statistics.median(r[0] for r in runs)
        server_cpu = statistics.median(r[1] for r in runs)
        print(f"  {key}: client CPU {client_cpu:.2f}s ({1e6 * client_cpu / args.tasks:.1f} us/row), "
              f"server CPU {server_cpu:.2f}s ({1e6 * server_cpu / args.tasks:.1f} us/row)")


if __name__ == "__main__":
    sys.exit(main())
