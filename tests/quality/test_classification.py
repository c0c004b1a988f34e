"""label_issues_classification against cleanlab run directly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cleanlab.filter import find_label_issues
from cleanlab.rank import get_label_quality_scores

import synapse_nb as snb


def _data(n: int = 400, seed: int = 0):
    rng = np.random.default_rng(seed)
    classes = ["beverage", "dairy", "snack"]
    truth = rng.integers(0, 3, n)
    logits = rng.normal(0, 1, (n, 3))
    logits[np.arange(n), truth] += 3.5
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    given = truth.copy()
    flipped = rng.choice(n, 30, replace=False)
    given[flipped] = (truth[flipped] + 1) % 3
    units = np.arange(1000, 1000 + n)
    frame = pd.DataFrame(probs, index=pd.Index(units, name="data_unit"), columns=classes)
    labels = pd.Series(np.array(classes)[given], index=units)
    return frame, labels, set(units[flipped]), given, probs


def test_equal_to_cleanlab_and_flips_found():
    frame, labels, flipped, given, probs = _data()
    out = snb.label_issues_classification(frame, labels.sample(frac=1, random_state=0))
    direct_issue = find_label_issues(labels=given, pred_probs=probs)
    direct_quality = get_label_quality_scores(labels=given, pred_probs=probs)
    ours = out.reindex(frame.index)
    assert ours["issue"].tolist() == direct_issue.tolist()
    np.testing.assert_allclose(ours["quality"].to_numpy(), direct_quality, atol=1e-9)
    assert out["quality"].is_monotonic_increasing
    found = set(out.index[out["issue"]])
    assert len(found & flipped) / len(flipped) >= 0.8
    assert (ours["predicted"] == frame.idxmax(axis=1)).all()


def test_bad_input():
    frame, labels, *_ = _data(60)
    with pytest.raises(ValueError, match="no label"):
        snb.label_issues_classification(frame, labels.iloc[:-1])
    with pytest.raises(ValueError, match="not columns"):
        snb.label_issues_classification(frame, labels.replace("dairy", "milk"))
    with pytest.raises(ValueError, match="summing to 1"):
        snb.label_issues_classification(frame * 2, labels)
