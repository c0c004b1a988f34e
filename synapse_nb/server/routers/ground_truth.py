"""Ground truth: datasets, dataset versions and events (``sdk/ground_truth_events/``).

Events also come as ``sdk/ground_truth_events/data/`` (``id`` and ``data``),
``sdk/ground_truth_events/files/`` (the unit's ``files`` as a list) and ``ground_truths/``
(each event with its unit's ``files`` dict, filtered by dataset or version).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from ..auth import Auth, get_db
from ..common import PK, APIError, field_list, int_list, json_response, not_found
from ..db import Database
from ..pagination import paginate
from ..render import absolute_files, files_list, frag, only_fields
from ..schemas import Obj, Page
from ..urls import base_url

__all__ = ["router"]

router = APIRouter(tags=["ground_truth"])
DB = Annotated[Database, Depends(get_db)]
Q = Annotated[str | None, Query()]
CATEGORIES = ("train", "validation", "test")
EVENT_SELECT = ("e.id, e.version_id, e.data_unit_id, e.project_id, e.category, e.data, "
                "e.classes, e.created, du.files, du.meta, du.data_collection_id, du.created")
EVENT_FROM = "FROM ground_truth_events e JOIN data_units du ON du.id = e.data_unit_id"
VERSION_SELECT = ("v.id, v.version, v.ground_truth_dataset_id, v.description, v.is_active, "
                  "v.is_archived, v.statistics, v.created, (SELECT COUNT(*) FROM "
                  "ground_truth_events e WHERE e.version_id = v.id)")


def event_dict(row: tuple, base: str) -> dict[str, Any]:
    files = absolute_files(row[8], base)
    return {"id": row[0], "ground_truth_dataset_version": row[1],
            "data_unit": {"id": row[2], "data_collection": row[10], "files": files,
                          "meta": frag(row[9]), "created": row[11]},
            "project": row[3], "category": row[4], "data": frag(row[5]),
            "classes": frag(row[6]), "created": row[7], "files": files}


def version_dict(row: tuple) -> dict[str, Any]:
    return {"id": row[0], "version": row[1], "ground_truth_dataset": row[2],
            "description": row[3], "is_active": bool(row[4]), "is_archived": bool(row[5]),
            "statistics": frag(row[6]), "created": row[7], "event_count": row[8]}


@router.get("/sdk/ground_truth_events/", response_model=Page,
            summary="list_ground_truth_events")
@router.get("/ground_truth_events/", response_model=Page, include_in_schema=False)
def list_ground_truth_events(request: Request, auth: Auth, db: DB,
                             ground_truth_dataset_versions: Q = None, category: Q = None,
                             data_unit: Q = None, expand: Q = None, fields: Q = None,
                             page: Q = None, page_size: Q = None) -> Response:
    """Events of the tenant; ``data`` is always included (``expand=data`` is accepted)."""
    base = base_url(request)
    keep = field_list(fields)
    return _events(request, auth, db,
                   lambda rows: [only_fields(event_dict(r, base), keep) for r in rows])


@router.get("/sdk/ground_truth_events/data/", response_model=Page,
            summary="list_ground_truth_events_data")
def list_events_data(request: Request, auth: Auth, db: DB, ground_truth_dataset_versions: Q = None,
                     category: Q = None, data_unit: Q = None, page: Q = None,
                     page_size: Q = None) -> Response:
    """Events with only ``id`` and ``data``, same filters."""
    return _events(request, auth, db, lambda rows: [{"id": r[0], "data": frag(r[5])} for r in rows])


@router.get("/sdk/ground_truth_events/files/", response_model=Page,
            summary="list_ground_truth_events_files")
def list_events_files(request: Request, auth: Auth, db: DB, ground_truth_dataset_versions: Q = None,
                      category: Q = None, data_unit: Q = None, page: Q = None,
                      page_size: Q = None) -> Response:
    """Events with ``id``, ``data_unit`` and the unit's ``files`` as a list."""
    base = base_url(request)
    return _events(request, auth, db, lambda rows: [
        {"id": r[0], "data_unit": r[2], "files": files_list(r[8], base)} for r in rows])


@router.get("/ground_truths/", response_model=Page, summary="list_ground_truths")
def list_ground_truths(request: Request, auth: Auth, db: DB, ground_truth_dataset: Q = None,
                       ground_truth_dataset_versions: Q = None, category: Q = None,
                       page: Q = None, page_size: Q = None) -> Response:
    """Ground truths: each event with its labels and its unit's ``files`` (a dict by spec)."""
    base = base_url(request)
    return _events(request, auth, db, lambda rows: [
        {"id": r[0], "ground_truth_dataset_version": r[1], "data_unit": r[2], "project": r[3],
         "category": r[4], "data": frag(r[5]), "classes": frag(r[6]), "created": r[7],
         "files": absolute_files(r[8], base)} for r in rows])


