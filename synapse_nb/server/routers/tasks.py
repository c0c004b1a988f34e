"""Tasks: list (``sdk/tasks/``), detail, create, ``annotate_task_data``, ``set_tags``."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from orjson import Fragment
from fastapi import APIRouter, Body, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from ..auth import Auth, get_db
from ..common import PK, APIError, bool_param, field_list, int_list, json_response, not_found, \
    now_iso, parse_datetime
from ..db import Database
from ..pagination import paginate
from ..render import ASSIGNMENT_SELECT, TASK_FROM, TASK_JSON_SQL, TASK_SELECT, \
    assignment_dict, files_list, only_fields, task_dict, url_prefix
from ..schemas import AnnotateTaskData, Page, SetTags, TaskCreate, TaskCreateBatch, TaskOut
from ..urls import base_url

__all__ = ["router", "TASK_STATUSES"]

router = APIRouter(tags=["tasks"])
DB = Annotated[Database, Depends(get_db)]
TASK_STATUSES = ("pending", "in_progress", "completed")
Q = Annotated[str | None, Query()]


def _expand_assignments(db: Database, tenant_id: int, tasks: list[dict], base: str) -> None:
    ids = [task["id"] for task in tasks]
    if not ids:
        return
    marks = ",".join("?" * len(ids))
    rows = db.query(f"SELECT {ASSIGNMENT_SELECT} FROM assignments a LEFT JOIN tasks t ON "
                    f"t.id = a.task_id LEFT JOIN data_units du ON du.id = t.data_unit_id "
                    f"WHERE a.tenant_id = ? AND a.task_id IN ({marks}) ORDER BY a.id",
                    [tenant_id, *ids])
    latest = {row[1]: assignment_dict(row, base) for row in rows}
    for task in tasks:
        task["assignment"] = latest.get(task["id"])


def _build(db: Database, auth: Any, request: Request, expand: list[str], fields: list[str]):
    base = base_url(request)
    expand_unit = "data_unit" in expand

    def build(rows: list[tuple]) -> list[dict]:
        tasks = [task_dict(row, base, expand_unit) for row in rows]
        if "assignment" in expand:
            _expand_assignments(db, auth.tenant_id, tasks, base)
        if "workshop" in expand:
            for task in tasks:
                task["workshop"] = None
        if fields:
            tasks = [only_fields(task, fields) for task in tasks]
        return tasks

    return build


def _query_doc(*names: str) -> dict[str, Any]:
    """OpenAPI parameters for a handler that reads ``request.query_params`` itself.

    The hot list endpoint skips FastAPI's per-parameter validation (it costs more than the
    SQL), parses the values itself and answers 400 on bad ones; this keeps them documented.
    """
    return {"parameters": [{"name": name, "in": "query", "required": False,
                            "schema": {"type": "string"}} for name in names]}


TASK_FILTERS = ("project", "status", "assignee", "tags", "search", "created_after", "data_unit",
                "id__in", "is_discarded", "ordering", "expand", "fields", "page", "page_size")


@router.get("/sdk/tasks/", response_model=Page, summary="list_tasks",
            openapi_extra=_query_doc(*TASK_FILTERS))
@router.get("/tasks/", response_model=Page, include_in_schema=False)
async def list_tasks(request: Request, auth: Auth, db: DB) -> Response:
    """Tasks of the caller's tenant, page by page, filtered.

    Plain pages (index-only id lookup, then 100 rows by id) take about a millisecond, less
    than a hop to the thread pool, so they run inline; filters that scan rows (tags, search)
    and the assignment expansion go to the pool so they never stall the event loop.
    """
    query = request.query_params
    if "tags" in query or "search" in query or "assignment" in ",".join(query.getlist("expand")):
        return await run_in_threadpool(_list_tasks, request, auth, db)
    return _list_tasks(request, auth, db)


@router.get("/sdk/tasks/data/", response_model=Page, summary="list_tasks_data",
            openapi_extra=_query_doc(*TASK_FILTERS))
def list_tasks_data(request: Request, auth: Auth, db: DB) -> Response:
    """Tasks with only ``id`` and ``data`` (the annotation), same filters."""
    return _list_tasks(request, auth, db, shape="data")


@router.get("/sdk/tasks/files/", response_model=Page, summary="list_tasks_files",
            openapi_extra=_query_doc(*TASK_FILTERS))
def list_tasks_files(request: Request, auth: Auth, db: DB) -> Response:
    """Tasks with ``id``, ``data_unit`` and the unit's ``files`` as a list (each with ``name``)."""
    return _list_tasks(request, auth, db, shape="files")


