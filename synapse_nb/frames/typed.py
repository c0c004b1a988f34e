"""Pages decoded straight into typed rows (msgspec), and typed rows to record batches.

The obvious way to read a page (``orjson.loads`` into a dict per row, then Arrow reading
the dicts) builds every value of every row as a Python object that the garbage collector
then walks again and again. Here a page is decoded once, by msgspec, into one small
struct per row that holds only what the frame keeps: plain fields (ids, enums, times,
flags, id lists) already typed, and each free-form object (``data``, ``meta``,
``files``) as its raw JSON bytes (``msgspec.Raw``), not parsed. The structs are not
tracked by the collector. Each raw object is then parsed once (orjson) and written once
as the frame's JSON text, and the computed columns (primary file, annotation count) and
dotted columns (``data.metadata.annotator_id``) read the parsed objects with the same
code as every other frame. v2 bulk payloads carry ``data`` as a JSON string: it is
decoded as a string and parsed once, never parsed inside a parsed page and again per row.

A row struct declares exactly the fields the frame knows (unknown fields refused), with
their types. A page that is not that shape (an unknown field, a string where an id is
declared, an expanded object, a row without id, ...) is read as before
(:func:`synapse_nb.client.wire.decode_json`, then
:func:`~synapse_nb.frames.convert.records_to_batch`), so a frame never depends on which
way its pages went: tests compare both on hostile pages.

Example:
    >>> from synapse_nb.frames.schema import RESOURCES
    >>> plan = typed_plan(RESOURCES["tasks"])
    >>> body = plan.decode_v1_page(b'{"count":1,"next":null,"results":[{"id":3,"status":"pending"}]}')
    >>> batch = rows_to_batch(body["results"], plan)
    >>> batch.num_rows, batch.column(batch.schema.get_field_index("status")).to_pylist()
    (1, ['pending'])
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter
from typing import Any, Optional, Union

import msgspec
import orjson
import pyarrow as pa
from msgspec import UNSET, Raw, UnsetType

from synapse_nb.client.wire import decode_json

from .arrays import ConversionStats, _json_texts, column_array
from .computed import _annotation_counts, _primary_file_names, _primary_file_urls
from .convert import CHUNK_ROWS, _raw_values
from .schema import Resource
from .views import MISSING, ObjectViews

__all__ = ["Shape", "TypedPlan", "typed_plan", "rows_to_batch", "plan_of", "V1_SHAPE"]


@dataclass(frozen=True)
class Shape:
    """How a source's records differ from the v1 shape the columns read.

    ``dropped``: fields sent and left out of the frame (v2 bookkeeping); ``text_json``:
    objects sent as JSON text (v2 bulk ``data``); ``renames``: (sent name, v1 name) pairs
    taken when the v1 name is not sent (v2 ``files_manifest`` -> ``files``).
    """

    dropped: tuple[str, ...] = ()
    text_json: tuple[str, ...] = ()
    renames: tuple[tuple[str, str], ...] = ()


V1_SHAPE = Shape()

# JSON types of the plain kinds (times and enums are read as text, then cast by Arrow
# exactly as column_array does). Id and label lists are tuples: a row's list would be a
# container the cyclic collector tracks for as long as its page waits for conversion
# (a list per task made a 30k-task read collect 40 more times, and walk the old
# generation); a tuple of numbers or strings is untracked by the first collection that
# sees it, and Arrow reads it as it reads a list.
_PLAIN: dict[str, Any] = {"int": int, "float": float, "str": str, "bool": bool, "ts": str,
                          "enum": str, "ints": tuple[int, ...], "strs": tuple[str, ...]}
# record fields a computed column reads
_COMPUTED_READS: dict[Any, tuple[str, ...]] = {
    _primary_file_urls: ("files", "data_unit", "file"),
    _primary_file_names: ("files", "data_unit", "file"),
    _annotation_counts: ("data",),
}
_EMPTY = Raw(b"")
_NULL = Raw(b"null")


def _raw_source(value: Raw) -> Any:
    if not value:
        return MISSING
    text = bytes(value)
    return None if text == b"null" else text


def _raw_sources(values: list[Raw]) -> list[Any]:
    """:func:`_raw_source` of each value; a Python step per row only when some object is
    missing or null (the membership tests and ``bytes`` run in C)."""
    empty = values.count(_EMPTY)
    if empty == len(values):  # a field not sent at all (v1 ``files`` on v2)
        return [MISSING] * len(values)
    if empty or _NULL in values:
        return [_raw_source(v) for v in values]
    return values  # Raw reads as bytes do (buffer protocol): no copy of each text

_DECODE_ERRORS = (msgspec.ValidationError, msgspec.DecodeError)


class TypedPlan:
    """One resource's row struct (for one :class:`Shape`) and how its columns are read."""

    def __init__(self, resource: Resource, shape: Shape = V1_SHAPE) -> None:
        self.resource, self.shape = resource, shape
        plain: dict[str, Any] = {}    # field -> JSON type
        objects: set[str] = set()      # fields parsed into the per-row record
        for col in resource.columns:
            if col.name == "extra":
                continue
            if col.compute is not None:
                if col.compute not in _COMPUTED_READS:
                    raise ValueError(f"{resource.name}.{col.name}: computed column not typed")
                objects.update(k for k in _COMPUTED_READS[col.compute]
                               if k in resource.known_fields)
                continue
            if col.kind == "id":
                if col.name != "id" or not pa.types.is_int64(col.type):
                    raise ValueError(f"{resource.name}: only integer ids are typed")
                continue
            for key in (col.source or col.name, *col.aliases):
                top, *rest = key.split(".")
                if rest or col.kind == "json":
                    objects.add(top)
                elif col.kind not in _PLAIN or plain.get(top, _PLAIN[col.kind]) != _PLAIN[col.kind]:
                    raise ValueError(f"{resource.name}.{col.name}: kind {col.kind} not typed")
                else:
                    plain[top] = _PLAIN[col.kind]
        for name in shape.dropped:
            plain.pop(name, None)
            objects.discard(name)
        fields: list[Any] = [("id", int)]
        fields += [(k, Optional[t], None) for k, t in plain.items()]
        raw = sorted(objects - plain.keys() - set(shape.text_json))
        fields += [(k, Raw, _EMPTY) for k in raw]
        fields += [(k, Union[str, None, UnsetType], UNSET) for k in shape.text_json]
        extra = {sent for sent, _ in shape.renames} | set(shape.dropped)
        fields += [(k, Raw, _EMPTY) for k in sorted(extra - {f[0] for f in fields})]
        name = f"{resource.name.title().replace('_', '')}Row"
        # gc=False: rows hold no reference cycles, and the collector need not walk them
        self.row: type = msgspec.defstruct(name, fields, gc=False, forbid_unknown_fields=True)
        self.plain = plain
        self.raw_keys = tuple(raw)
        self.views = ObjectViews(resource, set(plain), shape.dropped)
        #: plain fields the per-row record also needs (``data_unit`` for nested columns)
        self.plain_in_record = tuple(sorted(objects & plain.keys()))
        rows: Any = list[self.row]  # type: ignore[name-defined]
        page = msgspec.defstruct(f"{name}Page", [("results", rows), ("count", Any, None),
                                                 ("next", Any, None)], gc=False)
        envelope = msgspec.defstruct(f"{name}Envelope", [("data", rows), ("meta", Any)],
                                     gc=False)
        self._page: msgspec.json.Decoder[Any] = msgspec.json.Decoder(page)
        self._envelope: msgspec.json.Decoder[Any] = msgspec.json.Decoder(envelope)

    def decode_v1_page(self, content: bytes) -> Any:
        """A DRF page's body: ``{"count", "next", "results": [row, ...]}`` with typed rows,
        or the body as :func:`~synapse_nb.client.wire.decode_json` reads it when the
        page is not of the declared shape."""
        try:
            page: Any = self._page.decode(content)
        except _DECODE_ERRORS:
            return decode_json(content)
        return {"count": page.count, "next": page.next, "results": page.results}

    def decode_v2_items(self, content: bytes) -> list[Any] | None:
        """The typed rows of a v2 envelope ``{"data": [...], "meta": ...}``, or None when
        the body is not of the declared shape (read it the general way then)."""
        try:
            envelope: Any = self._envelope.decode(content)
            return list(envelope.data)
        except _DECODE_ERRORS:
            return None

    def sources(self, rows: list[Any]) -> dict[str, list[Any]]:
        """Per object field, each row's JSON text (bytes, or str for v2's text fields),
        None for null, ``MISSING`` when not sent."""
        out: dict[str, list[Any]] = {}
        for key in self.raw_keys:
            out[key] = _raw_sources(list(map(attrgetter(key), rows)))
        for key in self.shape.text_json:
            out[key] = [MISSING if v is UNSET else v if v and v != "null" else None
                        for v in map(attrgetter(key), rows)]
        for sent, name in self.shape.renames:
            if name not in out:
                out[name] = [MISSING] * len(rows)
            sent_sources = _raw_sources(list(map(attrgetter(sent), rows)))
            if out[name].count(MISSING) == len(rows):  # (v2 sends only the new name)
                out[name] = sent_sources
            else:
                out[name] = [v if s is MISSING else s for s, v in zip(out[name], sent_sources)]
        return out

    def records(self, rows: list[Any]) -> list[dict[str, Any]]:
        """Per row, a small record of what the object columns read: the raw objects
        parsed (a field not sent is left out, as in the record it came from)."""
        records: list[dict[str, Any]] = [{} for _ in rows]
        loads = orjson.loads
        for key in self.raw_keys:
            for rec, value in zip(records, map(attrgetter(key), rows)):
                if value:
                    rec[key] = loads(memoryview(value))
        for key in self.shape.text_json:
            for rec, value in zip(records, map(attrgetter(key), rows)):
                if value is not UNSET:
                    rec[key] = loads(value) if value else None  # "" is no data
        for sent, name in self.shape.renames:
            for rec, value in zip(records, map(attrgetter(sent), rows)):
                if value and name not in rec:
                    rec[name] = loads(memoryview(value))
        for key in self.plain_in_record:
            for rec, value in zip(records, map(attrgetter(key), rows)):
                rec[key] = value
        return records


