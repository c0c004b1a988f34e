"""Data units: list (filters data_collection, checksum, id__in), detail, create one or many.

A unit's files refer to data files already uploaded (``data_files/``) by checksum.
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Depends, Query, Request, Response

from ..auth import Auth, get_db
from ..common import PK, APIError, int_list, json_response, not_found, now_iso
from ..db import Database
from ..pagination import paginate
from ..render import UNIT_SELECT, unit_dict
from ..schemas import DataUnitCreate, Obj, Page
from ..storage import safe_filename
from ..urls import base_url

__all__ = ["router"]

router = APIRouter(tags=["data_units"])
DB = Annotated[Database, Depends(get_db)]
Q = Annotated[str | None, Query()]
MAX_UNITS = 10000


@router.get("/data_units/", response_model=Page, summary="list_data_units")
def list_data_units(request: Request, auth: Auth, db: DB, data_collection: Q = None,
                    checksum: Q = None, id__in: Q = None, page: Q = None,
                    page_size: Q = None) -> Response:
    where = ["du.tenant_id = ?"]
    params: list[Any] = [auth.tenant_id]
    query = request.query_params
    for name, column in (("data_collection", "du.data_collection_id"), ("id__in", "du.id")):
        values = int_list(query.getlist(name) or None, name)
        if values:
            where.append(f"{column} IN ({','.join('?' * len(values))})")
            params += values
    sums = [s.strip() for raw in query.getlist("checksum") for s in raw.split(",") if s.strip()]
    if sums:
        where.append("du.id IN (SELECT data_unit_id FROM data_unit_checksums WHERE tenant_id = ?"
                     f" AND checksum IN ({','.join('?' * len(sums))}))")
        params += [auth.tenant_id, *sums]
    base = base_url(request)
    return paginate(request, db, f"FROM data_units du WHERE {' AND '.join(where)}", params,
                    UNIT_SELECT, "du.id", lambda rows: [unit_dict(r, base) for r in rows],
                    key="du.id", fetch_from="FROM data_units du")


@router.get("/data_units/{pk}/", response_model=Obj, summary="get_data_unit")
def get_data_unit(request: Request, auth: Auth, db: DB, pk: PK) -> Response:
    row = db.one(f"SELECT {UNIT_SELECT} FROM data_units du WHERE du.id = ? AND du.tenant_id = ?",
                 (pk, auth.tenant_id))
    if row is None:
        raise not_found("data unit")
    return json_response(unit_dict(row, base_url(request)))


def _unit_files(con: Any, tenant_id: int, unit: DataUnitCreate, position: str,
                signer: Any) -> str:
    specs = {r[0]: (bool(r[1]), bool(r[2])) for r in con.execute(
        "SELECT s.name, s.is_required, s.is_primary FROM file_specifications s JOIN "
        "data_collections c ON c.id = s.data_collection_id WHERE c.id = ? AND c.tenant_id = ?",
        (unit.data_collection, tenant_id))}
    if not specs:
        found = con.execute("SELECT 1 FROM data_collections WHERE id = ? AND tenant_id = ?",
                            (unit.data_collection, tenant_id)).fetchone()
        if not found:
            raise APIError(400, {f"{position}data_collection": [
                f"Invalid pk \"{unit.data_collection}\" - object does not exist."]})
    unknown = sorted(set(unit.files) - set(specs))
    if unknown:
        raise APIError(400, {f"{position}files": [
            f"Unknown file specification {unknown[0]!r}; this collection has "
            f"{', '.join(sorted(specs)) or 'none'}."]})
    missing = sorted(name for name, (required, _p) in specs.items()
                     if required and name not in unit.files)
    if missing:
        raise APIError(400, {f"{position}files": [f"Required file specification {missing[0]!r} "
                                                  "is missing."]})
    out: dict[str, Any] = {}
    for spec, ref in unit.files.items():
        checksum = ref if isinstance(ref, str) else ref.checksum
        local = None if isinstance(ref, str) else ref.path
        row = con.execute("SELECT path, file_name_original, size FROM data_files "
                          "WHERE tenant_id = ? AND checksum = ?", (tenant_id, checksum)).fetchone()
        if row is None:
            raise APIError(400, {f"{position}files": [
                f"No data file with checksum {checksum[:64]!r} (spec {spec!r}); upload it with "
                "data_files/ first."]})
        out[spec] = {"url": signer.relative(row[0]), "checksum": checksum,
                     "file_name_original": safe_filename(local) if local else row[1],
                     "is_primary": specs[spec][1], "size": row[2]}
    return orjson.dumps(out).decode()


@router.post("/data_units/", status_code=201, response_model=Obj | list[Obj],
             summary="create_data_units")
def create_data_units(request: Request, auth: Auth, db: DB,
                      body: Annotated[DataUnitCreate | list[DataUnitCreate], Body()]) -> Response:
    """One payload or a list; all are created or none.

    One payload answers the unit; a list answers the list of units, as Django REST
    framework's ``many=True`` serializer does. synapse-sdk's own upload plugin (its
    production path: ``SingleDataUnitStrategy`` and ``BatchDataUnitStrategy``) reads the
    answer as that list. The SDK's ``upload_data_collection`` calls ``.get("results")``
    on it and fails: an SDK defect, recorded in ``tests/sdk/test_conformance.py``.
    synapse_nb's clients accept both shapes.
    """
    units = body if isinstance(body, list) else [body]
    if not units:
        raise APIError(400, {"non_field_errors": ["Send at least one data unit."]})
    if len(units) > MAX_UNITS:
        raise APIError(400, {"non_field_errors": [f"At most {MAX_UNITS} units per request."]})
    signer = request.app.state.signer
    now = now_iso()
    ids = []
    with db.write() as con:
        for k, unit in enumerate(units):
            position = f"{k}." if isinstance(body, list) else ""
            files = _unit_files(con, auth.tenant_id, unit, position, signer)
            pk = con.execute("INSERT INTO data_units (tenant_id, data_collection_id, files, meta,"
                             " created) VALUES (?, ?, ?, ?, ?)",
                             (auth.tenant_id, unit.data_collection, files,
                              orjson.dumps(unit.meta).decode(), now)).lastrowid
            con.executemany("INSERT INTO data_unit_checksums VALUES (?, ?, ?)",
                            [(pk, auth.tenant_id, f["checksum"])
                             for f in orjson.loads(files).values()])
            ids.append(pk)
    base = base_url(request)
    rows = db.query(f"SELECT {UNIT_SELECT} FROM data_units du WHERE du.id IN "
                    f"({','.join('?' * len(ids))}) ORDER BY du.id", ids)
    units_out = [unit_dict(r, base) for r in rows]
    return json_response(units_out if isinstance(body, list) else units_out[0], status_code=201)
