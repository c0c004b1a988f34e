"""Pre-annotations: a model's predictions stored on tasks, for labelers to start from.

Not in the v1 contract (the SDK's v1 client has no pre-annotation calls; v2 only lists
pre-annotation *jobs*), so the reference server adds it, in the contract's style:

- ``GET pre_annotations/`` (DRF page; filters ``project``, ``task``, ``model``,
  ``data_unit``, comma lists allowed) and ``GET pre_annotations/{id}/``: ``{id, project,
  task, data_unit, model, key, data, created}``; ``data`` is an annotation payload
  (``{"annotations": [...]}``, contract section 6).
- ``POST pre_annotations/`` with a list (or ``{"items": [...]}``) of up to 1000
  ``{task, model, data}``: all or nothing, idempotent. Each item's ``key`` is
  :func:`synapse_nb.ml.keys.pre_annotation_key` of (task, model, data); an item whose key is already stored
  is not written again. Answer 201 ``{"created", "existing", "results": [{id, key, task,
  model, created}]}`` in item order.
- ``POST pre_annotations/verify_keys/`` ``{"keys": [...]}`` -> ``{"existing", "missing"}``
  (what a resumed upload still has to send).

>>> pre_annotation_key(1, 2, {"annotations": []})[:12]
'bc9e5aab15ad'
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from ...ml.keys import pre_annotation_key
from ..auth import Auth, get_db
from ..common import PK, APIError, int_list, json_response, not_found, now_iso
from ..db import Database
from ..pagination import paginate
from ..render import frag
from ..schemas import Obj, Page

__all__ = ["MAX_BATCH", "pre_annotation_key", "router"]

router = APIRouter(tags=["pre_annotations"])
DB = Annotated[Database, Depends(get_db)]
MAX_BATCH = 1000
SELECT = "id, project_id, task_id, data_unit_id, model_id, key, data, created"


class PreAnnotationIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    task: int = Field(ge=1, lt=2**62)
    model: int | None = Field(default=None, ge=1, lt=2**62)
    data: dict[str, Any]


class VerifyKeys(BaseModel):
    keys: list[Annotated[str, Field(max_length=128)]] = Field(max_length=100_000)


def _dict(row: tuple) -> dict[str, Any]:
    return {"id": row[0], "project": row[1], "task": row[2], "data_unit": row[3],
            "model": row[4], "key": row[5], "data": frag(row[6]), "created": row[7]}


@router.get("/pre_annotations/", response_model=Page, summary="list_pre_annotations")
def list_pre_annotations(request: Request, auth: Auth, db: DB) -> Response:
    where, params = ["tenant_id = ?"], [auth.tenant_id]
    for name, column in (("project", "project_id"), ("task", "task_id"), ("model", "model_id"),
                         ("data_unit", "data_unit_id")):
        values = int_list(request.query_params.getlist(name) or None, name)
        if values:
            where.append(f"{column} IN ({','.join('?' * len(values))})")
            params += values
    return paginate(request, db, f"FROM pre_annotations WHERE {' AND '.join(where)}", params,
                    SELECT, "id", lambda rows: [_dict(r) for r in rows])


@router.get("/pre_annotations/{pk}/", response_model=Obj, summary="get_pre_annotation")
def get_pre_annotation(auth: Auth, db: DB, pk: PK) -> Response:
    row = db.one(f"SELECT {SELECT} FROM pre_annotations WHERE id = ? AND tenant_id = ?",
                 (pk, auth.tenant_id))
    if row is None:
        raise not_found("pre-annotation")
    return json_response(_dict(row))


def _items(body: Any) -> list[PreAnnotationIn]:
    raw = body.get("items") if isinstance(body, dict) else body
    if not isinstance(raw, list) or not raw:
        raise APIError(400, {"non_field_errors": [
            'Send a non-empty list of {task, model, data} (or {"items": [...]}).']})
    if len(raw) > MAX_BATCH:
        raise APIError(400, {"non_field_errors": [f"At most {MAX_BATCH} items per request."]})
    items, errors = [], {}
    for i, entry in enumerate(raw):
        try:
            item = PreAnnotationIn.model_validate(entry)
        except ValueError as err:
            errors[str(i)] = [str(err).splitlines()[0]]
            continue
        if not isinstance(item.data.get("annotations"), list):
            errors[str(i)] = ["data must be an annotation payload: {\"annotations\": [...]}"]
        items.append(item)
    if errors:
        raise APIError(400, {"items": errors})
    return items


@router.post("/pre_annotations/", status_code=201, response_model=Obj,
             summary="create_pre_annotations")
def create_pre_annotations(auth: Auth, db: DB, body: Annotated[Any, Body()]) -> Response:
    items = _items(body)
    tenant = auth.tenant_id
    keys = [pre_annotation_key(i.task, i.model, i.data) for i in items]
    results: list[dict[str, Any]] = []
    with db.write() as con:
        task_ids = sorted({i.task for i in items})
        tasks = {r[0]: (r[1], r[2]) for r in con.execute(
            f"SELECT id, project_id, data_unit_id FROM tasks WHERE tenant_id = ? AND id IN "
            f"({','.join('?' * len(task_ids))})", [tenant, *task_ids])}
        model_ids = sorted({i.model for i in items if i.model is not None})
        models = {r[0] for r in con.execute(
            f"SELECT id FROM models WHERE tenant_id = ? AND id IN ({','.join('?' * len(model_ids))})",
            [tenant, *model_ids])} if model_ids else set()
        bad = {str(n): [f"task {i.task} does not exist" if i.task not in tasks else
                        f"model {i.model} does not exist"]
               for n, i in enumerate(items)
               if i.task not in tasks or (i.model is not None and i.model not in models)}
        if bad:
            raise APIError(400, {"items": bad})
        created_at = now_iso()
        for item, key in zip(items, keys):
            row = con.execute("SELECT id FROM pre_annotations WHERE tenant_id = ? AND key = ?",
                              (tenant, key)).fetchone()
            if row is None:
                project, unit = tasks[item.task]
                pk = con.execute(
                    "INSERT INTO pre_annotations (tenant_id, project_id, task_id, data_unit_id, "
                    "model_id, key, data, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (tenant, project, item.task, unit, item.model, key,
                     orjson.dumps(item.data).decode(), created_at)).lastrowid
                results.append({"id": pk, "key": key, "task": item.task, "model": item.model,
                                "created": True})
            else:
                results.append({"id": row[0], "key": key, "task": item.task,
                                "model": item.model, "created": False})
    made = sum(1 for r in results if r["created"])
    return json_response({"created": made, "existing": len(results) - made,
                          "results": results}, status_code=201)


@router.post("/pre_annotations/verify_keys/", response_model=Obj,
             summary="pre_annotations_verify_keys")
def verify_keys(auth: Auth, db: DB, body: VerifyKeys) -> Response:
    found: set[str] = set()
    keys = list(dict.fromkeys(body.keys))
    for start in range(0, len(keys), 900):
        part = keys[start:start + 900]
        found.update(r[0] for r in db.query(
            f"SELECT key FROM pre_annotations WHERE tenant_id = ? AND key IN "
            f"({','.join('?' * len(part))})", [auth.tenant_id, *part]))
    return json_response({"existing": [k for k in keys if k in found],
                          "missing": [k for k in keys if k not in found]})
