"""Plugins (get, create, update, run) and plugin releases (get, create with a file)."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from ..auth import Auth, get_db
from ..common import PK, APIError, int_list, json_response, not_found, now_iso
from ..db import Database
from ..pagination import paginate
from ..render import frag
from ..schemas import Obj, Page, PluginCreate, PluginRun, PluginUpdate
from ..storage import store_copy
from ..urls import base_url
from .chunked_upload import read_multipart
from .jobs import JOB_SELECT, job_dict

__all__ = ["router"]

router = APIRouter(tags=["plugins"])
DB = Annotated[Database, Depends(get_db)]
Q = Annotated[str | None, Query()]
SELECT = "id, code, name, category, description, is_active, config, created, modified"
RELEASE_SELECT = "id, plugin_id, version, readme, config, file, created"


def plugin_dict(row: tuple) -> dict[str, Any]:
    return {"id": row[0], "code": row[1], "name": row[2], "category": row[3],
            "description": row[4], "is_active": bool(row[5]), "config": frag(row[6]),
            "created": row[7], "modified": row[8]}


def release_dict(row: tuple, base: str, signer: Any) -> dict[str, Any]:
    return {"id": row[0], "plugin": row[1], "version": row[2], "readme": row[3],
            "config": frag(row[4]), "file": f"{base}/{signer.relative(row[5])}" if row[5] else None,
            "created": row[6]}


def _plugin(db: Database, tenant_id: int, pk: PK) -> tuple:
    row = db.one(f"SELECT {SELECT} FROM plugins WHERE id = ? AND tenant_id = ?", (pk, tenant_id))
    if row is None:
        raise not_found("plugin")
    return row


@router.get("/plugins/", response_model=Page, summary="list_plugins")
def list_plugins(request: Request, auth: Auth, db: DB, page: Q = None,
                 page_size: Q = None) -> Response:
    return paginate(request, db, "FROM plugins WHERE tenant_id = ?", [auth.tenant_id], SELECT,
                    "id", lambda rows: [plugin_dict(r) for r in rows])


@router.get("/plugins/{pk}/", response_model=Obj, summary="get_plugin")
def get_plugin(auth: Auth, db: DB, pk: PK) -> Response:
    return json_response(plugin_dict(_plugin(db, auth.tenant_id, pk)))


@router.post("/plugins/", status_code=201, response_model=Obj, summary="create_plugin")
def create_plugin(auth: Auth, db: DB, body: PluginCreate) -> Response:
    now = now_iso()
    with db.write() as con:
        if con.execute("SELECT 1 FROM plugins WHERE tenant_id = ? AND code = ?",
                       (auth.tenant_id, body.code)).fetchone():
            raise APIError(400, {"code": ["A plugin with this code already exists."]})
        pk = con.execute("INSERT INTO plugins (tenant_id, code, name, category, description, "
                         "is_active, config, created, modified) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         (auth.tenant_id, body.code, body.name, body.category, body.description,
                          int(body.is_active), orjson.dumps(body.config).decode(), now,
                          now)).lastrowid
    return json_response(plugin_dict(_plugin(db, auth.tenant_id, pk)), status_code=201)


@router.put("/plugins/{pk}/", response_model=Obj, summary="update_plugin")
def update_plugin(auth: Auth, db: DB, pk: PK, body: PluginUpdate) -> Response:
    changes = body.model_dump(exclude_none=True)
    with db.write() as con:
        if not con.execute("SELECT 1 FROM plugins WHERE id = ? AND tenant_id = ?",
                           (pk, auth.tenant_id)).fetchone():
            raise not_found("plugin")
        for key, value in changes.items():
            if key == "config":
                value = orjson.dumps(value).decode()
            elif key == "is_active":
                value = int(value)
            con.execute(f"UPDATE plugins SET {key} = ? WHERE id = ?", (value, pk))
        con.execute("UPDATE plugins SET modified = ? WHERE id = ?", (now_iso(), pk))
    return json_response(plugin_dict(_plugin(db, auth.tenant_id, pk)))


@router.post("/plugins/{pk}/run/", status_code=201, response_model=Obj, summary="run_plugin")
def run_plugin(auth: Auth, db: DB, pk: PK, body: PluginRun) -> Response:
    """Queue a job (status ``pending``) for the plugin's latest or given release."""
    now = now_iso()
    with db.write() as con:
        if not con.execute("SELECT 1 FROM plugins WHERE id = ? AND tenant_id = ?",
                           (pk, auth.tenant_id)).fetchone():
            raise not_found("plugin")
        if body.agent is not None and not con.execute(
                "SELECT 1 FROM agents WHERE id = ? AND tenant_id = ?",
                (body.agent, auth.tenant_id)).fetchone():
            raise APIError(400, {"agent": [f"Invalid pk \"{body.agent}\" - object does not "
                                           "exist."]})
        sql = "SELECT id FROM plugin_releases WHERE plugin_id = ?"
        args: list[Any] = [pk]
        if body.version:
            sql += " AND version = ?"
            args.append(body.version)
        release = con.execute(sql + " ORDER BY id DESC LIMIT 1", args).fetchone()
        if body.version and release is None:
            raise APIError(400, {"version": [f"No release {body.version!r} of this plugin."]})
        job = con.execute(
            "INSERT INTO jobs (tenant_id, plugin_id, plugin_release_id, agent_id, action, params,"
            " status, progress_record, result, created, modified, completed) VALUES (?, ?, ?, ?,"
            " ?, ?, 'pending', '{}', '{}', ?, ?, NULL)",
            (auth.tenant_id, pk, release[0] if release else None, body.agent, body.action,
             orjson.dumps(body.params).decode(), now, now)).lastrowid
    return json_response(job_dict(db.one(f"SELECT {JOB_SELECT} FROM jobs WHERE id = ?", (job,))),
                         status_code=201)


