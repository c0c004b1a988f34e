"""The review queue's overlays per item: grouped once, the same rows as masking the whole
overlays frame per item (the definition), whatever number of overlays an item has."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from synapse_nb.widgets import ReviewQueue

from .conftest import FakeClient, demo_records


def masked(overlays: pd.DataFrame, key: str, item: Any) -> pd.DataFrame:
    """The definition: the overlay rows whose key equals the item (a mask over all rows)."""
    return overlays[(overlays[key] == item).to_numpy(dtype=bool, na_value=False)]


def overlays_of(keys: list[Any]) -> pd.DataFrame:
    n = len(keys)
    return pd.DataFrame({"task": keys, "label": [f"l{i}" for i in range(n)],
                         "x1": np.arange(n, dtype=float), "y1": 1.0, "x2": np.arange(n) + 5.0,
                         "y2": 9.0, "role": ["suspect", "prediction"] * (n // 2) + ["suspect"] * (n % 2)},
                        index=pd.Index([f"o{i}" for i in range(n)], name="overlay"))


@pytest.fixture
def client() -> FakeClient:
    records, images = demo_records()
    return FakeClient(records, images)


@pytest.mark.parametrize("keys", [
    [1, 3, 1, None, 99, 1, 5, 5],             # float keys with a missing one
    pd.array([1, 3, 1, None, 99, 1, 5, 5], dtype="Int64"),
    [1, 3, 1, 2.0, 99, 1, 5, 5],
])
def test_overlay_rows_are_the_masked_rows(client: FakeClient, keys: Any, tmp_path) -> None:
    overlays = overlays_of(list(keys))
    overlays["task"] = keys
    # items with many overlays (1), one (3), two (5), none (4), and 7 absent from overlays
    q = ReviewQueue(client, pd.DataFrame({"task": [1, 3, 4, 5, 7]}), overlays=overlays)
    for item in [1, 3, 4, 5, 7, 99, 2, np.int64(1), 1.0, 12345]:
        got = q._overlay_rows(item)
        pd.testing.assert_frame_equal(got, masked(overlays, "task", item))
    # and what the queue draws from them, per item in the queue
    for position, item in enumerate(q.frame.index):
        shapes = q.extra_shapes(q.frame.iloc[position])
        assert [s["label"] for s in shapes] == masked(overlays, "task", item)["label"].tolist()


def test_overlays_are_grouped_once_for_a_queue(client: FakeClient, monkeypatch) -> None:
    items = list(range(1, 31))
    overlays = overlays_of([t for t in items for _ in range(3)])
    reads = []
    getitem = pd.DataFrame.__getitem__

    def counting(frame: pd.DataFrame, key: Any) -> Any:
        if frame is overlays and isinstance(key, str) and key == "task":
            reads.append(key)
        return getitem(frame, key)

    monkeypatch.setattr(pd.DataFrame, "__getitem__", counting)
    q = ReviewQueue(client, pd.DataFrame({"task": items}), overlays=overlays)
    for position in range(len(items)):
        q.extra_shapes(q.frame.iloc[position])
    # one pass over the key column for 30 items, each shown twice (payload and editor)
    assert len(reads) == 1
    assert all(len(q._overlay_rows(t)) == 3 for t in items)

    # new overlays are grouped again, not looked up in the old groups
    fewer = overlays_of([2])
    q.overlays = fewer
    assert q._overlay_rows(1).empty and q._overlay_rows(2)["label"].tolist() == ["l0"]
    with pytest.raises(KeyError, match="lack column"):
        q.overlays = fewer.drop(columns="role")
