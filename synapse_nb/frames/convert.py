"""Records (lists of dicts from one page) to Arrow record batches, and tables to pandas frames.

Speed matters here: a page is converted column by column, each column built straight from
the list of dicts with one list comprehension and one ``pyarrow.array`` call against the
declared type. Only when that fast path refuses a value (a string where an integer was
declared, an expanded object where an id was expected) does the column go through the
slow per-value coercion, which never raises: a value that cannot be read as the declared
type becomes null and is counted in :class:`ConversionStats`.

Example:
    >>> from synapse_nb.frames.schema import RESOURCES
    >>> batch, stats = records_to_batch([{"id": 1, "status": "pending"}], RESOURCES["tasks"])
    >>> batch.num_rows, batch.schema.field("status").type
    (1, DictionaryType(dictionary<values=string, indices=int32, ordered=0>))
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable, Sequence

import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .schema import Column, Resource

__all__ = ["ConversionStats", "records_to_batch", "column_array", "table_to_frame",
           "empty_table", "dumps_json"]

_ARROW_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError,
                 ValueError, OverflowError)
_UTC = timezone.utc


@dataclass
class ConversionStats:
    """What conversion had to bend: rows without an id, values that did not fit a declared
    type (made null), and enum values outside the declared categories (kept, appended)."""

    rows_without_id: int = 0
    coerced: dict[str, int] = field(default_factory=dict)
    unknown_categories: dict[str, set[str]] = field(default_factory=dict)

    def merge(self, other: ConversionStats) -> None:
        self.rows_without_id += other.rows_without_id
        for k, v in other.coerced.items():
            self.coerced[k] = self.coerced.get(k, 0) + v
        for k, s in other.unknown_categories.items():
            self.unknown_categories.setdefault(k, set()).update(s)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows_without_id": self.rows_without_id,
            "coerced_values": dict(self.coerced),
            "unknown_categories": {k: sorted(v) for k, v in self.unknown_categories.items()},
        }


def dumps_json(value: Any) -> str:
    """JSON text of any decoded-JSON value (orjson; ``json`` for what orjson refuses)."""
    try:
        return orjson.dumps(value).decode()
    except (TypeError, orjson.JSONEncodeError):  # non-str keys, huge ints, odd objects
        return json.dumps(value, default=str)


# ---------------------------------------------------------------------------------------
# Reading values out of records


def _dig(record: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(record, dict):
            return None
        record = record.get(key)
    return record


def _path_values(records: list[dict[str, Any]], path: tuple[str, ...],
                 memo: dict[Any, Any]) -> list[Any]:
    """Values at ``path`` for every record, one comprehension per level; the levels are
    memoised so that ``data.metadata.a`` and ``data.metadata.b`` walk ``data`` once."""
    if path in memo:
        return memo[path]
    if len(path) == 1:
        key = path[0]
        values = [r.get(key) for r in records]
    else:
        key = path[-1]
        values = [p.get(key) if p.__class__ is dict else None
                  for p in _path_values(records, path[:-1], memo)]
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
            values = [o if v is None else v for v, o in zip(values, other)]
    return values


# ---------------------------------------------------------------------------------------
# Slow-path coercion, one value at a time; returns (value, ok)


def _as_int(v: Any) -> tuple[Any, bool]:
    if v is None:
        return None, True
    if isinstance(v, dict):  # an expanded object: keep its id
        return _as_int(v.get("id"))
    if isinstance(v, bool):
        return int(v), True
    if isinstance(v, int):
        return (v, True) if -(2**63) <= v < 2**63 else (None, False)
    if isinstance(v, float) and v.is_integer():
        return int(v), True
    if isinstance(v, str):
        try:
            return int(v.strip()), True
        except ValueError:
            return None, False
    return None, False


def _as_float(v: Any) -> tuple[Any, bool]:
    if v is None:
        return None, True
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v), True
    if isinstance(v, str):
        try:
            return float(v), True
        except ValueError:
            return None, False
    return None, False


def _as_str(v: Any) -> tuple[Any, bool]:
    if v is None or isinstance(v, str):
        return v, True
    if isinstance(v, (dict, list)):
        return dumps_json(v), True
    return str(v), True


def _as_bool(v: Any) -> tuple[Any, bool]:
    if v is None or isinstance(v, bool):
        return v, True
    if isinstance(v, (int, float)) and v in (0, 1):
        return bool(v), True
    if isinstance(v, str) and v.strip().lower() in ("true", "false", "1", "0", "yes", "no"):
        return v.strip().lower() in ("true", "1", "yes"), True
    return None, False


def _as_ts(v: Any) -> tuple[Any, bool]:
    if v is None:
        return None, True
    if isinstance(v, datetime):
        dt = v
    elif isinstance(v, str):
        try:
            dt = datetime.fromisoformat(v.strip().replace("Z", "+00:00"))
        except ValueError:
            return None, False
    elif isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
        return datetime.fromtimestamp(v, _UTC), True  # epoch seconds
    else:
        return None, False
    # A time without an offset is taken as UTC, which is what the backend stores.
    return (dt.replace(tzinfo=_UTC) if dt.tzinfo is None else dt.astimezone(_UTC)), True


def _as_list(v: Any, item: Any) -> tuple[Any, bool]:
    if v is None:
        return None, True
    if not isinstance(v, (list, tuple)):
        v = [v]
    out, ok = [], True
    for x in v:
        y, good = item(x)
        ok = ok and good
        out.append(y)
    return out, ok


_SLOW = {
    "id": _as_int, "int": _as_int, "float": _as_float, "str": _as_str, "bool": _as_bool,
    "ts": _as_ts,
    "ints": lambda v: _as_list(v, _as_int),
    "strs": lambda v: _as_list(v, _as_str),
    "floats2": lambda v: _as_list(v, lambda p: _as_list(p, _as_float)),
}


def _coerce(values: list[Any], kind: str, typ: pa.DataType, name: str,
            stats: ConversionStats) -> pa.Array:
    conv = _SLOW[kind]
    out, bad = [], 0
    for v in values:
        y, ok = conv(v)
        bad += not ok
        out.append(y)
    if bad:
        stats.coerced[name] = stats.coerced.get(name, 0) + bad
    return pa.array(out, typ)


# ---------------------------------------------------------------------------------------
# One column


def column_array(values: list[Any], col: Column, stats: ConversionStats) -> pa.Array:
    """Build the Arrow array of one declared column from its raw values."""
    kind, typ = col.kind, col.type
    if kind == "json":
        # (a list of str converts far faster than a list of bytes)
        return pa.array([None if v is None else dumps_json(v) for v in values], pa.string())
    if kind == "enum":
        return _enum_array(values, col, stats)
    if kind == "id" and pa.types.is_string(typ):
        return pa.array([_id_text(v) for v in values], pa.string())
    if kind == "ts":
        try:
            return pa.array(values, pa.string()).cast(typ)
        except _ARROW_ERRORS:
            return _coerce(values, kind, typ, col.name, stats)
    try:
        return pa.array(values, typ)
    except _ARROW_ERRORS:
        return _coerce(values, kind, typ, col.name, stats)


def _id_text(v: Any) -> str | None:
    if isinstance(v, dict):
        v = v.get("id")
    return None if v is None else str(v)


def _enum_array(values: list[Any], col: Column, stats: ConversionStats) -> pa.Array:
    try:
        arr = pa.array(values, pa.string())
    except _ARROW_ERRORS:
        arr = pa.array([_as_str(v)[0] for v in values], pa.string())
    if col.lower:
        arr = pc.utf8_lower(arr)
    dictionary = pa.array(col.categories, pa.string())
    idx = pc.index_in(arr, value_set=dictionary)
    unknown_mask = pc.and_(pc.is_valid(arr), pc.is_null(idx))
    if pc.any(unknown_mask).as_py():
        # Never lose a value the schema did not foresee: append it after the declared set.
        extra = pc.unique(pc.filter(arr, unknown_mask)).to_pylist()
        stats.unknown_categories.setdefault(col.name, set()).update(extra)
        dictionary = pa.array([*col.categories, *extra], pa.string())
        idx = pc.index_in(arr, value_set=dictionary)
    return pa.DictionaryArray.from_arrays(idx.cast(pa.int32()), dictionary)


# ---------------------------------------------------------------------------------------
# One page


def records_to_batch(records: Iterable[Any], resource: Resource,
                     stats: ConversionStats | None = None) -> tuple[pa.RecordBatch, ConversionStats]:
    """Convert one page of records into a RecordBatch with the resource's declared schema.

    Records that are not objects or have no ``id`` are skipped (and counted). Fields the
    schema does not know go, as one JSON object per row, into the ``extra`` column.
    """
    stats = stats if stats is not None else ConversionStats()
    records = records if isinstance(records, list) else list(records)
    rows = [r for r in records if isinstance(r, dict) and r.get("id") is not None]
    stats.rows_without_id += len(records) - len(rows)
    known = resource.known_fields
    memo: dict[Any, Any] = {}
    arrays = []
    for col in resource.columns:
        if col.name == "extra":
            values: list[Any] = []
            for r in rows:
                unknown = r.keys() - known
                values.append({k: r[k] for k in sorted(unknown)} if unknown else None)
        else:
            values = _raw_values(rows, col, memo)
        arrays.append(column_array(values, col, stats))
    return pa.RecordBatch.from_arrays(arrays, schema=resource.schema), stats


def empty_table(schema: pa.Schema) -> pa.Table:
    """A zero-row table with every declared column."""
    return schema.empty_table()


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
    df = table.to_pandas(types_mapper=_types_mapper, self_destruct=True, split_blocks=True)
    del table
    for col in columns:
        if col.kind == "enum" and col.name in df.columns:
            present = [c for c in df[col.name].cat.categories if c not in col.categories]
            df[col.name] = df[col.name].cat.set_categories([*col.categories, *present])
    if idx_values is not None:
        df.index = pd.Index(idx_values, name=index)
    return df
