"""Benchmark: the adaptive concurrency limit against fixed concurrencies, on the reference
server's rate-limit profile (``capacity`` requests served at once, ``latency_ms`` each,
``queue_limit`` more waiting, then 429 with ``Retry-After``).

For each fixed concurrency a fresh client walks ``sdk/tasks/`` (``--rounds`` walks, the
best kept); the adaptive client (the default one) walks once to learn, then ``--rounds``
more, then two walks at once (the one budget shared by both). Printed per row: walk
seconds, pages per second, ratio to the best fixed concurrency that was never refused,
requests the server refused, and the client process's CPU seconds (the server runs in a
thread of the same process: its CPU is in there too). ``uptime`` before and after.

    /work/main/.venv/bin/python benchmarks/concurrency.py
    /work/main/.venv/bin/python benchmarks/concurrency.py --capacity 2 --queue-limit 1 --rounds 1
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from synapse_nb.client import SynapseClient
from synapse_nb.server import Settings
from synapse_nb.server.testing import start_server


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _refused(server: Any) -> int:
    stats = getattr(server.app.state, "rate_limit", None)
    return stats.refused if stats else 0


def _walk(client: SynapseClient, page_size: int) -> tuple[float, int]:
    start = time.perf_counter()
    pages = sum(1 for _ in client.paginate("sdk/tasks/", page_size=page_size))
    return time.perf_counter() - start, pages


def _row(name: str, seconds: float, pages: int, refused: int, cpu: float, best: float | None,
         note: str = "") -> None:
    ratio = f"{seconds / best:6.2f}" if best else "     -"
    print(f"{name:24s} {seconds:8.2f} {pages / seconds:9.1f} {ratio} {refused:8d} {cpu:7.2f}  {note}",
          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--capacity", type=int, default=4)
    parser.add_argument("--queue-limit", type=int, default=4)
    parser.add_argument("--latency-ms", type=float, default=30.0)
    parser.add_argument("--retry-after", type=int, default=1)
    parser.add_argument("--tasks", type=int, default=400)
    parser.add_argument("--page-size", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--fixed", default="1,2,4,6,8,12,16")
    args = parser.parse_args()
    os.system("uptime")  # noqa: S605,S607 (the machine's load beside the figures)
    root = Path(tempfile.mkdtemp(prefix="snb-concurrency-"))
    server = start_server(Settings(db_path=root / "s.db", data_dir=root / "d", demo=True,
                                   scale=args.tasks, capacity=args.capacity,
                                   queue_limit=args.queue_limit, latency_ms=args.latency_ms,
                                   retry_after=args.retry_after))
    kw = {"base_url": server.base_url, "access_token": server.access_token}
    print(f"profile: capacity {args.capacity}, queue_limit {args.queue_limit}, "
          f"{args.latency_ms:.0f} ms a request, Retry-After {args.retry_after} s; "
          f"{args.tasks} tasks in pages of {args.page_size}; best of {args.rounds} walk(s)")
    print(f"{'client':24s} {'walk s':>8s} {'pages/s':>9s} {'/best':>6s} {'refused':>8s} {'cpu s':>7s}")
    try:
        fixed: dict[int, tuple[float, int, int]] = {}
        for c in (int(v) for v in args.fixed.split(",")):
            with SynapseClient(**kw, max_concurrency=c, adaptive_concurrency=False) as client:
                before, cpu0 = _refused(server), _cpu()
                runs = [_walk(client, args.page_size) for _ in range(args.rounds)]
                seconds, pages = min(runs)
                fixed[c] = (seconds, pages, _refused(server) - before)
                _row(f"fixed {c}", seconds, pages, fixed[c][2], (_cpu() - cpu0) / args.rounds, None)
        clean = [s for s, _p, r in fixed.values() if r == 0]
        best = min(clean) if clean else min(s for s, _p, _r in fixed.values())
        best_c = min((c for c, v in fixed.items() if v[0] == best))
        print(f"best fixed concurrency never refused: {best_c} ({best:.2f} s)")
        with SynapseClient(**kw) as client:
            before, cpu0 = _refused(server), _cpu()
            seconds, pages = _walk(client, args.page_size)
            _row("adaptive, 1st walk", seconds, pages, _refused(server) - before, _cpu() - cpu0,
                 best, "learns: pays one Retry-After pause if refused")
            before, cpu0 = _refused(server), _cpu()
            seconds, pages = min(_walk(client, args.page_size) for _ in range(args.rounds))
            _row("adaptive, next walks", seconds, pages, _refused(server) - before,
                 (_cpu() - cpu0) / args.rounds, best, f"limit now {client.limiter.limit:.1f}")
            before, cpu0 = _refused(server), _cpu()
            start = time.perf_counter()
            threads = [threading.Thread(target=_walk, args=(client, args.page_size)) for _ in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            _row("adaptive, 2 walks at once", time.perf_counter() - start, 2 * pages,
                 _refused(server) - before, _cpu() - cpu0, best * 2,
                 "/best: against 2 x the best walk")
            s = client.limiter.stats
            print(f"limiter: {s.refused} refused in all, {s.refused_after_backoff} after the first "
                  f"back-off; cuts {s.cuts_on_refusal} on refusal, {s.cuts_on_latency} on latency; "
                  f"{s.increases} increases; most in flight {s.max_in_flight}")
    finally:
        server.stop()
    os.system("uptime")  # noqa: S605,S607


if __name__ == "__main__":
    main()
