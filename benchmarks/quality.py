"""Benchmark: near-duplicate search over 100,000 perceptual hashes, multi-index hashing
(``synapse_nb.quality.duplicates.hamming_pairs``, what ``near_duplicates`` runs) against the
all-pairs baseline (numpy, every pair's XOR popcount, 512 rows at a time).

Data: seeded random 64-bit hashes, 2 % of them near copies of another (1 to ``threshold``
bits flipped) and a few exact copies, so the answer is not empty. Hashing the images is not
timed (it is the same ``imagehash.phash`` call for both sides).

Each round runs both sides in turn (so a load spike on a shared machine hits both) and
checks they found the same pairs; reported: medians of wall time and CPU time (user +
system of this process: steadier than wall time on a busy machine) and their ratios.

    /work/main/.venv/bin/python benchmarks/quality.py
    /work/main/.venv/bin/python benchmarks/quality.py --hashes 20000 --repeat 1
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from synapse_nb.quality.duplicates import all_pairs, hamming_pairs


def make_hashes(n: int, threshold: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    h = rng.integers(0, 2**63, size=n, dtype=np.uint64) * np.uint64(2) \
        + rng.integers(0, 2, size=n, dtype=np.uint64)
    k = n // 50
    src = rng.integers(0, n - k, size=k)
    flips = np.zeros(k, dtype=np.uint64)
    for _ in range(threshold):
        hit = rng.random(k) < 0.6
        flips[hit] |= np.uint64(1) << rng.integers(0, 64, size=int(hit.sum())).astype(np.uint64)
    h[n - k:] = h[src] ^ flips
    h[:10] = h[10]  # exact copies
    return h


def timed(fn, *args):  # type: ignore[no-untyped-def]
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn(*args)
    return out, time.perf_counter() - w0, time.process_time() - c0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hashes", type=int, default=100_000)
    parser.add_argument("--threshold", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    h = make_hashes(args.hashes, args.threshold)
    runs: dict[str, dict[str, list[float]]] = {s: {"wall": [], "cpu": []} for s in ("mih", "all")}
    for k in range(args.repeat):
        mih, w1, c1 = timed(hamming_pairs, h, args.threshold)
        base, w2, c2 = timed(all_pairs, h, args.threshold)
        assert mih.equals(base), "the two searches disagree"
        for side, (w, c) in (("mih", (w1, c1)), ("all", (w2, c2))):
            runs[side]["wall"].append(w)
            runs[side]["cpu"].append(c)
        print(f"  round {k + 1}: multi-index {w1:7.2f} s wall {c1:7.2f} s cpu | all pairs "
              f"{w2:7.2f} s wall {c2:7.2f} s cpu | {len(mih):,} pairs (same)")
    med = {s: {m: statistics.median(v) for m, v in r.items()} for s, r in runs.items()}
    print(f"\n{args.hashes:,} hashes, threshold {args.threshold}, medians of {args.repeat}")
    print(f"{'side':24s} {'wall s':>8s} {'cpu s':>8s}")
    print(f"{'multi-index hashing':24s} {med['mih']['wall']:8.2f} {med['mih']['cpu']:8.2f}")
    print(f"{'all pairs (numpy)':24s} {med['all']['wall']:8.2f} {med['all']['cpu']:8.2f}")
    print(f"{'ratio all / multi-index':24s} {med['all']['wall'] / med['mih']['wall']:8.1f} "
          f"{med['all']['cpu'] / med['mih']['cpu']:8.1f}")


if __name__ == "__main__":
    main()
