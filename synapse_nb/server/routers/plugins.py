"""Plugins (get, create, update, run) and plugin releases (list, get, create).

A plugin is named by its id or its code (``plugins/yolov8/run/``), a release by its id or
``code@version`` (``plugin_releases/yolov8@1.1.0/``), as the SDK does; ``plugin`` in a
body or filter may be either too. ``create_plugin`` makes the code from the name when none
is given (the seed docs' example sends none).
"""

from __future__ import annotations

from typing import Annotated, Any

import re

import orjson
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from ..auth import Auth, get_db
from ..common import APIError, json_response, not_found, now_iso
from ..db import Database
from ..pagination import paginate
from ..render import frag
from ..schemas import Obj, Page, PluginCreate, PluginRun, PluginUpdate
from ..storage import store_copy
from ..urls import base_url
from .chunked_upload import read_multipart
from .jobs import JOB_SELECT, job_dict

__all__ = ["router", "plugin_id"]

router = APIRouter(tags=["plugins"])
DB = Annotated[Database, Depends(get_db)]
Q = Annotated[str | None, Query()]
SELECT = "id, code, name, category, description, is_active, config, created, modified"
RELEASE_SELECT = "id, plugin_id, version, readme, config, file, created"
#: a plugin id or code in a path (``yolov8``), a release id or ``code@version``
Ref = Annotated[str, Path(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.@+~-]+$")]
_INT = re.compile(r"[0-9]{1,18}")


def plugin_dict(row: tuple) -> dict[str, Any]:
    return {"id": row[0], "code": row[1], "name": row[2], "category": row[3],
            "description": row[4], "is_active": bool(row[5]), "config": frag(row[6]),
            "created": row[7], "modified": row[8]}


def release_dict(row: tuple, base: str, signer: Any) -> dict[str, Any]:
    return {"id": row[0], "plugin": row[1], "version": row[2], "readme": row[3],
            "config": frag(row[4]), "file": f"{base}/{signer.relative(row[5])}" if row[5] else None,
            "created": row[6]}


def plugin_id(db: Any, tenant_id: int, ref: Any, name: str = "plugin") -> int:
    """The id of the tenant's plugin named by id or code (400 in a body, see ``_plugin``)."""
    text = str(ref).strip()
    column = "id" if _INT.fullmatch(text) else "code"
    row = db.execute(f"SELECT id FROM plugins WHERE {column} = ? AND tenant_id = ?",
                     (text, tenant_id)).fetchone()
    if row is None:
        raise APIError(400, {name: [f"Invalid pk or code {text[:60]!r} - object does not exist."]})
    return int(row[0])


def _plugin(db: Database, tenant_id: int, ref: str) -> tuple:
    column = "id" if _INT.fullmatch(ref) else "code"
    row = db.one(f"SELECT {SELECT} FROM plugins WHERE {column} = ? AND tenant_id = ?",
                 (ref, tenant_id))
    if row is None:
        raise not_found("plugin")
    return row


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:90] or "plugin"


@router.get("/plugins/", response_model=Page, summary="list_plugins")
def list_plugins(request: Request, auth: Auth, db: DB, page: Q = None,
                 page_size: Q = None) -> Response:
    return paginate(request, db, "FROM plugins WHERE tenant_id = ?", [auth.tenant_id], SELECT,
                    "id", lambda rows: [plugin_dict(r) for r in rows])


@router.get("/plugins/{ref}/", response_model=Obj, summary="get_plugin")
def get_plugin(auth: Auth, db: DB, ref: Ref) -> Response:
    return json_response(plugin_dict(_plugin(db, auth.tenant_id, ref)))


@router.post("/plugins/", status_code=201, response_model=Obj, summary="create_plugin")
def create_plugin(auth: Auth, db: DB, body: PluginCreate) -> Response:
    now = now_iso()
    with db.write() as con:
        code = body.code
        if code is None:  # made from the name, unique in the tenant
            base = code = _slug(body.name)
            n = 1
            while con.execute("SELECT 1 FROM plugins WHERE tenant_id = ? AND code = ?",
                              (auth.tenant_id, code)).fetchone():
                n += 1
                code = f"{base}-{n}"
        elif con.execute("SELECT 1 FROM plugins WHERE tenant_id = ? AND code = ?",
                         (auth.tenant_id, code)).fetchone():
            raise APIError(400, {"code": ["A plugin with this code already exists."]})
        pk = con.execute("INSERT INTO plugins (tenant_id, code, name, category, description, "
                         "is_active, config, created, modified) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         (auth.tenant_id, code, body.name, body.category, body.description,
                          int(body.is_active), orjson.dumps(body.config).decode(), now,
                          now)).lastrowid
    return json_response(plugin_dict(_plugin(db, auth.tenant_id, str(pk))), status_code=201)


@router.put("/plugins/{ref}/", response_model=Obj, summary="update_plugin")
def update_plugin(auth: Auth, db: DB, ref: Ref, body: PluginUpdate) -> Response:
    changes = body.model_dump(exclude_none=True)
    pk = _plugin(db, auth.tenant_id, ref)[0]
    with db.write() as con:
        for key, value in changes.items():
            if key == "config":
                value = orjson.dumps(value).decode()
            elif key == "is_active":
                value = int(value)
            con.execute(f"UPDATE plugins SET {key} = ? WHERE id = ?", (value, pk))
        con.execute("UPDATE plugins SET modified = ? WHERE id = ?", (now_iso(), pk))
    return json_response(plugin_dict(_plugin(db, auth.tenant_id, str(pk))))


