"""Rows to JSON-ready dicts, shared by the resources that show tasks, units and files.

JSON columns go out as ``orjson.Fragment`` (no parse, no re-encode); file entries get
absolute signed URLs.

>>> absolute_files('{"image_1": {"url": "media/x?sig=1", "is_primary": true}}', "http://h")
{'image_1': {'url': 'http://h/media/x?sig=1', 'is_primary': True}}
"""

from __future__ import annotations

from typing import Any, Iterable

import orjson

__all__ = [
    "absolute_files", "files_list", "files_fragment", "url_prefix", "TASK_JSON_SQL", "frag", "only_fields", "TASK_SELECT", "TASK_FROM", "task_dict",
    "UNIT_SELECT", "unit_dict", "ASSIGNMENT_SELECT", "assignment_dict",
]

Fragment = orjson.Fragment


def frag(text: str | None) -> Any:
    return None if text is None else Fragment(text)


def absolute_files(files_json: str, base: str) -> dict[str, Any]:
    """A unit's stored files with each relative ``url`` made absolute."""
    files = orjson.loads(files_json)
    prefix = base + "/"
    for entry in files.values():
        url = entry.get("url")
        if url and not url.startswith(("http://", "https://")):
            entry["url"] = prefix + url
    return files


def files_list(files_json: str | None, base: str) -> list[dict[str, Any]]:
    """A unit's files as the ``*/files/`` endpoints give them: a list, each with its ``name``.

    >>> files_list('{"image_1": {"url": "media/x?sig=1"}}', "http://h")
    [{'name': 'image_1', 'url': 'http://h/media/x?sig=1'}]
    """
    if not files_json:
        return []
    return [{"name": spec, **entry} for spec, entry in absolute_files(files_json, base).items()]


def files_fragment(files_json: str, base: str) -> Any:
    """Like ``absolute_files`` but as pre-serialised JSON, without parsing (the hot path).

    Safe as plain text replacement: the stored JSON is written by the server with orjson,
    so a quote inside any string value is escaped and cannot form ``"url":"media/``.
    """
    return Fragment(files_json.replace('"url":"media/', url_prefix(base)))


def url_prefix(base: str) -> str:
    """``"url":"<base>/media/`` with the base JSON-escaped (it comes from the Host header)."""
    return '"url":' + orjson.dumps(base + "/media/").decode()[:-1]


# A task as JSON, concatenated by SQLite from columns that already hold JSON text (data,
# tags, meta, files) or server-made plain strings (enums, ISO times): no parsing, no dicts.
# The one parameter is url_prefix(base). Same keys and order as task_dict.
TASK_JSON_SQL = (
    """'{"id":'||t.id||',"project":'||t.project_id||',"data_unit":'||t.data_unit_id"""
    """||',"data":'||coalesce(t.data,'null')||',"status":"'||t.status"""
    """||'","assignee":'||coalesce(t.assignee,'null')||',"priority":"'||t.priority"""
    """||'","tags":'||t.tags||',"meta":'||t.meta||',"is_discarded":'"""
    """||(CASE WHEN t.is_discarded THEN 'true' ELSE 'false' END)"""
    """||',"created":"'||t.created||'","modified":"'||t.modified"""
    """||'","files":'||replace(du.files,'"url":"media/',?)||'}'"""
)


def only_fields(obj: dict[str, Any], fields: Iterable[str] | None) -> dict[str, Any]:
    if not fields:
        return obj
    return {key: obj[key] for key in fields if key in obj}


UNIT_SELECT = "du.id, du.data_collection_id, du.files, du.meta, du.created"


def unit_dict(row: tuple, base: str) -> dict[str, Any]:
    return {"id": row[0], "data_collection": row[1], "files": files_fragment(row[2], base),
            "meta": Fragment(row[3]), "created": row[4]}


TASK_SELECT = ("t.id, t.project_id, t.data_unit_id, t.data, t.status, t.assignee, t.priority, "
               "t.tags, t.meta, t.is_discarded, t.created, t.modified, du.files, "
               "du.data_collection_id, du.meta, du.created")
TASK_FROM = "FROM tasks t JOIN data_units du ON du.id = t.data_unit_id"


def task_dict(row: tuple, base: str, expand_unit: bool = False) -> dict[str, Any]:
    files = files_fragment(row[12], base)
    unit: Any = row[2]
    if expand_unit:
        unit = {"id": row[2], "data_collection": row[13], "files": files,
                "meta": Fragment(row[14]), "created": row[15]}
    return {
        "id": row[0], "project": row[1], "data_unit": unit, "data": frag(row[3]),
        "status": row[4], "assignee": row[5], "priority": row[6], "tags": Fragment(row[7]),
        "meta": Fragment(row[8]), "is_discarded": bool(row[9]), "created": row[10],
        "modified": row[11], "files": files,
    }


ASSIGNMENT_SELECT = ("a.id, a.task_id, a.project_id, a.user_id, a.reviewer_id, a.status_label, "
                     "a.status_review, a.is_confirmed, a.is_discarded, a.data, a.tags, "
                     "a.created, a.modified, du.files")


def assignment_dict(row: tuple, base: str) -> dict[str, Any]:
    files = absolute_files(row[13], base) if row[13] else {}
    primary = next((f["url"] for f in files.values() if f.get("is_primary")), None)
    return {
        "id": row[0], "task": row[1], "project": row[2], "user": row[3], "reviewer": row[4],
        "status_label": row[5], "status_review": row[6], "is_confirmed": bool(row[7]),
        "is_discarded": bool(row[8]), "data": frag(row[9]), "tags": Fragment(row[10]),
        "created": row[11], "modified": row[12], "file": primary, "files": files,
    }
