"""Data collections with their file specifications."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from ..auth import Auth, get_db
from ..common import PK, json_response, not_found
from ..db import Database
from ..pagination import paginate
from ..render import frag
from ..schemas import Obj, Page

__all__ = ["router", "collection_specs"]

router = APIRouter(tags=["data_collections"])
DB = Annotated[Database, Depends(get_db)]
Q = Annotated[str | None, Query()]
SELECT = "id, name, description, category, meta, is_archived, created"


def collection_specs(db: Database, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {pk: [] for pk in ids}
    if not ids:
        return out
    rows = db.query("SELECT id, data_collection_id, name, description, file_type, is_required, "
                    "is_primary, extensions, function_type, idx FROM file_specifications "
                    f"WHERE data_collection_id IN ({','.join('?' * len(ids))}) ORDER BY idx, id",
                    ids)
    for r in rows:
        out[r[1]].append({"id": r[0], "name": r[2], "description": r[3], "file_type": r[4],
                          "is_required": bool(r[5]), "is_primary": bool(r[6]),
                          "extensions": frag(r[7]), "function_type": r[8], "index": r[9]})
    return out


def _dicts(db: Database, rows: list[tuple]) -> list[dict[str, Any]]:
    specs = collection_specs(db, [r[0] for r in rows])
    return [{"id": r[0], "name": r[1], "description": r[2], "category": r[3],
             "meta": frag(r[4]), "is_archived": bool(r[5]), "created": r[6],
             "file_specifications": specs[r[0]]} for r in rows]


@router.get("/data_collections/", response_model=Page, summary="list_data_collection")
def list_data_collections(request: Request, auth: Auth, db: DB, page: Q = None,
                          page_size: Q = None) -> Response:
    return paginate(request, db, "FROM data_collections WHERE tenant_id = ?", [auth.tenant_id],
                    SELECT, "id", lambda rows: _dicts(db, rows))


@router.get("/data_collections/{pk}/", response_model=Obj, summary="get_data_collection")
def get_data_collection(auth: Auth, db: DB, pk: PK, expand: Q = None) -> Response:
    """One collection; ``file_specifications`` are always included."""
    row = db.one(f"SELECT {SELECT} FROM data_collections WHERE id = ? AND tenant_id = ?",
                 (pk, auth.tenant_id))
    if row is None:
        raise not_found("data collection")
    return json_response(_dicts(db, [row])[0])
