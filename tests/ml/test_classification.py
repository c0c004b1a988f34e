"""evaluate_classification equals scikit-learn's accuracy, precision/recall/F1 and confusion matrix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

from synapse_nb.ml import evaluate_classification

LABELS = ["beverage", "snack", "dairy", "household", "empty_shelf"]


def test_equals_sklearn_and_counts_missing_predictions():
    rng = np.random.default_rng(11)
    truth = rng.choice(LABELS, 400, p=[0.4, 0.3, 0.15, 0.1, 0.05])
    pred = np.where(rng.random(400) < 0.8, truth, rng.choice(LABELS, 400))
    gt = pd.DataFrame({"data_unit": np.arange(400), "label": truth, "type": "classification"})
    pr = pd.DataFrame({"data_unit": np.arange(400), "label": pred})
    rep = evaluate_classification(pr.sample(frac=1, random_state=1), gt)
    assert rep.accuracy == pytest.approx(accuracy_score(truth, pred))
    p, r, f, s = precision_recall_fscore_support(truth, pred, labels=sorted(LABELS), zero_division=0)
    np.testing.assert_allclose(rep.per_class.loc[sorted(LABELS), ["precision", "recall", "f1"]].to_numpy(),
                               np.c_[p, r, f], atol=1e-12)
    assert rep.per_class.loc[sorted(LABELS), "support"].tolist() == s.tolist()
    np.testing.assert_array_equal(rep.confusion_matrix.to_numpy(),
                                  confusion_matrix(truth, pred, labels=sorted(LABELS)))
    # a missing prediction is a miss, not dropped
    partial = evaluate_classification(pr.iloc[:300], gt)
    assert partial.accuracy == pytest.approx((truth[:300] == pred[:300]).sum() / 400)
    assert partial.confusion_matrix["(none)"].sum() == 100


def test_two_labels_for_one_item_is_refused():
    gt = pd.DataFrame({"data_unit": [1, 1], "label": ["a", "b"]})
    with pytest.raises(ValueError, match="more than one label"):
        evaluate_classification(gt.iloc[:1], gt)