def _events(request: Request, auth: Any, db: Database, build: Any) -> Response:
    where, params = ["e.tenant_id = ?"], [auth.tenant_id]
    query = request.query_params
    for name, column in (("ground_truth_dataset_versions", "e.version_id"),
                         ("data_unit", "e.data_unit_id")):
        values = int_list(query.getlist(name) or None, name)
        if values:
            where.append(f"{column} IN ({','.join('?' * len(values))})")
            params += values
    cats = [c for raw in query.getlist("category") for c in raw.split(",") if c]
    if any(c not in CATEGORIES for c in cats):
        raise APIError(400, {"category": ["Select a valid choice: train, validation, test."]})
    if cats:
        where.append(f"e.category IN ({','.join('?' * len(cats))})")
        params += cats
    datasets = int_list(query.getlist("ground_truth_dataset") or None, "ground_truth_dataset")
    if datasets:
        where.append("e.version_id IN (SELECT id FROM ground_truth_dataset_versions WHERE "
                     f"ground_truth_dataset_id IN ({','.join('?' * len(datasets))}))")
        params += datasets
    return paginate(request, db, f"FROM ground_truth_events e WHERE {' AND '.join(where)}",
                    params, EVENT_SELECT, "e.id", build, key="e.id", fetch_from=EVENT_FROM)


@router.get("/ground_truth_events/{pk}/", response_model=Obj, summary="get_ground_truth_event")
def get_ground_truth_event(request: Request, auth: Auth, db: DB, pk: PK) -> Response:
    row = db.one(f"SELECT {EVENT_SELECT} {EVENT_FROM} WHERE e.id = ? AND e.tenant_id = ?",
                 (pk, auth.tenant_id))
    if row is None:
        raise not_found("ground truth event")
    return json_response(event_dict(row, base_url(request)))


@router.get("/ground_truth_dataset_versions/", response_model=Page,
            summary="list_ground_truth_versions")
def list_versions(request: Request, auth: Auth, db: DB, ground_truth_dataset: Q = None,
                  page: Q = None, page_size: Q = None) -> Response:
    where, params = ["v.tenant_id = ?"], [auth.tenant_id]
    values = int_list(request.query_params.getlist("ground_truth_dataset") or None,
                      "ground_truth_dataset")
    if values:
        where.append(f"v.ground_truth_dataset_id IN ({','.join('?' * len(values))})")
        params += values
    return paginate(request, db, f"FROM ground_truth_dataset_versions v WHERE "
                    f"{' AND '.join(where)}", params, VERSION_SELECT, "v.id",
                    lambda rows: [version_dict(r) for r in rows])


@router.get("/ground_truth_dataset_versions/{pk}/", response_model=Obj,
            summary="get_ground_truth_version")
def get_version(auth: Auth, db: DB, pk: PK) -> Response:
    row = db.one(f"SELECT {VERSION_SELECT} FROM ground_truth_dataset_versions v "
                 "WHERE v.id = ? AND v.tenant_id = ?", (pk, auth.tenant_id))
    if row is None:
        raise not_found("ground truth dataset version")
    return json_response(version_dict(row))


DATASET_SELECT = ("d.id, d.project_id, d.name, d.description, d.created, (SELECT json_group_array"
                  "(v.id) FROM ground_truth_dataset_versions v WHERE "
                  "v.ground_truth_dataset_id = d.id)")


def dataset_dict(row: tuple) -> dict[str, Any]:
    return {"id": row[0], "project": row[1], "name": row[2], "description": row[3],
            "created": row[4], "versions": frag(row[5])}


@router.get("/ground_truth_datasets/", response_model=Page, summary="list_ground_truth_datasets")
def list_datasets(request: Request, auth: Auth, db: DB, page: Q = None,
                  page_size: Q = None) -> Response:
    return paginate(request, db, "FROM ground_truth_datasets d WHERE d.tenant_id = ?",
                    [auth.tenant_id], DATASET_SELECT, "d.id",
                    lambda rows: [dataset_dict(r) for r in rows])


@router.get("/ground_truth_datasets/{pk}/", response_model=Obj,
            summary="get_ground_truth_dataset")
def get_dataset(auth: Auth, db: DB, pk: PK) -> Response:
    row = db.one(f"SELECT {DATASET_SELECT} FROM ground_truth_datasets d WHERE d.id = ? AND "
                 "d.tenant_id = ?", (pk, auth.tenant_id))
    if row is None:
        raise not_found("ground truth dataset")
    return json_response(dataset_dict(row))
