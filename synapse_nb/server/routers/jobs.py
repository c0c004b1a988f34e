"""Jobs: list (filters status, plugin), detail, PATCH update, console logs."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request, Response

from ..auth import Auth, get_db
from ..common import PK, APIError, int_list, json_response, not_found, now_iso
from ..db import Database
from ..pagination import paginate
from ..render import frag
from ..schemas import JobUpdate, Obj, Page

__all__ = ["router", "JOB_SELECT", "job_dict", "JOB_STATUSES"]

router = APIRouter(tags=["jobs"])
DB = Annotated[Database, Depends(get_db)]
Q = Annotated[str | None, Query()]
JOB_STATUSES = ("pending", "running", "stopped", "succeeded", "failed")
JOB_SELECT = ("id, plugin_id, plugin_release_id, agent_id, action, params, status, "
              "progress_record, result, created, modified, completed")


def job_dict(row: tuple) -> dict[str, Any]:
    return {"id": row[0], "plugin": row[1], "plugin_release": row[2], "agent": row[3],
            "action": row[4], "params": frag(row[5]), "status": row[6],
            "progress_record": frag(row[7]), "result": frag(row[8]), "created": row[9],
            "modified": row[10], "completed": row[11],
            "is_active": row[6] in ("pending", "running")}


@router.get("/jobs/", response_model=Page, summary="list_jobs")
def list_jobs(request: Request, auth: Auth, db: DB, status: Q = None, plugin: Q = None,
              page: Q = None, page_size: Q = None) -> Response:
    where, params = ["tenant_id = ?"], [auth.tenant_id]
    statuses = [s for raw in request.query_params.getlist("status") for s in raw.split(",") if s]
    if any(s not in JOB_STATUSES for s in statuses):
        raise APIError(400, {"status": [f"Select a valid choice: {', '.join(JOB_STATUSES)}."]})
    if statuses:
        where.append(f"status IN ({','.join('?' * len(statuses))})")
        params += statuses
    plugins = int_list(request.query_params.getlist("plugin") or None, "plugin")
    if plugins:
        where.append(f"plugin_id IN ({','.join('?' * len(plugins))})")
        params += plugins
    return paginate(request, db, f"FROM jobs WHERE {' AND '.join(where)}", params, JOB_SELECT,
                    "id", lambda rows: [job_dict(r) for r in rows])


def _job(db: Database, tenant_id: int, pk: PK) -> tuple:
    row = db.one(f"SELECT {JOB_SELECT} FROM jobs WHERE id = ? AND tenant_id = ?", (pk, tenant_id))
    if row is None:
        raise not_found("job")
    return row


@router.get("/jobs/{pk}/", response_model=Obj, summary="get_job")
def get_job(auth: Auth, db: DB, pk: PK) -> Response:
    return json_response(job_dict(_job(db, auth.tenant_id, pk)))


@router.patch("/jobs/{pk}/", response_model=Obj, summary="update_job")
def update_job(auth: Auth, db: DB, pk: PK, body: JobUpdate) -> Response:
    """Change ``status``, ``progress_record`` or ``result``."""
    now = now_iso()
    with db.write() as con:
        if not con.execute("SELECT 1 FROM jobs WHERE id = ? AND tenant_id = ?",
                           (pk, auth.tenant_id)).fetchone():
            raise not_found("job")
        if body.status is not None:
            done = now if body.status in ("stopped", "succeeded", "failed") else None
            con.execute("UPDATE jobs SET status = ?, completed = ? WHERE id = ?",
                        (body.status, done, pk))
        for key in ("progress_record", "result"):
            value = getattr(body, key)
            if value is not None:
                con.execute(f"UPDATE jobs SET {key} = ? WHERE id = ?",
                            (orjson.dumps(value).decode(), pk))
        con.execute("UPDATE jobs SET modified = ? WHERE id = ?", (now, pk))
    return json_response(job_dict(_job(db, auth.tenant_id, pk)))


@router.get("/jobs/{pk}/console_logs/", response_model=Page, summary="list_job_console_logs")
def list_console_logs(request: Request, auth: Auth, db: DB, pk: PK, page: Q = None,
                      page_size: Q = None) -> Response:
    _job(db, auth.tenant_id, pk)
    return paginate(request, db, "FROM job_console_logs WHERE tenant_id = ? AND job_id = ?",
                    [auth.tenant_id, pk], "id, job_id, level, event, message, created", "id",
                    lambda rows: [{"id": r[0], "job": r[1], "level": r[2], "event": r[3],
                                   "message": r[4], "created": r[5]} for r in rows])
