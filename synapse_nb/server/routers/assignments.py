"""Assignments: list (``sdk/assignments/``), detail, ``set_tags``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from ..auth import Auth, get_db
from ..common import PK, APIError, field_list, int_list, json_response, not_found
from ..db import Database
from ..pagination import paginate
from ..render import ASSIGNMENT_SELECT, assignment_dict, files_list, only_fields
from ..schemas import Obj, Page, SetTags
from ..urls import base_url
from .tasks import set_tags

__all__ = ["router", "LABEL_STATUSES", "REVIEW_STATUSES"]

router = APIRouter(tags=["assignments"])
DB = Annotated[Database, Depends(get_db)]
Q = Annotated[str | None, Query()]
FROM = ("FROM assignments a LEFT JOIN tasks t ON t.id = a.task_id "
        "LEFT JOIN data_units du ON du.id = t.data_unit_id")
LABEL_STATUSES = ("stand_by", "in_progress", "completed", "skipped")
REVIEW_STATUSES = ("stand_by", "in_progress", "rejected", "completed", "skipped")


def _choices(request: Request, name: str, allowed: tuple[str, ...]) -> list[str]:
    values = [v for raw in request.query_params.getlist(name) for v in raw.split(",") if v]
    bad = [v for v in values if v not in allowed]
    if bad:
        raise APIError(400, {name: [f"Select a valid choice ({', '.join(allowed)}); "
                                    f"{bad[0][:40]!r} is not one of them."]})
    return values


@router.get("/sdk/assignments/", response_model=Page, summary="list_assignments")
@router.get("/assignments/", response_model=Page, include_in_schema=False)
def list_assignments(request: Request, auth: Auth, db: DB, project: Q = None, task: Q = None,
                     user: Q = None, status_label: Q = None, status_review: Q = None,
                     id__in: Q = None, fields: Q = None, page: Q = None,
                     page_size: Q = None) -> Response:
    """Assignments of the caller's tenant (filters project, task, user, statuses)."""
    return _list(request, auth, db, fields)


@router.get("/sdk/assignments/data/", response_model=Page, summary="list_assignments_data")
def list_assignments_data(request: Request, auth: Auth, db: DB, project: Q = None, task: Q = None,
                          user: Q = None, status_label: Q = None, status_review: Q = None,
                          page: Q = None, page_size: Q = None) -> Response:
    """Assignments with only ``id`` and ``data``, same filters."""
    return _list(request, auth, db, "id,data")


@router.get("/sdk/assignments/files/", response_model=Page, summary="list_assignments_files")
def list_assignments_files(request: Request, auth: Auth, db: DB, project: Q = None,
                           task: Q = None, user: Q = None, status_label: Q = None,
                           status_review: Q = None, page: Q = None,
                           page_size: Q = None) -> Response:
    """Assignments with ``id``, ``task`` and the task's unit ``files`` as a list."""
    return _list(request, auth, db, None, with_files=True)


def _list(request: Request, auth: Any, db: Database, fields: str | None,
          with_files: bool = False) -> Response:
    where = ["a.tenant_id = ?"]
    params: list[Any] = [auth.tenant_id]
    for name, column in (("project", "a.project_id"), ("task", "a.task_id"),
                         ("user", "a.user_id"), ("id__in", "a.id")):
        values = int_list(request.query_params.getlist(name) or None, name)
        if values:
            where.append(f"{column} IN ({','.join('?' * len(values))})")
            params += values
    for name, allowed in (("status_label", LABEL_STATUSES), ("status_review", REVIEW_STATUSES)):
        choices = _choices(request, name, allowed)
        if choices:
            where.append(f"a.{name} IN ({','.join('?' * len(choices))})")
            params += choices
    base = base_url(request)
    keep = field_list(fields)
    if with_files:
        def build(rows: list[tuple]) -> list[dict]:
            return [{"id": r[0], "task": r[1], "files": files_list(r[13], base)} for r in rows]
    else:
        def build(rows: list[tuple]) -> list[dict]:
            return [only_fields(assignment_dict(r, base), keep) for r in rows]
    return paginate(request, db, f"FROM assignments a WHERE {' AND '.join(where)}", params,
                    ASSIGNMENT_SELECT, "a.id", build, key="a.id", fetch_from=FROM)


@router.get("/assignments/{pk}/", response_model=Obj, summary="get_assignment")
def get_assignment(request: Request, auth: Auth, db: DB, pk: PK) -> Response:
    row = db.one(f"SELECT {ASSIGNMENT_SELECT} {FROM} WHERE a.id = ? AND a.tenant_id = ?",
                 (pk, auth.tenant_id))
    if row is None:
        raise not_found("assignment")
    return json_response(assignment_dict(row, base_url(request)))


@router.post("/assignments/set_tags/", summary="set_tags_assignments")
def set_tags_assignments(auth: Auth, db: DB, body: SetTags) -> Any:
    """``{"ids": [...], "tags": [...], "action": "add" | "remove"}``."""
    return json_response(set_tags(db, auth.tenant_id, "assignments", body))