_PLANS: dict[tuple[str, Shape], TypedPlan | None] = {}


def typed_plan(resource: Resource, shape: Shape = V1_SHAPE) -> TypedPlan | None:
    """The typed plan of ``resource`` (None when a column cannot be typed: its pages are
    read the general way)."""
    key = (resource.name, shape)
    if key not in _PLANS:
        try:
            _PLANS[key] = TypedPlan(resource, shape)
        except ValueError:
            _PLANS[key] = None
    plan = _PLANS[key]
    if plan is None or plan.resource is not resource:
        return None
    _BY_ROW[plan.row] = plan
    return plan


_BY_ROW: dict[type, TypedPlan] = {}


def plan_of(record: Any) -> TypedPlan | None:
    """The plan that decoded ``record`` (None for a dict: a record read the general way)."""
    return _BY_ROW.get(type(record))


def rows_to_batch(rows: list[Any], plan: TypedPlan,
                  stats: ConversionStats | None = None) -> pa.RecordBatch:
    """Typed rows to a RecordBatch of the resource's schema: the same values and types as
    :func:`~synapse_nb.frames.convert.records_to_batch` gives for the same records."""
    stats = stats if stats is not None else ConversionStats()
    resource = plan.resource
    plain_values: dict[str, list[Any]] = {}

    def values_of(key: str) -> list[Any]:
        if key not in plain_values:
            plain_values[key] = list(map(attrgetter(key), rows))
        return plain_values[key]

    try:
        object_values = plan.views.columns(plan.sources(rows), values_of, len(rows))
    except _DECODE_ERRORS:  # an object not of its view's shape: read the parsed dicts
        object_values = _columns_from_records(rows, plan)
    arrays: list[pa.Array] = []
    for col in resource.columns:
        if col.name == "extra":  # unknown fields refuse the typed shape: none here
            arrays.append(pa.nulls(len(rows), pa.string()))
            continue
        if col.name in object_values:
            values = object_values.pop(col.name)
            if col.kind == "json":  # already JSON text (an Arrow array, or a list of it)
                arrays.append(values if isinstance(values, pa.Array)
                              else pa.array(values, pa.string()))
                continue
        elif col.kind == "id":
            values = values_of("id")
        else:
            values = values_of(col.path[0])
            for alias in col.aliases:
                # as _raw_values: an alias fills what the field left empty
                if alias in plan.plain and None in values:
                    other = values_of(alias)
                    if other.count(None) == len(other):
                        continue
                    if values.count(None) == len(values):  # (v2 sends only the alias)
                        values = other
                    else:
                        values = [o if v is None else v for v, o in zip(values, other)]
        arrays.append(column_array(values, col, stats))
    return pa.RecordBatch.from_arrays(arrays, schema=resource.schema)


def _columns_from_records(rows: list[Any], plan: TypedPlan) -> dict[str, list[Any]]:
    """The object columns from parsed dicts (a chunk of rows at a time: a chunk's objects
    die before the next is parsed, so the collector never walks thousands of them)."""
    walked = [c for c in plan.resource.columns if c.name != "extra" and c.kind != "id"
              and (c.compute is not None or c.kind == "json" or len(c.path) > 1)]
    values: dict[str, list[Any]] = {c.name: [] for c in walked}
    for start in range(0, len(rows), CHUNK_ROWS):
        records = plan.records(rows[start:start + CHUNK_ROWS])
        memo: dict[Any, Any] = {}
        for col in walked:
            raw = _raw_values(records, col, memo)
            values[col.name] += _json_texts(raw) if col.kind == "json" else raw
    return values
