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


@pytest.mark.filterwarnings("ignore:invalid value encountered in cast:RuntimeWarning")
def test_a_float_label_column_with_a_nan_is_scored_like_sklearn():
    # ints plus one NaN: pandas stores 1.0, 2.0, NaN; predictions are ints. Was: "1.0" != "1"
    gt = pd.DataFrame({"data_unit": [1, 2, 3, 4, 5], "label": [1, 2, np.nan, 2, 3]})
    pr = pd.DataFrame({"data_unit": [1, 2, 3, 4, 5], "label": [1, 1, 2, 2, 3]})
    rep = evaluate_classification(pr, gt)
    # scikit-learn on the same rows: it refuses NaN in y_true, so those rows are left out
    with pytest.raises(ValueError, match="NaN"):
        accuracy_score(gt["label"], pr["label"])
    keep = gt["label"].notna()
    y_true, y_pred = gt.loc[keep, "label"], pr.loc[keep, "label"]
    assert rep.accuracy == pytest.approx(accuracy_score(y_true, y_pred)) == 0.75
    assert rep.unlabeled == 1 and len(rep.items) == 4
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=[1, 2, 3], zero_division=0)
    np.testing.assert_allclose(rep.per_class.loc[["1", "2", "3"], ["precision", "recall", "f1"]].to_numpy(),
                               np.c_[p, r, f], atol=1e-12)
    np.testing.assert_array_equal(rep.confusion_matrix.loc[["1", "2", "3"], ["1", "2", "3"]].to_numpy(),
                                  confusion_matrix(y_true, y_pred, labels=[1, 2, 3]))


@pytest.mark.parametrize("missing", [None, pd.NA, np.nan])
def test_a_missing_true_label_is_left_out_and_counted(missing):
    # was: TypeError: boolean value of NA is ambiguous
    truth = pd.array(["a", missing, "b", "a", "b"], dtype="string")
    gt = pd.DataFrame({"data_unit": range(5), "label": truth})
    pr = pd.DataFrame({"data_unit": range(5), "label": ["a", "b", "b", "b", None]})
    rep = evaluate_classification(pr, gt)
    keep = ~pd.isna(gt["label"]).to_numpy()
    y_true = gt["label"].to_numpy(dtype=object)[keep].tolist()
    # a prediction without a label is a miss, as an absent one is
    y_pred = pr["label"].fillna("(none)").to_numpy(dtype=object)[keep].tolist()
    assert rep.accuracy == pytest.approx(accuracy_score(y_true, y_pred)) == 0.5
    assert rep.unlabeled == 1 and "1 without a true label left out" in repr(rep)
    p, r, f, _s = precision_recall_fscore_support(y_true, y_pred, labels=["a", "b"], zero_division=0)
    np.testing.assert_allclose(rep.per_class.loc[["a", "b"], ["precision", "recall", "f1"]].to_numpy(),
                               np.c_[p, r, f], atol=1e-12)
