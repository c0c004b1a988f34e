"""The v2 resources the reference server serves, as :class:`~.spec.Spec` s.

Slim list items carry the schema's ``*V2List`` fields; details (retrieve) and bulk
payloads carry the ``*V2Detail`` / bulk fields plus what v1 shows and v2's schema leaves
out (status, assignee, priority, tags, files...), under v2's naming (``*_id``), so a
client can build the same frames from either API. In bulk payloads ``data`` is JSON text
(the schema's ``data: string``) and ``files_manifest`` holds the files.

The reference server has one workshop per project and one data group per collection,
with the same ids (``workshop_id``, ``group_id``).

>>> SPECS["tasks"].path
'/tasks/'
"""

from __future__ import annotations

from typing import Any

import orjson
from orjson import Fragment

from ..render import absolute_files, files_fragment, frag
from .ml import ML_SPECS
from .spec import Filter, Spec, make_spec, ranges

__all__ = ["NESTED", "SPECS", "TASK_BULK_SQL", "TASK_SLIM_SQL"]

B = bool
CATEGORY_DISPLAY = {"image": "Image", "video": "Video", "audio": "Audio", "text": "Text",
                    "pcd": "PCD", "data": "Data", "prompt": "Prompt",
                    "time_series": "Time series"}
STATUS_LABEL = ("stand_by", "in_progress", "completed", "skipped")
STATUS_REVIEW = ("stand_by", "in_progress", "rejected", "completed", "skipped")
GT_CATEGORY = ("train", "validation", "test")


def _files(text: str | None, base: str) -> Any:
    return files_fragment(text, base) if text else {}


def _bulk_of(full: Any, data_at: int) -> Any:
    """A bulk payload builder: the detail with ``data`` as JSON text (the stored text at
    ``row[data_at]``) and the files as ``files_manifest``."""
    def build(r: tuple, base: str) -> dict[str, Any]:
        obj = full(r, base)
        obj["data"] = r[data_at]
        obj["files_manifest"] = obj.pop("files")
        return obj
    return build


# ---- projects ----------------------------------------------------------------------------
PROJECT = ("p.id, p.title, p.category, p.created, p.is_archived, (SELECT COUNT(*) FROM tasks t "
           "WHERE t.tenant_id = p.tenant_id AND t.project_id = p.id), p.tenant_id, "
           "p.data_collection_id, p.description, p.configuration, p.settings")


def _project_slim(r: tuple, base: str) -> dict[str, Any]:
    return {"id": r[0], "title": r[1], "category": r[2],
            "category_display": CATEGORY_DISPLAY.get(r[2], r[2]), "created": r[3],
            "is_archived": B(r[4]), "task_count": r[5]}


def _project_full(r: tuple, base: str) -> dict[str, Any]:
    return {**_project_slim(r, base), "tenant_id": r[6], "data_collection_id": r[7],
            "description": r[8], "configuration": frag(r[9]), "settings": frag(r[10]),
            "caution": "", "access_level": "private", "count_max_assignments_per_task": 1,
            "can_discard": True, "enable_workforce": False}


# ---- tasks -------------------------------------------------------------------------------
TASK_SLIM = "t.id, t.project_id, t.data_unit_id, t.is_discarded, t.data IS NOT NULL, t.created"
TASK_FULL = TASK_SLIM + (", t.data, t.meta, t.status, t.assignee, t.priority, t.tags, "
                         "t.modified, du.files, du.data_collection_id")


def _task_slim(r: tuple, base: str) -> dict[str, Any]:
    return {"id": r[0], "project_id": r[1], "data_unit_id": r[2], "is_discarded": B(r[3]),
            "has_data": B(r[4]), "created": r[5]}


def _task_full(r: tuple, base: str) -> dict[str, Any]:
    return {**_task_slim(r, base), "workshop_id": r[1], "meta": Fragment(r[7]),
            "data": frag(r[6]), "schema": "dm_schema_v1", "status": r[8], "assignee_id": r[9],
            "priority": r[10], "tags": Fragment(r[11]), "modified": r[12],
            "data_collection_id": r[14], "files": _files(r[13], base)}


_task_bulk = _bulk_of(_task_full, 6)

