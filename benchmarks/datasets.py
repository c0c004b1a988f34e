"""Benchmark: exporting a training set, against the wire limit and a sequential SDK-style
export; and peak memory at 10k and 100k images.

Speed (reference server in its own process, added latency per request, default 20 ms):
the first 10k tasks of project 1 (``--images``; images without annotations included).

- ``wire``: the same image URLs fetched on ``--workers`` threads, bytes discarded, nothing
  hashed or written: the most any client can do over this link.
- ``synapse_nb``: ``snapshot(client, tasks=...)`` then ``export(format="coco")`` with
  ``max_workers=--workers``: fetch, md5, ledger, atomic write, COCO JSON.
- ``sdk``: what an SDK export plugin does (benchmarks/_sdk_baseline.py): ``list_all``
  (page size 100, one page after another), then each task's image downloaded one after
  another, a COCO dict built in memory and dumped at the end.

Images are drawn by the server on first request; a cold pass (not timed) fetches them
all once before the timed runs, so every side sees the same warm server.

Memory: peak RSS of a child process that exports COCO with images, for ``synapse_nb`` at
10k and 100k images and for the SDK-style in-memory COCO at 100k. The server cannot seed
and draw 100k images quickly on this machine, so the memory runs use a synthetic record
stream: a Snapshot built in memory (about 3 boxes per image) whose images come from an
``httpx.MockTransport`` (the same 2 KB PNG for every URL), so only the exporter's own
memory is measured.

    /work/venv/bin/python benchmarks/datasets.py                 # 10k images, 20 ms, 16 workers
    /work/venv/bin/python benchmarks/datasets.py --images 2000 --skip-sdk
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from _harness import server_process

# --- speed ---------------------------------------------------------------------------


def wire(urls: list[str], workers: int) -> int:
    """Fetch every URL concurrently and discard the bytes; returns bytes seen."""
    with httpx.Client(limits=httpx.Limits(max_connections=workers * 2)) as http:
        def get(url: str) -> int:
            response = http.get(url)
            response.raise_for_status()
            return len(response.content)
        with ThreadPoolExecutor(workers) as pool:
            return sum(pool.map(get, urls))


def sdk_style_export(base_url: str, token: str, project: int, dest: Path) -> int:
    """The SDK export plugin's shape: list, then one download after another, COCO in memory."""
    import _sdk_baseline as sdk

    headers = sdk.sdk_headers(token)
    session = sdk.sdk_session(base_url, headers)
    rows, _count = sdk.sdk_list_all(base_url, headers, "sdk/tasks/", {"project": project})
    coco: dict[str, Any] = {"images": [], "annotations": [], "categories": []}
    names: dict[str, int] = {}
    (dest / "images").mkdir(parents=True)
    for task in rows:
        entry = next(iter(task["files"].values()))
        body = session.get(entry["url"]).content
        (dest / "images" / entry["file_name_original"]).write_bytes(body)
        coco["images"].append({"id": task["data_unit"], "file_name": entry["file_name_original"],
                               "width": 320, "height": 240})
        for ann in (task.get("data") or {}).get("annotations", []):
            if ann.get("type") != "bbox":
                continue
            x1, y1, x2, y2 = ann["coordinates"]
            cat = names.setdefault(ann["label"], len(names) + 1)
            coco["annotations"].append({"id": len(coco["annotations"]) + 1,
                                        "image_id": task["data_unit"], "category_id": cat,
                                        "bbox": [x1, y1, x2 - x1, y2 - y1]})
    coco["categories"] = [{"id": i, "name": n} for n, i in names.items()]
    (dest / "instances.json").write_text(json.dumps(coco))
    return len(coco["images"])


def speed(args: argparse.Namespace) -> dict[str, Any]:
    from synapse_nb.client import SynapseClient
    from synapse_nb.datasets import snapshot
    from synapse_nb.frames import tasks_frame

    out: dict[str, Any] = {}
    root = Path(tempfile.mkdtemp(prefix="bench-datasets-"))
    with server_process(root / "synapse.db", args.images * 2, args.latency_ms) as srv:
        # the server holds 2 x images tasks: project 1 gets the first half, exactly --images
        with SynapseClient(srv["base_url"], access_token=srv["access_token"],
                           max_concurrency=args.workers) as client:
            tasks = tasks_frame(client, project=1, progress=False)
            assert len(tasks) == args.images, len(tasks)
            urls = tasks.primary_file_url.tolist()
            t = time.perf_counter()
            wire(urls, args.workers)
            out["cold_pass_s"] = time.perf_counter() - t
            runs: dict[str, list[float]] = {"wire": [], "snapshot": [], "export": []}
            for rep in range(args.reps):
                t = time.perf_counter()
                nbytes = wire(urls, args.workers)
                runs["wire"].append(time.perf_counter() - t)
                t = time.perf_counter()
                snap = snapshot(client, tasks=tasks, progress=False)
                runs["snapshot"].append(time.perf_counter() - t)
                t = time.perf_counter()
                snap.export(root / f"coco-{rep}", format="coco", max_workers=args.workers,
                            progress=False)
                runs["export"].append(time.perf_counter() - t)
            out.update({k: statistics.median(v) for k, v in runs.items()})
            out["bytes"] = nbytes
        _print_ours(args, out)
        if not args.skip_sdk:
            t = time.perf_counter()
            sdk_style_export(srv["base_url"], srv["access_token"], 1, root / "sdk")
            out["sdk"] = time.perf_counter() - t
            total = out["snapshot"] + out["export"]
            print(f"  sequential SDK-style        {out['sdk']:8.1f} s   synapse_nb is "
                  f"{out['sdk'] / total:.1f}x faster", flush=True)
    return out


