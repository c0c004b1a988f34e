"""Benchmark: the folder journal's cost per file, JSON (before) against SQLite (after).

Both journals get the traffic of one upload_folder run of N files (one file per data
unit, a task per unit, batches of 100), driven the way each runner drives its journal:

- hash: a checksum looked up and recorded per file;
- send: each file recorded as stored once the server has it (the SQLite runner writes
  the rows of both phases in transactions of 500);
- units, then tasks: per batch, the keys marked pending (written through before the POST),
  then the ids recorded.

Before is the JSON journal exactly as it was on main before the change (its source is
read from git, commit ``BEFORE``): the whole file rewritten (and fsynced) before every
batch, so a batch costs O(journal size) and the run O(N^2); once one rewrite takes longer
than its 0.5 s throttle, every recorded id rewrites it again. At 100k files a full run of
it takes hours, so its units and tasks phases are *sampled*: ``--samples`` batches
spread evenly over each phase are timed at their true journal size (the journal is filled
to that point without timing), and their mean stands for every batch of the phase. A
batch's cost grows linearly with the journal, so the mean of evenly spread samples is the
phase's average. ``--full-before`` times every batch instead (use with small ``--files``
to check the sampling). The hash and send phases are timed in full on both sides.

    .venv/bin/python benchmarks/upload.py journal                    # 100k files, 3 repetitions
    .venv/bin/python benchmarks/upload.py journal --files 5000 --full-before
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import Any, Callable

#: main before the SQLite journal: its synapse_nb/upload/journal.py is the baseline.
BEFORE = "573c72c"
BATCH = 100


def json_journal_class() -> Any:
    """The JSON ``UploadJournal`` of commit ``BEFORE``, loaded from git history."""
    repo = Path(__file__).resolve().parents[1]
    try:
        src = subprocess.run(["git", "-C", str(repo), "show", f"{BEFORE}:synapse_nb/upload/journal.py"],
                             check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as err:
        raise SystemExit(f"cannot read the baseline journal from git ({err}); run from a git checkout") from err
    src = src.replace("from .errors import UploadError", "UploadError = OSError")
    mod = types.ModuleType("json_journal_before")
    exec(compile(src, f"{BEFORE}:synapse_nb/upload/journal.py", "exec"), mod.__dict__)
    return mod.UploadJournal


def _checksum(i: int) -> str:
    return f"{i:032x}"


def _timed(fn: Callable[[], None]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


# --- before: the JSON journal -------------------------------------------------------------

def run_before(folder: Path, n: int, samples: int, full: bool) -> dict[str, float]:
    journal = json_journal_class()(folder / "upload-dc1.json", data_collection=1)
    out: dict[str, float] = {}

    def hash_phase() -> None:
        for i in range(n):
            if journal.cached_checksum(f"image/{i:06d}.jpg", 1000, i) is None:
                journal.set_file(f"image/{i:06d}.jpg", 1000, i, _checksum(i))

    def send_phase() -> None:
        for i in range(n):
            journal.set_file(f"image/{i:06d}.jpg", 1000, i, _checksum(i), stored=True)

    out["hash"] = _timed(hash_phase)
    out["send"] = _timed(send_phase)
    batches = [list(range(b, min(b + BATCH, n))) for b in range(0, n, BATCH)]
    picked = set(range(len(batches))) if full or samples >= len(batches) else {
        round(k * (len(batches) - 1) / max(1, samples - 1)) for k in range(samples)}

    def unit_batch(batch: list[int]) -> None:
        for i in batch:
            journal.unit_entry(f"{i:06d}")
        journal.mark_units_pending({f"{i:06d}": {"image": _checksum(i)} for i in batch})
        for i in batch:
            journal.set_unit(f"{i:06d}", i + 1, {"image": _checksum(i)})

    def task_batch(batch: list[int]) -> None:
        for i in batch:
            journal.task_entry(7, i + 1)
        journal.mark_tasks_pending(7, [i + 1 for i in batch])
        for i in batch:
            journal.set_task(7, i + 1, n + i + 1)

    for phase, run_batch, fill in (
        ("units", unit_batch, lambda i: journal.data["units"].__setitem__(
            f"{i:06d}", {"id": i + 1, "checksums": {"image": _checksum(i)}, "pending": False})),
        ("tasks", task_batch, lambda i: journal.data["tasks"].__setitem__(
            f"7:{i + 1}", {"id": n + i + 1, "pending": False})),
    ):
        times = []
        for k, batch in enumerate(batches):
            if k in picked:
                journal._last_flush = time.monotonic()  # as after the batch before: no throttled flush due
                times.append(_timed(lambda: run_batch(batch)))
            else:  # fill to this point untimed (what the unsampled batch would have recorded)
                for i in batch:
                    fill(i)
        out[phase] = statistics.fmean(times) * len(batches)
    journal.flush(force=True)
    return out


# --- after: the SQLite journal --------------------------------------------------------------

def run_after(folder: Path, n: int) -> dict[str, float]:
    from synapse_nb.upload.journal import FolderJournal

    journal = FolderJournal(folder / "upload.sqlite", backend="http://bench|", data_collection=1)
    out: dict[str, float] = {}

    def hash_phase() -> None:
        rows = []
        known = journal.checksums()
        for i in range(n):
            if (f"image/{i:06d}.jpg", 1000, i) not in known:
                rows.append((f"image/{i:06d}.jpg", 1000, i, _checksum(i), False))
            if len(rows) >= 500:
                journal.set_files(rows)
                rows = []
        journal.set_files(rows)

    def send_phase() -> None:
        for b in range(0, n, 500):
            journal.set_files([(f"image/{i:06d}.jpg", 1000, i, _checksum(i), True) for i in range(b, min(b + 500, n))])

    def objects(kind: str, key: Callable[[int], str], ref: Callable[[int], str], ident: Callable[[int], int]) -> None:
        journal.entries(kind)
        for b in range(0, n, BATCH):
            batch = range(b, min(b + BATCH, n))
            journal.mark_pending(kind, {key(i): ref(i) for i in batch})
            journal.record(kind, [(key(i), ident(i), ref(i)) for i in batch])

    out["hash"] = _timed(hash_phase)
    out["send"] = _timed(send_phase)
    out["units"] = _timed(lambda: objects("units", lambda i: f"{i:06d}", lambda i: f'{{"image":"{_checksum(i)}"}}',
                                          lambda i: i + 1))
    out["tasks"] = _timed(lambda: objects("tasks", lambda i: f"7:{i + 1}", lambda i: str(i + 1),
                                          lambda i: n + i + 1))
    journal.close()
    return out


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(prog="upload.py journal", description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=100_000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--samples", type=int, default=8, help="timed batches per phase of the JSON journal")
    ap.add_argument("--full-before", action="store_true", help="time every batch of the JSON journal")
    args = ap.parse_args(argv)
    n = args.files
    phases = ("hash", "send", "units", "tasks")
    per_file: dict[str, list[float]] = {"before": [], "after": []}
    by_phase: dict[str, dict[str, list[float]]] = {w: {p: [] for p in phases} for w in per_file}
    how = "every batch" if args.full_before else f"{args.samples} sampled batches per phase"
    print(f"journal traffic of {n:,} files (one unit and one task each, batches of {BATCH}); "
          f"before: JSON journal of {BEFORE} ({how}); after: SQLite (WAL)")
    for rep in range(args.reps):
        for who in ("before", "after"):
            with tempfile.TemporaryDirectory() as tmp:
                got = run_before(Path(tmp), n, args.samples, args.full_before) if who == "before" \
                    else run_after(Path(tmp), n)
            for p in phases:
                by_phase[who][p].append(got[p])
            total = sum(got.values())
            per_file[who].append(total / n)
            print(f"  rep {rep + 1} {who:6s} {total:8.2f} s  " + "  ".join(f"{p} {got[p]:.2f}" for p in phases),
                  flush=True)
    print(f"\nmedians at {n:,} files          JSON (before)   SQLite (after)   ratio")
    for p in phases:
        b, a = statistics.median(by_phase["before"][p]), statistics.median(by_phase["after"][p])
        print(f"  {p + ' phase (s)':28s} {b:13.2f} {a:16.2f} {b / a:8.1f}x")
    b, a = statistics.median(per_file["before"]) * 1e6, statistics.median(per_file["after"]) * 1e6
    print(f"  {'journal cost per file (us)':28s} {b:13.1f} {a:16.1f} {b / a:8.1f}x")


if __name__ == "__main__":
    main(sys.argv[1:])
