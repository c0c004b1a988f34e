"""A v2 resource as data: its table, filters, and how rows become slim and full objects.

``Spec`` holds no I/O of its own beyond the two queries every view needs: the filtered
``WHERE`` (from the request's query parameters) and the rows of a list of ids in order.

>>> f = Filter("t.project_id")
>>> where_clause([("project", f)], {"project": ["1,2"]})
('t.project_id IN (?,?)', [1, 2])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from orjson import Fragment

from ..common import bool_param, int_list, parse_datetime
from ..render import url_prefix
from .envelope import V2Error

__all__ = ["CMP", "Filter", "Spec", "make_spec", "ranges", "rows_by_ids", "texts_by_ids",
           "where_clause"]

#: suffix -> SQL operator, as django-filter names them
CMP = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "after": ">=", "before": "<="}

Row = tuple
Build = Callable[[Row, str], dict[str, Any]]


@dataclass(frozen=True)
class Filter:
    """One query parameter.

    ``kind``: ``ints`` (``IN``, comma lists and repeats), ``int`` with ``op`` (``>``...),
    ``bool``, ``enum`` (``choices``), ``time`` with ``op``, ``strs_json`` (a JSON list
    column holding any of the given strings). A ``column`` with ``{marks}`` is a template
    for the placeholders (``x IN (SELECT ... WHERE id IN ({marks}))``).
    """

    column: str
    kind: str = "ints"
    op: str = "="
    choices: tuple[str, ...] = ()


def _in(column: str, n: int) -> str:
    marks = ",".join("?" * n)
    return column.format(marks=marks) if "{marks}" in column else f"{column} IN ({marks})"


def _one(name: str, flt: Filter, raw: list[str]) -> tuple[str | None, list[Any]]:
    if flt.kind == "ints":
        values = int_list(raw, name)
        return (_in(flt.column, len(values)), values) if values else (None, [])
    value = raw[-1]
    if value == "":
        return None, []
    if flt.kind == "int":
        numbers = int_list([value], name)
        return (f"{flt.column} {flt.op} ?", numbers[:1]) if numbers else (None, [])
    if flt.kind == "bool":
        return f"{flt.column} = ?", [int(bool(bool_param(value, name)))]
    if flt.kind == "time":
        return f"{flt.column} {flt.op} ?", [parse_datetime(value, name)]
    items = [v.strip() for part in raw for v in part.split(",") if v.strip()]
    if not items:
        return None, []
    if flt.kind == "enum":
        bad = [v for v in items if v not in flt.choices]
        if bad:
            raise V2Error(400, "VALIDATION_ERROR", f"Invalid {name}.",
                          [{"field": name, "message": f"Select a valid choice "
                                                      f"({', '.join(flt.choices)}); "
                                                      f"{bad[0][:40]!r} is not one of them."}])
        return _in(flt.column, len(items)), items
    if flt.kind == "strs_json":
        return (f"EXISTS (SELECT 1 FROM json_each({flt.column}) j WHERE j.value IN "
                f"({','.join('?' * len(items))}))"), items
    raise ValueError(f"unknown filter kind {flt.kind!r}")


def where_clause(filters: Sequence[tuple[str, Filter]],
                 query: Mapping[str, list[str]]) -> tuple[str, list[Any]]:
    """``AND``-joined SQL and its parameters for the filters present in ``query``."""
    parts: list[str] = []
    params: list[Any] = []
    for name, flt in filters:
        raw = query.get(name)
        if not raw:
            continue
        sql, values = _one(name, flt, raw)
        if sql is not None:
            parts.append(sql)
            params += values
    return " AND ".join(parts) or "1", params


@dataclass(frozen=True)
class Spec:
    """A v2 resource: ``table`` (with alias) for the id query, ``fetch_from`` (joins) for
    rows, ``slim``/``full`` select lists and builders, optional bulk endpoint."""

    name: str
    path: str
    table: str
    key: str
    tenant: str
    slim_select: str
    slim: Build
    full_select: str
    full: Build
    fetch_from: str = ""
    filters: tuple[tuple[str, Filter], ...] = ()
    bulk_path: str | None = None
    bulk_key: str = "ids"
    bulk: Build | None = None
    order_names: tuple[str, ...] = ("id",)
    default_desc: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    #: the slim / bulk object as JSON text written by SQLite (as v1's task pages are:
    #: no dict per row, no re-encoding), the same text as ``slim`` / ``bulk`` give
    #: (tests/server/test_v2_render.py pins the tasks'). ``slim_sql`` reads only the
    #: columns of ``table`` (the keyset query of a page writes it); in ``bulk_sql``
    #: ``{prefix}`` stands for ``url_prefix(base)``.
    slim_sql: str | None = None
    bulk_sql: str | None = None

    @property
    def source(self) -> str:
        return self.fetch_from or self.table


def rows_by_ids(db: Any, spec: Spec, select: str, ids: list[int], tenant_id: int,
                build: Build, base: str, sql: str | None = None) -> list[Any]:
    """The objects of ``ids`` (of the caller's tenant) in the order of ``ids``; unknown
    ids are left out. With ``sql`` (a spec's ``bulk_sql``) each object is the JSON text
    SQLite writes, passed through as an ``orjson.Fragment``."""
    if sql is not None:
        return [Fragment(text) for text in texts_by_ids(db, spec, sql, ids, tenant_id, base)]
    return [build(row, base) for row in _by_ids(db, spec, select, [], ids, tenant_id)]


def texts_by_ids(db: Any, spec: Spec, sql: str, ids: list[int], tenant_id: int,
                 base: str) -> list[str]:
    """The JSON texts ``sql`` (a spec's ``bulk_sql``) writes for ``ids`` (distinct, of
    the caller's tenant), in the order of ``ids``; unknown ids are left out.

    The ids go in as one JSON array walked by ``json_each`` and SQLite keeps their order
    (``ORDER BY j.key``): no placeholder per id, no sort in Python.
    """
    if not ids:
        return []
    params: list[Any] = [url_prefix(base)] * sql.count("{prefix}")
    rows = db.query(f"SELECT {sql.replace('{prefix}', '?')} FROM json_each(?) j, {spec.source} "
                    f"WHERE {spec.key} = j.value AND {spec.tenant} = ? ORDER BY j.key",
                    [*params, orjson.dumps(ids).decode(), tenant_id])
    return [row[0] for row in rows]


def _by_ids(db: Any, spec: Spec, select: str, params: list[Any], ids: list[int],
            tenant_id: int) -> list[Row]:
    if not ids:
        return []
    rows: list[Row] = []
    for start in range(0, len(ids), 500):  # SQLite's parameter limit
        chunk = ids[start:start + 500]
        rows += db.query(f"SELECT {select} FROM {spec.source} WHERE {spec.tenant} = ? AND "
                         f"{spec.key} IN ({','.join('?' * len(chunk))})",
                         [*params, tenant_id, *chunk])
    # every select list starts with the key
    position = {pk: k for k, pk in enumerate(ids)}
    rows.sort(key=lambda row: position.get(row[0], 0))
    return rows


def ranges(name: str, column: str, kind: str) -> list[tuple[str, Filter]]:
    """``name__gt`` ... filters (and ``name_after`` / ``name_before`` for times)."""
    out = [(f"{name}__{s}", Filter(column, kind, op)) for s, op in CMP.items()
           if s not in ("after", "before")]
    if kind == "time":
        out += [(f"{name}_{s}", Filter(column, kind, CMP[s])) for s in ("after", "before")]
    return out


def make_spec(name: str, path: str, table: str, key: str, tenant: str, slim: tuple,
          full: tuple, **kw: Any) -> Spec:
    """A :class:`Spec` from ``(select, builder)`` pairs for the slim and full objects."""
    return Spec(name, path, table, key, tenant, slim[0], slim[1], full[0], full[1], **kw)
