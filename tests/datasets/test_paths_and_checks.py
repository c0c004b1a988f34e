"""The seams' own checks, without a server: the one safe join, the one geometry and score
check, unique export names, largest-remainder split sizes."""

from __future__ import annotations

import math
import os
import random
from collections import Counter
from fractions import Fraction
from pathlib import Path, PurePosixPath

import pytest

from synapse_nb._util import paths
from synapse_nb._util.geometry import check_shape
from synapse_nb._util.paths import UnsafePathError, safe_join
from synapse_nb.datasets.records import export_names
from synapse_nb.datasets.splits import assign_splits, category_splits, split_quotas


@pytest.mark.parametrize("part", ["../x", "..", ".", "/etc/passwd", "a/../../b", "..\\..\\win",
                                  "C:\\x", "C:rel", "a\x00b", "", "a//b", "tab\tname"])
def test_safe_join_refuses_parts_that_could_leave(tmp_path: Path, part: str) -> None:
    with pytest.raises(UnsafePathError, match="refusing"):
        safe_join(tmp_path, "images", part)


def test_safe_join_keeps_plain_paths_and_refuses_symlinks_leading_out(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / "inner").mkdir(parents=True)
    outside.mkdir()
    assert safe_join(root, "images/train", "a b.png") == root / "images" / "train" / "a b.png"
    os.symlink(outside, root / "images")
    with pytest.raises(UnsafePathError, match="symlink"):
        safe_join(root, "images/train/a.png")
    os.symlink(root / "inner", root / "ok")  # a link that stays inside is fine
    assert safe_join(root, "ok", "x.png") == root / "ok" / "x.png"
    os.symlink("/etc/passwd", root / "inner" / "leak.txt")  # the last part too
    with pytest.raises(UnsafePathError):
        safe_join(root, "inner/leak.txt")


@pytest.mark.parametrize("kwargs, reason", [
    ({"box": (10, 10, 5, 30)}, "inverted box: x2 (5) < x1 (10)"),
    ({"box": (10, 30, 20, 10)}, "inverted box: y2 (10) < y1 (30)"),
    ({"box": (math.nan, 0, 4, 5)}, "x1 is NaN"),
    ({"box": (0, 0, math.inf, 5)}, "x2 is inf"),
    ({"box": (0, 0, 4, 5), "size": (3, 10)}, "outside the 3x10 image"),
    ({"box": (-1, 0, 4, 5), "size": (30, 10)}, "outside the 30x10 image"),
    ({"box": (0, 0, 4, 5), "score": 7.0}, "score 7.0 is outside [0, 1]"),
    ({"box": (0, 0, 4, 5), "score": -2}, "score -2 is outside [0, 1]"),
    ({"box": (0, 0, 4, 5), "score": True}, "score is True, not a number"),
    ({"box": (0, 0, 4, 5), "score": math.nan}, "score is NaN"),
    ({"box": (0, "1", 4, 5)}, "y1 is '1', not a number"),
    ({"points": [(0, 0), (4, 0), (4, 99)], "size": (10, 10)}, "point 3 (4, 99) is outside"),
])
def test_check_shape_gives_a_reason(kwargs: dict, reason: str) -> None:
    box = kwargs.pop("box", None)
    got = check_shape(box, **kwargs)
    assert got is not None and reason in got


def test_check_shape_passes_good_shapes() -> None:
    assert check_shape((0, 0, 320, 240), size=(320, 240), score=1.0) is None
    assert check_shape((5, 5, 5, 9)) is None  # a zero-width box is not inverted
    assert check_shape(points=[(0, 0), (3.5, 0), (3.5, 2)], size=(4, 4), score=0) is None


def test_export_names_are_unique_case_insensitively_whatever_the_originals() -> None:
    # the case: two a.png and an a_1.png gave two a_1.png
    assert len(set(export_names([1, 2, 3], ["a.png", "a.png", "a_1.png"], [""] * 3))) == 3
    rng = random.Random(5)
    pool = ["a.png", "A.PNG", "a_1.png", "a_2.PNG", "a.jpg", "a_1_2.png", "../a.png", "a b.png",
            "a_b.png", None, "", "x", "X.bin", "unit_3.bin"]
    for trial in range(200):
        n = rng.randint(1, 12)
        units = rng.sample(range(1, 40), n)
        originals = [rng.choice(pool) for _ in range(n)]
        names = export_names(units, originals, ["http://h/f.png"] * n)
        stems = [PurePosixPath(x).stem.casefold() for x in names]
        assert len(set(stems)) == n, (units, originals, names)
        # the order rows come in does not change any unit's name
        again = export_names(units[::-1], originals[::-1], ["http://h/f.png"] * n)
        assert dict(zip(units, names)) == dict(zip(units[::-1], again)), trial


def _hamilton(n: int, shares: dict[str, Fraction]) -> dict[str, int]:
    """Largest remainder, computed independently in exact fractions."""
    exact = {s: n * f for s, f in shares.items()}
    base = {s: int(v) for s, v in exact.items()}  # floor of a non-negative Fraction
    order = sorted(shares, key=lambda s: (-(exact[s] - base[s]), list(shares).index(s)))
    for s in order[:n - sum(base.values())]:
        base[s] += 1
    return base


def test_split_sizes_are_largest_remainder() -> None:
    fractions = {"train": 0.8, "val": 0.1, "test": 0.1}
    units = {u: ["cat"] for u in range(15)}
    assert Counter(assign_splits(units, fractions).values()) == {"train": 12, "val": 2, "test": 1}
    rng = random.Random(11)
    for _ in range(300):
        k = rng.randint(1, 4)
        cuts = sorted(rng.randint(0, 20) for _ in range(k - 1))
        parts = [b - a for a, b in zip([0, *cuts], [*cuts, 20])]
        shares = {f"s{i}": Fraction(p, 20) for i, p in enumerate(parts)}
        n = rng.randint(0, 60)
        want = _hamilton(n, shares)
        floats = {s: float(f) for s, f in shares.items()}
        assert split_quotas(n, floats) == want, (n, floats)
        got = Counter(assign_splits({u: [rng.choice("ab")] for u in range(n)}, floats, seed=3).values())
        assert {s: got.get(s, 0) for s in shares} == want, (n, floats)


def test_unsafe_categories_are_renamed_and_listed() -> None:
    hostile = ["../../..", "/etc/x", "C:\\x", "a\x00b", ".", "..", "sub/dir", ".hidden", "Train",
               "train", " padded "]
    assignment, renamed = category_splits(dict(enumerate(hostile)), "all")
    assert set(renamed) == set(hostile) - {"train"}
    for name in assignment.values():
        assert paths.unsafe_part(name) is None and not name.startswith(".")
    assert len({n.casefold() for n in assignment.values()}) == len(hostile)
