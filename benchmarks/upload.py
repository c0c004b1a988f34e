"""Benchmark: upload_folder vs a sequential SDK-style upload, side by side.

Workload: 500 small files (one data unit each) and, separately, 2 large files
sent through the chunked upload with a small chunk size, against the reference
server with added latency (default 20 ms per request). Each repetition uses
fresh file contents so that neither side can skip files the server already has.

Baseline (what `synapse-sdk` users run today, from benchmarks/_sdk_baseline.py):
one file after another, multipart `POST data_files/` (large files: `PUT
chunked_upload/` chunk by chunk from byte 0, `POST <url>` with the md5, then
`POST data_files/`), then data units one by one. Both sides use the same chunk
size. The server runs in its own process (it must not share the client's GIL).

    .venv/bin/python benchmarks/upload.py            # 3 repetitions, 20 ms latency
    .venv/bin/python benchmarks/upload.py --reps 1 --latency-ms 20 --small 500 --large-mb 24

The journal's own cost per file (no server) is a second benchmark, in :mod:`_journal_bench`:

    .venv/bin/python benchmarks/upload.py journal --files 100000 --reps 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _harness import server_process

# --- the sequential SDK-style baseline ------------------------------------


def sdk_style_upload(sdk: Any, base_url: str, token: str, collection: int, spec: str, files: list[Path],
                     threshold: int, chunk_size: int) -> int:
    """What SDK users run: upload_data_file one file after another, then create_data_units one by one."""
    headers = sdk.sdk_headers(token)
    units = []
    for p in files:
        df = sdk.sdk_upload_file(base_url, headers, p, use_chunked_upload=p.stat().st_size >= threshold,
                                 chunk_size=chunk_size)
        units.append({"data_collection": collection, "files": {spec: {"checksum": df["checksum"], "path": p.name}},
                      "meta": {"origin_file_stem": p.stem, "origin_file_extension": p.suffix}})
    session = sdk.sdk_session(base_url, headers)
    for payload in units:
        session.post(base_url.rstrip("/") + "/data_units/", json=payload).raise_for_status()
    return len(units)

# --- workload ------------------------------------------------------------
def make_folder(root: Path, spec: str, ext: str, n: int, size: int, salt: str) -> list[Path]:
    folder = root / spec
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        p = folder / f"f{i:04d}{ext}"
        # Fresh bytes per run: the server would otherwise skip known checksums.
        head = f"{salt}-{i}-".encode()
        p.write_bytes(head + os.urandom(max(0, size - len(head))))
        out.append(p)
    return out


def pick_collection(client: Any) -> tuple[int, str, str]:
    resp = client.list_data_collection()
    items = resp.get("results", []) if isinstance(resp, dict) else list(resp)
    for c in items:
        coll = client.get_data_collection(c["id"])
        specs = coll.get("file_specifications") or []
        required = [s for s in specs if s.get("is_required")]
        if len(required) <= 1 and specs:
            spec = required[0] if required else specs[0]
            exts = spec.get("extensions") or [".bin"]
            ext = exts[0] if str(exts[0]).startswith(".") else "." + str(exts[0])
            return int(coll["id"]), spec["name"], ext
    raise SystemExit("no demo data collection with at most one required spec")


def main() -> None:
    if sys.argv[1:2] == ["journal"]:
        import _journal_bench

        return _journal_bench.main(sys.argv[2:])
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--latency-ms", type=float, default=20)
    ap.add_argument("--small", type=int, default=500)
    ap.add_argument("--small-kb", type=int, default=4)
    ap.add_argument("--large-mb", type=int, default=24)
    ap.add_argument("--chunk-kb", type=int, default=1024)
    ap.add_argument("--workers", type=int, default=16)
    args = ap.parse_args()

    import _sdk_baseline as sdk
    from synapse_nb.client import SynapseClient
    from synapse_nb.upload import upload_folder
    chunk = args.chunk_kb * 1024
    threshold = chunk * 2  # large files take the chunked path, small ones do not
    times: dict[str, list[float]] = {k: [] for k in ("sdk_small", "nb_small", "sdk_large", "nb_large")}
    with tempfile.TemporaryDirectory() as tmp:
        tmpd = Path(tmp)
        with server_process(tmpd / "synapse.db", 50, args.latency_ms) as srv:
            base_url, token = srv["base_url"], srv["access_token"]
            with SynapseClient(base_url=base_url, access_token=token, max_concurrency=args.workers) as client:
                coll, spec, ext = pick_collection(client)
                print(f"server {base_url} (own process)  latency {args.latency_ms:g} ms  collection {coll} spec {spec!r}  "
                      f"small {args.small} x {args.small_kb} KB  large 2 x {args.large_mb} MB in {args.chunk_kb} KB chunks")
                for rep in range(args.reps):
                    for kind, n, size in (("small", args.small, args.small_kb * 1024), ("large", 2, args.large_mb * 1024 * 1024)):
                        for who in ("sdk", "nb"):
                            root = tmpd / f"{who}-{kind}-{rep}"
                            files = make_folder(root, spec, ext, n, size, f"{who}{kind}{rep}{time.time_ns()}")
                            t0 = time.perf_counter()
                            if who == "sdk":
                                made = sdk_style_upload(sdk, base_url, token, coll, spec, files, threshold, chunk)
                            else:
                                report = upload_folder(client, coll, root, recursive=False, metadata=False,
                                                       chunked_threshold=threshold, chunk_size=chunk,
                                                       max_workers=args.workers, progress=False)
                                made = report.attrs["summary"]["created"]
                            dt = time.perf_counter() - t0
                            assert made == n, f"{who} {kind}: {made} units created, expected {n}"
                            times[f"{who}_{kind}"].append(dt)
                            print(f"  rep {rep + 1} {kind:5s} {who:3s} {dt:7.2f} s", flush=True)

    print("\nmedians (s)            sequential SDK-style   upload_folder   speed-up")
    for kind in ("small", "large"):
        s, n = statistics.median(times[f"sdk_{kind}"]), statistics.median(times[f"nb_{kind}"])
        label = f"{args.small} small files" if kind == "small" else f"2 x {args.large_mb} MB chunked"
        print(f"{label:22s} {s:18.2f} {n:15.2f} {s / n:9.1f}x")


if __name__ == "__main__":
    sys.exit(main())
