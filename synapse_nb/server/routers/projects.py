"""Projects: ``get_project`` and a list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from ..auth import Auth, get_db
from ..common import PK, json_response, not_found
from ..db import Database
from ..pagination import paginate
from ..render import frag
from ..schemas import Obj, Page

__all__ = ["router"]

router = APIRouter(tags=["projects"])
DB = Annotated[Database, Depends(get_db)]
SELECT = ("p.id, p.title, p.description, p.category, p.data_collection_id, p.configuration, "
          "p.settings, p.is_archived, p.created, "
          "(SELECT COUNT(*) FROM tasks t WHERE t.tenant_id = p.tenant_id AND t.project_id = p.id)")


def project_dict(row: tuple) -> dict:
    return {"id": row[0], "title": row[1], "name": row[1], "description": row[2],
            "category": row[3], "data_collection": row[4], "configuration": frag(row[5]),
            "settings": frag(row[6]), "is_archived": bool(row[7]), "created": row[8],
            "task_count": row[9]}


@router.get("/projects/", response_model=Page, summary="list_projects")
def list_projects(request: Request, auth: Auth, db: DB,
                  page: Annotated[str | None, Query()] = None,
                  page_size: Annotated[str | None, Query()] = None) -> Response:
    return paginate(request, db, "FROM projects p WHERE p.tenant_id = ?", [auth.tenant_id],
                    SELECT, "p.id", lambda rows: [project_dict(r) for r in rows])


@router.get("/projects/{pk}/", response_model=Obj, summary="get_project")
def get_project(auth: Auth, db: DB, pk: PK) -> Response:
    row = db.one(f"SELECT {SELECT} FROM projects p WHERE p.id = ? AND p.tenant_id = ?",
                 (pk, auth.tenant_id))
    if row is None:
        raise not_found("project")
    return json_response(project_dict(row))
