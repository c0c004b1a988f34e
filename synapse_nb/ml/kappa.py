"""Chance-corrected agreement on labels: Cohen's kappa, Fleiss' kappa, Krippendorff's alpha.

Cohen's kappa is computed here (it equals scikit-learn's ``cohen_kappa_score``); Fleiss'
kappa here too, in the form that allows a different number of raters per item (with the
same number everywhere it is Fleiss' 1971 statistic); Krippendorff's alpha (nominal) comes
from the ``krippendorff`` package (the ``[ml]`` extra).

Example:
    >>> round(cohen_kappa(["a", "a", "b", "b"], ["a", "b", "b", "b"]), 3)
    0.5
    >>> round(fleiss_kappa([[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6]]), 3)
    0.24
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._optional import import_optional

__all__ = ["cohen_kappa", "fleiss_kappa", "krippendorff_alpha", "rating_table"]


def cohen_kappa(a: Sequence[object], b: Sequence[object]) -> float:
    """Cohen's kappa of two raters' labels on the same items (NaN when undefined)."""
    xa, xb = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
    if len(xa) != len(xb):
        raise ValueError(f"both raters need the same items ({len(xa)} vs {len(xb)} labels)")
    if len(xa) == 0:
        return float("nan")
    labels: list[Any] = sorted(set(xa.tolist()) | set(xb.tolist()), key=str)
    ia = np.asarray(pd.Categorical(list(xa), categories=labels).codes)
    ib = np.asarray(pd.Categorical(list(xb), categories=labels).codes)
    k = len(labels)
    cm = np.bincount(ia * k + ib, minlength=k * k).reshape(k, k).astype(float)
    n = cm.sum()
    observed = np.trace(cm) / n
    expected = float((cm.sum(axis=0) * cm.sum(axis=1)).sum() / n ** 2)
    if expected == 1:
        return float("nan")
    return float((observed - expected) / (1 - expected))


def fleiss_kappa(counts: np.ndarray | Sequence[Sequence[int]]) -> float:
    """Fleiss' kappa from an items x categories table of rating counts.

    Items rated by fewer than two raters are left out.
    """
    table = np.asarray(counts, dtype=float)
    n_i = table.sum(axis=1)
    table, n_i = table[n_i >= 2], n_i[n_i >= 2]
    if len(table) == 0:
        return float("nan")
    p_i = ((table ** 2).sum(axis=1) - n_i) / (n_i * (n_i - 1))
    p_bar = p_i.mean()
    p_j = table.sum(axis=0) / n_i.sum()
    p_e = float((p_j ** 2).sum())
    if p_e == 1:
        return float("nan")
    return float((p_bar - p_e) / (1 - p_e))


def rating_table(ratings: pd.DataFrame, unit: str) -> pd.DataFrame:
    """Annotators x units table of labels (None where an annotator did not rate a unit)."""
    return ratings.pivot_table(index="annotator", columns=unit, values="label",
                               aggfunc="first").astype(object).where(lambda t: t.notna(), None)


def krippendorff_alpha(table: pd.DataFrame) -> float:
    """Krippendorff's alpha (nominal) of an annotators x units label table."""
    kd = import_optional("krippendorff", "ml")
    values = table.to_numpy(dtype=object)
    labels = sorted({v for v in values.ravel() if v is not None}, key=str)
    if len(labels) < 2:
        return float("nan")
    code = {v: float(i) for i, v in enumerate(labels)}
    data = np.array([[code[v] if v is not None else np.nan for v in row] for row in values])
    return float(kd.alpha(reliability_data=data, level_of_measurement="nominal"))