# The same object as _task_bulk, written by SQLite from columns that already hold JSON
# text or server-made plain values (as v1's TASK_JSON_SQL): the hot path of a full read.
# One printf, not a chain of ||, each of which copied the text so far (6.2 -> 5.2 us a
# task in SQLite, 200 ids a call). json_quote escapes as orjson does (quotes,
# backslashes, control characters; UTF-8 kept); the JSON columns hold orjson's text.
_B = "(CASE WHEN {} THEN 'true' ELSE 'false' END)"
TASK_BULK_SQL = (
    """printf('{"id":%d,"project_id":%s,"data_unit_id":%s,"is_discarded":%s,"has_data":%s,"""
    """"created":%s,"workshop_id":%s,"meta":%s,"data":%s,"schema":"dm_schema_v1","status":%s,"""
    """"assignee_id":%s,"priority":%s,"tags":%s,"modified":%s,"data_collection_id":%s,"""
    """"files_manifest":%s}',t.id,coalesce(t.project_id,'null'),"""
    """coalesce(t.data_unit_id,'null'),""" + _B.format("t.is_discarded") + ","
    + _B.format("t.data IS NOT NULL") + """,json_quote(t.created),"""
    """coalesce(t.project_id,'null'),coalesce(t.meta,'null'),json_quote(t.data),"""
    """json_quote(t.status),coalesce(t.assignee,'null'),json_quote(t.priority),"""
    """coalesce(t.tags,'null'),json_quote(t.modified),"""
    """coalesce(du.data_collection_id,'null'),"""
    """coalesce(nullif(replace(du.files,'"url":"media/',{prefix}),''),'{}'))""")

# The slim item as SQLite writes it in the page's keyset query (columns of ``tasks t``
# only): one query a page and one string for its items, where the builder above cost a
# second query by id, a dict and a fragment per item (4.3 -> 3.3 us of server CPU per
# task over HTTP); one printf rather than || (2.1 -> 1.7 us of it in SQLite).
TASK_SLIM_SQL = (
    """printf('{"id":%d,"project_id":%s,"data_unit_id":%s,"is_discarded":%s,"has_data":%s,"""
    """"created":%s}',t.id,coalesce(t.project_id,'null'),coalesce(t.data_unit_id,'null'),"""
    + _B.format("t.is_discarded") + "," + _B.format("t.data IS NOT NULL")
    + ",json_quote(t.created))")


# ---- assignments -------------------------------------------------------------------------
ASG_SLIM = ("a.id, a.user_id, a.task_id, a.status_label, a.status_review, a.is_confirmed, "
            "a.is_discarded, a.created")
ASG_FULL = ASG_SLIM + (", a.reviewer_id, a.data, a.tags, a.project_id, t.data_unit_id, "
                       "a.modified, du.files")
ASG_FROM = ("assignments a LEFT JOIN tasks t ON t.id = a.task_id "
            "LEFT JOIN data_units du ON du.id = t.data_unit_id")


def _asg_slim(r: tuple, base: str) -> dict[str, Any]:
    return {"id": r[0], "user_id": r[1], "task_id": r[2], "status_label": r[3],
            "status_review": r[4], "is_confirmed": B(r[5]), "is_discarded": B(r[6]),
            "created": r[7]}


def _asg_full(r: tuple, base: str) -> dict[str, Any]:
    files = absolute_files(r[14], base) if r[14] else {}
    primary = next((f.get("url") for f in files.values() if f.get("is_primary")), None)
    return {**_asg_slim(r, base), "reviewer_id": r[8], "data": frag(r[9]),
            "tags": Fragment(r[10]), "project_id": r[11], "data_unit_id": r[12],
            "modified": r[13], "file": primary, "files": files}


_asg_bulk = _bulk_of(_asg_full, 9)


# ---- ground truth ------------------------------------------------------------------------
GTD = "d.id, d.name, d.tenant_id, d.project_id, d.description, d.created"
GTV = ("v.id, v.version, v.created, v.ground_truth_dataset_id, v.description, v.is_archived, "
       "v.is_active, v.statistics, (SELECT COUNT(*) FROM ground_truth_events e "
       "WHERE e.version_id = v.id)")
GT_SLIM = "g.id, g.dataset_id, g.data_unit_id, g.category"
GT_FULL = GT_SLIM + ", g.project_id, g.data, g.classes, g.created, du.files"
EVENT_TABLE = ("ground_truth_events e JOIN ground_truth_dataset_versions v "
               "ON v.id = e.version_id")
EVENT_FROM = (EVENT_TABLE + " LEFT JOIN v2_ground_truths g ON g.dataset_id = "
              "v.ground_truth_dataset_id AND g.data_unit_id = e.data_unit_id "
              "JOIN data_units du ON du.id = e.data_unit_id")
EVENT_SLIM = ("e.id, g.id, CASE WHEN g.first_event_id = e.id THEN 'insert' ELSE 'update' END, "
              "e.data_unit_id, v.ground_truth_dataset_id, length(e.data)")
EVENT_FULL = EVENT_SLIM + (", e.version_id, e.project_id, e.category, e.classes, e.created, "
                           "e.data, du.files, du.data_collection_id")


def _gt_slim(r: tuple, base: str) -> dict[str, Any]:
    return {"id": r[0], "ground_truth_dataset_id": r[1], "data_unit_id": r[2],
            "category": r[3]}


