"""agreement(): kappas equal scikit-learn and the krippendorff package on the same data;
box agreement, consensus and scores against ground truth behave as defined."""

from __future__ import annotations

import krippendorff
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from synapse_nb.ml import agreement
from synapse_nb.ml.kappa import fleiss_kappa

LABELS = ["beverage", "snack", "dairy", "household", "empty_shelf"]


def _class_ratings(seed: int = 5) -> pd.DataFrame:
    """300 tasks, 2 or 3 of 4 annotators each, ~75 % agreeing with a hidden truth."""
    rng = np.random.default_rng(seed)
    rows = []
    for task in range(1, 301):
        truth = rng.choice(LABELS, p=[0.35, 0.3, 0.15, 0.15, 0.05])
        for name in rng.choice(["bob", "carol", "dave", "erin"], size=int(rng.integers(2, 4)), replace=False):
            label = truth if rng.random() < 0.75 else rng.choice(LABELS)
            rows.append({"task": task, "annotator": str(name), "label": str(label), "truth": str(truth)})
    return pd.DataFrame(rows)


def test_cohen_kappa_per_pair_equals_sklearn():
    ratings = _class_ratings()
    ag = agreement(ratings)
    assert ag.kind == "classes" and len(ag.pairs) == 6
    wide = ratings.pivot(index="task", columns="annotator", values="label")
    for row in ag.pairs.itertuples():
        both = wide[[row.annotator_a, row.annotator_b]].dropna()
        assert row.units == len(both) > 20
        expected = cohen_kappa_score(both[row.annotator_a], both[row.annotator_b])
        assert row.cohen_kappa == pytest.approx(expected, abs=1e-12)
        assert row.agreement == pytest.approx((both[row.annotator_a] == both[row.annotator_b]).mean())


def test_krippendorff_alpha_equals_the_package():
    ratings = _class_ratings()
    ag = agreement(ratings)
    # the package on a table built here independently: annotators x tasks, label codes
    codes = {name: i for i, name in enumerate(LABELS)}
    wide = ratings.pivot(index="annotator", columns="task", values="label")
    data = wide.apply(lambda col: col.map(codes)).to_numpy(dtype=float)
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert ag.summary["krippendorff_alpha"] == pytest.approx(expected, abs=1e-12)
    assert 0.3 < expected < 0.9


def test_fleiss_kappa_matches_the_published_example():
    # Fleiss (1971) example as given on Wikipedia: 10 subjects, 14 raters, 5 categories: 0.210
    table = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
             [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]
    assert round(fleiss_kappa(table), 3) == 0.210


def test_annotators_against_ground_truth_and_consensus():
    ratings = _class_ratings()
    truth = ratings.drop_duplicates("task")[["task", "truth"]].rename(columns={"truth": "label"})
    ag = agreement(ratings[["task", "annotator", "label"]], ground_truth=truth)
    for name, row in ag.vs_ground_truth.iterrows():
        mine = ratings[ratings["annotator"] == name]
        assert row["accuracy"] == pytest.approx((mine["label"] == mine["truth"]).mean())
        assert row["cohen_kappa"] == pytest.approx(cohen_kappa_score(mine["label"], mine["truth"]), abs=1e-12)
    assert (ag.consensus["support"] <= ag.consensus["annotators"]).all()
    assert len(ag.consensus) == ratings["task"].nunique()


