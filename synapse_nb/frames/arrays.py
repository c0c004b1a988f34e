"""One declared column's values to an Arrow array, and what conversion had to bend.

:func:`column_array` tries the declared type in one ``pyarrow.array`` call; when Arrow
refuses a value, the column goes through the slow per-value coercion, which never raises: a
value that cannot be read as the declared type becomes null and is counted in
:class:`ConversionStats`. Enum columns become dictionary arrays over the declared categories
(values outside them are kept, appended after the declared set).

Example:
    >>> from synapse_nb.frames.schema import RESOURCES
    >>> col = next(c for c in RESOURCES["tasks"].columns if c.name == "assignee")
    >>> stats = ConversionStats()
    >>> column_array([1, "2", "x"], col, stats).to_pylist(), stats.coerced
    ([1, 2, None], {'assignee': 1})
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from .schema import Column

__all__ = ["ConversionStats", "column_array", "dumps_json"]

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


_SLOW: dict[str, Callable[[Any], tuple[Any, bool]]] = {
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
        return pa.array(_json_texts(values), pa.string())
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


def _json_texts(values: list[Any]) -> list[str | None]:
    # (a list of str converts far faster than a list of bytes). orjson called inline: a
    # Python call per value (dumps_json) costs a third of the column.
    dumps = orjson.dumps
    try:
        return [None if v is None else dumps(v).decode() for v in values]
    except (TypeError, orjson.JSONEncodeError):  # some value orjson refuses
        return [None if v is None else dumps_json(v) for v in values]


def _id_text(v: Any) -> str | None:
    if isinstance(v, dict):
        v = v.get("id")
    return None if v is None else str(v)


def _enum_array(values: list[Any], col: Column, stats: ConversionStats) -> pa.Array:
    try:
        arr = pa.array(values, pa.string())
    except _ARROW_ERRORS:
        arr = pa.array([_as_str(v)[0] for v in values], pa.string())
    return _enum_from_strings(arr, col, stats)


_DICTIONARIES: dict[tuple[str, ...], pa.Array] = {}


def _declared_dictionary(categories: tuple[str, ...]) -> pa.Array:
    dictionary = _DICTIONARIES.get(categories)
    if dictionary is None:
        dictionary = _DICTIONARIES[categories] = pa.array(categories, pa.string())
    return dictionary


def _enum_from_strings(arr: pa.Array, col: Column, stats: ConversionStats) -> pa.Array:
    """Dictionary array of an enum column from its values as an Arrow string array."""
    if col.lower:
        arr = pc.utf8_lower(arr)
    dictionary = _declared_dictionary(col.categories)
    idx = pc.index_in(arr, value_set=dictionary)
    # idx is null where arr is null, and where a value is outside the declared set.
    if idx.null_count != arr.null_count:
        unknown_mask = pc.and_(pc.is_valid(arr), pc.is_null(idx))
        # Never lose a value the schema did not foresee: append it after the declared set.
        extra = pc.unique(pc.filter(arr, unknown_mask)).to_pylist()
        stats.unknown_categories.setdefault(col.name, set()).update(extra)
        dictionary = pa.array([*col.categories, *extra], pa.string())
        idx = pc.index_in(arr, value_set=dictionary)
    return pa.DictionaryArray.from_arrays(idx.cast(pa.int32()), dictionary)
