"""Typed decoding (frames/typed.py, views.py, typed_pages.py) gives the frames the record
path gives: on the demo data over v1 and v2, and on hostile pages (missing fields, nulls,
extra fields, unicode, escapes, whitespace, wrong types, odd objects).

The reference is the record path as it was before typed decoding: the body decoded by
orjson (``decode_json``), v2 records brought to v1 shapes (``SOURCES[...].normalize``),
then ``records_to_batch``: :func:`_reference_frame`.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import orjson
import pandas as pd
import pytest

from synapse_nb.client import DecodingError, SynapseClient
from synapse_nb.client.ops import Call
from synapse_nb.client.v2.flows import bulk_flow, v2_headers
from synapse_nb.client.wire import decode_json
from synapse_nb.frames import assignments_frame, tasks_frame
from synapse_nb.frames import views as views_module
from synapse_nb.frames.adapters import frame_from_batches
from synapse_nb.frames.convert import ConversionStats, records_to_batch
from synapse_nb.frames.fetch import ResourceConverter
from synapse_nb.frames.schema import RESOURCES
from synapse_nb.frames.typed import plan_of, typed_plan
from synapse_nb.frames.typed_pages import _page_flow
from synapse_nb.frames.v2 import SOURCES
from synapse_nb.frames.v2_read import V2Pages, _Plan, _typed, typed_bulk_flow
from tests.frames.flows import STUB_CLIENT, drive

TASKS = RESOURCES["tasks"]


# ---- the two paths on the same bytes --------------------------------------------------
def _reference_frame(pages: list[bytes], api: str, kind: str = "tasks") -> tuple[pd.DataFrame, dict]:
    """The record path: orjson dicts (v2: normalized to v1 shapes), records_to_batch."""
    resource = RESOURCES[kind]
    stats = ConversionStats()
    batches = []
    normalize = SOURCES[f"sdk/{kind}/"].normalize
    seen: set[Any] = set()
    for content in pages:
        if api == "v1":
            records = decode_json(content)["results"]
        else:  # bulk_flow (the answer decoded by the client, rows picked by the ids asked)
            flow = bulk_flow(STUB_CLIENT, "v2/tasks/bulk-fetch/", _asked(content))
            next(flow)
            try:
                flow.send([decode_json(content)])
            except StopIteration as stop:
                records = [normalize(r) for r in stop.value]
        fresh = []
        for r in records:  # what paginate / the v2 read drop: ids already seen
            rid = r.get("id") if isinstance(r, dict) else None
            if rid is not None and rid in seen:
                continue
            seen.add(rid)
            fresh.append(r)
        batches.append(records_to_batch(fresh, resource, stats)[0])
    df, _ = frame_from_batches(batches, ResourceConverter(resource))
    return df, stats.as_dict()




def _asked(content: bytes) -> list[int]:
    """The ids a v2 read asks the bulk endpoint for (those of its slim page)."""
    return [r["id"] for r in orjson.loads(content)["data"]
            if isinstance(r, dict) and isinstance(r.get("id"), int)]



def _typed_frame(pages: list[bytes], api: str, kind: str = "tasks") -> tuple[pd.DataFrame, dict]:
    """What tasks_frame does with the same bytes: the page flows of typed_pages (v1) or
    typed_bulk_flow + the v2 read's accept (v2), then the converter."""
    resource = RESOURCES[kind]
    rows: list[Any] = []
    if api == "v1":
        plan = typed_plan(resource)
        assert plan is not None
        seen: set[Any] = set()
        for content in pages:
            for row in drive(_page_flow("sdk/tasks/", {"page": 1}, plan), content)["results"]:
                rid = row.get("id") if isinstance(row, dict) else row.id
                if rid is not None and rid in seen:
                    continue
                seen.add(rid)
                rows.append(row)
    else:
        source = SOURCES[f"sdk/{kind}/"]
        read = _Plan(STUB_CLIENT, source, {}, 1000, 1, typed=True)
        for content in pages:
            got = drive(typed_bulk_flow(STUB_CLIENT, source.bulk_path, _asked(content), read.typed),
                         content)
            rows += read.accept(got)
    stats = ConversionStats()
    batch = ResourceConverter(resource).convert(rows, stats)
    df, _ = frame_from_batches([batch], ResourceConverter(resource))
    return df.sort_index() if api == "v2" else df, stats.as_dict()


