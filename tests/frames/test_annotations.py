"""Annotation extraction on hand-made payloads: geometry, annotator, one row per object."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pytest

from synapse_nb.frames import AnnotationConverter, annotations_frame, table_to_frame
from synapse_nb.frames.annotations import ANNOTATION_COLUMNS, shape_geometry

from .fakes import FakeClient, make_task


def ann_frame(records, source="tasks"):
    conv = AnnotationConverter(source)
    batch = conv.convert(records)
    return table_to_frame(pa.Table.from_batches([batch], schema=conv.schema), conv.columns, index=None)


def test_bbox_and_polygon_geometry():
    df = ann_frame([make_task(3, n_ann=2)])
    assert len(df) == 2
    box, poly = df.iloc[0], df.iloc[1]
    assert (box.x1, box.y1, box.x2, box.y2) == (0, 0, 10, 5)
    assert (box.width, box.height, box.area) == (10, 5, 50)
    assert box.confidence == 0.5 and box.label == "person" and box.type == "bbox"
    assert poly.type == "polygon" and poly.area == 6.0 and (poly.width, poly.height) == (4, 3)
    assert poly.points == [[0.0, 0.0], [4.0, 0.0], [4.0, 3.0]]
    assert box.annotator == "user0"  # from the payload's metadata
    assert box.source == "task" and box.source_id == 3 and box.project == 7 and box.data_unit == 1003
    assert box.primary_file_url.endswith("/files/3.jpg?sig=x")


def test_other_shapes_of_geometry():
    assert shape_geometry({"coordinates": {"x": 1, "y": 2, "width": 3, "height": 4}})[0] == (1, 2, 4, 6)
    assert shape_geometry({"type": "bbox", "coordinates": [10, 10, 0, 0]})[0] == (0, 0, 10, 10)
    box, pts, area = shape_geometry({"type": "polyline", "points": [{"x": 0, "y": 0}, {"x": 2, "y": 5}]})
    assert box == (0, 0, 2, 5) and area is None and len(pts) == 2
    assert shape_geometry({"type": "classification"}) == (None, None, None)
    with pytest.raises(ValueError):
        shape_geometry({"type": "bbox", "coordinates": [1, 2]})


def test_rows_match_objects_one_for_one_and_bad_geometry_keeps_its_row():
    tasks = [make_task(i, n_ann=i % 4) for i in range(1, 30)]
    tasks.append({"id": 99, "data": {"annotations": [{"type": "bbox", "coordinates": "oops",
                                                        "label": "x", "annotator": 5, "id": 17,
                                                        "attributes": {"occluded": True}}]}})
    tasks.append({"id": 100, "data": None})
    df = ann_frame(tasks)
    expected = [(t["id"], k) for t in tasks if (t.get("data") or {}).get("annotations")
                for k in range(len(t["data"]["annotations"]))]
    assert list(zip(df.source_id, df["index"])) == expected
    bad = df[df.source_id == 99].iloc[0]
    assert pd.isna(bad.x1) and bad.label == "x" and bad.annotator == "5" and bad.annotation_id == "17"
    assert json.loads(bad.extra) == {"attributes": {"occluded": True}}


def test_empty_has_declared_columns():
    df = ann_frame([])
    assert list(df.columns) == [c.name for c in ANNOTATION_COLUMNS]
    assert str(df["x1"].dtype) == "Float64" and str(df["type"].dtype) == "category"


def test_from_a_tasks_frame_and_from_a_client_agree():
    from synapse_nb.frames import tasks_frame

    client = FakeClient([make_task(i, n_ann=3) for i in range(1, 12)])
    direct = annotations_frame(client, project=7)
    via_frame = annotations_frame(tasks_frame(client, project=7))
    assert len(direct) == 33
    pd.testing.assert_frame_equal(direct, via_frame)


def test_ground_truth_events_source():
    events = [{"id": 5, "project": 2, "category": "train",
               "data_unit": {"id": 8, "files": {"a": {"url": "http://h/8.png", "is_primary": True}}},
               "data": {"annotations": [{"type": "bbox", "coordinates": [0, 0, 1, 1], "label": "cat"}]}}]
    df = ann_frame(events, "ground_truth_events")
    assert df.iloc[0].source == "ground_truth_event" and df.iloc[0].data_unit == 8
    assert df.iloc[0].primary_file_url == "http://h/8.png"
