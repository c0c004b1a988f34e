"""Jobs: list (filters status, plugin), detail, PATCH update, console logs, their tail.

Status is stored and answered in lower case (the 2025 line); the 2026 SDK's upper case
(``RUNNING``) is accepted everywhere, and the 2025 docs' ``completed`` means ``succeeded``.
``update_job`` stores ``metrics_record`` and ``meta`` and appends ``console_logs``.
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse

from ..auth import Auth, get_db
from ..common import PK, APIError, int_list, json_response, not_found, now_iso
from ..db import Database
from ..pagination import paginate
from ..render import frag
from ..schemas import JobUpdate, Obj, Page

__all__ = ["router", "JOB_SELECT", "job_dict", "JOB_STATUSES", "job_status"]

router = APIRouter(tags=["jobs"])
DB = Annotated[Database, Depends(get_db)]
Q = Annotated[str | None, Query()]
JOB_STATUSES = ("pending", "running", "stopped", "succeeded", "failed")
JOB_SELECT = ("id, plugin_id, plugin_release_id, agent_id, action, params, status, "
              "progress_record, result, created, modified, completed, metrics_record, meta")
LOG_SELECT = "id, job_id, level, event, message, created"


def job_status(value: str, name: str = "status") -> str:
    """A job status in either case (``RUNNING``, ``running``; ``completed`` = succeeded)."""
    status = value.strip().lower()
    status = "succeeded" if status == "completed" else status
    if status not in JOB_STATUSES:
        raise APIError(400, {name: [f"Select a valid choice: {', '.join(JOB_STATUSES)} (any case);"
                                    f" not {value[:40]!r}."]})
    return status


def job_dict(row: tuple) -> dict[str, Any]:
    return {"id": row[0], "plugin": row[1], "plugin_release": row[2], "agent": row[3],
            "action": row[4], "params": frag(row[5]), "status": row[6],
            "progress_record": frag(row[7]), "result": frag(row[8]), "created": row[9],
            "modified": row[10], "completed": row[11], "metrics_record": frag(row[12]),
            "meta": frag(row[13]), "is_active": row[6] in ("pending", "running")}


def log_dict(row: tuple) -> dict[str, Any]:
    return {"id": row[0], "job": row[1], "level": row[2], "event": row[3], "message": row[4],
            "created": row[5]}


@router.get("/jobs/", response_model=Page, summary="list_jobs")
def list_jobs(request: Request, auth: Auth, db: DB, status: Q = None, plugin: Q = None,
              page: Q = None, page_size: Q = None) -> Response:
    where = ["tenant_id = ?"]
    params: list[Any] = [auth.tenant_id]
    statuses = [job_status(s) for raw in request.query_params.getlist("status")
                for s in raw.split(",") if s]
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
    """Change ``status`` (any case), ``progress_record``, ``metrics_record``, ``result``,
    ``meta``; ``console_logs`` (an entry or a list) are appended to the job's logs."""
    now = now_iso()
    with db.write() as con:
        if not con.execute("SELECT 1 FROM jobs WHERE id = ? AND tenant_id = ?",
                           (pk, auth.tenant_id)).fetchone():
            raise not_found("job")
        if body.status is not None:
            status = job_status(body.status)
            done = now if status in ("stopped", "succeeded", "failed") else None
            con.execute("UPDATE jobs SET status = ?, completed = ? WHERE id = ?",
                        (status, done, pk))
        for key in ("progress_record", "metrics_record", "result", "meta"):
            value = getattr(body, key)
            if value is not None:
                con.execute(f"UPDATE jobs SET {key} = ? WHERE id = ?",
                            (orjson.dumps(value).decode(), pk))
        entries = body.console_logs
        if isinstance(entries, dict):
            entries = [entries]
        con.executemany("INSERT INTO job_console_logs (tenant_id, job_id, level, event, message,"
                        " created) VALUES (?, ?, ?, ?, ?, ?)",
                        [(auth.tenant_id, pk, str(e.get("level") or "info")[:20],
                          str(e.get("event") or e.get("type") or "")[:100], _message(e), now)
                         for e in entries or []])
        con.execute("UPDATE jobs SET modified = ? WHERE id = ?", (now, pk))
    return json_response(job_dict(_job(db, auth.tenant_id, pk)))


def _message(entry: dict[str, Any]) -> str:
    message = entry.get("message")
    return message if isinstance(message, str) else orjson.dumps(entry).decode()


@router.get("/jobs/{pk}/console_logs/", response_model=Page, summary="list_job_console_logs")
def list_console_logs(request: Request, auth: Auth, db: DB, pk: PK, page: Q = None,
                      page_size: Q = None) -> Response:
    _job(db, auth.tenant_id, pk)
    return paginate(request, db, "FROM job_console_logs WHERE tenant_id = ? AND job_id = ?",
                    [auth.tenant_id, pk], LOG_SELECT, "id",
                    lambda rows: [log_dict(r) for r in rows])


@router.get("/jobs/{pk}/tail_console_logs/", summary="tail_job_console_logs",
            responses={200: {"content": {"text/event-stream": {}}}})
def tail_console_logs(auth: Auth, db: DB, pk: PK) -> Response:
    """The job's console logs as server-sent events (``data: <json>`` lines), then the end.

    The reference server sends what the job has logged so far and closes the stream.
    """
    _job(db, auth.tenant_id, pk)
    rows = db.query(f"SELECT {LOG_SELECT} FROM job_console_logs WHERE tenant_id = ? AND "
                    "job_id = ? ORDER BY id", (auth.tenant_id, pk))
    events = [b"data: " + orjson.dumps(log_dict(r)) + b"\n\n" for r in rows]
    return StreamingResponse(iter(events), media_type="text/event-stream")
