"""Snapshot.check on the demo data: planted cross-split copies found, and fixed."""

from __future__ import annotations

import pytest

from synapse_nb.datasets import snapshot
from synapse_nb.server.scenes import NEAR_COPIES


@pytest.fixture(scope="module")
def checked(client, tmp_path_factory):
    folder = tmp_path_factory.mktemp("check-images")
    snap = snapshot(client, ground_truth_dataset_version=2, progress=False)
    before = snap.manifest["hash"]
    report = snap.check(folder=folder, progress=False)
    return snap, before, report, folder


def test_finds_the_planted_cross_split_copies(checked):
    snap, _before, report, _folder = checked
    split = dict(zip(snap.records["data_unit"], snap.records["split"]))
    planted = {frozenset((copy, orig)) for copy, (orig, _how) in NEAR_COPIES.items()
               if copy in split and orig in split}
    assert len(planted) == 4 and all(len({split[u] for u in p}) == 2 for p in planted)
    leaking = {frozenset((a, b)) for a, b in zip(report.leakage["a"], report.leakage["b"])}
    assert planted <= leaking
    near = {frozenset((a, b)) for a, b in zip(report.near_duplicates["a"], report.near_duplicates["b"])}
    assert planted <= near
    assert (report.leakage["split_a"] != report.leakage["split_b"]).all()
    assert report.exact_duplicates.empty  # the copies differ in bytes
    assert not report.ok


def test_reports_unannotated_images_and_rare_labels(checked):
    snap, _before, report, _folder = checked
    annotated = set(snap.frame.dropna(subset=["label"])["data_unit"])
    assert set(report.unannotated["data_unit"]) == set(snap.records["data_unit"]) - annotated
    per = snap.frame.groupby(["label", "split"])["data_unit"].nunique()
    rare = {(r.label, r.split) for r in report.rare_labels.itertuples()}
    assert rare == {k for k, v in per.items() if v < 2} | {
        (label, s) for label in snap.frame["label"].unique() for s in set(snap.records["split"])
        if (label, s) not in per.index}


def test_unannotated_images_and_exact_copies_are_reported(client, tmp_path):
    snap = snapshot(client, ground_truth_dataset_version=2, progress=False)
    units = snap.records["data_unit"].tolist()
    # one image loses its annotations; another's file is declared the same as a third's
    emptied, copy, orig = units[3], units[5], units[6]
    snap.frame = snap.frame[snap.frame["data_unit"] != emptied].reset_index(drop=True)
    rec = snap.records.set_index("data_unit")
    rec.loc[copy, "file_url"] = rec.loc[orig, "file_url"]
    snap.records = rec.reset_index()
    report = snap.check(folder=tmp_path, progress=False)
    assert report.unannotated["data_unit"].tolist() == [emptied]
    assert sorted(report.exact_duplicates["data_unit"]) == sorted([copy, orig])
    pair = report.near_duplicates[(report.near_duplicates["a"] == min(copy, orig))
                                  & (report.near_duplicates["b"] == max(copy, orig))]
    assert pair["distance"].tolist() == [0]


def test_fix_moves_straddling_groups_into_one_split_deterministically(checked, client):
    snap, before, _report, folder = checked
    fixed = snap.check(fix=True, folder=folder, progress=False)
    assert len(fixed.moved) >= 4 and set(fixed.moved.columns) == {"data_unit", "from", "to"}
    # each planted pair is one image against one: the tie goes to the biggest split, so the
    # evaluation splits lose the copies
    assert set(NEAR_COPIES) <= set(fixed.moved["data_unit"]) and set(fixed.moved["to"]) == {"train"}
    split = dict(zip(snap.records["data_unit"], snap.records["split"]))
    for unit, to in zip(fixed.moved["data_unit"], fixed.moved["to"]):
        assert split[unit] == to
    assert snap.manifest["hash"] != before
    assert snap.manifest["split"]["counts"] == snap.records["split"].value_counts(sort=False).to_dict()
    assert set(snap.frame.drop_duplicates("data_unit").set_index("data_unit")["split"].items()) <= set(split.items())
    again = snap.check(folder=folder, progress=False)
    assert again.leakage.empty
    # the same snapshot made again moves the same images the same way
    other = snapshot(client, ground_truth_dataset_version=2, progress=False)
    assert other.check(fix=True, folder=folder, progress=False).moved.equals(fixed.moved)
    assert other.manifest["hash"] == snap.manifest["hash"]
