"""Storages: list, detail (``with_configuration=true`` shows the configuration), create."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request, Response

from ..auth import Auth, get_db
from ..common import PK, APIError, bool_param, json_response, not_found, now_iso
from ..db import Database
from ..pagination import paginate
from ..render import frag
from ..schemas import Obj, Page, StorageCreate

__all__ = ["router"]

router = APIRouter(tags=["storages"])
DB = Annotated[Database, Depends(get_db)]
Q = Annotated[str | None, Query()]
SELECT = "id, name, category, provider, configuration, is_default, created"


def storage_dict(row: tuple, with_configuration: bool = False) -> dict[str, Any]:
    out = {"id": row[0], "name": row[1], "category": row[2], "provider": row[3],
           "is_default": bool(row[5]), "created": row[6]}
    if with_configuration:
        out["configuration"] = frag(row[4])
    return out


CATEGORIES = ("internal", "external")


@router.get("/storages/", response_model=Page, summary="list_storages")
def list_storages(request: Request, auth: Auth, db: DB, category: Q = None, provider: Q = None,
                  is_default: Q = None, page: Q = None, page_size: Q = None) -> Response:
    """Storages, filtered by ``category`` (internal/external), ``provider``, ``is_default``."""
    where = ["tenant_id = ?"]
    params: list[Any] = [auth.tenant_id]
    for name in ("category", "provider"):
        values = [v.strip() for raw in request.query_params.getlist(name) for v in raw.split(",")
                  if v.strip()]
        if name == "category" and any(v not in CATEGORIES for v in values):
            raise APIError(400, {"category": ["Select a valid choice: internal, external."]})
        if values:
            where.append(f"{name} IN ({','.join('?' * len(values))})")
            params += values
    default = bool_param(is_default, "is_default")
    if default is not None:
        where.append("is_default = ?")
        params.append(int(default))
    return paginate(request, db, f"FROM storages WHERE {' AND '.join(where)}", params, SELECT,
                    "id", lambda rows: [storage_dict(r) for r in rows])


@router.get("/storages/{pk}/", response_model=Obj, summary="get_storage")
def get_storage(auth: Auth, db: DB, pk: PK, with_configuration: Q = None) -> Response:
    row = db.one(f"SELECT {SELECT} FROM storages WHERE id = ? AND tenant_id = ?",
                 (pk, auth.tenant_id))
    if row is None:
        raise not_found("storage")
    return json_response(storage_dict(row, bool(bool_param(with_configuration,
                                                           "with_configuration"))))


@router.post("/storages/", status_code=201, response_model=Obj, summary="create_storage")
def create_storage(auth: Auth, db: DB, body: StorageCreate) -> Response:
    with db.write() as con:
        pk = con.execute("INSERT INTO storages (tenant_id, name, category, provider, "
                         "configuration, is_default, created) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (auth.tenant_id, body.name, body.category, body.provider,
                          orjson.dumps(body.configuration).decode(), int(body.is_default),
                          now_iso())).lastrowid
    row = db.one(f"SELECT {SELECT} FROM storages WHERE id = ?", (pk,))
    assert row is not None  # written just above
    return json_response(storage_dict(row, True), status_code=201)