def _list_tasks(request: Request, auth: Any, db: Database, shape: str = "") -> Response:
    where = ["t.tenant_id = ?"]
    params: list[Any] = [auth.tenant_id]
    query = request.query_params
    search, created_after = query.get("search"), query.get("created_after")
    is_discarded, ordering = query.get("is_discarded"), query.get("ordering")
    # a repeated parameter (``expand=data_unit&expand=assignment``, as requests sends a
    # list) counts whole, like the comma form
    expand, fields = ",".join(query.getlist("expand")), ",".join(query.getlist("fields"))
    for name, column in (("project", "t.project_id"), ("assignee", "t.assignee"),
                         ("data_unit", "t.data_unit_id"), ("id__in", "t.id")):
        values = int_list(query.getlist(name) or None, name)
        if values:
            where.append(f"{column} IN ({','.join('?' * len(values))})")
            params += values
    statuses = [s for v in query.getlist("status") for s in v.split(",") if s]
    if statuses:
        bad = [s for s in statuses if s not in TASK_STATUSES]
        if bad:
            raise APIError(400, {"status": [f"Select a valid choice ({', '.join(TASK_STATUSES)});"
                                            f" {bad[0][:40]!r} is not one of them."]})
        where.append(f"t.status IN ({','.join('?' * len(statuses))})")
        params += statuses
    tag_ids = int_list(query.getlist("tags") or None, "tags")
    if tag_ids:
        where.append(f"EXISTS (SELECT 1 FROM json_each(t.tags) j WHERE j.value IN "
                     f"({','.join('?' * len(tag_ids))}))")
        params += tag_ids
    if search:
        where.append("(CAST(t.id AS TEXT) = ? OR t.meta LIKE ? ESCAPE '\\')")
        escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params += [search.strip(), f"%{escaped}%"]
    if created_after:
        where.append("t.created > ?")
        params.append(parse_datetime(created_after, "created_after"))
    discarded = bool_param(is_discarded, "is_discarded")
    if discarded is not None:
        where.append("t.is_discarded = ?")
        params.append(int(discarded))
    order = {None: "t.id", "": "t.id", "id": "t.id", "-id": "t.id DESC"}.get(ordering)
    if order is None:
        raise APIError(400, {"ordering": ["Use id or -id."]})
    from_where = f"FROM tasks t WHERE {' AND '.join(where)}"
    if shape == "files":
        base = base_url(request)
        return paginate(request, db, from_where, params, TASK_SELECT, order,
                        lambda rows: [{"id": r[0], "data_unit": r[2], "files": files_list(r[12], base)}
                                      for r in rows], key="t.id", fetch_from=TASK_FROM)
    if shape == "data":
        expand, fields = "", "id,data"
    if not expand and not fields:  # the hot path: SQLite writes each task's JSON
        return paginate(request, db, from_where, params, f"t.id, {TASK_JSON_SQL}", order,
                        lambda rows: [Fragment(row[1]) for row in rows], key="t.id",
                        fetch_from=TASK_FROM, select_params=[url_prefix(base_url(request))])
    build = _build(db, auth, request, field_list(expand), field_list(fields))
    return paginate(request, db, from_where, params, TASK_SELECT, order, build, key="t.id",
                    fetch_from=TASK_FROM)


def _load_task(db: Database, tenant_id: int, pk: PK) -> tuple:
    row = db.one(f"SELECT {TASK_SELECT} {TASK_FROM} WHERE t.id = ? AND t.tenant_id = ?",
                 (pk, tenant_id))
    if row is None:
        raise not_found("task")
    return row


@router.get("/tasks/{pk}/", response_model=TaskOut, summary="get_task")
def get_task(request: Request, auth: Auth, db: DB, pk: PK, expand: Q = None,
             fields: Q = None) -> Response:
    """One task (``expand=data_unit,assignment`` or repeated, ``fields=id,data``)."""
    row = _load_task(db, auth.tenant_id, pk)
    query = request.query_params
    build = _build(db, auth, request, field_list(",".join(query.getlist("expand"))),
                   field_list(",".join(query.getlist("fields"))))
    return json_response(build([row])[0])


def _check_ids(con: Any, table: str, tenant_id: int, ids: set[int], name: str) -> None:
    ids = {i for i in ids if i is not None}
    if not ids:
        return
    found = set()
    id_list = sorted(ids)
    for start in range(0, len(id_list), 500):
        chunk = id_list[start:start + 500]
        found |= {r[0] for r in con.execute(
            f"SELECT id FROM {table} WHERE tenant_id = ? AND id IN ({','.join('?' * len(chunk))})",
            [tenant_id, *chunk])}
    missing = sorted(ids - found)
    if missing:
        raise APIError(400, {name: [f"Invalid pk \"{missing[0]}\" - object does not exist."
                                    + (f" ({len(missing)} unknown ids)" if len(missing) > 1
                                       else "")]})


