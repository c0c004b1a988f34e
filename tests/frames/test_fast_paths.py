"""The v2 read's C-level fast paths (issue 23) give what the general paths give.

Each fast path is taken only when its input has the common shape, and falls back to the
general path otherwise; these tests hold both to the same answer on good and hostile
input: slim pages read for their ids (``ids_page``), bulk answers already in the order
asked, one file entry per task (``_single_entries``), and the sort of a v2 frame done by
Arrow before the pandas conversion.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec
import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pytest

from synapse_nb.client.errors import DecodingError
from synapse_nb.client.v2.flows import CursorPage, ids_page, page_flow
from synapse_nb.client.wire import decode_json
from synapse_nb.frames import views as views_module
from synapse_nb.frames.adapters import frame_from_batches
from synapse_nb.frames.convert import records_to_batch
from synapse_nb.frames.fetch import ResourceConverter
from synapse_nb.frames.schema import RESOURCES
from synapse_nb.frames.v2 import SOURCES
from synapse_nb.frames.v2_read import _typed, typed_bulk_flow
from tests.frames.flows import STUB_CLIENT, drive

TASKS = RESOURCES["tasks"]



def _page(items: Any, meta: Any = None) -> bytes:
    meta = {"request_id": "r1", "pagination": {"next_cursor": "http://h/v2/tasks/?cursor=cD0y",
                                               "previous_cursor": None, "per_page": 2}} \
        if meta is None else meta
    return orjson.dumps({"data": items, "meta": meta})


# ---- slim pages read for their ids ------------------------------------------------------
GOOD_PAGES = {
    "slim tasks": _page([{"id": 1, "project_id": 1, "has_data": True}, {"id": 5, "x": [1]}]),
    "ids as digit strings": _page([{"id": "7"}, {"id": 8}]),
    "last page": _page([{"id": 3}], {"pagination": {"next_cursor": None}}),
    "no pagination": _page([{"id": 3}], {"request_id": 5}),
    "empty": _page([], {"pagination": {"next_cursor": None, "previous_cursor": None}}),
    "unicode around": _page([{"id": 1, "name": "zoë 👩‍🔬", "meta": {"é": "ü"}}]),
}
HOSTILE_PAGES = {
    "an item without an id": _page([{"id": 1}, {"name": "no id"}]),
    "an id that is null": _page([{"id": None}]),
    "an id that is an object": _page([{"id": {"pk": 1}}]),
    "an id that is a float": _page([{"id": 1.0}]),
    "an item that is not an object": _page([{"id": 1}, 2]),
    "data not a list": _page({"id": 1}),
    "meta not an object": _page([{"id": 1}], ["m"]),
    "pagination not an object": _page([{"id": 1}], {"pagination": "next"}),
    "a cursor that is a number": _page([{"id": 1}], {"pagination": {"next_cursor": 5}}),
    "not json": b"<html>busy</html>",
    "no envelope": orjson.dumps([{"id": 1}]),
}


def _general(content: bytes) -> Any:
    """The page as page_flow reads it without a fast decoder, or the error it raises."""
    try:
        return drive(page_flow(STUB_CLIENT, "v2/tasks/"), decode_json(content))
    except DecodingError as err:
        return err


@pytest.mark.parametrize("case", GOOD_PAGES)
def test_ids_page_reads_the_ids_and_cursors_the_general_way_reads(case):
    content = GOOD_PAGES[case]
    page = ids_page(content)
    general = _general(content)
    assert isinstance(page, CursorPage) and isinstance(general, CursorPage)
    assert page.results == [r["id"] for r in general.results]
    assert (page.next, page.previous, page.request_id, page.per_page) == \
        (general.next, general.previous, general.request_id, general.per_page)
    # and the walk reads it through the fast decoder
    fast = drive(page_flow(STUB_CLIENT, "v2/tasks/", fast=ids_page), content)
    assert fast.results == page.results and fast.next == general.next


@pytest.mark.parametrize("case", HOSTILE_PAGES)
def test_a_page_not_of_the_ids_shape_is_read_the_general_way(case):
    content = HOSTILE_PAGES[case]
    assert ids_page(content) is None
    general = _general(content)
    try:
        fast = drive(page_flow(STUB_CLIENT, "v2/tasks/", fast=ids_page), content)
    except DecodingError as err:
        fast = err
    if isinstance(general, DecodingError):  # the same refusal, naming what is wrong
        assert type(fast) is DecodingError and str(fast) == str(general)
    else:  # a page the general way accepts: the same dicts
        assert fast.results == general.results and fast.next == general.next


# ---- bulk answers in the order asked -----------------------------------------------------
def _bulk(ids: list[Any], **changes: Any) -> bytes:
    rows = [{"id": i, "project_id": 1, "status": "pending", "data": json.dumps({"n": i}),
             "tags": [k],  # where in the answer: rows of one id sent twice differ
             "files_manifest": {"a": {"url": f"http://h/{i}.png", "is_primary": True}},
             **changes} for k, i in enumerate(ids)]
    return orjson.dumps({"data": rows, "meta": {"request_id": "r"}})


@pytest.mark.parametrize(("asked", "sent"), [
    ([1, 2, 3], [1, 2, 3]),            # the rule: the order asked (the fast path)
    ([3, 1, 2], [1, 2, 3]),            # another order: rows follow the ids asked
    ([1, 2, 3], [1, 3]),               # an id the server left out (no permission)
    ([1, 2], [1, 2, 9]),               # an id not asked for: never in the frame
    (["1", "2"], [1, 2]),              # slim ids as digit strings match their numbers
    ([1, 2], [2, 1, 2]),               # a repeated row: read as the dict path reads it
    ([1, 1], [1, 1]),                  # an id asked twice and sent twice: likewise
])
def test_typed_bulk_rows_follow_the_ids_asked(asked, sent):
    plan = _typed(SOURCES["sdk/tasks/"])
    rows = drive(typed_bulk_flow(STUB_CLIENT, "v2/tasks/bulk-fetch/", asked, plan), _bulk(sent))
    # the general reading: rows keyed by id (the last of a repeated id), in the order asked
    by_id = {r.id: r for r in plan.decode_v2_items(_bulk(sent))}
    expected = [by_id[int(i)] for i in asked if int(i) in by_id]
    assert [r.id for r in rows] == [r.id for r in expected]
    assert rows == expected  # (structs compare field by field)


# ---- one file entry per task -------------------------------------------------------------
def _files(*manifests: Any) -> list[Any]:
    decoder = msgspec.json.Decoder(views_module._FILES_VIEW)
    return [m if m is views_module.MISSING else decoder.decode(orjson.dumps(m))
            for m in manifests]


ONE = {"image_1": {"url": "http://h/1.png", "file_name_original": "1.png", "is_primary": True}}
FILE_BATCHES = {
    "one entry each": [ONE, {"x": {"url": "http://h/2.png"}}],
    "two entries, the primary second": [ONE, {"a": {"url": "http://h/a.png"},
                                              "b": {"url": "http://h/b.png", "is_primary": True,
                                                    "file_name_original": "b.png"}}],
    "two entries, none primary": [{"a": {"path": "p/a"}, "b": {"url": "u/b"}}, ONE],
    "an empty url falls to the path": [{"a": {"url": "", "path": "p/a.png"}}, ONE],
    "no url and no path": [{"a": {"file_name_original": "n.png"}}],
    "a url that is a number": [{"a": {"url": 0, "path": "p"}}, ONE],
    "a string entry": [{"a": "http://h/s.png"}, ONE],
    "a string entry after an object": [{"a": {"path": "p"}, "b": "http://h/s.png"}],
    "no files": [{}, ONE],
    "null": [None, ONE],
    "not sent": [views_module.MISSING, ONE],
}


@pytest.mark.parametrize("case", FILE_BATCHES)
def test_primary_files_fast_path_reads_what_each_row_reads(case, monkeypatch):
    files = _files(*FILE_BATCHES[case])
    views = views_module.ObjectViews(TASKS, plain={"data_unit"}, dropped=())
    n = len(files)
    got = views._primary(files, lambda _field: [None] * n, n)
    monkeypatch.setattr(views_module, "_single_entries", lambda _files: None)  # per row
    expected = views._primary(files, lambda _field: [None] * n, n)
    assert list(got[0]) == list(expected[0]) and list(got[1]) == list(expected[1])


def test_the_fast_path_is_taken_for_one_entry_per_task():
    fast = views_module._single_entries(_files(*FILE_BATCHES["two entries, the primary second"]))
    assert fast == (["http://h/1.png", "http://h/b.png"], ["1.png", "b.png"])
    assert views_module._single_entries(_files(*FILE_BATCHES["no files"])) is None


# ---- the sort of a v2 frame ----------------------------------------------------------------
def test_frame_from_batches_sorts_by_id_as_sort_index_did():
    rng = np.random.default_rng(3)
    ids = [int(i) for i in rng.permutation(60) + 1] + [5, 17]   # two ids arrive twice
    records = [{"id": i, "project": 1, "status": "pending", "priority": "high",
                "tags": [i], "meta": {"n": i, "k": k}, "created": "2025-01-01T00:00:00Z"}
               for k, i in enumerate(ids)]
    converter = ResourceConverter(TASKS)
    batches = [records_to_batch(records[k:k + 7], TASKS)[0] for k in range(0, len(records), 7)]
    unsorted, dups = frame_from_batches(list(batches), converter)
    got, got_dups = frame_from_batches(list(batches), converter, sort_by_index=True)
    assert dups == got_dups == 2 and got.index.is_monotonic_increasing
    pd.testing.assert_frame_equal(got, unsorted.sort_index(), check_dtype=True)
    # of an id sent twice, the row that arrived first is kept
    assert json.loads(got.loc[5, "meta"])["k"] == ids.index(5)


def test_an_already_sorted_frame_is_not_taken_again(monkeypatch):
    records = [{"id": i, "project": 1} for i in range(1, 6)]
    batch = records_to_batch(records, TASKS)[0]
    monkeypatch.setattr(np, "argsort", lambda *_a, **_k: pytest.fail("sorted rows sorted again"))
    got, _ = frame_from_batches([batch], ResourceConverter(TASKS), sort_by_index=True)
    assert got.index.tolist() == [1, 2, 3, 4, 5]


# ---- JSON text columns made from the joined bytes ------------------------------------------
TEXT_SOURCES = {
    "bytes": [b'{"a":1}', b'[1,2]', b'"s"'],
    "bytes with gaps": [b'{"a":1}', None, views_module.MISSING, b'{}'],
    "unicode bytes": ['{"é":"日本☕"}'.encode(), b'{"k":"\xf0\x9f\x91\xa9"}'],
    "a null text": [b'{"a":1}', b"null"],
    "whitespace and escapes": [b'{"a": 1}', b'{"q":"\\"x\\""}'],
    "all missing": [views_module.MISSING, None],
    "str (v2 data)": ['{"annotations":[]}', None, '{"é":1}'],
}


@pytest.mark.parametrize("case", TEXT_SOURCES)
def test_text_array_is_the_texts_arrow_array(case):
    sources = TEXT_SOURCES[case]
    got = views_module.text_array(sources)
    expected = pa.array(views_module.texts(sources), pa.string())
    assert got.equals(expected), (got.to_pylist(), expected.to_pylist())
    assert got.null_count == expected.null_count
    sent = [s for s in sources if s is not None and s is not views_module.MISSING]
    fast = views_module._joined_as_received(sent) is not None
    assert fast == (case in ("bytes", "bytes with gaps", "unicode bytes"))


def test_text_array_refuses_bytes_that_are_not_utf8_as_texts_does():
    sources = [b'{"a":1}', b'"\xff"']
    with pytest.raises(UnicodeDecodeError):
        views_module.texts(sources)
    with pytest.raises(UnicodeDecodeError):
        views_module.text_array(sources)
