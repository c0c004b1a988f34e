"""Task tags: list (filters project, search, color), detail, create."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from ..auth import Auth, get_db
from ..common import PK, APIError, int_list, json_response, not_found, now_iso
from ..db import Database
from ..pagination import paginate
from ..schemas import Obj, Page, TaskTagCreate

__all__ = ["router"]

router = APIRouter(tags=["task_tags"])
DB = Annotated[Database, Depends(get_db)]
Q = Annotated[str | None, Query()]
SELECT = "id, project_id, name, description, color, category, created"


def tag_dict(row: tuple) -> dict[str, Any]:
    return {"id": row[0], "project": row[1], "name": row[2], "description": row[3],
            "color": row[4], "category": row[5], "created": row[6]}


@router.get("/task_tags/", response_model=Page, summary="list_task_tags")
def list_task_tags(request: Request, auth: Auth, db: DB, project: Q = None, search: Q = None,
                   color: Q = None, page: Q = None, page_size: Q = None) -> Response:
    where = ["tenant_id = ?"]
    params: list[Any] = [auth.tenant_id]
    projects = int_list(request.query_params.getlist("project") or None, "project")
    if projects:
        where.append(f"project_id IN ({','.join('?' * len(projects))})")
        params += projects
    if search:
        where.append("instr(lower(name), lower(?)) > 0")
        params.append(search)
    if color:
        where.append("lower(color) = lower(?)")
        params.append(color)
    return paginate(request, db, f"FROM task_tags WHERE {' AND '.join(where)}", params, SELECT,
                    "id", lambda rows: [tag_dict(r) for r in rows])


@router.get("/task_tags/{pk}/", response_model=Obj, summary="get_task_tag")
def get_task_tag(auth: Auth, db: DB, pk: PK) -> Response:
    row = db.one(f"SELECT {SELECT} FROM task_tags WHERE id = ? AND tenant_id = ?",
                 (pk, auth.tenant_id))
    if row is None:
        raise not_found("task tag")
    return json_response(tag_dict(row))


@router.post("/task_tags/", status_code=201, response_model=Obj, summary="create_task_tag")
def create_task_tag(auth: Auth, db: DB, body: TaskTagCreate) -> Response:
    with db.write() as con:
        if not con.execute("SELECT 1 FROM projects WHERE id = ? AND tenant_id = ?",
                           (body.project, auth.tenant_id)).fetchone():
            raise APIError(400, {"project": [f"Invalid pk \"{body.project}\" - object does not "
                                             "exist."]})
        pk = con.execute("INSERT INTO task_tags (tenant_id, project_id, name, description, "
                         "color, category, created) VALUES (?, ?, ?, ?, ?, 'project', ?)",
                         (auth.tenant_id, body.project, body.name, body.description,
                          body.color, now_iso())).lastrowid
    row = db.one(f"SELECT {SELECT} FROM task_tags WHERE id = ?", (pk,))
    assert row is not None  # written just above
    return json_response(tag_dict(row), status_code=201)
