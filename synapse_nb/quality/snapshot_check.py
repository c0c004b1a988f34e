"""``Snapshot.check()``: what to fix in a snapshot before it is exported.

The images are fetched with the export's fetcher (:func:`synapse_nb.datasets.fetch.fetch_files`:
concurrent, checksummed, resumable) into a cache folder, hashed once (md5 for exact
duplicates, ``imagehash.phash`` for near ones), and the snapshot's records are read for
splits and labels. The report:

- ``near_duplicates``: pairs of images at most ``threshold`` bits apart, with their splits;
- ``leakage``: the pairs (near or exact) whose two images are in different splits;
- ``exact_duplicates``: images whose content md5 another image shares;
- ``rare_labels``: (label, split) with fewer than ``min_examples`` images;
- ``unannotated``: images without annotations.

``fix=True`` joins every pair into groups (connected components) and moves each group that
straddles splits into one: the split holding most of its images, ties to the biggest split of
the snapshot (then by name). The same snapshot always moves the same way; ``moved`` says what
moved, and the manifest (its hash, split counts and ``split.moved_by_check``) follows.

>>> report = snap.check()                                                   # doctest: +SKIP
>>> report.leakage                                                          # doctest: +SKIP
>>> snap.check(fix=True).moved                                              # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Hashable

import numpy as np
import orjson
import pandas as pd

from .._util.paths import default_cache_dir
from .duplicates import hamming_pairs, hash_images

if TYPE_CHECKING:
    from ..datasets.snapshots import Snapshot

__all__ = ["SnapshotCheck", "check_snapshot", "straddling_moves"]


@dataclass
class SnapshotCheck:
    """The report of :meth:`Snapshot.check` (see the module docstring)."""

    near_duplicates: pd.DataFrame
    leakage: pd.DataFrame
    exact_duplicates: pd.DataFrame
    rare_labels: pd.DataFrame
    unannotated: pd.DataFrame
    moved: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        {"data_unit": pd.array([], dtype="int64"), "from": [], "to": []}))
    skipped: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No leakage and no exact duplicates."""
        return self.leakage.empty and self.exact_duplicates.empty

    def summary(self) -> dict[str, int]:
        """The number of findings of each kind."""
        return {"near_duplicate_pairs": len(self.near_duplicates),
                "leaking_pairs": len(self.leakage),
                "exact_duplicate_images": len(self.exact_duplicates),
                "rare_labels": len(self.rare_labels),
                "unannotated_images": len(self.unannotated),
                "moved_images": len(self.moved)}

    def __repr__(self) -> str:
        parts = ", ".join(f"{k}={v}" for k, v in self.summary().items())
        return f"SnapshotCheck({parts})"


def _cache_folder(snap: "Snapshot") -> Path:
    # keyed by the files (names and checksums), not the split: a fixed snapshot reuses it
    key = hashlib.sha256(orjson.dumps(snap.manifest["files"], option=orjson.OPT_SORT_KEYS))
    return default_cache_dir() / "snapshot-check" / key.hexdigest()[:20]


def _fetch(snap: "Snapshot", folder: Path, max_workers: int, progress: bool | None
           ) -> dict[int, tuple[Path, str]]:
    """``{data_unit: (local file, content md5)}`` of the snapshot's images."""
    from ..datasets.fetch import FileJob, fetch_files

    rec = snap.records
    jobs = [FileJob(str(url), folder / str(name), None if pd.isna(c) else str(c), str(name))
            for url, name, c in zip(rec["file_url"], rec["file_name"], rec["checksum"])]
    report = fetch_files(snap.client, jobs, state_dir=folder / ".synapse_nb", total=len(jobs),
                         max_workers=max_workers, progress=progress)
    return {int(u): (folder / str(n), report.md5[str(n)])
            for u, n in zip(rec["data_unit"], rec["file_name"])}


def _pair_frame(a: np.ndarray, b: np.ndarray, d: np.ndarray, split: dict[int, str]
                ) -> pd.DataFrame:
    out = pd.DataFrame({"a": a.astype("int64"), "b": b.astype("int64"), "distance": d.astype("int64")})
    out["split_a"] = [split[int(u)] for u in out["a"]]
    out["split_b"] = [split[int(u)] for u in out["b"]]
    return out


def _exact_pairs(units: list[int], md5: list[str]) -> tuple[pd.DataFrame, list[tuple[int, int]]]:
    frame = pd.DataFrame({"data_unit": units, "md5": md5})
    dup = frame[frame["md5"].duplicated(keep=False)].sort_values(["md5", "data_unit"])
    pairs: list[tuple[int, int]] = []
    for _md5, group in dup.groupby("md5", sort=True):
        members = group["data_unit"].tolist()
        pairs.extend((members[0], other) for other in members[1:])  # a star joins the group
    return dup.reset_index(drop=True), pairs


