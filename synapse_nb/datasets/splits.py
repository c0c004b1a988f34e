"""Train / validation / test splits: stratified by label, grouped by data unit, seeded.

Each data unit (an image) goes to exactly one split, whatever the number of records or
annotations on it. Units are dealt rarest label first (ties broken by a seeded shuffle),
each to the split that most lacks its labels relative to the asked fractions (iterative
stratification, Sechidis et al. 2011); then seeded random swaps of two units are kept
when they bring the label counts closer to the fractions. Units without annotations count as the label
``None``, so empty images are spread like the rest. The same units, labels, fractions and
seed always give the same assignment.

>>> units = {u: ["cat" if u % 3 else "dog"] for u in range(1, 101)}
>>> got = assign_splits(units, {"train": 0.8, "val": 0.2}, seed=0)
>>> sorted(collections.Counter(got.values()).items())
[('train', 80), ('val', 20)]
"""

from __future__ import annotations

import collections
import math
import random
from typing import Any, Hashable, Mapping, Sequence

__all__ = ["assign_splits", "check_fractions", "split_counts"]


def check_fractions(fractions: Mapping[str, float]) -> dict[str, float]:
    """Validate ``{"train": 0.8, ...}``: names, non-negative shares summing to 1."""
    if not isinstance(fractions, Mapping) or not fractions:
        raise ValueError('split= wants fractions such as {"train": 0.8, "val": 0.1, "test": 0.1}')
    out: dict[str, float] = {}
    for name, share in fractions.items():
        if not isinstance(name, str) or not name or "/" in name or name.startswith("."):
            raise ValueError(f"split name {name!r} is not a plain folder name")
        if isinstance(share, bool) or not isinstance(share, (int, float)) or share < 0 \
                or math.isnan(share):
            raise ValueError(f"split {name!r}: share must be a number >= 0, got {share!r}")
        out[name] = float(share)
    total = sum(out.values())
    if not math.isclose(total, 1.0, abs_tol=1e-6):
        raise ValueError(f"split shares must add up to 1, they add up to {total:g}: {out}")
    return out


def assign_splits(unit_labels: Mapping[Any, Sequence[Any]], fractions: Mapping[str, float],
                  seed: int = 0) -> dict[Any, str]:
    """``{unit: split}`` for ``{unit: [labels on it]}`` (see the module docstring)."""
    shares = check_fractions(fractions)
    names = list(shares)
    units = sorted(unit_labels, key=lambda u: (str(type(u)), u))
    random.Random(seed).shuffle(units)
    label_sets: dict[Hashable, list[Any]] = {
        u: sorted({str(x) for x in unit_labels[u] if x is not None}) or [None] for u in units}
    totals: collections.Counter[Any] = collections.Counter()
    for labels in label_sets.values():
        totals.update(labels)
    # need[split][label]: the share of its asked units with that label a split still lacks
    want = {s: {label: n * shares[s] for label, n in totals.items()} for s in names}
    room = {s: len(units) * shares[s] for s in names}
    # rarest label first; the stable sort keeps the seeded order among equals
    order = sorted(units, key=lambda u: min(totals[x] for x in label_sets[u]))
    out: dict[Hashable, str] = {}
    for unit in order:
        labels = label_sets[unit]
        live = [s for s in names if room[s] > 0] or names  # never overfill while others wait
        best = max(live, key=lambda s: (sum(want[s][x] / (totals[x] * shares[s] or 1)
                                            for x in labels), room[s], -names.index(s)))
        out[unit] = best
        room[best] -= 1
        for label in labels:
            want[best][label] -= 1
    _refine(out, label_sets, totals, shares, seed, min(20 * len(units), 40_000))
    return out


def _refine(out: dict[Hashable, str], label_sets: dict[Hashable, list[Any]],
            totals: collections.Counter[Any], shares: dict[str, float], seed: int,
            attempts: int) -> None:
    """Seeded random swaps of two units between splits, kept when they bring the label
    counts closer to the asked shares (split sizes do not change)."""
    count: dict[str, collections.Counter[Any]] = {s: collections.Counter() for s in shares}
    for unit, split in out.items():
        count[split].update(label_sets[unit])

    def cost(split: str, label: Any, n: float) -> float:
        return (n - totals[label] * shares[split]) ** 2 / totals[label]

    def delta(a: str, b: str, moving: set[Any]) -> float:  # labels moving from a to b
        return sum(cost(a, x, count[a][x] - 1) - cost(a, x, count[a][x])
                   + cost(b, x, count[b][x] + 1) - cost(b, x, count[b][x]) for x in moving)

    units = list(out)
    if len(units) < 2:
        return
    rng = random.Random(seed)
    for _ in range(attempts):
        u, v = units[rng.randrange(len(units))], units[rng.randrange(len(units))]
        a, b = out[u], out[v]
        if a == b:
            continue
        lu, lv = set(label_sets[u]), set(label_sets[v])
        if delta(a, b, lu - lv) + delta(b, a, lv - lu) < 0:
            for x in lu - lv:
                count[a][x] -= 1
                count[b][x] += 1
            for x in lv - lu:
                count[b][x] -= 1
                count[a][x] += 1
            out[u], out[v] = b, a


def split_counts(assignment: Mapping[Hashable, str]) -> dict[str, int]:
    """Units per split, in first-seen split order."""
    return dict(collections.Counter(assignment.values()))
