"""Records (lists of dicts from one page) to Arrow record batches, and tables to pandas frames.

Speed matters here: the plain top-level fields of a page (ints, strings, bools, timestamps,
enums, int lists) are read by Arrow in one ``pyarrow.array`` call with a struct type; every
other column is built from the list of dicts with one list comprehension (in cache-sized
chunks of rows) and one ``pyarrow.array`` call against the declared type. When Arrow
refuses a value in the struct call, the batch is converted column by column instead, and
only when that per-column fast path refuses a value (a string where an integer was
declared, an expanded object where an id was expected) does the column go through the
slow per-value coercion, which never raises: a value that cannot be read as the declared
type becomes null and is counted in :class:`ConversionStats` (one column's conversion is in
:mod:`synapse_nb.frames.arrays`).

Example:
    >>> from synapse_nb.frames.schema import RESOURCES
    >>> batch, stats = records_to_batch([{"id": 1, "status": "pending"}], RESOURCES["tasks"])
    >>> batch.num_rows, batch.schema.field("status").type
    (1, DictionaryType(dictionary<values=string, indices=int32, ordered=0>))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .arrays import (
    _ARROW_ERRORS,
    ConversionStats,
    _coerce,
    _enum_from_strings,
    _json_texts,
    column_array,
    dumps_json,
)
from .schema import Column, Resource

__all__ = ["ConversionStats", "records_to_batch", "column_array", "table_to_frame", "dumps_json"]


# ---------------------------------------------------------------------------------------
# Reading values out of records


def _path_values(records: list[dict[str, Any]], path: tuple[str, ...],
                 memo: dict[Any, Any]) -> list[Any]:
    """Values at ``path`` for every record, one comprehension per level; the levels are
    memoised so that ``data.metadata.a`` and ``data.metadata.b`` walk ``data`` once."""
    if path in memo:
        cached: list[Any] = memo[path]
        return cached
    if len(path) == 1:
        key = path[0]
        values = [r.get(key) for r in records]
    else:
        key = path[-1]
        parent = _path_values(records, path[:-1], memo)
        if dict in set(map(type, parent)):
            values = [p.get(key) if p.__class__ is dict else None for p in parent]
        else:  # e.g. ``data_unit`` not expanded: no need to look value by value
            values = [None] * len(parent)
    memo[path] = values
    return values


def _raw_values(records: list[dict[str, Any]], col: Column, memo: dict[Any, Any]) -> list[Any]:
    if col.compute is not None:
        return col.compute(records, memo)
    values = _path_values(records, col.path, memo)
    if col.aliases and None in values:
        values = list(values)  # the memoised list may be shared
        for alias in col.aliases:
            other = _path_values(records, tuple(alias.split(".")), memo)
            if other.count(None) != len(other):  # (the alias is usually not sent at all)
                values = [o if v is None else v for v, o in zip(values, other)]
    return values


# ---------------------------------------------------------------------------------------
# One page


# Top-level fields of plain kinds are converted in one ``pyarrow.array`` call with a struct
# type (Arrow reads every field of every dict in C++), a third of the cost of one list
# comprehension and one ``pyarrow.array`` call per column. The child converters are the
# ones ``column_array`` would use, so a batch where one value is refused raises here and the
# whole batch goes the per-column way instead (same result). Timestamps and enums are read
# as strings, then cast / encoded as in ``column_array``. Nested paths are left to
# ``_path_values``: Arrow would also read tuples and lists of pairs as structs.
_STRUCT_KINDS = frozenset({"id", "int", "float", "str", "bool", "ts", "enum", "ints", "strs"})


@dataclass(frozen=True)
class _StructPlan:
    type: pa.StructType  # one field per top-level record field read
    columns: frozenset[str]  # names of the columns built from it


_PLANS: dict[int, tuple[Resource, _StructPlan]] = {}


def _struct_plan(resource: Resource) -> _StructPlan:
    cached = _PLANS.get(id(resource))
    if cached is not None and cached[0] is resource:
        return cached[1]
    fields: dict[str, pa.DataType] = {}
    names = set()
    for col in resource.columns:
        if (col.compute is not None or col.name == "extra" or col.kind not in _STRUCT_KINDS
                or (col.kind == "id" and not pa.types.is_int64(col.type))):
            continue
        keys = [col.source or col.name, *col.aliases]
        typ = pa.string() if col.kind in ("ts", "enum") else col.type
        if any("." in k or fields.get(k, typ) != typ for k in keys):
            continue
        fields.update(dict.fromkeys(keys, typ))
        names.add(col.name)
    plan = _StructPlan(pa.struct(list(fields.items())), frozenset(names))
    _PLANS[id(resource)] = (resource, plan)
    return plan


def _struct_array(rows: list[dict[str, Any]], plan: _StructPlan) -> pa.StructArray | None:
    """The plan's fields of ``rows``, or None when Arrow refuses a value (or anything else)."""
    try:
        arr = pa.array(rows, plan.type)
    except Exception:  # noqa: BLE001 - the per-column path decides what a bad value gives
        return None
    return arr if isinstance(arr, pa.StructArray) else None  # (not chunked: gigabytes)


