"""Which labels are wrong: label issues from model predictions, near duplicates, split leakage.

- :func:`label_issues` -> :class:`LabelIssues`: cleanlab's ObjectLab over a detector's
  predictions and the ground truth (per image ``quality`` and ``issue``, per box ``swap`` /
  ``badloc`` / ``overlooked``), a plot per label, and the review queue of the flagged images;
- :func:`label_issues_classification`: cleanlab's confident learning for class labels;
- :func:`near_duplicates`: image pairs whose perceptual hashes are close (multi-index
  hashing, not all pairs);
- :func:`check_snapshot` (``Snapshot.check``): near and exact duplicates, pairs straddling
  two splits, rare labels and unannotated images before an export, and the fix.

cleanlab and imagehash are the ``[quality]`` extra.

>>> import synapse_nb as snb
>>> found = snb.label_issues(snb.predictions_frame(client, model=2), ground_truth)  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from synapse_nb._util.lazy import lazy_getattr

if TYPE_CHECKING:
    from .classification import label_issues_classification
    from .detection import LabelIssues, label_issues
    from .duplicates import near_duplicates
    from .snapshot_check import SnapshotCheck, check_snapshot

_LAZY = {"LabelIssues": ".detection", "label_issues": ".detection",
         "label_issues_classification": ".classification", "near_duplicates": ".duplicates",
         "SnapshotCheck": ".snapshot_check", "check_snapshot": ".snapshot_check"}

__all__ = ["LabelIssues", "SnapshotCheck", "check_snapshot", "label_issues",
           "label_issues_classification", "near_duplicates"]

__getattr__ = lazy_getattr(__name__, _LAZY, globals())