def straddling_moves(pairs: list[tuple[int, int]], split: dict[int, str], order: list[str]
                     ) -> pd.DataFrame:
    """The moves that put every group of paired units into one split (module docstring).

    >>> straddling_moves([(1, 2), (2, 3), (7, 8)], {1: "train", 2: "val", 3: "val", 7: "train",
    ...                  8: "test"}, ["train", "val", "test"]).values.tolist()
    [[1, 'train', 'val'], [8, 'test', 'train']]
    """
    parent: dict[int, int] = {}

    def find(u: int) -> int:
        parent.setdefault(u, u)
        while parent[u] != u:
            parent[u] = parent[parent[u]]
            u = parent[u]
        return u

    for a, b in pairs:
        ra, rb = find(int(a)), find(int(b))
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = {}
    for u in list(parent):
        groups.setdefault(find(u), []).append(u)
    rank = {s: k for k, s in enumerate(order)}
    moves: list[tuple[int, str, str]] = []
    for members in sorted(groups.values(), key=min):
        splits = [split[u] for u in members]
        if len(set(splits)) < 2:
            continue
        counts = pd.Series(splits).value_counts()
        target = min(counts.index, key=lambda s: (-counts[s], rank.get(s, len(rank)), s))
        moves.extend((u, split[u], target) for u in sorted(members) if split[u] != target)
    return pd.DataFrame(moves, columns=["data_unit", "from", "to"]).astype({"data_unit": "int64"})


def _rare_labels(snap: "Snapshot", min_examples: int) -> pd.DataFrame:
    ann = snap.frame.dropna(subset=["label"])
    splits = list(dict.fromkeys(snap.records["split"]))
    per = ann.groupby(["label", "split"])["data_unit"].nunique() \
        .unstack(fill_value=0).reindex(columns=splits, fill_value=0)
    long = pd.DataFrame({"label": per.index.repeat(len(per.columns)),
                         "split": np.tile(per.columns.to_numpy(dtype=object), len(per)),
                         "images": per.to_numpy().ravel()})
    return long[long["images"] < min_examples].reset_index(drop=True)


def _apply_moves(snap: "Snapshot", moves: pd.DataFrame) -> None:
    from ..datasets.manifest import build_manifest
    from ..datasets.splits import split_counts

    to = dict(zip(moves["data_unit"].tolist(), moves["to"].tolist()))
    snap.records["split"] = [to.get(int(u), s) for u, s in
                             zip(snap.records["data_unit"], snap.records["split"])]
    new: dict[Hashable, str] = {int(u): str(s) for u, s in
                                zip(snap.records["data_unit"], snap.records["split"])}
    snap.frame["split"] = snap.frame["data_unit"].astype("int64").map(new)
    m = snap.manifest
    split_info = {**m["split"], "counts": split_counts(new),
                  "moved_by_check": int(len(moves)) + int(m["split"].get("moved_by_check", 0))}
    snap.manifest = build_manifest(name=m["name"], source=m["source"], source_ids=m["source_ids"],
                                   records=snap.records, ann=snap.frame, labels=snap.labels,
                                   split=split_info)


def check_snapshot(snap: "Snapshot", *, threshold: int = 8, min_examples: int = 2,
                   fix: bool = False, folder: str | Path | None = None, max_workers: int = 8,
                   progress: bool | None = None) -> SnapshotCheck:
    """See :meth:`synapse_nb.datasets.Snapshot.check`."""
    if isinstance(min_examples, bool) or not isinstance(min_examples, int) or min_examples < 0:
        raise ValueError(f"min_examples must be an int >= 0, got {min_examples!r}")
    local = _fetch(snap, Path(folder) if folder is not None else _cache_folder(snap),
                   max_workers, progress)
    units = [int(u) for u in snap.records["data_unit"]]
    split = {int(u): str(s) for u, s in zip(snap.records["data_unit"], snap.records["split"])}
    kept, hashes, skipped_paths = hash_images([local[u][0] for u in units])
    unit_of = {str(local[u][0]): u for u in units}
    hashed_units = np.array([unit_of[p] for p in kept], dtype=np.int64)
    found = hamming_pairs(hashes, threshold)
    near = _pair_frame(hashed_units[found["a"].to_numpy()], hashed_units[found["b"].to_numpy()],
                       found["distance"].to_numpy(), split)
    exact, exact_pairs = _exact_pairs(units, [local[u][1] for u in units])
    exact["split"] = [split[int(u)] for u in exact["data_unit"]]
    # leakage: near pairs plus exact pairs (a file PIL cannot read still has an md5)
    ex = np.array(exact_pairs, dtype=np.int64).reshape(-1, 2)
    everything = pd.concat([near, _pair_frame(ex[:, 0], ex[:, 1], np.zeros(len(ex)), split)],
                           ignore_index=True).drop_duplicates(["a", "b"])
    leakage = everything[everything["split_a"] != everything["split_b"]].reset_index(drop=True)
    annotated = set(snap.frame.dropna(subset=["label"])["data_unit"].astype("int64").tolist())
    unannotated = snap.records.loc[~snap.records["data_unit"].isin(annotated),
                                   ["data_unit", "split", "file_name"]].reset_index(drop=True)
    report = SnapshotCheck(near_duplicates=near.sort_values(["distance", "a", "b"])
                           .reset_index(drop=True), leakage=leakage, exact_duplicates=exact,
                           rare_labels=_rare_labels(snap, min_examples), unannotated=unannotated,
                           skipped=[unit_of[p] for p in skipped_paths])
    if fix:
        # ties go to the biggest split (train, as a rule): an evaluation split loses the
        # copies rather than gaining training images
        sizes = snap.records["split"].astype(str).value_counts(sort=False)
        order = sorted(sizes.index, key=lambda s: (-int(sizes[s]), s))
        pairs = list(zip(everything["a"].tolist(), everything["b"].tolist()))
        report.moved = straddling_moves(pairs, split, order)
        if len(report.moved):
            _apply_moves(snap, report.moved)
    return report
