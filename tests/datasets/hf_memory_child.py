"""Run ``to_hf_dataset`` on a synthetic snapshot of N images in its own process; print its
peak memory as JSON (for the flat-memory test).

    python hf_memory_child.py N ROOT

The snapshot is made here, not on the reference server: 10k images through the demo
server would take minutes. Its client serves every URL a distinct, incompressible PNG of
about 8 kB (so holding all images would show: ~80 MB at 10k), and counts the requests.
Measured: the growth of the process's anonymous memory (``RssAnon``: Python objects,
numpy and Arrow buffers; not the page cache nor the Arrow files ``datasets`` maps back in),
sampled every 5 ms during the call, peak minus the value before it.
"""

from __future__ import annotations

import io
import json
import sys
import threading
from pathlib import Path

import numpy as np
import pandas as pd


class PngClient:
    """What the export's fetcher needs of a client: ``download`` into a folder."""

    def __init__(self) -> None:
        from PIL import Image

        rng = np.random.default_rng(0)
        buf = io.BytesIO()
        Image.fromarray(rng.integers(0, 255, (48, 56, 3), dtype=np.uint8)).save(buf, "PNG")
        self.png = buf.getvalue()
        self.requests = 0
        self._lock = threading.Lock()

    def download(self, url: str, folder: Path, *, name: str) -> Path:
        with self._lock:
            self.requests += 1
        # distinct bytes per URL (a trailing chunk PNG readers ignore), never one shared object
        path = Path(folder) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self.png + url.encode())
        return path


def synthetic_snapshot(n: int) -> object:
    from synapse_nb.datasets.manifest import build_manifest
    from synapse_nb.datasets.snapshots import Snapshot

    units = np.arange(1, n + 1)
    splits = np.where(units % 5 == 0, "val", "train")
    records = pd.DataFrame({
        "data_unit": pd.array(units, dtype="int64"), "source": "task",
        "source_id": pd.array(units + 1000, dtype="int64"), "project": pd.array([1] * n, dtype="Int64"),
        "file_url": pd.array([f"http://127.0.0.1:9/media/{u}.png" for u in units], dtype="string"),
        "original_name": pd.array([f"{u}.png" for u in units], dtype="string"),
        "checksum": pd.array([None] * n, dtype="string"),
        "file_name": [f"img_{u}.png" for u in units],
        "width": pd.array([56] * n, dtype="Int64"), "height": pd.array([48] * n, dtype="Int64"),
        "split": splits,
    })
    rows = 2 * n
    unit_of = np.repeat(units, 2)
    frame = pd.DataFrame({
        "data_unit": unit_of, "source_id": unit_of + 1000, "index": np.tile([0, 1], n),
        "label": np.where(np.arange(rows) % 2, "car", "person"), "type": "bbox",
        "x1": 1.0, "y1": 2.0, "x2": 11.0, "y2": 22.0, "area": 200.0, "points": None,
        "confidence": np.nan, "split": np.repeat(splits, 2),
    })
    labels = ["person", "car"]
    manifest = build_manifest(name=f"synthetic-{n}", source={"tasks": n},
                              source_ids=records["source_id"].tolist(), records=records, ann=frame,
                              labels=labels, split={"method": "none", "counts": {}})
    return Snapshot(client=PngClient(), records=records, frame=frame, labels=labels,
                    manifest=manifest)


def rss_anon() -> int:
    """This process's anonymous resident memory, in bytes (Linux)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no RssAnon in /proc/self/status (Linux only)")


def main() -> None:
    n, root = int(sys.argv[1]), Path(sys.argv[2])
    snap = synthetic_snapshot(n)
    import datasets  # noqa: F401  (imported before measuring: its import is not the call)

    before = rss_anon()
    peak = [before]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.005):
            peak[0] = max(peak[0], rss_anon())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        ds = snap.to_hf_dataset(cache_dir=root, max_workers=4, progress=False)
    finally:
        stop.set()
        sampler.join()
    peak[0] = max(peak[0], rss_anon())
    print(json.dumps({"n": n, "rows": sum(len(part) for part in ds.values()),
                      "requests": snap.client.requests, "growth": peak[0] - before,
                      "arrow_bytes": sum(p.stat().st_size for p in (root / "arrow").rglob("*.arrow"))}))


if __name__ == "__main__":
    main()
