"""``evaluate_classification``: accuracy, per-class precision / recall / F1, confusion matrix.

Inputs are frames with an item key (``data_unit``, ``task``, ``image_id`` or ``image``) and
a ``label``: classification rows of annotations frames, or any such table. Predictions are
joined to the ground truth on the key; an item with no prediction (or a prediction without
a label) counts as predicted ``"(none)"`` (a miss, never silently dropped).

Labels are compared as text, numbers written as they read: ``1.0`` and ``1`` are one class
(as scikit-learn sees them), so a numeric column that pandas made float by one missing
value still matches integer labels. An item whose ground truth has no label (None, NaN,
NA) cannot be scored: it is left out, as scikit-learn needs it left out, and counted in
``unlabeled``.

Example:
    >>> import pandas as pd
    >>> gt = pd.DataFrame({"data_unit": [1, 2, 3, 4], "label": ["a", "a", "b", "b"]})
    >>> pred = pd.DataFrame({"data_unit": [1, 2, 3], "label": ["a", "b", "b"]})
    >>> rep = evaluate_classification(pred, gt)
    >>> rep.accuracy, float(rep.per_class.loc["b", "recall"])
    (0.5, 0.5)
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["NO_PREDICTION", "ClassificationReport", "evaluate_classification", "label_series",
           "label_text"]

NO_PREDICTION = "(none)"
_KEYS = ("data_unit", "task", "image_id", "image")


def label_text(value: Any) -> str | None:
    """A label as the text it is compared by; None for a missing label.

    Integral numbers lose their ``.0`` (a float column with a NaN holds ``1.0`` for ``1``).

    >>> label_text(1.0), label_text(1), label_text(2.5), label_text("cat"), label_text(float("nan"))
    ('1', '1', '2.5', 'cat', None)
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isnan(number):
            return None
        return str(int(number)) if number.is_integer() else repr(number)
    return str(value)


def label_series(frame: pd.DataFrame, *, role: str, key: str | None = None) -> pd.Series:
    """One label per item, indexed by the item key (classification rows only, if typed).

    Labels are :func:`label_text` (None where missing).
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"the {role} must be a DataFrame with an item key and 'label'")
    if "type" in frame.columns and (frame["type"] == "classification").any():
        frame = frame[(frame["type"] == "classification").to_numpy(dtype=bool, na_value=False)]
    key = key or next((k for k in _KEYS if k in frame.columns), None)
    if key is None or "label" not in frame.columns:
        raise ValueError(f"the {role} frame needs 'label' and an item key column (one of "
                         f"{', '.join(_KEYS)})")
    doubled = frame[key].duplicated(keep=False)
    if doubled.any():
        raise ValueError(f"{int(frame.loc[doubled, key].nunique())} {role} item(s) have more "
                         f"than one label (for example {frame.loc[doubled, key].iloc[0]!r}); "
                         "keep one row per item")
    return pd.Series([label_text(v) for v in frame["label"].tolist()], dtype=object,
                     index=pd.Index(frame[key].to_numpy(), name=key), name=role)


@dataclass
class ClassificationReport:
    """``accuracy``, ``per_class`` (precision, recall, f1, support), ``confusion_matrix``
    (rows true, columns predicted), ``macro`` / ``weighted`` averages, ``items`` (the
    joined table: ``truth``, ``predicted``, ``correct``) and ``unlabeled`` (ground-truth
    items without a label, left out of every figure)."""

    accuracy: float
    per_class: pd.DataFrame
    confusion_matrix: pd.DataFrame
    macro: pd.Series
    weighted: pd.Series
    items: pd.DataFrame
    unlabeled: int = 0

    def plot_confusion_matrix(self, normalize: bool = False, ax: Any = None) -> Any:
        """Heat map with counts (or row shares) in the cells."""
        from . import plots

        return plots.confusion(self.confusion_matrix, normalize=normalize, ax=ax)

    def __repr__(self) -> str:
        left_out = f" ({self.unlabeled} without a true label left out)" if self.unlabeled else ""
        return (f"<ClassificationReport: {len(self.items)} items{left_out}, accuracy "
                f"{self.accuracy:.3f}, macro F1 {self.macro['f1']:.3f}>")


def evaluate_classification(predictions: pd.DataFrame, ground_truth: pd.DataFrame
                            ) -> ClassificationReport:
    """Compare one predicted label per item with the true one.

    Parameters
    ----------
    predictions, ground_truth : DataFrame
        An item key column (``data_unit``, ``task``, ``image_id`` or ``image``) and
        ``label``; annotations frames work as they are (classification rows are used).

    Returns
    -------
    ClassificationReport
        Items whose true label is missing are left out and counted in ``unlabeled``.

    Examples
    --------
    >>> rep = snb.evaluate_classification(predicted, truth)          # doctest: +SKIP
    >>> rep.accuracy, rep.per_class, rep.plot_confusion_matrix()      # doctest: +SKIP
    """
    truth = label_series(ground_truth, role="ground truth")
    key = str(truth.index.name)
    labelled = truth.notna().to_numpy()
    unlabeled, truth = int((~labelled).sum()), truth[labelled]
    pred = label_series(predictions, role="predictions",
                        key=key if key in predictions.columns else None)
    predicted = pred.reindex(truth.index).fillna(NO_PREDICTION)
    items = pd.DataFrame({"truth": truth.to_numpy(), "predicted": predicted.to_numpy()},
                         index=truth.index)
    items["correct"] = items["truth"] == items["predicted"]
    labels = sorted(set(items["truth"]) | set(items["predicted"]) - {NO_PREDICTION})
    if NO_PREDICTION in set(items["predicted"]):
        labels.append(NO_PREDICTION)
    cm = pd.crosstab(pd.Categorical(items["truth"], categories=labels),
                     pd.Categorical(items["predicted"], categories=labels), dropna=False)
    cm.index.name, cm.columns.name = "true", "predicted"
    counts = cm.to_numpy(dtype=float)
    tp = np.diag(counts)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.nan_to_num(tp / counts.sum(axis=0))
        recall = np.nan_to_num(tp / counts.sum(axis=1))
        f1 = np.nan_to_num(2 * precision * recall / (precision + recall))
    per = pd.DataFrame({"precision": precision, "recall": recall, "f1": f1,
                        "support": counts.sum(axis=1).astype(int)},
                       index=pd.Index(labels, name="label"))
    per = per.drop(index=NO_PREDICTION, errors="ignore")
    support = per["support"].to_numpy(dtype=float)
    macro = per[["precision", "recall", "f1"]].mean()
    weighted = (per[["precision", "recall", "f1"]].mul(support, axis=0).sum()
                / max(float(support.sum()), 1.0))
    return ClassificationReport(float(items["correct"].mean()) if len(items) else float("nan"),
                                per, cm, macro, weighted, items, unlabeled)