def _assert_same(pages: list[bytes], api: str, kind: str = "tasks") -> None:
    expected, expected_stats = _reference_frame(pages, api, kind)
    got, got_stats = _typed_frame(pages, api, kind)
    if api == "v2":
        expected = expected.sort_index()
    pd.testing.assert_frame_equal(got, expected, check_dtype=True, check_categorical=True)
    assert got_stats == expected_stats


# ---- hostile records ----------------------------------------------------------------------
BASE: dict[str, Any] = {
    "id": 1, "project": 1, "data_unit": 2,
    "data": {"annotations": [{"type": "bbox", "coordinates": [1, 2, 3, 4], "label": "car"}],
             "metadata": {"annotator_id": "ann", "timestamp": "2025-01-01T00:00:00+00:00"}},
    "status": "pending", "assignee": 3, "priority": "high", "tags": [1, 2],
    "meta": {"source": "x"}, "is_discarded": False, "created": "2025-01-01T00:00:00Z",
    "modified": "2025-01-02T00:00:00.5+00:00",
    "files": {"image_1": {"url": "http://h/x.png", "file_name_original": "x.png",
                          "is_primary": True}},
}


def _with(**changes: Any) -> dict[str, Any]:
    record = copy.deepcopy(BASE)
    record.update(changes)
    return record


HOSTILE: dict[str, dict[str, Any]] = {
    "only an id": {"id": 2},
    "nulls": {**{k: None for k in BASE}, "id": 3},
    "extra field": _with(id=4, surprise={"a": [1, "b"]}),
    "unicode": _with(id=5, meta={"note": "café ☕ 日本"},
                     data={"annotations": [], "metadata": {"annotator_id": "zoë 👩‍🔬"}},
                     files={"img": {"url": "http://h/é.png", "file_name_original": "é.png"}}),
    "wrong types": _with(id=6, project="7", assignee="x", tags=["a"], status=5, created=12345,
                         is_discarded="yes"),
    "data not an object": _with(id=7, data=[1, 2]),
    "metadata a string, annotations an object": _with(id=8, data={"metadata": "m",
                                                                  "annotations": {"a": 1}}),
    "annotations and metadata null": {"id": 9, "data": {"annotations": None, "metadata": None}},
    "files: a string entry and a primary path": {"id": 10, "files": {
        "a": "http://h/a.png", "b": {"path": "p/b.png", "is_primary": True}}},
    "files: only a string entry": {"id": 11, "files": {"a": "http://h/a.png"}},
    "files empty, data null": {"id": 12, "files": {}, "data": None},
    "expanded data unit": _with(id=13, data_unit={"id": 2, "data_collection": 9,
                                                  "files": {"a": {"url": "u"}}}),
    "enum values outside the declared set": _with(id=14, status="archived", priority="urgent"),
    "v2 spellings (aliases)": {"id": 15, "project_id": 4, "data_unit_id": 5, "assignee_id": 6,
                               "workshop_id": 7},
    "floats in data": {"id": 16, "data": {"score": 0.5, "box": [0.1, 2.25, 1e-07]}},
    "an id beyond 64 bits": _with(id=17, assignee=2**63),
    "no id": {"project": 1, "status": "pending"},
    "a duplicate id": _with(id=1, status="completed"),
    "a time that is no time": _with(id=18, created="yesterday"),
    "a metadata value that is not text": _with(id=19, data={"metadata": {"annotator_id": 42,
                                                                         "timestamp": 1700000000}}),
    "an id that is text": _with(id="20"),
    "annotations without metadata": {"id": 22, "data": {"annotations": [{}, {"a": [1]}]}},
    "a file name with spaces and quotes": _with(id=21, files={"a": {
        "url": "http://h/a b.png", "file_name_original": 'my "best" shot.png'}}),
}