@router.post("/plugins/{ref}/run/", status_code=201, response_model=Obj, summary="run_plugin")
def run_plugin(auth: Auth, db: DB, ref: Ref, body: PluginRun) -> Response:
    """Queue a job (status ``pending``) for the plugin's latest or given release."""
    now = now_iso()
    plugin = _plugin(db, auth.tenant_id, ref)
    pk = plugin[0]
    actions = orjson.loads(plugin[6] or "{}").get("actions") or ["run"]
    action = body.action or (actions[0] if isinstance(actions, list) else next(iter(actions)))
    params = body.params if body.params is not None else body.parameters or {}
    with db.write() as con:
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
            (auth.tenant_id, pk, release[0] if release else None, body.agent, str(action),
             orjson.dumps(params).decode(), now, now)).lastrowid
    return json_response(job_dict(db.one(f"SELECT {JOB_SELECT} FROM jobs WHERE id = ?", (job,))),
                         status_code=201)


@router.get("/plugin_releases/", response_model=Page, summary="list_plugin_releases")
def list_releases(request: Request, auth: Auth, db: DB, plugin: Q = None, page: Q = None,
                  page_size: Q = None) -> Response:
    where, params = ["tenant_id = ?"], [auth.tenant_id]
    con = db.connection()
    values = [plugin_id(con, auth.tenant_id, v, "plugin") for raw in
              request.query_params.getlist("plugin") for v in raw.split(",") if v.strip()]
    if values:
        where.append(f"plugin_id IN ({','.join('?' * len(values))})")
        params += values
    base, signer = base_url(request), request.app.state.signer
    return paginate(request, db, f"FROM plugin_releases WHERE {' AND '.join(where)}", params,
                    RELEASE_SELECT, "id", lambda rows: [release_dict(r, base, signer)
                                                        for r in rows])


@router.get("/plugin_releases/{ref}/", response_model=Obj, summary="get_plugin_release")
def get_release(request: Request, auth: Auth, db: DB, ref: Ref, expand: Q = None) -> Response:
    """A release by id or ``code@version``; ``expand=plugin`` embeds the plugin."""
    if _INT.fullmatch(ref):
        row = db.one(f"SELECT {RELEASE_SELECT} FROM plugin_releases WHERE id = ? AND "
                     "tenant_id = ?", (ref, auth.tenant_id))
    else:
        code, _, version = ref.rpartition("@")
        row = db.one(f"SELECT {RELEASE_SELECT} FROM plugin_releases WHERE tenant_id = ? AND "
                     "version = ? AND plugin_id = (SELECT id FROM plugins WHERE tenant_id = ? "
                     "AND code = ?) ORDER BY id DESC", (auth.tenant_id, version, auth.tenant_id,
                                                        code)) if code else None
    if row is None:
        raise not_found("plugin release")
    out = release_dict(row, base_url(request), request.app.state.signer)
    if "plugin" in ",".join(request.query_params.getlist("expand")).split(","):
        out["plugin"] = plugin_dict(_plugin(db, auth.tenant_id, str(row[1])))
    return json_response(out)


_RELEASE_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {
    "schema": {"type": "object", "required": ["plugin", "version", "file"], "properties": {
        "plugin": {"type": "integer"}, "version": {"type": "string"},
        "readme": {"type": "string"}, "config": {"type": "string"},
        "file": {"type": "string", "format": "binary"}}}}}}}


@router.post("/plugin_releases/", status_code=201, response_model=Obj,
             summary="create_plugin_release", openapi_extra=_RELEASE_BODY)
async def create_release(request: Request, auth: Auth, db: DB) -> Response:
    """Multipart (``plugin``, ``version``, ``readme``/``config`` as JSON text, ``file``), or
    JSON without a file (the 2026 SDK's ``{plugin, version, config, requirements}``)."""
    settings = request.app.state.settings
    upload = None
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            raise APIError(400, "Send a JSON object or multipart/form-data.")
        if not isinstance(body, dict):
            raise APIError(400, "Send a JSON object.")
        fields: dict[str, Any] = body
        config = fields.get("config") or {}
    else:
        fields, upload = await read_multipart(request, settings.max_upload_bytes)
        try:
            config = orjson.loads(fields.get("config") or "{}")
        except orjson.JSONDecodeError:
            raise APIError(400, {"config": ["Value must be valid JSON."]})
    version = str(fields.get("version") or "").strip()
    if not version or len(version) > 50:
        raise APIError(400, {"version": ["This field is required (at most 50 characters)."]})
    if not isinstance(config, dict):
        raise APIError(400, {"config": ["Send a JSON object."]})
    plugin = plugin_id(db.connection(), auth.tenant_id, fields.get("plugin", ""))
    rel = None
    if upload is not None:
        try:
            rel, _md5, _size = await run_in_threadpool(
                store_copy, settings.data_dir, auth.tenant_id, upload.file,
                upload.filename or "plugin.zip", settings.max_upload_bytes)
        except ValueError:
            raise APIError(413, f"File too large: at most {settings.max_upload_bytes} bytes.")
    with db.write() as con:
        pk = con.execute("INSERT INTO plugin_releases (tenant_id, plugin_id, version, readme, "
                         "config, file, created) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (auth.tenant_id, plugin, version, str(fields.get("readme") or ""),
                          orjson.dumps(config).decode(), rel, now_iso())).lastrowid
    row = db.one(f"SELECT {RELEASE_SELECT} FROM plugin_releases WHERE id = ?", (pk,))
    return json_response(release_dict(row, base_url(request), request.app.state.signer),
                         status_code=201)
