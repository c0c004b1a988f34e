"""near_duplicates: phash pairs within a Hamming distance, by multi-index hashing."""

from __future__ import annotations

import io
from pathlib import Path

import imagehash
import numpy as np
import pandas as pd
import pytest
from PIL import Image, ImageEnhance

import synapse_nb as snb
from synapse_nb.quality.duplicates import all_pairs, hamming_pairs


def _original(rng: np.random.Generator) -> Image.Image:
    """A smooth random picture (a coarse random grid enlarged): distinct ones are far apart."""
    grid = rng.integers(0, 255, size=(6, 8, 3), dtype=np.uint8)
    return Image.fromarray(grid).resize((320, 240), Image.BICUBIC)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("near")
    rng = np.random.default_rng(7)
    copies: dict[str, str] = {}
    for k in range(30):
        img = _original(rng)
        img.save(root / f"orig_{k:02d}.png")
        if k < 6:
            img.resize((160, 120), Image.BILINEAR).save(root / f"orig_{k:02d}_resized.png")
            copies[f"orig_{k:02d}_resized.png"] = f"orig_{k:02d}.png"
        elif k < 12:
            img.save(root / f"orig_{k:02d}_recompressed.jpg", quality=35)
            copies[f"orig_{k:02d}_recompressed.jpg"] = f"orig_{k:02d}.png"
        elif k < 18:
            ImageEnhance.Brightness(img).enhance(1.2).save(root / f"orig_{k:02d}_brightened.png")
            copies[f"orig_{k:02d}_brightened.png"] = f"orig_{k:02d}.png"
    (root / "notes.txt").write_text("not an image")
    (root / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    (root / "sub").mkdir()
    Image.new("RGB", (10, 10)).save(root / "sub" / "ignored.png")  # not recursive
    return root, copies


def test_planted_copies_all_found_and_no_pair_between_originals(folder):
    root, copies = folder
    pairs = snb.near_duplicates(root)
    assert pairs.attrs["skipped"] == 2 and pairs.attrs["hashed"] == 30 + 18
    found = {frozenset((Path(a).name, Path(b).name)) for a, b in zip(pairs["a"], pairs["b"])}
    planted = {frozenset(p) for p in copies.items()}
    assert planted <= found
    assert found == planted  # nothing else: no pair of two distinct originals
    assert pairs.columns.tolist() == ["a", "b", "distance"]
    assert pairs["distance"].is_monotonic_increasing


def test_distances_equal_imagehash_differences(folder):
    root, _copies = folder
    pairs = snb.near_duplicates(root, threshold=30)
    assert len(pairs) > 18  # a wide threshold pairs distinct originals too
    for a, b, d in pairs.head(60).itertuples(index=False):
        assert d == imagehash.phash(Image.open(a)) - imagehash.phash(Image.open(b))


def test_list_and_frame_inputs_keep_paths_as_given(folder):
    root, copies = folder
    names = sorted(copies.items())[:3]
    paths = [str(root / n) for pair in names for n in pair]
    from_list = snb.near_duplicates(paths)
    from_frame = snb.near_duplicates(pd.DataFrame({"path": paths}))
    pd.testing.assert_frame_equal(from_list, from_frame)
    assert set(from_list["a"]) | set(from_list["b"]) <= set(paths)
    # a comes before b in input order
    assert all(paths.index(a) < paths.index(b) for a, b in zip(from_list["a"], from_list["b"]))


def test_bad_inputs_say_what_to_pass(tmp_path):
    with pytest.raises(ValueError, match="'path' column"):
        snb.near_duplicates(pd.DataFrame({"file": ["x.png"]}))
    with pytest.raises(ValueError, match="not a folder"):
        snb.near_duplicates(tmp_path / "missing")
    with pytest.raises(ValueError, match="threshold"):
        snb.near_duplicates([], threshold=65)
    empty = snb.near_duplicates(tmp_path)
    assert empty.empty and empty.columns.tolist() == ["a", "b", "distance"]


def _hashes(n: int, t: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    h = rng.integers(0, 2**63, size=n, dtype=np.uint64) * np.uint64(2) + rng.integers(0, 2, size=n, dtype=np.uint64)
    k = n // 10
    if not k:
        return h
    src = rng.integers(0, n - k, size=k)
    flips = np.zeros(k, dtype=np.uint64)
    for _ in range(max(t, 1)):
        flips |= np.uint64(1) << rng.integers(0, 64, size=k).astype(np.uint64)
    h[-k:] = h[src] ^ flips
    h[:5] = h[5]  # exact duplicates too
    return h


@pytest.mark.parametrize(("n", "t"), [(3000, 8), (3000, 0), (3000, 3), (2000, 20), (4000, 12), (1, 8)])
def test_multi_index_search_equals_all_pairs(n, t):
    h = _hashes(n, t, seed=n + t)
    pd.testing.assert_frame_equal(hamming_pairs(h, t), all_pairs(h, t))


def test_hashes_of_real_pngs_round_trip():
    img = Image.open(io.BytesIO(_png()))
    from synapse_nb.quality.duplicates import phash64
    assert bin(phash64(img) ^ phash64(img.convert("L"))).count("1") == imagehash.phash(img) - imagehash.phash(img.convert("L"))


def _png() -> bytes:
    out = io.BytesIO()
    _original(np.random.default_rng(1)).save(out, format="PNG")
    return out.getvalue()
