"""ML models: list (filter project), detail (``expand=metrics``), create with a file."""

from __future__ import annotations

import os
import shutil
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request, Response

from ..auth import Auth, get_db
from ..common import PK, APIError, int_list, json_response, not_found, now_iso
from ..db import Database
from ..pagination import paginate
from ..render import frag
from ..schemas import ModelCreate, Obj, Page
from ..storage import safe_filename
from ..urls import base_url
from .chunked_upload import finished_upload
from .plugins import plugin_id

__all__ = ["router"]

router = APIRouter(tags=["models"])
DB = Annotated[Database, Depends(get_db)]
Q = Annotated[str | None, Query()]
SELECT = ("id, name, description, category, project_id, plugin_id, version, is_released, "
          "is_external, file, configuration, metrics, ground_truth_dataset_version_id, created")


def model_dict(row: tuple, base: str) -> dict[str, Any]:
    file = orjson.loads(row[9]) if row[9] else None
    return {"id": row[0], "name": row[1], "description": row[2], "category": row[3],
            "project": row[4], "plugin": row[5], "version": row[6],
            "is_released": bool(row[7]), "is_external": bool(row[8]),
            "file": f"{base}/{file['url']}" if file else None,
            "configuration": frag(row[10]), "metrics": frag(row[11]),
            "ground_truth_dataset_version": row[12], "created": row[13]}


@router.get("/models/", response_model=Page, summary="list_models")
def list_models(request: Request, auth: Auth, db: DB, project: Q = None, page: Q = None,
                page_size: Q = None) -> Response:
    where, params = ["tenant_id = ?"], [auth.tenant_id]
    values = int_list(request.query_params.getlist("project") or None, "project")
    if values:
        where.append(f"project_id IN ({','.join('?' * len(values))})")
        params += values
    base = base_url(request)
    return paginate(request, db, f"FROM models WHERE {' AND '.join(where)}", params, SELECT,
                    "id", lambda rows: [model_dict(r, base) for r in rows])


@router.get("/models/{pk}/", response_model=Obj, summary="get_model")
def get_model(request: Request, auth: Auth, db: DB, pk: PK, expand: Q = None) -> Response:
    """One model; ``metrics`` is always included (``expand=metrics`` is accepted)."""
    row = db.one(f"SELECT {SELECT} FROM models WHERE id = ? AND tenant_id = ?",
                 (pk, auth.tenant_id))
    if row is None:
        raise not_found("model")
    return json_response(model_dict(row, base_url(request)))


def _exists(con: Any, table: str, tenant_id: int, pk: PK | None, name: str) -> None:
    if pk is not None and not con.execute(f"SELECT 1 FROM {table} WHERE id = ? AND tenant_id = ?",
                                          (pk, tenant_id)).fetchone():
        raise APIError(400, {name: [f"Invalid pk \"{pk}\" - object does not exist."]})


@router.post("/models/", status_code=201, response_model=Obj, summary="create_model")
def create_model(request: Request, auth: Auth, db: DB, body: ModelCreate) -> Response:
    """Create a model; its file comes from a finished chunked upload (``chunked_upload``)."""
    state = request.app.state
    source = None
    if body.chunked_upload:
        source = finished_upload(db, auth.tenant_id, str(body.chunked_upload))
    with db.write() as con:
        _exists(con, "projects", auth.tenant_id, body.project, "project")
        plugin = None if body.plugin in (None, "") else plugin_id(con, auth.tenant_id, body.plugin)
        _exists(con, "ground_truth_dataset_versions", auth.tenant_id,
                body.ground_truth_dataset_version, "ground_truth_dataset_version")
        pk = con.execute(
            "INSERT INTO models (tenant_id, name, description, category, project_id, plugin_id, "
            "version, is_released, is_external, file, configuration, metrics, "
            "ground_truth_dataset_version_id, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, "
            "?, ?, ?, ?)",
            (auth.tenant_id, body.name, body.description, body.category, body.project,
             plugin, body.version, int(body.is_released), int(body.is_external),
             orjson.dumps(body.configuration).decode(), orjson.dumps(body.metrics).decode(),
             body.ground_truth_dataset_version, now_iso())).lastrowid
        if source is not None:
            rel = f"models/{pk}/{safe_filename(source[1])}"
            target = state.settings.data_dir / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                try:
                    os.link(state.settings.data_dir / source[0], target)
                except OSError:  # no hard links here: copy
                    shutil.copyfile(state.settings.data_dir / source[0], target)
            con.execute("UPDATE models SET file = ? WHERE id = ?",
                        (orjson.dumps({"path": rel, "url": state.signer.relative(rel)}).decode(),
                         pk))
    row = db.one(f"SELECT {SELECT} FROM models WHERE id = ?", (pk,))
    assert row is not None  # written just above
    return json_response(model_dict(row, base_url(request)), status_code=201)