def _boxes(jitter: float, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for task in range(1, 41):
        objects = [(rng.uniform(0, 200), rng.uniform(0, 150), rng.uniform(20, 80), rng.uniform(20, 60),
                    str(rng.choice(["car", "person"]))) for _ in range(3)]
        for name in ("bob", "carol", "dave"):
            for x, y, w, h, label in objects:
                dx = rng.normal(0, jitter, 4)
                rows.append({"task": task, "annotator": name, "label": label,
                             "x1": x + dx[0], "y1": y + dx[1], "x2": x + w + dx[2], "y2": y + h + dx[3]})
    return pd.DataFrame(rows)


def test_box_agreement_identical_and_disturbed():
    same = agreement(_boxes(0.0))
    assert same.kind == "boxes" and len(same.pairs) == 3
    assert (same.pairs["f1"] == 1).all() and (same.pairs["mean_iou"] > 0.999).all()
    assert len(same.consensus) == 40 * 3 and (same.consensus["support"] == 3).all()
    frame = _boxes(0.0)
    # carol mislabels every car and skips the first object of each task
    carol = frame["annotator"] == "carol"
    frame.loc[carol & (frame["label"] == "car"), "label"] = "truck"
    frame = frame.drop(frame[carol].groupby("task").head(1).index)
    ag = agreement(frame)
    pair = ag.pairs.set_index(["annotator_a", "annotator_b"]).loc[("bob", "carol")]
    n_car = (frame[frame["annotator"] == "bob"]["label"] == "car").sum()
    carol_car = ((frame["annotator"] == "carol") & (frame["label"] == "truck")).sum()
    assert pair["boxes_a"] == 120 and pair["boxes_b"] == 80 and pair["matched"] == 80
    assert pair["same_label"] == 80 - carol_car
    assert pair["f1"] == pytest.approx(2 * (80 - carol_car) / 200)
    assert ag.pairs.set_index(["annotator_a", "annotator_b"]).loc[("bob", "dave"), "f1"] == 1
    assert ag.per_label.loc["truck", "f1"] == 0 and n_car > 0
    # consensus keeps every object (2 of 3 annotators drew each), majority label wins
    assert len(ag.consensus) == 120 and set(ag.consensus["label"]) == {"car", "person"}


def test_box_annotators_against_ground_truth():
    frame = _boxes(1.0)
    truth = frame[frame["annotator"] == "bob"].drop(columns="annotator")
    ag = agreement(frame, ground_truth=truth)
    assert ag.vs_ground_truth.loc["bob", "f1"] == 1
    assert 0.8 < ag.vs_ground_truth.loc["carol", "mean_iou"] < 1


def test_bad_input_says_what_to_fix():
    with pytest.raises(ValueError, match="annotator"):
        agreement(pd.DataFrame({"task": [1], "label": ["a"]}))
    with pytest.raises(ValueError, match="one label per task"):
        agreement(pd.DataFrame({"task": [1, 1], "annotator": ["a", "a"], "label": ["x", "y"]}))


def test_a_rater_without_a_label_counts_nowhere():
    """Every task has three real labels; a fourth rater opened each task and gave none."""
    ratings = _class_ratings(seed=8)
    three = ratings.groupby("task").filter(lambda g: len(g) == 3)
    silent = three.drop_duplicates("task").assign(annotator="zoe", label=None)
    half = silent.iloc[::2].assign(label=np.nan)  # NaN, the other way a label goes missing
    with_silent = pd.concat([three, silent.iloc[1::2], half], ignore_index=True)
    ag = agreement(with_silent)
    ref = agreement(three)
    # the consensus, computed here independently: majority among the given labels only
    expected = {}
    for task, group in three.groupby("task"):
        counts = group["label"].value_counts()
        expected[task] = (int(counts.iloc[0]), len(group))
    got = {t: (int(r.support), int(r.annotators)) for t, r in ag.consensus.iterrows()}
    assert got == expected  # was: zoe counted as a fourth annotator of every task
    assert ag.summary["unlabeled"] == len(silent) and ref.summary["unlabeled"] == 0
    assert set(ag.consensus.loc[ag.consensus["support"] >= 2, "label"]) <= set(LABELS)
    # Krippendorff: the package with the silent rater's cells as missing (nan)
    codes = {name: i for i, name in enumerate(LABELS)}
    wide = with_silent.pivot(index="annotator", columns="task", values="label")
    data = wide.apply(lambda col: col.map(codes)).to_numpy(dtype=float)
    assert np.isnan(data[list(wide.index).index("zoe")]).all()
    expected_alpha = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert ag.summary["krippendorff_alpha"] == pytest.approx(expected_alpha, abs=1e-12)
    # Fleiss over three raters per task, as the 1971 statistic (the labels' counts only)
    table = pd.crosstab(three["task"], three["label"]).to_numpy(dtype=float)
    p_i = ((table ** 2).sum(axis=1) - 3) / (3 * 2)
    p_j = table.sum(axis=0) / table.sum()
    fleiss = (p_i.mean() - (p_j ** 2).sum()) / (1 - (p_j ** 2).sum())
    assert ag.summary["fleiss_kappa"] == pytest.approx(fleiss, abs=1e-12)
    assert set(ag.per_label.index) == set(three["label"])
    assert ag.summary[["agreement", "cohen_kappa", "annotators"]].equals(
        ref.summary[["agreement", "cohen_kappa", "annotators"]])