def _gt_full(r: tuple, base: str) -> dict[str, Any]:
    return {**_gt_slim(r, base), "project_id": r[4], "data": Fragment(r[5]),
            "classes": Fragment(r[6]), "created": r[7], "files": _files(r[8], base)}


_gt_bulk = _bulk_of(_gt_full, 5)


def _event_slim(r: tuple, base: str) -> dict[str, Any]:
    return {"id": r[0], "pgh_id": r[0], "pgh_obj_id": r[1], "pgh_label": r[2],
            "data_unit_id": r[3], "ground_truth_dataset_id": r[4], "data_size": r[5],
            "data_digest": None, "data_content_type": "application/json"}


def _event_full(r: tuple, base: str) -> dict[str, Any]:
    files = _files(r[12], base)
    return {**_event_slim(r, base), "ground_truth_dataset_version_id": r[6],
            "project_id": r[7], "category": r[8], "classes": Fragment(r[9]), "created": r[10],
            "data": Fragment(r[11]), "files": files, "files_manifest": files,
            "data_collection_id": r[13]}


# ---- data collections, data units, members ------------------------------------------
COLLECTION = ("c.id, c.name, c.category, c.is_archived, c.created, (SELECT COUNT(*) FROM "
              "projects p WHERE p.data_collection_id = c.id), c.tenant_id, c.description, c.meta")
UNIT = "du.id, du.data_collection_id, du.created, du.meta, du.files"
MEMBER = "m.rowid, m.user_id, m.role, m.tenant_id, u.username, u.name, u.email"


def _collection_slim(r: tuple, base: str) -> dict[str, Any]:
    return {"id": r[0], "name": r[1], "category": r[2],
            "category_display": CATEGORY_DISPLAY.get(r[2], r[2]), "access_level": "private",
            "is_archived": B(r[3]), "created": r[4], "count_projects": r[5]}


def _collection_full(r: tuple, base: str) -> dict[str, Any]:
    return {**_collection_slim(r, base), "tenant_id": r[6], "description": r[7],
            "meta": Fragment(r[8]), "caution": "", "file_specifications": []}


def _unit_slim(r: tuple, base: str) -> dict[str, Any]:
    # a unit's checksum is its primary file's
    files = orjson.loads(r[4]) if r[4] else {}
    primary: dict[str, Any] = next((f for f in files.values() if f.get("is_primary")),
                                   next(iter(files.values()), {}))
    return {"id": r[0], "data_collection_id": r[1], "checksum": primary.get("checksum") or "",
            "created": r[2]}


def _unit_full(r: tuple, base: str) -> dict[str, Any]:
    return {**_unit_slim(r, base), "group_id": r[1], "meta": Fragment(r[3]),
            "files": _files(r[4], base)}


def _member_slim(r: tuple, base: str) -> dict[str, Any]:
    return {"id": r[0], "user_id": r[1], "role": r[2], "username": r[4], "name": r[5]}


def _member_full(r: tuple, base: str) -> dict[str, Any]:
    return {**_member_slim(r, base), "tenant_id": r[3], "email": r[6]}


_ASG_FILTERS = (
    ("project", Filter("a.project_id")), ("tasks", Filter("a.task_id")),
    ("task", Filter("a.task_id")), ("users", Filter("a.user_id")),
    ("user", Filter("a.user_id")), ("reviewers", Filter("a.reviewer_id")),
    ("status_label", Filter("a.status_label", "enum", choices=STATUS_LABEL)),
    ("status_review", Filter("a.status_review", "enum", choices=STATUS_REVIEW)),
    ("is_confirmed", Filter("a.is_confirmed", "bool")),
    ("is_discarded", Filter("a.is_discarded", "bool")),
    ("id", Filter("a.id")), ("id__in", Filter("a.id")),
    ("tags", Filter("a.tags", "strs_json")),
    *ranges("id", "a.id", "int"), *ranges("created", "a.created", "time"))
_TASK_FILTERS = (
    ("project", Filter("t.project_id")), ("is_discarded", Filter("t.is_discarded", "bool")),
    ("has_data", Filter("(t.data IS NOT NULL)", "bool")),
    ("schema", Filter("'dm_schema_v1'", "enum", choices=("dm_schema_v1", "any"))))

