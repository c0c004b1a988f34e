"""Benchmark: upload_folder vs a sequential SDK-style upload, side by side.

Workload: 500 small files (one data unit each) and, separately, 2 large files
sent through the chunked upload with a small chunk size, against the reference
server with added latency (default 20 ms per request). Each repetition uses
fresh file contents so that neither side can skip files the server already has.

Baseline (what `synapse-sdk` users run today): one file after another, multipart
`POST data_files/` (large files: `PUT chunked_upload/` chunk by chunk, then
`POST <url>` with the md5, then `POST data_files/`), then data units one by one.

    .venv/bin/python benchmarks/upload.py            # 3 repetitions, 20 ms latency
    .venv/bin/python benchmarks/upload.py --reps 1 --latency-ms 20 --small 500 --large-mb 24
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx


# --- the sequential SDK-style baseline ------------------------------------
class SequentialSDKUploader:
    """Mirrors synapse-sdk BackendClient upload calls: sequential, one request at a time."""

    def __init__(self, base_url: str, access_token: str, chunk_size: int) -> None:
        self.base = base_url.rstrip("/") + "/"
        self.http = httpx.Client(headers={"Synapse-Access-Token": f"Token {access_token}"}, timeout=60)
        self.chunk_size = chunk_size

    def close(self) -> None:
        self.http.close()

    def _ok(self, r: httpx.Response) -> Any:
        r.raise_for_status()
        return r.json()

    def create_chunked_upload(self, path: Path) -> dict[str, Any]:
        size = path.stat().st_size
        md5 = hashlib.md5()
        url, offset = self.base + "chunked_upload/", 0
        with open(path, "rb") as fh:
            while chunk := fh.read(self.chunk_size):
                md5.update(chunk)
                end = offset + len(chunk) - 1
                out = self._ok(self.http.put(url, data={"filename": path.name},
                                             files={"file": (path.name, chunk, "application/octet-stream")},
                                             headers={"Content-Range": f"bytes {offset}-{end}/{size}"}))
                url, offset = out["url"], end + 1
        return self._ok(self.http.post(url, json={"md5": md5.hexdigest()}))

    def create_data_file(self, path: Path, use_chunked_upload: bool = False) -> dict[str, Any]:
        if use_chunked_upload:
            up = self.create_chunked_upload(path)
            return self._ok(self.http.post(self.base + "data_files/", json={"chunked_upload": up["id"], "meta": {"filename": path.name}}))
        with open(path, "rb") as fh:
            return self._ok(self.http.post(self.base + "data_files/", files={"file": (path.name, fh)}))

    def upload(self, collection: int, spec: str, files: list[Path], threshold: int) -> int:
        units = []
        for p in files:  # upload_data_file, one after another
            df = self.create_data_file(p, use_chunked_upload=p.stat().st_size >= threshold)
            units.append({"data_collection": collection, "files": {spec: {"checksum": df["checksum"], "path": p.name}},
                          "meta": {"origin_file_stem": p.stem, "origin_file_extension": p.suffix}})
        for payload in units:  # create_data_units, one by one
            self._ok(self.http.post(self.base + "data_units/", json=payload))
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
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--latency-ms", type=float, default=20)
    ap.add_argument("--small", type=int, default=500)
    ap.add_argument("--small-kb", type=int, default=4)
    ap.add_argument("--large-mb", type=int, default=24)
    ap.add_argument("--chunk-kb", type=int, default=1024)
    ap.add_argument("--workers", type=int, default=16)
    args = ap.parse_args()

    from synapse_nb.client import SynapseClient
    from synapse_nb.server import Settings
    from synapse_nb.server.testing import serve_in_thread
    from synapse_nb.upload import upload_folder

    chunk = args.chunk_kb * 1024
    threshold = chunk * 2  # large files take the chunked path, small ones do not
    times: dict[str, list[float]] = {k: [] for k in ("sdk_small", "nb_small", "sdk_large", "nb_large")}
    with tempfile.TemporaryDirectory() as tmp:
        tmpd = Path(tmp)
        settings = Settings(db_path=tmpd / "synapse.db", data_dir=tmpd / "data", demo=True, scale=50)
        with serve_in_thread(settings) as server:
            client = SynapseClient(base_url=server.base_url, access_token=server.access_token)
            coll, spec, ext = pick_collection(client)
            server.settings.latency_ms = args.latency_ms
            sdk = SequentialSDKUploader(server.base_url, server.access_token, chunk)
            print(f"server {server.base_url}  latency {args.latency_ms:g} ms  collection {coll} spec {spec!r}  "
                  f"small {args.small} x {args.small_kb} KB  large 2 x {args.large_mb} MB in {args.chunk_kb} KB chunks")
            try:
                for rep in range(args.reps):
                    for kind, n, size in (("small", args.small, args.small_kb * 1024), ("large", 2, args.large_mb * 1024 * 1024)):
                        for who in ("sdk", "nb"):
                            root = tmpd / f"{who}-{kind}-{rep}"
                            files = make_folder(root, spec, ext, n, size, f"{who}{kind}{rep}{time.time_ns()}")
                            t0 = time.perf_counter()
                            if who == "sdk":
                                made = sdk.upload(coll, spec, files, threshold)
                            else:
                                report = upload_folder(client, coll, root, recursive=False, metadata=False,
                                                       chunked_threshold=threshold, chunk_size=chunk,
                                                       max_workers=args.workers, progress=False)
                                made = report.attrs["summary"]["created"]
                            dt = time.perf_counter() - t0
                            assert made == n, f"{who} {kind}: {made} units created, expected {n}"
                            times[f"{who}_{kind}"].append(dt)
                            print(f"  rep {rep + 1} {kind:5s} {who:3s} {dt:7.2f} s", flush=True)
            finally:
                sdk.close()
                client.close()

    print("\nmedians (s)            sequential SDK-style   upload_folder   speed-up")
    for kind in ("small", "large"):
        s, n = statistics.median(times[f"sdk_{kind}"]), statistics.median(times[f"nb_{kind}"])
        label = f"{args.small} small files" if kind == "small" else f"2 x {args.large_mb} MB chunked"
        print(f"{label:22s} {s:18.2f} {n:15.2f} {s / n:9.1f}x")


if __name__ == "__main__":
    sys.exit(main())
