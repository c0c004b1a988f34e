"""Training sets: pinned snapshots, splits, COCO / YOLO / VOC exports, and imports back.

>>> import synapse_nb as snb
>>> snap = snb.snapshot(client, ground_truth_dataset_version=2)           # doctest: +SKIP
>>> snap.export("street", format="coco")                                   # doctest: +SKIP
>>> plan = snb.import_annotations(client, "street", format="coco", project=1)  # doctest: +SKIP
"""

from __future__ import annotations

from .snapshot import Snapshot, snapshot

__all__ = ["Snapshot", "snapshot", "import_annotations"]


def __getattr__(name: str) -> object:
    if name == "import_annotations":
        from .import_ import import_annotations  # noqa: PLC0415

        return import_annotations
    raise AttributeError(f"module 'synapse_nb.datasets' has no attribute {name!r}")
