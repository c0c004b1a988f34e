"""``label_issues_classification``: which image labels a classifier's probabilities contradict.

Confident learning as cleanlab does it: ``cleanlab.filter.find_label_issues`` (its defaults)
for the mask, ``cleanlab.rank.get_label_quality_scores`` (self-confidence) for the score.

Example:
    >>> import numpy as np, pandas as pd
    >>> truth = np.array(["cat", "dog"] * 50)
    >>> probs = pd.DataFrame({"cat": np.where(truth == "cat", 0.9, 0.1)}, index=range(100))
    >>> probs["dog"] = 1 - probs["cat"]
    >>> given = pd.Series(truth, index=range(100)); given[[3, 8]] = ["cat", "dog"]
    >>> sorted(label_issues_classification(probs, given).query("issue").index)
    [3, 8]
"""

from __future__ import annotations

import importlib
from typing import Any, Mapping

import numpy as np
import pandas as pd

from .._optional import import_optional

__all__ = ["label_issues_classification"]


def label_issues_classification(pred_probs: pd.DataFrame,
                                labels: pd.Series | Mapping[Any, Any]) -> pd.DataFrame:
    """Images whose given label the predicted class probabilities contradict (cleanlab).

    Parameters
    ----------
    pred_probs : DataFrame
        Indexed by data unit, one column per class (the class names), rows summing to 1.
        Out-of-sample probabilities (cross-validated) give honest answers.
    labels : Series or mapping
        The given label of each data unit (a class name among the columns).

    Returns
    -------
    DataFrame
        Indexed like ``pred_probs``: ``label`` (given), ``predicted`` (the most probable
        class), ``quality`` (cleanlab's self-confidence score), ``issue`` (cleanlab's
        ``find_label_issues`` mask); worst first.

    Examples
    --------
    >>> probs = pd.DataFrame(model.predict_proba(X), index=units, columns=model.classes_)  # doctest: +SKIP
    >>> snb.label_issues_classification(probs, labels).query("issue")      # doctest: +SKIP
    """
    import_optional("cleanlab", "quality")
    if not isinstance(pred_probs, pd.DataFrame) or pred_probs.empty:
        raise ValueError("pred_probs must be a non-empty DataFrame: one row per data unit, one "
                         "column per class")
    if pred_probs.index.has_duplicates:
        raise ValueError("pred_probs has the same data unit on two rows")
    given = pd.Series(labels) if not isinstance(labels, pd.Series) else labels
    given = given.reindex(pred_probs.index)
    if given.isna().any():
        missing = given.index[given.isna()][:3].tolist()
        raise ValueError(f"{int(given.isna().sum())} data unit(s) of pred_probs have no label "
                         f"(e.g. {missing})")
    classes = [str(c) for c in pred_probs.columns]
    position = {c: k for k, c in enumerate(classes)}
    unknown = sorted({str(v) for v in given} - set(position))
    if unknown:
        raise ValueError(f"label(s) {unknown[:5]} are not columns of pred_probs ({classes})")
    probs = pred_probs.to_numpy(dtype=float)
    if not np.isfinite(probs).all() or (probs < 0).any() \
            or not np.allclose(probs.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError("each row of pred_probs must be probabilities in [0, 1] summing to 1")
    y = np.array([position[str(v)] for v in given], dtype=np.int64)
    cl_filter = importlib.import_module("cleanlab.filter")
    cl_rank = importlib.import_module("cleanlab.rank")
    issue = np.asarray(cl_filter.find_label_issues(labels=y, pred_probs=probs), dtype=bool)
    quality = np.asarray(cl_rank.get_label_quality_scores(labels=y, pred_probs=probs), dtype=float)
    out = pd.DataFrame({"label": given.astype(str).to_numpy(),
                        "predicted": np.array(classes, dtype=object)[probs.argmax(axis=1)],
                        "quality": quality, "issue": issue}, index=pred_probs.index)
    return out.iloc[np.argsort(quality, kind="stable")]