@router.get("/plugin_releases/", response_model=Page, summary="list_plugin_releases")
def list_releases(request: Request, auth: Auth, db: DB, plugin: Q = None, page: Q = None,
                  page_size: Q = None) -> Response:
    where, params = ["tenant_id = ?"], [auth.tenant_id]
    values = int_list(request.query_params.getlist("plugin") or None, "plugin")
    if values:
        where.append(f"plugin_id IN ({','.join('?' * len(values))})")
        params += values
    base, signer = base_url(request), request.app.state.signer
    return paginate(request, db, f"FROM plugin_releases WHERE {' AND '.join(where)}", params,
                    RELEASE_SELECT, "id", lambda rows: [release_dict(r, base, signer)
                                                        for r in rows])


@router.get("/plugin_releases/{pk}/", response_model=Obj, summary="get_plugin_release")
def get_release(request: Request, auth: Auth, db: DB, pk: PK) -> Response:
    row = db.one(f"SELECT {RELEASE_SELECT} FROM plugin_releases WHERE id = ? AND tenant_id = ?",
                 (pk, auth.tenant_id))
    if row is None:
        raise not_found("plugin release")
    return json_response(release_dict(row, base_url(request), request.app.state.signer))


_RELEASE_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {
    "schema": {"type": "object", "required": ["plugin", "version", "file"], "properties": {
        "plugin": {"type": "integer"}, "version": {"type": "string"},
        "readme": {"type": "string"}, "config": {"type": "string"},
        "file": {"type": "string", "format": "binary"}}}}}}}


@router.post("/plugin_releases/", status_code=201, response_model=Obj,
             summary="create_plugin_release", openapi_extra=_RELEASE_BODY)
async def create_release(request: Request, auth: Auth, db: DB) -> Response:
    """Multipart: ``plugin``, ``version``, optional ``readme``/``config`` (JSON), ``file``."""
    settings = request.app.state.settings
    fields, upload = await read_multipart(request, settings.max_upload_bytes)
    try:
        plugin = int(fields.get("plugin", ""))
    except ValueError:
        raise APIError(400, {"plugin": ["A valid integer is required."]})
    version = (fields.get("version") or "").strip()
    if not version or len(version) > 50:
        raise APIError(400, {"version": ["This field is required (at most 50 characters)."]})
    try:
        config = orjson.loads(fields.get("config") or "{}")
    except orjson.JSONDecodeError:
        raise APIError(400, {"config": ["Value must be valid JSON."]})
    if not db.one("SELECT 1 FROM plugins WHERE id = ? AND tenant_id = ?", (plugin, auth.tenant_id)):
        raise APIError(400, {"plugin": [f"Invalid pk \"{plugin}\" - object does not exist."]})
    try:
        rel, _md5, _size = await run_in_threadpool(
            store_copy, settings.data_dir, auth.tenant_id, upload.file,
            upload.filename or "plugin.zip", settings.max_upload_bytes)
    except ValueError:
        raise APIError(413, f"File too large: at most {settings.max_upload_bytes} bytes.")
    with db.write() as con:
        pk = con.execute("INSERT INTO plugin_releases (tenant_id, plugin_id, version, readme, "
                         "config, file, created) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (auth.tenant_id, plugin, version, fields.get("readme", ""),
                          orjson.dumps(config).decode(), rel, now_iso())).lastrowid
    row = db.one(f"SELECT {RELEASE_SELECT} FROM plugin_releases WHERE id = ?", (pk,))
    return json_response(release_dict(row, base_url(request), request.app.state.signer),
                         status_code=201)
