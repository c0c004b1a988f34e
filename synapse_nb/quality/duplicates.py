"""Near-duplicate images: 64-bit perceptual hashes and the pairs within a Hamming distance.

The search is multi-index hashing (Norouzi et al. 2012), not all pairs: the 64 bits are cut
into ``m`` blocks; two hashes at most ``t`` bits apart differ in some block by at most
``t // m`` bits (pigeonhole), so each hash probes, in every block, the keys within that
radius of its own through a counting-sort table, and only those candidates are compared
on all 64 bits. ``m`` is chosen by the expected number of probes and candidates for the
number of hashes; when no ``m`` beats comparing every pair (large thresholds), the pairs
are compared in numpy blocks instead. Both give the same pairs.

>>> h = np.array([0, 0b111, 2**64 - 1, 0b1], dtype=np.uint64)
>>> hamming_pairs(h, 3).values.tolist()
[[0, 1, 3], [0, 3, 1], [1, 3, 2]]
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from .._optional import import_optional

__all__ = ["near_duplicates", "phash64", "hash_images", "hamming_pairs", "all_pairs"]

#: the widest block the probe table is built for (2**24 slots, 128 MB of int64 at most)
_MAX_BLOCK_BITS = 24
#: hashes probed at once: their probes (a quarter million at most) stay in cache
_CHUNK = 1024


def phash64(image: Any) -> int:
    """The 64-bit ``imagehash.phash`` of a PIL image as an int (bit order of its 8x8 grid).

    >>> from PIL import Image
    >>> phash64(Image.new("L", (64, 64))) >= 0
    True
    """
    imagehash = import_optional("imagehash", "quality")
    bits = np.asarray(imagehash.phash(image).hash, dtype=bool).ravel()
    return int.from_bytes(np.packbits(bits).tobytes(), "big")


def hash_images(paths: Sequence[str | Path]) -> tuple[list[str], np.ndarray, list[str]]:
    """``(paths hashed, their hashes as uint64, paths PIL could not open)``, in input order."""
    from PIL import Image, UnidentifiedImageError

    kept: list[str] = []
    hashes: list[int] = []
    skipped: list[str] = []
    for path in paths:
        try:
            with Image.open(path) as image:
                hashes.append(phash64(image))
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
            skipped.append(str(path))
            continue
        kept.append(str(path))
    return kept, np.array(hashes, dtype=np.uint64), skipped


def _popcount(x: np.ndarray) -> np.ndarray:
    return np.bitwise_count(x).astype(np.int64)


def _pairs_frame(i: np.ndarray, j: np.ndarray, d: np.ndarray) -> pd.DataFrame:
    order = np.lexsort((j, i))
    return pd.DataFrame({"a": i[order].astype(np.int64), "b": j[order].astype(np.int64),
                         "distance": d[order].astype(np.int64)})


def all_pairs(hashes: np.ndarray, threshold: int, block: int = 512) -> pd.DataFrame:
    """Every pair compared (numpy, ``block`` rows at a time): the baseline and the fallback."""
    h = np.ascontiguousarray(hashes, dtype=np.uint64)
    out_i, out_j, out_d = [], [], []
    for start in range(0, len(h), block):
        rows = h[start:start + block]
        # this block against itself and everything after it; uint8 counts keep it small
        d = np.bitwise_count(rows[:, None] ^ h[None, start:])
        i, j = np.nonzero(d <= threshold)
        keep = j > i
        out_i.append(i[keep] + start)
        out_j.append(j[keep] + start)
        out_d.append(d[i[keep], j[keep]].astype(np.int64))
    if not out_i:
        return _pairs_frame(*(np.zeros(0, np.int64),) * 3)
    return _pairs_frame(np.concatenate(out_i), np.concatenate(out_j), np.concatenate(out_d))


def _masks(width: int, radius: int) -> np.ndarray:
    """Every ``width``-bit mask with at most ``radius`` bits set."""
    out = [0]
    for k in range(1, radius + 1):
        out.extend(sum(1 << b for b in bits) for bits in itertools.combinations(range(width), k))
    return np.array(out, dtype=np.int64)


def _n_masks(width: int, radius: int) -> int:
    from math import comb

    return sum(comb(width, k) for k in range(radius + 1))


def _plan(n: int, threshold: int) -> int | None:
    """The number of blocks with the least expected work, or None if all pairs is cheaper."""
    best, best_cost = None, n * (n - 1) / 2
    for m in range(1, 65):
        width = -(-64 // m)
        if width > _MAX_BLOCK_BITS:
            continue
        probes = n * m * _n_masks(width, threshold // m)
        cost = probes * (1.0 + n / 2.0 ** width) + m * 2.0 ** width
        if cost < best_cost:
            best, best_cost = m, cost
    return best


def hamming_pairs(hashes: np.ndarray, threshold: int) -> pd.DataFrame:
    """Index pairs ``a < b`` of ``hashes`` (uint64) at Hamming distance <= ``threshold``.

    A frame ``a``, ``b``, ``distance`` sorted by ``a`` then ``b``, each unordered pair once.
    """
    if isinstance(threshold, bool) or not isinstance(threshold, (int, np.integer)) \
            or not 0 <= threshold <= 64:
        raise ValueError(f"threshold must be an int from 0 to 64 bits, got {threshold!r}")
    h = np.ascontiguousarray(hashes, dtype=np.uint64)
    n = len(h)
    m = _plan(n, int(threshold))
    if m is None:
        return all_pairs(h, int(threshold))
    radius = int(threshold) // m
    bounds = np.linspace(0, 64, m + 1).round().astype(int)
    found_i, found_j = [], []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        width = int(hi - lo)
        keys = ((h >> np.uint64(lo)) & np.uint64((1 << width) - 1)).astype(np.int32)
        order = np.argsort(keys, kind="stable")
        counts = np.bincount(keys, minlength=1 << width)
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        # a byte per key says whether any hash has it: the probes (most of them misses)
        # read 2**width bytes, which stay in cache, not the 8-byte tables
        occupied = (counts > 0).astype(np.uint8)
        masks = _masks(width, radius).astype(np.int32)
        for c0 in range(0, n, _CHUNK):
            probe = (keys[c0:c0 + _CHUNK, None] ^ masks[None, :]).ravel()
            hit = np.flatnonzero(occupied[probe])
            if not len(hit):
                continue
            key = probe[hit]
            cnt = counts[key]
            total = int(cnt.sum())
            offset = np.arange(total) - np.repeat(np.cumsum(cnt) - cnt, cnt)
            j = order[np.repeat(starts[key], cnt) + offset]
            i = np.repeat(hit // len(masks) + c0, cnt)
            keep = i < j
            i, j = i[keep], j[keep]
            close = _popcount(h[i] ^ h[j]) <= threshold
            found_i.append(i[close])
            found_j.append(j[close])
    if not found_i:
        return _pairs_frame(*(np.zeros(0, np.int64),) * 3)
    code = np.unique(np.concatenate(found_i) * n + np.concatenate(found_j))  # a pair per block
    i, j = code // n, code % n
    return _pairs_frame(i, j, _popcount(h[i] ^ h[j]))


def _paths(images: Any) -> tuple[list[str], int]:
    """The image paths of ``images`` and how many folder entries were not files."""
    if isinstance(images, pd.DataFrame):
        if "path" not in images.columns:
            raise ValueError("a frame of images needs a 'path' column (one image file per row)")
        return [str(p) for p in images["path"].tolist()], 0
    if isinstance(images, (str, os.PathLike)):
        folder = Path(images)
        if not folder.is_dir():
            raise ValueError(f"{folder} is not a folder; pass a folder, a list of paths or a "
                             "frame with a 'path' column")
        entries = sorted(folder.iterdir())
        return [str(p) for p in entries if p.is_file()], sum(not p.is_file() for p in entries)
    if isinstance(images, Iterable):
        return [str(p) for p in images], 0
    raise TypeError(f"images must be a folder, a list of paths or a frame; got {type(images).__name__}")


def near_duplicates(images: Any, *, threshold: int = 8) -> pd.DataFrame:
    """Pairs of images whose perceptual hashes are at most ``threshold`` bits apart.

    Parameters
    ----------
    images : folder, list of paths, or DataFrame with a ``path`` column
        A folder is read without recursion; files that PIL cannot open are skipped and
        counted (``attrs["skipped"]``, their paths in ``attrs["skipped_paths"]``).
    threshold : int
        The largest Hamming distance between two 64-bit ``imagehash.phash`` values that
        counts as a near duplicate (0: same hash; 8 catches resized, recompressed and
        brightened copies).

    Returns
    -------
    DataFrame
        ``a``, ``b`` (the paths as given, ``a`` before ``b`` in input order), ``distance``;
        one row per unordered pair, closest first. ``attrs``: ``hashed``, ``skipped``,
        ``skipped_paths``.

    Examples
    --------
    >>> pairs = snb.near_duplicates("photos/", threshold=6)                 # doctest: +SKIP
    >>> pairs.head()                                                        # doctest: +SKIP
    """
    paths, _folders = _paths(images)
    kept, hashes, skipped = hash_images(paths)
    found = hamming_pairs(hashes, threshold)
    names = np.array(kept, dtype=object)
    out = pd.DataFrame({"a": names[found["a"].to_numpy()] if len(found) else [],
                        "b": names[found["b"].to_numpy()] if len(found) else [],
                        "distance": found["distance"].to_numpy()})
    out["distance"] = out["distance"].astype("int64")
    out = out.sort_values("distance", kind="stable").reset_index(drop=True)
    out.attrs.update({"hashed": len(kept), "skipped": len(skipped), "skipped_paths": skipped})
    return out