def _v1_page(records: list[Any]) -> bytes:
    return orjson.dumps({"count": len(records), "next": None, "previous": None,
                         "results": records})


def _v2_item(record: dict[str, Any]) -> dict[str, Any]:
    """A v1 record as the v2 bulk answer sends it: data as JSON text, files_manifest,
    v2 bookkeeping fields."""
    item = {k: v for k, v in record.items() if k != "files"}
    if isinstance(item.get("data"), (dict, list)):
        item["data"] = orjson.dumps(item["data"]).decode()
    if "files" in record:
        item["files_manifest"] = record["files"]
    if "id" in record:
        item.update({"has_data": item.get("data") is not None, "schema": "dm_schema_v1",
                     "workshop_id": 1, "data_collection_id": 1})
    return item


def _v2_page(items: list[Any]) -> bytes:
    return orjson.dumps({"data": items, "meta": {"request_id": "req_1",
                                                 "pagination": {"next_cursor": None}}})


def _pages(records: list[Any], api: str) -> list[bytes]:
    if api == "v1":
        return [_v1_page(records)]
    return [_v2_page([_v2_item(r) if isinstance(r, dict) else r for r in records])]


# (v2 bulk answers are asked for by integer id: a text id is never asked for on v2)
@pytest.mark.parametrize("case, api", [(case, api) for case in HOSTILE for api in ("v1", "v2")
                                       if (case, api) != ("an id that is text", "v2")])
def test_hostile_record_gives_the_record_paths_frame(case, api):
    if (case, api) == ("no id", "v2"):
        # a v2 bulk item without an id is a broken answer: both paths refuse it alike
        pages = _pages([BASE, HOSTILE[case]], api)
        for frame in (_reference_frame, _typed_frame):
            with pytest.raises(DecodingError, match="integer id on every item"):
                frame(pages, api, "tasks")
        return
    _assert_same(_pages([BASE, HOSTILE[case]], api), api)


@pytest.mark.parametrize("api", ["v1", "v2"])
def test_all_hostile_records_in_one_page_and_in_pages_of_mixed_kinds(api):
    everything = [r for case, r in HOSTILE.items()
                  if case != "an id that is text" and (case, api) != ("no id", "v2")]
    _assert_same(_pages(everything, api), api)
    # pages alternately typed and not: one batch of both kinds, concatenated
    plain = [BASE, _with(id=30), _with(id=31, meta={"é": "ü"})]
    odd = [_with(id=40, surprise=1), _with(id=41)]
    pages = _pages(plain, api) + _pages(odd, api) + _pages([_with(id=50)], api)
    _assert_same(pages, api)


# rows whose views decode (a view that refuses its object sends the whole batch to the
# record path), some taking the C-level paths and some not
SLICED = ["only an id", "nulls", "unicode", "annotations and metadata null",
          "files: a string entry and a primary path", "files: only a string entry",
          "files empty, data null", "floats in data", "annotations without metadata"]


@pytest.mark.parametrize("api", ["v1", "v2"])
@pytest.mark.parametrize("view_slice", [1, 4, 256])
def test_objects_read_slice_by_slice_give_the_record_paths_frame(api, view_slice, monkeypatch):
    """Object columns are read ``VIEW_SLICE`` rows at a time (views.py: so that a batch's
    views do not feed the collector): 600 rows, odd ones where slices begin and end,
    some slices on the fast paths and some not, equal the record path."""
    monkeypatch.setattr(views_module, "VIEW_SLICE", view_slice)
    records: list[Any] = [_with(id=1000 + k, tags=[k]) for k in range(600)]
    for k, case in enumerate(SLICED):
        for at in (3 + k, 255 + k, 511 - k):
            records[at] = {**HOSTILE[case], "id": 1000 + at}
    _assert_same(_pages(records, api), api)