SPECS: dict[str, Spec] = {s.name: s for s in [
    make_spec("projects", "/projects/", "projects p", "p.id", "p.tenant_id",
          (PROJECT, _project_slim), (PROJECT, _project_full),
          filters=(("category", Filter("p.category", "enum", choices=tuple(CATEGORY_DISPLAY))),
                   ("data_collection", Filter("p.data_collection_id")))),
    make_spec("tasks", "/tasks/", "tasks t", "t.id", "t.tenant_id", (TASK_SLIM, _task_slim),
          (TASK_FULL, _task_full), fetch_from="tasks t JOIN data_units du ON du.id = "
          "t.data_unit_id", filters=_TASK_FILTERS, bulk_path="/tasks/bulk-fetch/",
          bulk=_task_bulk, slim_sql=TASK_SLIM_SQL, bulk_sql=TASK_BULK_SQL),
    make_spec("assignments", "/assignments/", "assignments a", "a.id", "a.tenant_id",
          (ASG_SLIM, _asg_slim), (ASG_FULL, _asg_full), fetch_from=ASG_FROM,
          filters=_ASG_FILTERS, bulk_path="/assignments/bulk-fetch/", bulk=_asg_bulk),
    make_spec("ground_truth_datasets", "/ground-truth-datasets/", "ground_truth_datasets d",
          "d.id", "d.tenant_id", (GTD, lambda r, b: {"id": r[0], "name": r[1]}),
          (GTD, lambda r, b: {"id": r[0], "name": r[1], "tenant_id": r[2], "project_id": r[3],
                              "description": r[4], "created": r[5]}),
          filters=(("project", Filter("d.project_id")),)),
    make_spec("ground_truth_dataset_versions", "/versions/", "ground_truth_dataset_versions v",
          "v.id", "v.tenant_id",
          (GTV, lambda r, b: {"id": r[0], "version": r[1], "created": r[2]}),
          (GTV, lambda r, b: {"id": r[0], "version": r[1], "created": r[2],
                              "ground_truth_dataset_id": r[3], "description": r[4],
                              "is_archived": B(r[5]), "is_active": B(r[6]),
                              "statistics": Fragment(r[7]), "event_count": r[8]})),
    make_spec("ground_truths", "/ground-truths/", "v2_ground_truths g", "g.id", "g.tenant_id",
          (GT_SLIM, _gt_slim), (GT_FULL, _gt_full),
          fetch_from="v2_ground_truths g JOIN data_units du ON du.id = g.data_unit_id",
          filters=(("ground_truth_dataset", Filter("g.dataset_id")),
                   ("project", Filter("g.project_id")), ("id", Filter("g.id")),
                   ("category", Filter("g.category", "enum", choices=GT_CATEGORY)),
                   ("categories", Filter("g.category", "enum", choices=GT_CATEGORY)),
                   ("classes", Filter("g.classes", "strs_json")),
                   ("task", Filter("g.data_unit_id IN (SELECT data_unit_id FROM tasks "
                                   "WHERE id IN ({marks}))"))),
          bulk_path="/ground-truths/bulk-data/", bulk=_gt_bulk),
    make_spec("ground_truth_events", "/ground-truth-events/", EVENT_TABLE, "e.id", "e.tenant_id",
          (EVENT_SLIM, _event_slim), (EVENT_FULL, _event_full), fetch_from=EVENT_FROM,
          filters=(("ground_truth_dataset", Filter("v.ground_truth_dataset_id")),
                   ("ground_truth_dataset_version", Filter("e.version_id")),
                   ("project", Filter("e.project_id")),
                   ("pgh_obj_id__in", Filter(
                       "EXISTS (SELECT 1 FROM v2_ground_truths g2 WHERE g2.id IN ({marks}) "
                       "AND g2.dataset_id = v.ground_truth_dataset_id "
                       "AND g2.data_unit_id = e.data_unit_id)"))),
          bulk_path="/ground-truth-events/bulk-data/", bulk_key="pgh_ids", bulk=_event_full,
          order_names=("pgh_id", "id"), default_desc=True),
    *ML_SPECS,
    make_spec("data_collections", "/data-collections/", "data_collections c", "c.id",
          "c.tenant_id", (COLLECTION, _collection_slim), (COLLECTION, _collection_full),
          filters=(("category", Filter("c.category", "enum", choices=(
              "image", "video", "audio", "text", "pcd", "data"))),)),
    make_spec("data_units", "/data-units/", "data_units du", "du.id", "du.tenant_id",
          (UNIT, _unit_slim), (UNIT, _unit_full),
          filters=(("data_collection", Filter("du.data_collection_id")),)),
    make_spec("members", "/members/", "memberships m JOIN users u ON u.id = m.user_id",
          "m.rowid", "m.tenant_id", (MEMBER, _member_slim), (MEMBER, _member_full),
          filters=(("role", Filter("m.role", "enum", choices=(
              "owner", "admin", "member", "guest"))), ("user", Filter("m.user_id")))),
]}

#: nested lists: (spec name, URL under /v2, {path parameter: column})
NESTED = [
    ("ground_truth_dataset_versions", "/ground-truth-datasets/{parent}/versions/",
     "v.ground_truth_dataset_id"),
    ("ground_truth_events", "/ground-truth-datasets/{parent}/versions/{pk}/events/",
     "e.version_id"),
]