def _struct_column(fields: dict[str, pa.Array], col: Column, rows: list[dict[str, Any]],
                   memo: dict[Any, Any], stats: ConversionStats) -> pa.Array:
    arr = fields[col.source or col.name]
    # Every non-None value converted to a non-null, so coalescing the converted arrays is
    # converting the coalesced values (what _raw_values does).
    for alias in col.aliases:
        if not arr.null_count:
            break
        arr = pc.coalesce(arr, fields[alias])
    if col.kind == "enum":
        return _enum_from_strings(arr, col, stats)
    if col.kind == "ts":
        try:
            return arr.cast(col.type)
        except _ARROW_ERRORS:  # a string that is no timestamp: per value, as column_array
            return _coerce(_raw_values(rows, col, memo), col.kind, col.type, col.name, stats)
    return arr


def _extra_values(rows: list[dict[str, Any]], known: frozenset[str]) -> list[Any]:
    has_only = known.issuperset
    return [None if has_only(r) else {k: r[k] for k in sorted(r.keys() - known)} for r in rows]


# Records are walked in chunks of this many rows: every column that Python reads takes its
# values from a chunk while that chunk's dicts are still in the CPU cache (a few thousand
# freshly parsed records do not fit; column after column over all of them cost a third
# more). Arrow arrays are still built once per column for the whole batch.
CHUNK_ROWS = 256


def records_to_batch(records: Iterable[Any], resource: Resource,
                     stats: ConversionStats | None = None) -> tuple[pa.RecordBatch, ConversionStats]:
    """Convert one page of records into a RecordBatch with the resource's declared schema.

    Records that are not objects or have no ``id`` are skipped (and counted). Fields the
    schema does not know go, as one JSON object per row, into the ``extra`` column.
    """
    stats = stats if stats is not None else ConversionStats()
    records = records if isinstance(records, list) else list(records)
    plan = _struct_plan(resource)
    known = resource.known_fields
    use_struct = bool(plan.columns)
    walked = [c for c in resource.columns if c.name not in plan.columns]
    values: dict[str, list[Any]] = {c.name: [] for c in walked}
    rows: list[dict[str, Any]] = []
    structs: list[pa.StructArray] = []
    for start in range(0, len(records), CHUNK_ROWS):
        part = records[start:start + CHUNK_ROWS]
        chunk = [r for r in part if isinstance(r, dict) and r.get("id") is not None]
        stats.rows_without_id += len(part) - len(chunk)
        rows += chunk
        if use_struct:
            struct = _struct_array(chunk, plan)
            if struct is None:
                use_struct = False
            else:
                structs.append(struct)
        memo: dict[Any, Any] = {}
        for col in walked:
            values[col.name] += _walk(chunk, col, memo, known)
    fields: dict[str, pa.Array] = {}
    if use_struct:
        struct = (pa.concat_arrays(structs) if len(structs) != 1 else structs[0]
                  ) if structs else pa.array([], plan.type)
        fields = {f.name: child for f, child in zip(plan.type, struct.flatten())}
    del structs
    memo = {}
    arrays = []
    for col in resource.columns:
        if col.name in values:
            col_values = values.pop(col.name)
            if col.kind == "json":  # already JSON text
                arrays.append(pa.array(col_values, pa.string()))
            else:
                arrays.append(column_array(col_values, col, stats))
        elif use_struct:
            arrays.append(_struct_column(fields, col, rows, memo, stats))
        else:  # a value Arrow refused somewhere in the batch: column by column
            arrays.append(column_array(_raw_values(rows, col, memo), col, stats))
    return pa.RecordBatch.from_arrays(arrays, schema=resource.schema), stats


def _walk(rows: list[dict[str, Any]], col: Column, memo: dict[Any, Any],
          known: frozenset[str]) -> list[Any]:
    """One chunk's values of a column Python reads (JSON columns: their text)."""
    if col.name == "extra":
        return _json_texts(_extra_values(rows, known))
    raw = _raw_values(rows, col, memo)
    return _json_texts(raw) if col.kind == "json" else raw


# ---------------------------------------------------------------------------------------
# Arrow -> pandas


def _types_mapper(typ: pa.DataType) -> Any:
    if pa.types.is_integer(typ):
        return pd.Int64Dtype()
    if pa.types.is_floating(typ):
        return pd.Float64Dtype()
    if pa.types.is_boolean(typ):
        return pd.BooleanDtype()
    if pa.types.is_list(typ) or pa.types.is_large_list(typ):
        return pd.ArrowDtype(typ)
    return None


def table_to_frame(table: pa.Table, columns: Sequence[Column], *,
                   index: str | None = "id") -> pd.DataFrame:
    """Convert a table with a declared schema to pandas, with the house dtypes.

    Enum columns become categoricals whose categories are the full declared set (then any
    unforeseen values), so a frame with no ``completed`` task still has that category.
    The ``id`` column becomes the index (plain ``int64``; ``str`` for job ids).
    """
    idx_values = None
    if index is not None:
        idx_values = table.column(index).to_numpy(zero_copy_only=False)
        table = table.drop_columns([index])
    if any(pa.types.is_dictionary(f.type) for f in table.schema):
        table = table.unify_dictionaries()
    df: pd.DataFrame = table.to_pandas(types_mapper=_types_mapper, self_destruct=True, split_blocks=True)
    del table
    for col in columns:
        if col.kind == "enum" and col.name in df.columns:
            present = [c for c in df[col.name].cat.categories if c not in col.categories]
            df[col.name] = df[col.name].cat.set_categories([*col.categories, *present])
    if idx_values is not None:
        df.index = pd.Index(idx_values, name=index)
    return df
