"""Declared columns for every resource frame: names, Arrow types, where each value comes from.

A frame's shape never depends on what the server sends: every resource has a fixed list of
:class:`Column` s, each read from one field of the record (or from a dotted path into a
nested object, or computed), and converted to a declared Arrow type. Missing fields become
nulls; fields the schema does not know are kept, as JSON text, in the ``extra`` column.

Column kinds and the pandas dtype they become:

=========  =====================================  ==========================================
kind       Arrow type                             pandas dtype
=========  =====================================  ==========================================
``id``     int64 (or string for job ids)          index (``int64`` / ``str``)
``int``    int64 (a nested ``{"id": ..}`` -> id)  ``Int64`` (nullable)
``float``  float64                                ``Float64`` (nullable)
``str``    string                                 ``str``
``bool``   bool                                   ``boolean`` (nullable)
``ts``     timestamp[us, UTC]                     ``datetime64[us, UTC]``
``enum``   dictionary<int32, string>              ``category`` with every declared category
``ints``   list<int64>                            ``list<item: int64>[pyarrow]``
``strs``   list<string>                           ``list<item: string>[pyarrow]``
``json``   string (JSON text of the object)       ``str``; ``json.loads`` gives the object
=========  =====================================  ==========================================

Flattening depth: objects whose shape the contract fixes are flattened into dotted columns
up to three levels (``data_unit.data_collection``, ``data.metadata.annotator_id``).
Free-form objects (``data``, ``meta``, ``files``, ``configuration``, ``metrics``, ...) are
kept whole as JSON text so that the frame's columns stay the same for every project;
:func:`synapse_nb.frames.expand_json` flattens one of them into ``<column>.<key>`` columns
on demand.

Example:
    >>> from synapse_nb.frames.schema import RESOURCES
    >>> RESOURCES["tasks"].column_names[:4]
    ['id', 'project', 'data_unit', 'data_unit.data_collection']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import pyarrow as pa

__all__ = [
    "Column",
    "Resource",
    "RESOURCES",
    "TASK_STATUS",
    "TASK_PRIORITY",
    "ASSIGNMENT_STATUS_LABEL",
    "ASSIGNMENT_STATUS_REVIEW",
    "GROUND_TRUTH_CATEGORY",
    "PROJECT_CATEGORY",
    "PROJECT_ACCESS_LEVEL",
    "TASK_TAG_CATEGORY",
    "JOB_STATUS",
    "arrow_type",
]

# Enum category sets, in the order the contract / v2 OpenAPI list them.
TASK_STATUS = ("pending", "in_progress", "completed")
TASK_PRIORITY = ("low", "normal", "high")
ASSIGNMENT_STATUS_LABEL = ("stand_by", "in_progress", "completed", "skipped")
ASSIGNMENT_STATUS_REVIEW = ("stand_by", "in_progress", "rejected", "completed", "skipped")
GROUND_TRUTH_CATEGORY = ("train", "validation", "test")
PROJECT_CATEGORY = ("image", "video", "audio", "text", "pcd", "prompt", "time_series")
PROJECT_ACCESS_LEVEL = ("public", "partially_public", "private")
TASK_TAG_CATEGORY = ("export", "project")
JOB_STATUS = ("pending", "running", "stopped", "succeeded", "failed")

ENUM_TYPE = pa.dictionary(pa.int32(), pa.string())

_ARROW_TYPES: dict[str, pa.DataType] = {
    "id": pa.int64(),
    "int": pa.int64(),
    "float": pa.float64(),
    "str": pa.string(),
    "bool": pa.bool_(),
    "ts": pa.timestamp("us", tz="UTC"),
    "enum": ENUM_TYPE,
    "ints": pa.list_(pa.int64()),
    "strs": pa.list_(pa.string()),
    "json": pa.string(),
    "floats2": pa.list_(pa.list_(pa.float64())),
}


def arrow_type(kind: str) -> pa.DataType:
    """The Arrow type of a column kind (see the module docstring)."""
    return _ARROW_TYPES[kind]


@dataclass(frozen=True)
class Column:
    """One declared column.

    ``source`` is the record field (or dotted path into nested objects) the value is read
    from; ``aliases`` are other field names that mean the same (v2 spells ``project`` as
    ``project_id``); ``compute`` replaces reading a field with a function of the record;
    ``categories`` is the declared set of an ``enum`` column; ``lower`` folds enum values to
    lower case first (v2 jobs send ``RUNNING``).
    """

    name: str
    kind: str
    source: str | None = None
    aliases: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    compute: Callable[[list[dict[str, Any]], dict[Any, Any]], list[Any]] | None = None
    lower: bool = False
    id_type: pa.DataType | None = None

    @property
    def path(self) -> tuple[str, ...]:
        return tuple((self.source or self.name).split("."))

    @property
    def type(self) -> pa.DataType:
        if self.kind == "id" and self.id_type is not None:
            return self.id_type
        return arrow_type(self.kind)


@dataclass(frozen=True)
class Resource:
    """A list endpoint and the frame built from it.

    ``filters`` are the keyword arguments the frame function accepts (section 4 of the
    contract plus the reference server's extras); ``list_filters`` are those whose list
    values are sent comma-separated (``status=["pending", "completed"]`` ->
    ``status=pending,completed``).
    """

    name: str
    path: str
    columns: tuple[Column, ...]
    filters: tuple[str, ...] = ()
    list_filters: tuple[str, ...] = ()
    known_fields: frozenset[str] = field(default_factory=frozenset)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def schema(self) -> pa.Schema:
        """The declared Arrow schema (``id`` first, ``extra`` last)."""
        return pa.schema([pa.field(c.name, c.type, nullable=c.kind != "id") for c in self.columns])


# ---------------------------------------------------------------------------------------
# Computed columns: the primary file and the annotation summary.


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
                for entry in files.values():
                    pass
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


def _C(name: str, kind: str, source: str | None = None, **kw: Any) -> Column:
    return Column(name, kind, source, **kw)


def _resource(name: str, path: str, columns: list[Column], filters: tuple[str, ...],
              list_filters: tuple[str, ...] = ()) -> Resource:
    columns = [*columns, _C("extra", "json")]
    known: set[str] = set()
    for col in columns:
        if col.compute is None and col.name != "extra":
            known.add(col.path[0])
            known.update(a.split(".")[0] for a in col.aliases)
    return Resource(name, path, tuple(columns), filters, list_filters, frozenset(known))


_PRIMARY = [
    _C("primary_file_url", "str", compute=_primary_file_urls),
    _C("primary_file_name", "str", compute=_primary_file_names),
]
# Fields the computed columns read: they are not "unknown" (their value is also kept).
_COMMON_PAGING = ("ordering", "search", "expand", "fields")

TASKS = _resource("tasks", "sdk/tasks/", [
    _C("id", "id"),
    _C("project", "int", aliases=("project_id",)),
    _C("data_unit", "int", aliases=("data_unit_id",)),
    _C("data_unit.data_collection", "int", aliases=("data_unit.data_collection_id",)),
    _C("status", "enum", categories=TASK_STATUS),
    _C("assignee", "int", aliases=("assignee_id",)),
    _C("priority", "enum", categories=TASK_PRIORITY),
    _C("tags", "ints"),
    _C("workshop", "int", aliases=("workshop_id",)),
    _C("is_discarded", "bool"),
    _C("created", "ts"),
    _C("modified", "ts"),
    *_PRIMARY,
    _C("annotation_count", "int", compute=_annotation_counts),
    _C("data.metadata.annotator_id", "str"),
    _C("data.metadata.timestamp", "ts"),
    _C("data", "json"),
    _C("meta", "json"),
    _C("files", "json"),
], ("project", "status", "assignee", "created_after", "tags", "data_unit", "id__in",
    *_COMMON_PAGING), ("status", "tags", "id__in", "expand", "fields", "data_unit"))

ASSIGNMENTS = _resource("assignments", "sdk/assignments/", [
    _C("id", "id"),
    _C("task", "int", aliases=("task_id",)),
    _C("project", "int", aliases=("project_id",)),
    _C("user", "int", aliases=("user_id",)),
    _C("reviewer", "int", aliases=("reviewer_id",)),
    _C("status_label", "enum", categories=ASSIGNMENT_STATUS_LABEL),
    _C("status_review", "enum", categories=ASSIGNMENT_STATUS_REVIEW),
    _C("is_confirmed", "bool"),
    _C("is_discarded", "bool"),
    _C("tags", "ints"),
    _C("created", "ts"),
    _C("modified", "ts"),
    *_PRIMARY,
    _C("annotation_count", "int", compute=_annotation_counts),
    _C("data", "json"),
    _C("file", "str"),
    _C("files", "json"),
], ("project", "task", "user", "status_label", "status_review", "id__in", *_COMMON_PAGING),
    ("status_label", "status_review", "id__in", "expand", "fields"))

GROUND_TRUTH_EVENTS = _resource("ground_truth_events", "sdk/ground_truth_events/", [
    _C("id", "id"),
    _C("ground_truth_dataset_version", "int", aliases=("ground_truth_dataset_version_id",)),
    _C("project", "int", aliases=("project_id",)),
    _C("data_unit", "int", aliases=("data_unit_id",)),
    _C("data_unit.data_collection", "int", aliases=("data_unit.data_collection_id",)),
    _C("category", "enum", categories=GROUND_TRUTH_CATEGORY),
    _C("classes", "strs"),
    _C("created", "ts"),
    *_PRIMARY,
    _C("annotation_count", "int", compute=_annotation_counts),
    _C("data", "json"),
    _C("files", "json"),
], ("ground_truth_dataset_versions", "project", "category", *_COMMON_PAGING),
    ("ground_truth_dataset_versions", "expand", "fields"))

MODELS = _resource("models", "models/", [
    _C("id", "id"),
    _C("name", "str"),
    _C("category", "str"),
    _C("project", "int", aliases=("project_id",)),
    _C("plugin", "int", aliases=("plugin_id",)),
    _C("version", "str"),
    _C("is_released", "bool"),
    _C("is_external", "bool"),
    _C("ground_truth_dataset_version", "int", aliases=("ground_truth_dataset_version_id",)),
    _C("description", "str"),
    _C("created", "ts"),
    _C("file", "str"),
    # lineage written by synapse_nb.ml.log_model into configuration["lineage"]
    _C("lineage.snapshot_manifest_hash", "str", "configuration.lineage.snapshot_manifest_hash"),
    _C("lineage.evaluated_on", "int", "configuration.lineage.evaluated_on"),
    _C("lineage.file_md5", "str", "configuration.lineage.file_md5"),
    _C("configuration", "json"),
    _C("metrics", "json"),
], ("project", "category", "is_released", *_COMMON_PAGING), ("expand", "fields"))

PROJECTS = _resource("projects", "projects/", [
    _C("id", "id"),
    _C("title", "str"),
    _C("name", "str"),
    _C("description", "str"),
    _C("category", "enum", categories=PROJECT_CATEGORY),
    _C("data_collection", "int", aliases=("data_collection_id",)),
    _C("access_level", "enum", categories=PROJECT_ACCESS_LEVEL),
    _C("is_archived", "bool"),
    _C("can_discard", "bool"),
    _C("task_count", "int"),
    _C("count_max_assignments_per_task", "int"),
    _C("created", "ts"),
    _C("configuration", "json"),
    _C("settings", "json"),
], ("category", "data_collection", "is_archived", *_COMMON_PAGING), ("expand", "fields"))

DATA_UNITS = _resource("data_units", "data_units/", [
    _C("id", "id"),
    _C("data_collection", "int", aliases=("data_collection_id",)),
    _C("group", "int", aliases=("group_id",)),
    _C("checksum", "str"),
    _C("can_generate_task", "bool"),
    _C("created", "ts"),
    *_PRIMARY,
    _C("files", "json"),
    _C("meta", "json"),
], ("data_collection", "checksum", *_COMMON_PAGING), ("expand", "fields"))

TASK_TAGS = _resource("task_tags", "task_tags/", [
    _C("id", "id"),
    _C("project", "int", aliases=("project_id",)),
    _C("name", "str"),
    _C("description", "str"),
    _C("color", "str"),
    _C("category", "enum", categories=TASK_TAG_CATEGORY),
    _C("created", "ts"),
    _C("meta", "json"),
], ("project", "search", "color", "ordering"))

JOBS = _resource("jobs", "jobs/", [
    # Job ids are UUIDs in the v2 API; an integer id is kept as its decimal text.
    _C("id", "id", id_type=pa.string()),
    _C("status", "enum", categories=JOB_STATUS, lower=True),
    _C("action", "str"),
    _C("plugin", "int", aliases=("plugin_id",)),
    _C("plugin_release", "int", aliases=("plugin_release_id",)),
    _C("agent", "int", aliases=("agent_id",)),
    _C("is_active", "bool"),
    _C("created", "ts"),
    _C("modified", "ts"),
    _C("completed", "ts"),
    _C("params", "json"),
    _C("progress_record", "json"),
    _C("metrics_record", "json"),
    _C("result", "json"),
], ("status", "action", "plugin_release", *_COMMON_PAGING), ("status", "expand", "fields"))

RESOURCES: dict[str, Resource] = {
    r.name: r for r in (TASKS, ASSIGNMENTS, GROUND_TRUTH_EVENTS, MODELS, PROJECTS, DATA_UNITS,
                        TASK_TAGS, JOBS)
}
