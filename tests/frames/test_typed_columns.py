"""The column steps of typed decoding that run in C when every row is alike (views.texts,
typed._raw_sources, dotted view columns, the primary file read once for two columns)
give what the per-row steps give: unit by unit against the per-row definition, and whole
frames against the record path on pages where every row sends every object (the paths in
C), where some rows miss or null an object (the per-row paths), and unicode.
"""

from __future__ import annotations

import gc
from typing import Any

import orjson
import pytest
from msgspec import Raw

from synapse_nb.frames.arrays import _json_texts
from synapse_nb.frames.schema import RESOURCES
from synapse_nb.frames.typed import _raw_source, _raw_sources, rows_to_batch, typed_plan
from synapse_nb.frames.views import MISSING, _risky, text_array, texts
from tests.frames.test_typed import BASE, _assert_same, _pages, _with


def _texts_row_by_row(sources: list[Any]) -> list[Any]:
    """The definition: each text as received, unless orjson would write it otherwise."""
    out = []
    for s in sources:
        if s is MISSING or s is None:
            out.append(None)
        elif _risky(s):
            value = orjson.loads(s)
            out.append(None if value is None else _json_texts([value])[0])
        else:
            text = s if isinstance(s, str) else str(s, "utf-8")
            out.append(None if text == "null" else text)
    return out


# no whitespace or escape: kept as received, the path in C (texts with them are written again)
_BYTES = [b'{"a":1}', '{"é":"☕日本"}'.encode(), b"[1,2]", b'"x"', b"3"]
_TEXT = ['{"a":1}', '{"é":"☕日本👩‍🔬"}', "[]", "null", '"x"']


@pytest.mark.parametrize("sources", [
    _BYTES, _TEXT,                                   # every row sent: one decode, no loop
    [MISSING, *_BYTES, None, MISSING], [None, *_TEXT, MISSING],   # gaps
    [*_BYTES, b"null"],                              # a null written as text
    [*_TEXT, '{"a": 1}'], [*_BYTES, b'{"a":"\\u00e9"}'],          # whitespace, escapes
    [MISSING, None], [], [b"{}"] * 3,
], ids=["bytes", "text", "bytes with gaps", "text with gaps", "bytes null", "whitespace",
        "escape", "nothing sent", "no rows", "alike"])
def test_texts_equal_the_row_by_row_definition(sources):
    assert texts(list(sources)) == _texts_row_by_row(list(sources))


def test_raw_sources_equal_raw_source_of_each_value():
    full = [Raw(b'{"a":1}'), Raw('{"é":1}'.encode()), Raw(b"[]")]
    for values in (full, [*full, Raw(b"")], [*full, Raw(b"null")], [Raw(b"")] * 3, []):
        # (every row sent: the Raw texts themselves, not copies; they read as bytes do)
        got = [bytes(s) if isinstance(s, Raw) else s for s in _raw_sources(list(values))]
        assert got == [_raw_source(v) for v in values]
    assert _raw_sources([Raw(b"")] * 2) == [MISSING, MISSING]


@pytest.mark.parametrize("texts_sent", [[b'{"a":1}', '{"é":1}'.encode(), b"[]"],
                                        [b'{"a": 1}', b'{"b":"\\u00e9"}'], [b"\xff"]],
                         ids=["as received", "whitespace and escapes", "not utf-8"])
def test_text_array_reads_raw_texts_as_their_bytes(texts_sent):
    """Sources of msgspec Raw (what _raw_sources gives when every row sends the object)
    make the array their bytes make, on the joined path and the per-text one."""
    def array(sources):
        try:
            return text_array(sources)
        except UnicodeDecodeError as err:
            return type(err)
    assert array([Raw(t) for t in texts_sent]) == array(list(texts_sent))


def _rows(n: int) -> list[dict[str, Any]]:
    return [_with(id=k, meta={"n": k, "note": "café☕"},
                  data={"annotations": [{"k": j} for j in range(k % 3)],
                        "metadata": {"annotator_id": f"zoë{k}", "timestamp":
                                     f"2025-01-0{1 + k % 9}T00:00:00+00:00"}},
                  files={"a": {"url": f"http://h/{k}.png", "file_name_original": f"{k}.png"},
                         "b": {"url": f"http://h/{k}b.png", "is_primary": k % 2 == 0}})
            for k in range(1, n + 1)]


@pytest.mark.parametrize("api", ["v1", "v2"])
def test_a_page_where_every_row_sends_every_object_equals_the_record_path(api):
    _assert_same(_pages(_rows(12), api), api)


@pytest.mark.parametrize("api", ["v1", "v2"])
@pytest.mark.parametrize("gap", [
    {"data": None}, {"files": None}, {"meta": None},
    {"data": {"annotations": [], "metadata": None}}, {"files": {}},
], ids=["data null", "files null", "meta null", "metadata null", "files empty"])
def test_one_row_unlike_the_others_equals_the_record_path(api, gap):
    rows = _rows(6)
    rows[3] = {**rows[3], **gap}
    rows.append({k: v for k, v in BASE.items() if k not in ("data", "files", "meta")} | {"id": 99})
    _assert_same(_pages(rows, api), api)


def test_a_batch_of_views_does_not_feed_the_collector():
    """The views of 4,000 rows (a dict and a list a row) are read in slices, so converting
    the batch sets off (almost) no collection; the whole batch's views alive at once set
    off a young collection every ~350 rows."""

    plan = typed_plan(RESOURCES["tasks"])
    rows = plan.decode_v1_page(_pages([_with(id=k, tags=[k]) for k in range(1, 4001)],
                                      "v1")[0])["results"]
    counted = []

    def count(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            counted.append(info["generation"])
    gc.collect()
    gc.callbacks.append(count)
    try:
        rows_to_batch(rows, plan)
    finally:
        gc.callbacks.remove(count)
    assert len(counted) <= 2, counted
