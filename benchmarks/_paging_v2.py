"""The v2 part of ``benchmarks/paging.py``: every task, full payloads, over /v2/.

Side by side, on the same server (``--tasks`` tasks, ``--latency-ms`` per request):

- the real ``BackendClientV2`` (synapse-sdk 2026.2.17, run in its own venv; timed inside
  that process, startup excluded): its sequential ``CursorPaginator`` walking
  ``tasks.list(per_page=1000, list_all=True)`` (slim items only), and the SDK's documented
  two-phase export: that walk, then ``tasks.bulk_fetch`` of 200 ids at a time, sequential;
- synapse_nb on a client with ``api="v2"``: ``tasks_frame`` (full payloads, typed frame)
  and the bare read behind it (records, no frame);
- the wire limit: round trips on the critical path times the latency. A single cursor walk
  needs ceil(N / per_page) of them; synapse_nb's partitioned read needs 1 (projects) +
  the longest partition's pages + 1 (its last bulk fetch).
"""

from __future__ import annotations

import json
import math
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

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


def run_v2(base_url: str, token: str, tasks: int, latency_ms: float, reps: int,
           concurrency: int) -> None:
    from synapse_nb.client import SynapseClient
    from synapse_nb.frames import tasks_frame
    from synapse_nb.frames.v2 import SOURCES
    from synapse_nb.frames.v2_read import DEFAULT_PER_PAGE, V2Pages

    python = _sdk_python()
    times: dict[str, list[float]] = {"sdk_walk": [], "sdk_two_phase": [], "nb_frame": [],
                                     "nb_records": []}
    report: dict[str, Any] = {}
    longest = 0
    with SynapseClient(base_url, access_token=token, api="v2", max_concurrency=concurrency) as c:
        c.v2.tasks.bulk_fetch([1])  # the server makes its v2-only tables on first use
        for rep in range(reps):
            if python is not None:
                out = subprocess.run([str(python), "-c", SDK_SCRIPT, base_url, token],
                                     capture_output=True, text=True, check=True)
                sdk = json.loads(out.stdout.strip().splitlines()[-1])
                assert sdk["n"] == sdk["full"] == tasks, sdk
                times["sdk_walk"].append(sdk["walk"])
                times["sdk_two_phase"].append(sdk["two_phase"])
            t = _now()
            df = tasks_frame(c, progress=False)
            times["nb_frame"].append(_now() - t)
            assert len(df) == df.index.nunique() == tasks, len(df)
            report = df.attrs["fetch_report"]
            longest = int(df.groupby([df.project, df.data.notna()]).size().max())
            del df
            t = _now()
            rows = sum(len(page) for page in V2Pages(c, SOURCES["sdk/tasks/"], {}))
            times["nb_records"].append(_now() - t)
            assert rows == tasks, rows
            print(f"v2 rep {rep + 1}: " + ", ".join(f"{k} {v[-1]:.2f}s" for k, v in times.items()
                                                    if v), flush=True)
    med = {k: statistics.median(v) for k, v in times.items() if v}
    wire_single = math.ceil(tasks / DEFAULT_PER_PAGE) * latency_ms / 1000
    wire_nb = (2 + math.ceil(longest / DEFAULT_PER_PAGE)) * latency_ms / 1000
    print(f"\nv2, {tasks} tasks at {latency_ms:.0f} ms: {report.get('read')}")
    rows = [("wire limit, one cursor walk (ceil(N/1000) round trips)", wire_single),
            ("wire limit, synapse_nb's partitioned read (critical path)", wire_nb)]
    if "sdk_walk" in med:
        rows += [("SDK BackendClientV2 walk, slim items only (per_page=1000)", med["sdk_walk"]),
                 ("SDK two-phase: walk + sequential bulk_fetch(200)", med["sdk_two_phase"])]
    else:
        print("(SDK venv not found: ./dev.sh sdk-venv; SDK rows left out)")
    rows += [("synapse_nb read, full payloads (records)", med["nb_records"]),
             ("synapse_nb tasks_frame(api='v2'), full payloads, typed", med["nb_frame"])]
    base = med.get("sdk_two_phase")
    for label, value in rows:
        ratio = f"  SDK two-phase / this: {base / value:5.1f}x" if base else ""
        print(f"  {label:<62} median {value:6.2f}s{ratio}")


def _now() -> float:
    import time
    return time.perf_counter()