def test_typed_rows_are_what_the_demo_pages_decode_to():
    plan = typed_plan(TASKS)
    assert plan is not None
    body = plan.decode_v1_page(_v1_page([BASE]))
    assert plan_of(body["results"][0]) is plan
    # a page not of the typed shape is read as decode_json reads it
    assert plan.decode_v1_page(_v1_page([_with(surprise=1)])) == decode_json(_v1_page([_with(surprise=1)]))
    assert plan.decode_v1_page(b"not json") == "not json"


@pytest.mark.parametrize("api", ["v1", "v2"])
def test_json_written_with_whitespace_and_escapes_is_written_as_orjson_would(api):
    meta = {"note": "caf\u00e9 \"q\" \\ slash\n", "n": [1, 2]}
    record = _with(id=60, meta=meta, data={"metadata": {"annotator_id": "a b"}})
    if api == "v1":
        text = json.dumps({"count": 1, "next": None, "results": [BASE, record]}, indent=2)
        pages = [text.encode()]  # pretty-printed, ASCII-escaped (json's defaults)
    else:
        item = _v2_item(record)
        item["data"] = json.dumps(record["data"], indent=1)  # data text with whitespace
        pages = [json.dumps({"data": [_v2_item(BASE), item], "meta": {}}).encode()]
    _assert_same(pages, api)
    got, _ = _typed_frame(pages, api)
    assert got.loc[60, "meta"] == orjson.dumps(meta).decode()


@pytest.mark.parametrize("api", ["v1", "v2"])
def test_v2_data_text_empty_or_null(api):
    if api == "v1":
        pages = [_v1_page([_with(id=70, data=None), {"id": 71}])]
    else:
        items = [_v2_item(_with(id=70)) | {"data": ""}, _v2_item(_with(id=71)) | {"data": "null"},
                 {k: v for k, v in _v2_item(_with(id=72)).items() if k != "data"}]
        pages = [_v2_page(items)]
    _assert_same(pages, api)


def test_number_spelling_is_kept_as_sent_and_means_the_same():
    """The one documented difference (frames/views.py): an object's JSON text keeps the
    server's spelling of numbers; the value is the same."""
    page = b'{"count":1,"next":null,"results":[{"id":1,"meta":{"x":1.50,"y":1E2}}]}'
    got, _ = _typed_frame([page], "v1")
    expected, _ = _reference_frame([page], "v1")
    assert got.loc[1, "meta"] == '{"x":1.50,"y":1E2}'
    assert json.loads(got.loc[1, "meta"]) == json.loads(expected.loc[1, "meta"])
    pd.testing.assert_frame_equal(got.drop(columns="meta"), expected.drop(columns="meta"))


def test_assignments_v2_bulk_typed_like_records():
    record = {"id": 1, "task": 2, "project": 3, "user": 4, "reviewer": None,
              "status_label": "completed", "status_review": "rejected", "is_confirmed": True,
              "is_discarded": False, "tags": [1], "created": "2025-01-01T00:00:00Z",
              "modified": None, "data": {"annotations": [{}]}, "file": "http://h/f.png",
              "files": {"a": {"url": "http://h/a.png"}}}
    v2 = {"id": 1, "task_id": 2, "project_id": 3, "user_id": 4, "reviewer_id": None,
          "status_label": "completed", "status_review": "rejected", "is_confirmed": True,
          "is_discarded": False, "tags": [1], "created": "2025-01-01T00:00:00Z",
          "modified": None, "data": '{"annotations":[{}]}', "file": "http://h/f.png",
          "files_manifest": {}, "data_unit_id": 5}
    _assert_same([_v2_page([v2, {**v2, "id": 2, "data": None, "file": None}])], "v2",
                 "assignments")
    assert record  # the v1 spelling of the same row, for the reader


# ---- the demo data, over the live server --------------------------------------------------


