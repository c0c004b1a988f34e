"""Computed columns of the resource frames: the primary file (URL, name) and the annotation count.

A computed column takes one page's records and a per-page memo (shared work, such as finding
the primary file once for both the URL and the name columns) and returns one value per record.

Example:
    >>> _annotation_counts([{"id": 1, "data": {"annotations": [{}, {}]}}, {"id": 2}], {})
    [2, None]
"""

from __future__ import annotations

from typing import Any

__all__ = ["primary_file", "PageMemo"]


def primary_file(files: Any) -> dict[str, Any] | None:
    """The primary file entry of a ``files`` mapping (spec name -> file dict).

    The entry flagged ``is_primary`` wins; otherwise the first entry. A string entry is
    taken as the URL itself. The entry is returned as is (not copied).

    >>> primary_file({"a": {"url": "u1"}, "b": {"url": "u2", "is_primary": True}})["url"]
    'u2'
    """
    if files.__class__ is not dict or not files:
        return None
    first: dict[str, Any] | None = None
    for entry in files.values():
        if entry.__class__ is dict:
            if entry.get("is_primary"):
                return entry
            if first is None:
                first = entry
        elif isinstance(entry, str) and first is None:
            first = {"url": entry}
    return first


def _files_of(record: dict[str, Any]) -> Any:
    files = record.get("files")
    if not files:
        unit = record.get("data_unit")
        if isinstance(unit, dict):
            files = unit.get("files")
    return files


def _primary_file_url(record: dict[str, Any]) -> Any:
    """URL of a record's primary file (``files``, else the expanded unit's, else ``file``)."""
    return _url_of(primary_file(_files_of(record)), record)


def _url_of(entry: dict[str, Any] | None, record: dict[str, Any]) -> Any:
    if entry is None:
        url = record.get("file")
        return url if isinstance(url, str) else None
    return entry.get("url") or entry.get("path")


# Computed columns take the page's records and a per-page memo (shared work, such as
# finding the primary file once for both the URL and the name columns).
PageMemo = dict[Any, Any]


def _primary_columns(records: list[dict[str, Any]], memo: PageMemo) -> tuple[list[Any], list[Any]]:
    """URL and name of every record's primary file, found once for both columns.

    One loop, with the usual case (``files`` holding one file entry) inline: the same as
    :func:`_primary_file_url` and ``file_name_original`` of :func:`primary_file`.
    """
    got = memo.get("primary")
    if got is None:
        urls: list[Any] = []
        names: list[Any] = []
        for r in records:
            files = r.get("files")
            if not files:
                unit = r.get("data_unit")
                if isinstance(unit, dict):
                    files = unit.get("files")
            if files.__class__ is dict and len(files) == 1:
                (entry,) = files.values()
                if entry.__class__ is not dict:
                    entry = primary_file(files)
            else:
                entry = primary_file(files)
            if entry is None:
                url = r.get("file")
                urls.append(url if isinstance(url, str) else None)
                names.append(None)
            else:
                urls.append(entry.get("url") or entry.get("path"))
                names.append(entry.get("file_name_original"))
        got = memo["primary"] = (urls, names)
    return got


def _primary_file_urls(records: list[dict[str, Any]], memo: PageMemo) -> list[Any]:
    return _primary_columns(records, memo)[0]


def _primary_file_names(records: list[dict[str, Any]], memo: PageMemo) -> list[Any]:
    return _primary_columns(records, memo)[1]


def _count(record: dict[str, Any]) -> Any:
    if "data" not in record:  # not sent (e.g. fields=...): unknown, not zero
        return None
    data = record["data"]
    if isinstance(data, dict):
        annotations = data.get("annotations")
        return len(annotations) if isinstance(annotations, list) else 0
    return 0 if data is None else None


def _annotation_counts(records: list[dict[str, Any]], memo: PageMemo) -> list[Any]:
    # The usual case (``data`` an object with an ``annotations`` list) inline; _count for
    # the rest.
    return [len(a) if (d := r.get("data")).__class__ is dict
            and (a := d.get("annotations")).__class__ is list else _count(r)
            for r in records]
