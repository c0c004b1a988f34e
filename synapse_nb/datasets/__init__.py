"""Training sets: pinned snapshots, splits, COCO / YOLO / VOC exports, and imports back.

>>> import synapse_nb as snb
>>> snap = snb.snapshot(client, ground_truth_dataset_version=2)           # doctest: +SKIP
>>> snap.export("street", format="coco")                                   # doctest: +SKIP
>>> plan = snb.import_annotations(client, "street", format="coco", project=1)  # doctest: +SKIP

Names load lazily: ``synapse-nb --help`` does not pay for pandas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from synapse_nb._util.lazy import lazy_getattr

if TYPE_CHECKING:
    from .import_ import import_annotations
    from .snapshots import Snapshot, snapshot

__all__ = ["Snapshot", "snapshot", "import_annotations", "FORMATS"]

#: export formats of :meth:`Snapshot.export`
FORMATS = ("coco", "yolo", "voc", "parquet")

_LAZY = {"Snapshot": ".snapshots", "snapshot": ".snapshots", "import_annotations": ".import_"}


__getattr__ = lazy_getattr(__name__, _LAZY, globals())
