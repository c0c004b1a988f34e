"""Train / validation / test splits: stratified by label, grouped by data unit, seeded.

Each data unit (an image) goes to exactly one split, whatever the number of records or
annotations on it. Units are dealt rarest label first (ties broken by a seeded shuffle),
each to the split that most lacks its labels relative to the asked fractions (iterative
stratification, Sechidis et al. 2011); then seeded random swaps of two units are kept
when they bring the label counts closer to the fractions. Units without annotations count as the label
``None``, so empty images are spread like the rest. The same units, labels, fractions and
seed always give the same assignment. Split sizes are the asked fractions of the units,
rounded by largest remainder (:func:`split_quotas`), so they add up to the units.

Split names become folder names in an export: :func:`split_name_problem` says why a name
cannot be one, and :func:`category_splits` maps a ground-truth version's categories to
folder names (a category that cannot be one gets a readable name plus a hash of it).

>>> units = {u: ["cat" if u % 3 else "dog"] for u in range(1, 101)}
>>> got = assign_splits(units, {"train": 0.8, "val": 0.2}, seed=0)
>>> sorted(collections.Counter(got.values()).items())
[('train', 80), ('val', 20)]
"""

from __future__ import annotations

import collections
import hashlib
import math
import random
import re
from typing import Any, Hashable, Mapping, Sequence

from .._util.paths import unsafe_part

__all__ = ["assign_splits", "check_fractions", "split_counts", "split_quotas", "split_name_problem",
           "category_splits"]


def split_name_problem(name: Any) -> str | None:
    """Why ``name`` cannot be a split (a folder of an export); None when it can.

    >>> split_name_problem("train"), split_name_problem("../..")
    (None, 'contains a path separator')
    """
    if not isinstance(name, str):
        return f"is a {type(name).__name__}, not text"
    reason = unsafe_part(name)
    if reason is None and name.startswith("."):
        reason = "starts with '.' (a hidden folder)"
    if reason is None and (len(name) > 100 or name != name.strip()):
        reason = "is longer than 100 characters or has spaces around it"
    return reason


def category_splits(categories: Mapping[Any, Any], default: str) -> tuple[dict[Any, str], dict[str, str]]:
    """``({unit: split}, {category: split it was renamed to})`` for ground-truth categories.

    A category that is a safe folder name is its own split; a missing one (not text) is
    ``default``; any other (``../../..``, ``a/b``, ``C:x``, or a second name that differs
    from another only in case, which would share its folder on macOS and Windows) is
    renamed to its readable part plus a hash of it, and listed in the second dict (the
    manifest's ``split.renamed``).

    >>> category_splits({1: "train", 2: "../../..", 3: None, 4: "Train"}, "all")
    ({1: 'train', 2: 'category-297823c2', 3: 'all', 4: 'Train-e99c90db'}, {'../../..': 'category-297823c2', 'Train': 'Train-e99c90db'})
    """
    names: dict[Any, str] = {}
    renamed: dict[str, str] = {}
    seen: set[str] = {default.casefold()}
    found = {c for c in categories.values() if isinstance(c, str)}
    # lower case first among names equal but for case: "train" keeps its name, "Train" yields
    for category in sorted(found, key=lambda c: (c.casefold(), c != c.lower(), c)):
        name = category
        if split_name_problem(category) is not None or (category.casefold() in seen
                                                        and category != default):
            readable = re.sub(r"[^A-Za-z0-9_-]+", "_", category).strip("._-")[:60] or "category"
            name = f"{readable}-{hashlib.sha256(category.encode()).hexdigest()[:8]}"
            renamed[category] = name
        names[category] = name
        seen.add(name.casefold())
    return {u: names[c] if isinstance(c, str) else default for u, c in categories.items()}, renamed


def split_quotas(n: int, shares: Mapping[str, float]) -> dict[str, int]:
    """Units per split for ``n`` units: largest-remainder (Hamilton) rounding of
    ``n * share``; ties go to the split named first. They add up to ``n``.

    >>> split_quotas(15, {"train": 0.8, "val": 0.1, "test": 0.1})
    {'train': 12, 'val': 2, 'test': 1}
    """
    exact = {s: n * f for s, f in shares.items()}
    out = {s: math.floor(v + 1e-9) for s, v in exact.items()}
    left = n - sum(out.values())
    # remainders rounded, so float noise (32 * 0.3 = 9.6000000000000001) cannot break a tie;
    # the sort is stable: ties keep the split order
    order = sorted(shares, key=lambda s: -round(exact[s] - out[s], 9))
    for s in order[:max(left, 0)]:
        out[s] += 1
    return out


def check_fractions(fractions: Mapping[str, float]) -> dict[str, float]:
    """Validate ``{"train": 0.8, ...}``: names, non-negative shares summing to 1."""
    if not isinstance(fractions, Mapping) or not fractions:
        raise ValueError('split= wants fractions such as {"train": 0.8, "val": 0.1, "test": 0.1}')
    out: dict[str, float] = {}
    for name, share in fractions.items():
        problem = split_name_problem(name)
        if problem is not None:
            raise ValueError(f"split name {name!r} is not a plain folder name: it {problem}")
        if isinstance(share, bool) or not isinstance(share, (int, float)) or share < 0 \
                or math.isnan(share):
            raise ValueError(f"split {name!r}: share must be a number >= 0, got {share!r}")
        clash = next((other for other in out if other.casefold() == name.casefold()), None)
        if clash is not None:  # one folder on macOS and Windows
            raise ValueError(f"split names {clash!r} and {name!r} differ only in case; "
                             "they would share a folder on macOS and Windows")
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
    room: dict[str, float] = dict(split_quotas(len(units), shares))
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