def _print_ours(args: argparse.Namespace, s: dict[str, Any]) -> None:
    print(f"export of {args.images} images, {args.latency_ms:g} ms latency, {args.workers} "
          f"workers (median of {args.reps}; cold first pass {s['cold_pass_s']:.1f} s, not counted)")
    total = s["snapshot"] + s["export"]
    print(f"  wire limit (fetch only)     {s['wire']:8.1f} s   {s['bytes'] / s['wire'] / 1e6:6.2f} MB/s")
    print(f"  synapse_nb snapshot+export  {total:8.1f} s   ({s['snapshot']:.1f} + {s['export']:.1f})"
          f"   {total / s['wire']:.2f}x the wire limit", flush=True)


# --- memory --------------------------------------------------------------------------

_PNG: bytes = b""


def _synthetic(n: int) -> Any:
    """A Snapshot of ``n`` synthetic images (about 3 boxes each), images from a mock transport."""
    import io

    import numpy as np
    import pandas as pd
    from PIL import Image

    from synapse_nb.client import SynapseClient
    from synapse_nb.datasets import Snapshot
    from synapse_nb.datasets.manifest import build_manifest

    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 120, 150)).save(buf, format="PNG")
    png = buf.getvalue()
    client = SynapseClient("http://synthetic", access_token="x",
                           transport=httpx.MockTransport(lambda r: httpx.Response(200, content=png)))
    units = np.arange(1, n + 1)
    records = pd.DataFrame({
        "data_unit": units, "source": "task", "source_id": units, "project": 1,
        "file_url": [f"http://synthetic/media/u/{u}.png" for u in units],
        "original_name": [f"img_{u:07d}.png" for u in units], "checksum": None,
        "file_name": [f"img_{u:07d}.png" for u in units],
        "width": 320, "height": 240, "split": np.where(units % 10 < 8, "train", "val")})
    rng = np.random.default_rng(0)
    per = rng.integers(0, 6, n)
    unit_of = np.repeat(units, per)
    m = len(unit_of)
    x1, y1 = rng.uniform(0, 200, m), rng.uniform(0, 120, m)
    labels = ["person", "car", "bicycle", "truck", "traffic_light"]
    frame = pd.DataFrame({
        "source": "task", "source_id": unit_of,
        "index": np.concatenate([np.arange(k) for k in per]) if m else [],
        "project": 1, "data_unit": unit_of, "label": rng.choice(labels, m), "type": "bbox",
        "x1": x1, "y1": y1, "x2": x1 + 40, "y2": y1 + 30, "area": 1200.0, "points": None,
        "confidence": None})
    frame["split"] = records.set_index("data_unit").split.reindex(unit_of).to_numpy()
    manifest = build_manifest(name="synthetic", source={"synthetic": n},
                              source_ids=units.tolist(), records=records, ann=frame,
                              labels=labels, split={"method": "synthetic"})
    return Snapshot(client=client, records=records, frame=frame, labels=labels,
                    manifest=manifest)


def memory_child(n: int, kind: str, dest: str) -> None:
    snap = _synthetic(n)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    if kind == "synapse_nb":
        snap.export(dest, format="coco", max_workers=8, progress=False)
    else:  # the in-memory way: every image fetched in turn, one COCO dict, dumped at the end
        coco: dict[str, Any] = {"images": [], "annotations": []}
        Path(dest, "images").mkdir(parents=True)
        for unit, name, url in zip(snap.records.data_unit, snap.records.file_name,
                                   snap.records.file_url):
            Path(dest, "images", name).write_bytes(snap.client.get_bytes(url))
            coco["images"].append({"id": int(unit), "file_name": name, "width": 320,
                                   "height": 240})
        for row in snap.frame.itertuples():
            coco["annotations"].append({"id": len(coco["annotations"]) + 1,
                                        "image_id": int(row.data_unit), "category_id": 1,
                                        "bbox": [row.x1, row.y1, row.x2 - row.x1,
                                                 row.y2 - row.y1]})
        Path(dest, "instances.json").write_text(json.dumps(coco))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"setup_mb": before / 1024, "peak_mb": peak / 1024,
                      "seconds": time.perf_counter() - t}))


def memory(n: int, kind: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-mem-") as tmp:
        out = subprocess.run([sys.executable, __file__, "--memory-child", str(n), kind,
                              str(Path(tmp) / "out")], capture_output=True, text=True,
                             check=True, env={**os.environ, "TQDM_DISABLE": "1"})
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--skip-sdk", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--memory-sizes", default="10000,100000")
    parser.add_argument("--memory-child", nargs=3, metavar=("N", "KIND", "DEST"))
    args = parser.parse_args()
    if args.memory_child:
        n, kind, dest = args.memory_child
        memory_child(int(n), kind, dest)
        return

    if not args.skip_speed:
        speed(args)
    print("peak memory, COCO export with images, synthetic records (see the docstring)")
    for n in [int(v) for v in args.memory_sizes.split(",") if v]:
        m = memory(n, "synapse_nb")
        print(f"  synapse_nb  {n:>7} images: peak {m['peak_mb']:7.0f} MB (imports + snapshot "
              f"{m['setup_mb']:6.0f} MB, export adds {m['peak_mb'] - m['setup_mb']:5.0f} MB) "
              f"{m['seconds']:6.1f} s")
    biggest = max(int(v) for v in args.memory_sizes.split(","))
    m = memory(biggest, "in-memory")
    print(f"  in-memory COCO (SDK-style) {biggest:>7} images: peak {m['peak_mb']:7.0f} MB "
          f"(export adds {m['peak_mb'] - m['setup_mb']:5.0f} MB) {m['seconds']:6.1f} s")


if __name__ == "__main__":
    main()
