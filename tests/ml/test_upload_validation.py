"""upload_predictions checks every row in its plan: bad geometry, scores and foreign tasks are
planned ``invalid`` with a reason per row, and the valid tasks still go (issue 20)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

import synapse_nb as snb
from synapse_nb.client import SynapseClient


def _tasks(client, project):
    return snb.tasks_frame(client, project=project, progress=False).index.tolist()


def test_bad_rows_are_planned_invalid_with_a_reason_and_the_rest_is_sent(make_server):
    server = make_server(scale=200)
    with SynapseClient(server.base_url, access_token=server.access_token) as c:
        mine, theirs = _tasks(c, 1), _tasks(c, 3)
        t = mine[:9]
        nan, inf = math.nan, math.inf
        rows = [  # task, x1, y1, x2, y2, confidence
            (t[0], 1.0, 2.0, 30.0, 40.0, 0.9),     # fine
            (t[1], nan, 2.0, 30.0, 40.0, 0.9),     # was sent as a classification
            (t[2], 1.0, 2.0, inf, 40.0, 0.9),      # aborted the whole run
            (t[3], 1.0, 2.0, 30.0, 40.0, 7.0),
            (t[4], 1.0, 2.0, 30.0, 40.0, -2),
            (t[5], 1.0, 2.0, 30.0, 40.0, True),
            (theirs[0], 1.0, 2.0, 30.0, 40.0, 0.5),  # another project's task
            (t[6], nan, nan, nan, nan, 0.8),        # a classification: no geometry at all
            (t[7], 30.0, 2.0, 1.0, 40.0, 0.5),      # inverted
            (t[8], 1.0, 2.0, 30.0, 40.0, 0.4),      # fine, and a second row of its task is bad
            (t[8], 1.0, 2.0, 30.0, nan, 0.4),
        ]
        pred = pd.DataFrame(rows, columns=["task", "x1", "y1", "x2", "y2", "confidence"])
        pred["label"] = "car"
        plan = snb.upload_predictions(c, pred, project=1)
        status = plan.set_index("task")["status"].astype(str).to_dict()
        reason = plan.set_index("task")["reason"].to_dict()
        assert status == {t[0]: "new", t[6]: "new", t[1]: "invalid", t[2]: "invalid",
                          t[3]: "invalid", t[4]: "invalid", t[5]: "invalid", theirs[0]: "invalid",
                          t[7]: "invalid", t[8]: "invalid"}
        assert reason[t[1]] == "row 1: bbox: x1 is NaN"
        assert reason[t[2]] == "row 2: bbox: x2 is inf"
        assert reason[t[3]] == "row 3: score 7.0 is outside [0, 1]"
        assert reason[t[4]] == "row 4: score -2 is outside [0, 1]"
        assert reason[t[5]] == "row 5: score is True, not a number"
        assert reason[theirs[0]] == f"row 6: task {theirs[0]} is not a task of project 1"
        assert reason[t[7]].startswith("row 8: bbox: inverted box: x2 (1) < x1 (30)")
        assert reason[t[8]] == "row 10: bbox: y2 is NaN"
        bad = plan.attrs["invalid_rows"]
        assert bad.index.tolist() == [1, 2, 3, 4, 5, 6, 8, 10]
        assert plan.attrs["summary"] == {"new": 2, "invalid": 8}
        assert plan.set_index("task").at[t[6], "data"]["annotations"][0]["type"] == "classification"

        sent = snb.upload_predictions(c, pred, project=1, dry_run=False)
        assert sent.attrs["summary"] == {"created": 2, "invalid": 8}
        stored = {r["task"] for r in c.list_pre_annotations({"project": 1, "page_size": 1000})["results"]
                  if r["model"] is None}
        assert {t[0], t[6]} <= stored and not stored & {t[1], t[2], t[3], t[4], t[5], t[7], t[8]}
        assert c.list_pre_annotations({"task": theirs[0]})["count"] == 0 or all(
            r["model"] is not None for r in c.list_pre_annotations({"task": theirs[0]})["results"])


def test_coco_results_as_long_json_text_and_bad_results(live_server):
    with SynapseClient(live_server.base_url, access_token=live_server.access_token) as c:
        tasks = snb.tasks_frame(c, project=1, progress=False)
        units = tasks["data_unit"].tolist()[:40]
        results = [{"image_id": u, "category_id": 1, "bbox": [10, 20, 30, 40 + i], "score": 0.5}
                   for i, u in enumerate(units) for _ in range(3)]
        results[0]["bbox"] = [10, 20, float("nan"), 40]
        results[3]["score"] = 1.5
        results[6]["bbox"] = [1, 2, 3]
        text = "\n  " + json.dumps(results)  # json.dumps writes NaN, as many tools do
        assert len(text) > 4096
        plan = snb.upload_predictions(c, text, project=1)  # was: File name too long
        by_unit = plan.set_index("data_unit")
        assert by_unit.at[units[0], "reason"] == "row 0: bbox: x2 is NaN"
        assert by_unit.at[units[1], "reason"] == "row 3: score 1.5 is outside [0, 1]"
        assert by_unit.at[units[2], "reason"] == "row 6: bbox [1, 2, 3] is not [x, y, w, h]"
        assert (plan["status"] == "invalid").sum() == 3
        assert plan["status"].isin(["new", "exists", "invalid"]).all() and len(plan) == 40
        with pytest.raises(FileNotFoundError, match="neither a file nor JSON text"):
            snb.upload_predictions(c, "no-such-results.json", project=1)


def test_polygons_are_checked_point_by_point(live_server):
    with SynapseClient(live_server.base_url, access_token=live_server.access_token) as c:
        t = _tasks(c, 1)[:3]
        pred = pd.DataFrame({"task": t, "label": ["car", "car", None], "type": "polygon",
                             "points": [[[0, 0], [4, 0], [4, 3]], [[0, 0], [4, 0], [4, math.inf]],
                                        [[0, 0], [4, 0], [4, 3]]],
                             "confidence": [0.5, 0.5, 0.5]})
        plan = snb.upload_predictions(c, pred, project=1).set_index("task")
    assert plan.at[t[0], "status"] == "new"
    assert plan.at[t[0], "data"]["annotations"][0]["points"] == [[0, 0], [4, 0], [4, 3]]
    assert plan.at[t[1], "reason"] == "row 1: point 3 y is inf"
    assert plan.at[t[2], "reason"] == "row 2: no label"


_BOX = {"x1": 1.0, "y1": 2.0, "x2": 30.0, "y2": 40.0}
_NO_BOX = dict.fromkeys(_BOX, math.nan)
_TRIANGLE = [[0, 0], [4, 0], [4, 3]]


@pytest.mark.parametrize(("cells", "expected"), [
    ({**_BOX}, "bbox"),
    ({**_BOX, "type": "bbox"}, "bbox"),
    ({**_BOX, "type": math.nan}, "bbox"),
    ({**_BOX, "type": "polygon"}, "bbox"),                  # corners win over a kind without points
    ({**_NO_BOX, "x2": 30.0}, "bbox: x1 is NaN"),           # one corner: a bad box, not a classification
    ({**_NO_BOX, "type": "bbox"}, "bbox: x1 is NaN"),
    ({"type": "bbox"}, "bbox: x1 is None, not a number"),
    ({"points": _TRIANGLE}, "polygon"),
    ({"points": _TRIANGLE, "type": None}, "polygon"),
    ({"points": _TRIANGLE, "type": "line", **_BOX}, "line"),  # points win over corners
    ({"points": [], "type": "line"}, "a line without points"),
    ({"points": math.nan, "type": "polygon", **_NO_BOX}, "a polygon without points"),
    ({**_NO_BOX}, "classification"),
    ({"type": "classification", "points": None}, "classification"),
    ({**_NO_BOX, "type": "classification", "confidence": np.float32("nan")}, "classification"),
], ids=lambda v: repr(v)[:40] if isinstance(v, dict) else str(v))
def test_a_rows_kind_is_read_once_for_its_check_and_its_payload(cells, expected):
    """The check of a row and its payload read the row's kind the same way: a row the check
    passes is sent as the kind it was checked as; the others say why."""
    from synapse_nb.ml.upload import _object, _row_problem

    row = {"label": "car", "confidence": 0.5, **cells}
    problem = _row_problem(row)
    if " " in expected:  # a reason, not a kind
        assert problem == expected
        return
    assert problem is None
    obj = _object(row)
    assert obj["type"] == expected and obj["label"] == "car"
    assert ("coordinates" in obj) == (expected == "bbox")
    assert ("points" in obj) == (expected not in ("bbox", "classification"))
    conf = row["confidence"]
    assert obj.get("confidence") == (None if conf != conf else conf)  # NaN: no confidence


@pytest.mark.parametrize("value", [None, math.nan, np.nan, np.float32("nan"), np.float16("nan"),
                                   np.longdouble("nan"), pd.NA])
def test_an_empty_cell_is_missing_whatever_its_float_type(value):
    from synapse_nb.ml.shapes import missing

    assert missing(value)


@pytest.mark.parametrize("value", [0.0, np.float32(0.5), 0, 10**400, np.int64(3), True,
                                   np.bool_(False), "", "nan", [], np.array([np.nan]), math.inf])
def test_a_value_is_not_missing(value):
    from synapse_nb.ml.shapes import missing

    assert not missing(value)
