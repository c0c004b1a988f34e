"""The ML functions against a hostile server (tests/hostile.py): a list without a count that
never says it is done (its last page links on, to empty pages that link on) ends every walk they make
with PaginationStalledError (and nothing is sent), and ground-truth
categories such as ``../../..`` stay strings: the evaluation is the honest one and no
file is written anywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pandas as pd
import pytest

import synapse_nb as snb
from synapse_nb.client import PaginationStalledError, SynapseClient
from tests.hostile import HOSTILE_NAMES, EndlessPages, RepeatingCursor, TraversalCategories


@pytest.fixture(scope="module")
def client(live_server: Any) -> Any:
    with SynapseClient(live_server.base_url, access_token=live_server.access_token) as c:
        yield c


def _gt(client: Any, version: int) -> pd.DataFrame:
    return snb.annotations_frame(client, of="ground_truth_events",
                                 ground_truth_dataset_versions=version, progress=False)


def test_prediction_and_ground_truth_walks_stop_on_a_list_that_never_ends(
        hostile_client: Callable[..., Any]) -> None:
    endless = EndlessPages(limit=50)
    hostile = hostile_client(RepeatingCursor(drop_count=True), endless)
    with pytest.raises(PaginationStalledError, match="does not advance"):
        snb.predictions_frame(hostile, model=2)
    with pytest.raises(PaginationStalledError, match="does not advance"):
        _gt(hostile, 2)
    assert 0 < endless.pages <= 2  # one empty page each, then the walk stopped


def test_upload_predictions_stops_on_a_list_that_never_ends_and_sends_nothing(
        make_server: Any, hostile_client: Callable[..., Any]) -> None:
    server = make_server(scale=200)
    with SynapseClient(server.base_url, access_token=server.access_token) as honest:
        pred = snb.predictions_frame(honest, model=2)
        before = honest.list_pre_annotations({"model": 1})["count"]
        endless = EndlessPages(limit=50)
        hostile = hostile_client(RepeatingCursor(drop_count=True), endless, server=server)
        with pytest.raises(PaginationStalledError):
            snb.upload_predictions(hostile, pred, project=1, model=1, dry_run=False)
        assert endless.pages == 1
        assert honest.list_pre_annotations({"model": 1})["count"] == before


def test_traversal_categories_stay_strings_in_the_evaluation(
        client: Any, hostile_client: Callable[..., Any], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    hostile = hostile_client(TraversalCategories(HOSTILE_NAMES))
    events = hostile.list_ground_truth_events({"ground_truth_dataset_versions": 2, "page_size": 50})
    assert {e["category"] for e in events["results"]} & {"../../..", "/etc/hostile"}  # the lie arrives
    pred = snb.predictions_frame(client, model=2)
    honest = snb.evaluate_detections(pred, _gt(client, 2))
    lied = snb.evaluate_detections(snb.predictions_frame(hostile, model=2), _gt(hostile, 2))
    pd.testing.assert_series_equal(lied.summary, honest.summary)
    pd.testing.assert_frame_equal(lied.per_class, honest.per_class)
    assert list(tmp_path.iterdir()) == [] and not (tmp_path.parent / "hostile").exists()