@router.post("/tasks/", status_code=201, response_model=list[TaskOut], summary="create_tasks")
def create_tasks(request: Request, auth: Auth, db: DB,
                 body: Annotated[list[TaskCreate] | TaskCreateBatch | TaskCreate, Body()]
                 ) -> Response:
    """Create tasks from ``[{project, data_unit}]`` or ``{project, data: [{data_unit}]}``."""
    if isinstance(body, TaskCreateBatch):
        items = [TaskCreate(project=body.project, data_unit=ref.data_unit) for ref in body.data]
    elif isinstance(body, TaskCreate):
        items = [body]
    else:
        items = list(body)
    if not items:
        raise APIError(400, {"non_field_errors": ["Send at least one task."]})
    now = now_iso()
    with db.write() as con:
        _check_ids(con, "projects", auth.tenant_id, {i.project for i in items}, "project")
        _check_ids(con, "data_units", auth.tenant_id, {i.data_unit for i in items}, "data_unit")
        ids = []
        for item in items:
            status = "completed" if item.data else "pending"
            cur = con.execute(
                "INSERT INTO tasks (tenant_id, project_id, data_unit_id, status, assignee, "
                "priority, tags, meta, data, is_discarded, created, modified) "
                "VALUES (?, ?, ?, ?, NULL, ?, '[]', ?, ?, 0, ?, ?)",
                (auth.tenant_id, item.project, item.data_unit, status, item.priority,
                 orjson.dumps(item.meta).decode(),
                 orjson.dumps(item.data).decode() if item.data is not None else None, now, now))
            ids.append(cur.lastrowid)
    build = _build(db, auth, request, [], [])
    rows = [_load_task(db, auth.tenant_id, pk) for pk in ids]
    return json_response(build(rows), status_code=201)


@router.put("/tasks/{pk}/annotate_task_data/", response_model=TaskOut,
            summary="annotate_task_data")
def annotate_task_data(request: Request, auth: Auth, db: DB, pk: PK,
                       body: Annotated[AnnotateTaskData, Body()]) -> Response:
    """Store a task's annotation; ``action`` submit completes it, save keeps it open."""
    payload = body.model_dump()
    action = payload.get("action", "submit")
    data = payload.get("data") if "data" in payload else payload
    if not isinstance(action, str) or action not in ("submit", "save", "draft"):
        raise APIError(400, {"action": ["Use submit, save or draft."]})
    if not isinstance(data, dict):
        raise APIError(400, {"data": ["Send the annotation as a JSON object."]})
    annotations = data.get("annotations", [])
    if not isinstance(annotations, list):
        raise APIError(400, {"data": ["annotations must be a list."]})
    status = "completed" if action == "submit" else "in_progress"
    with db.write() as con:
        changed = con.execute(
            "UPDATE tasks SET data = ?, status = ?, modified = ? WHERE id = ? AND tenant_id = ?",
            (orjson.dumps(data).decode(), status, now_iso(), pk, auth.tenant_id)).rowcount
        if not changed:
            raise not_found("task")
    return json_response(_build(db, auth, request, [], [])([_load_task(db, auth.tenant_id, pk)])[0])


def set_tags(db: Database, tenant_id: int, table: str, body: SetTags) -> dict[str, Any]:
    """Add or remove tags on many rows of ``table`` (tasks or assignments), atomically."""
    ids = sorted(set(body.ids))
    tags = sorted(set(body.tags))
    if not ids:
        raise APIError(400, {"ids": ["Send at least one id."]})
    with db.write() as con:
        _check_ids(con, table, tenant_id, set(ids), "ids")
        _check_ids(con, "task_tags", tenant_id, set(tags), "tags")
        now = now_iso()
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            rows = con.execute(f"SELECT id, tags FROM {table} WHERE tenant_id = ? AND id IN "
                               f"({','.join('?' * len(chunk))})", [tenant_id, *chunk]).fetchall()
            updates = []
            for row_id, current in rows:
                have = set(orjson.loads(current))
                have = have | set(tags) if body.action == "add" else have - set(tags)
                updates.append((orjson.dumps(sorted(have)).decode(), now, row_id))
            con.executemany(f"UPDATE {table} SET tags = ?, modified = ? WHERE id = ?", updates)
    return {"ids": ids, "tags": tags, "action": body.action, "updated": len(ids)}


@router.post("/tasks/set_tags/", summary="set_tags_tasks")
def set_tags_tasks(auth: Auth, db: DB, body: SetTags) -> Response:
    """``{"ids": [...], "tags": [...], "action": "add" | "remove"}``."""
    return json_response(set_tags(db, auth.tenant_id, "tasks", body))
