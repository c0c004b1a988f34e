"""Logs (``POST logs/``, the SDK's ``create_logs``) and Ray Serve applications.

``logs/`` takes one entry or a list (``message``, ``level``, ``context``, ``file`` as a
base64 ``data:`` URI) and answers what it stored (a list for a list). Serve applications
belong to a job: ``{job, status, data}``.
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Depends, Query, Request, Response
from pydantic import Field

from ..auth import Auth, get_db
from ..common import APIError, int_list, json_response, now_iso
from ..db import Database
from ..pagination import paginate
from ..render import frag
from ..schemas import Obj, Page, _In

__all__ = ["router"]

router = APIRouter(tags=["logs"])
DB = Annotated[Database, Depends(get_db)]
Q = Annotated[str | None, Query()]
LEVELS = ("debug", "info", "warning", "error", "critical", "success")
APP_SELECT = "id, job_id, status, data, created"


class LogIn(_In):
    message: str = Field(min_length=1, max_length=100_000)
    level: str = Field(default="info", max_length=20)
    context: dict[str, Any] | None = None
    #: base64 ``data:`` URI (at most about 10 MB)
    file: str | None = Field(default=None, max_length=14_000_000)


class ServeApplicationIn(_In):
    job: int | str
    status: str | None = Field(default=None, max_length=50)
    data: dict[str, Any] | None = None


@router.post("/logs/", status_code=201, summary="create_logs")
def create_logs(auth: Auth, db: DB, body: Annotated[LogIn | list[LogIn], Body()]) -> Response:
    entries = body if isinstance(body, list) else [body]
    if not entries or len(entries) > 10_000:
        raise APIError(400, {"non_field_errors": ["Send 1 to 10000 log entries."]})
    bad = [e.level for e in entries if e.level.lower() not in LEVELS]
    if bad:
        raise APIError(400, {"level": [f"Select a valid choice ({', '.join(LEVELS)}), not {bad[0]!r}."]})
    now, out = now_iso(), []
    with db.write() as con:
        for e in entries:
            pk = con.execute("INSERT INTO logs (tenant_id, message, level, context, file, created) "
                             "VALUES (?, ?, ?, ?, ?, ?)",
                             (auth.tenant_id, e.message, e.level.lower(),
                              orjson.dumps(e.context or {}).decode(), e.file, now)).lastrowid
            out.append({"id": pk, "message": e.message, "level": e.level.lower(),
                        "context": e.context or {}, "has_file": e.file is not None, "created": now})
    return json_response(out if isinstance(body, list) else out[0], status_code=201)


def _app_dict(row: tuple) -> dict[str, Any]:
    return {"id": row[0], "job": row[1], "status": row[2], "data": frag(row[3]), "created": row[4]}


@router.post("/serve_applications/", status_code=201, response_model=Obj,
             summary="create_serve_application")
def create_serve_application(auth: Auth, db: DB, body: ServeApplicationIn) -> Response:
    job = str(body.job)
    with db.write() as con:
        found = con.execute("SELECT id FROM jobs WHERE id = ? AND tenant_id = ?",
                            (job, auth.tenant_id)).fetchone() if job.isdigit() else None
        if found is None:
            raise APIError(400, {"job": [f"Invalid pk {job[:40]!r} - object does not exist."]})
        pk = con.execute("INSERT INTO serve_applications (tenant_id, job_id, status, data, created) "
                         "VALUES (?, ?, ?, ?, ?)", (auth.tenant_id, found[0], body.status or "deploying",
                                                    orjson.dumps(body.data or {}).decode(),
                                                    now_iso())).lastrowid
        row = con.execute(f"SELECT {APP_SELECT} FROM serve_applications WHERE id = ?", (pk,)).fetchone()
    return json_response(_app_dict(row), status_code=201)


@router.get("/serve_applications/", response_model=Page, summary="list_serve_applications")
def list_serve_applications(request: Request, auth: Auth, db: DB, job: Q = None, status: Q = None,
                            page: Q = None, page_size: Q = None) -> Response:
    where = ["tenant_id = ?"]
    params: list[Any] = [auth.tenant_id]
    jobs = int_list(request.query_params.getlist("job") or None, "job")
    if jobs:
        where.append(f"job_id IN ({','.join('?' * len(jobs))})")
        params += jobs
    if status:
        where.append("status = ?")
        params.append(status)
    return paginate(request, db, f"FROM serve_applications WHERE {' AND '.join(where)}", params,
                    APP_SELECT, "id", lambda rows: [_app_dict(r) for r in rows])