def _one(call: Call) -> Any:
    return (yield call)


def _raw_pages_v1(client: SynapseClient, path: str) -> list[bytes]:
    pages, page = [], 1
    while True:
        content = client.run_flow(_one(Call("GET", path, params={"page": page, "page_size": 100},
                                            raw=True)))
        pages.append(content)
        if not orjson.loads(content)["next"]:
            return pages
        page += 1


def test_demo_tasks_v1_pages_typed_equal_the_record_path(clients):
    pages = _raw_pages_v1(clients[0], "sdk/tasks/")
    assert sum(len(orjson.loads(p)["results"]) for p in pages) > 100
    _assert_same(pages, "v1")


def test_demo_tasks_v2_bulk_typed_equal_the_record_path(clients):
    v2 = clients[1]
    ids = [t["id"] for t in v2.v2.tasks.list(per_page=1000, list_all=True)]
    pages = [v2.run_flow(_one(Call("POST", "v2/tasks/bulk-fetch/", json={"ids": ids[k:k + 200]},
                                   params={"response_mode": "inline"}, raw=True,
                                   headers=v2_headers(v2.config))))
             for k in range(0, len(ids), 200)]
    _assert_same(pages, "v2")


@pytest.mark.parametrize("frame, kind", [(tasks_frame, "tasks"), (assignments_frame, "assignments")])
def test_demo_frames_equal_the_record_path_end_to_end(clients, frame, kind):
    """tasks_frame / assignments_frame (typed) against the same walks read as dicts."""
    v1, v2 = clients
    resource = RESOURCES[kind]
    records = [r for page in v1.paginate(resource.path, {}) for r in page]
    expected, _ = frame_from_batches([records_to_batch(records, resource)[0]],
                                     ResourceConverter(resource))
    got = frame(v1, progress=False)
    pd.testing.assert_frame_equal(got, expected)
    source = SOURCES[resource.path]
    assert _typed(source) is not None
    v2_records = [r for page in V2Pages(v2, source, {}) for r in page]  # dicts (typed=False)
    expected_v2, _ = frame_from_batches([records_to_batch(v2_records, resource)[0]],
                                        ResourceConverter(resource))
    pd.testing.assert_frame_equal(frame(v2, progress=False), expected_v2.sort_index())


def test_the_walk_drops_typed_rows_seen_before_by_their_id():
    """PagePlan (client/pagination.py) dedups typed rows as it does dicts: a row moved
    to a later page during the walk is not counted twice."""
    from synapse_nb.client.pagination import PagePlan

    plan = typed_plan(TASKS)
    assert plan is not None
    walk = PagePlan({}, page_size=2)
    first = walk.accept(plan.decode_v1_page(_v1_page([BASE, _with(id=2)]))["results"])
    again = walk.accept(plan.decode_v1_page(_v1_page([_with(id=2), _with(id=3)]))["results"])
    assert [r.id for r in first] == [1, 2] and [r.id for r in again] == [3]
    assert walk.report.duplicates_dropped == 1


@pytest.mark.parametrize("kind", ["ground_truth_events", "models", "projects", "data_units",
                                  "task_tags"])
def test_every_typed_v1_frame_of_the_demo_equals_the_record_path(clients, kind):
    """Every v1 resource with a typed plan (jobs has text ids: record path), end to end.
    (v1 ground-truth events send ``data_unit`` as an object: their pages fall back to the
    record path, which this also covers.)"""
    from synapse_nb.frames.api import FRAME_FUNCTIONS

    v1 = clients[0]
    resource = RESOURCES[kind]
    assert typed_plan(resource) is not None
    records = [r for page in v1.paginate(resource.path, {}) for r in page]
    assert records, kind
    expected, _ = frame_from_batches([records_to_batch(records, resource)[0]],
                                     ResourceConverter(resource))
    pd.testing.assert_frame_equal(FRAME_FUNCTIONS[f"{kind}_frame"](v1, progress=False), expected)
