"""The v2 views: one list, retrieve and (where v2 has one) bulk view per :class:`Spec`.

All views are generic over the spec; :func:`create_v2_app` registers them and turns every
error (v1's ``APIError``, validation, 404/405 from routing) into the v2 error envelope.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import orjson
from fastapi import Body, Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..auth import Auth
from ..common import PK, APIError
from ..db import Database
from .envelope import V2Error, cursor_page, envelope, error_body, json_array, page_args
from .resources import NESTED, SPECS
from .spec import Spec, rows_by_ids, texts_by_ids, where_clause
from .tables import ensure_v2_tables

__all__ = ["BULK_MAX_IDS", "create_v2_app"]

#: ids per bulk call (the backend's ``BULK_FETCH_MAX_IDS``)
BULK_MAX_IDS = 200
_CODES = {400: "VALIDATION_ERROR", 401: "AUTHENTICATION_REQUIRED", 403: "PERMISSION_DENIED",
          404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 429: "THROTTLED"}


async def get_v2_db(request: Request) -> Database:
    db: Database = request.app.state.db
    ensure_v2_tables(db)
    return db


DB = Annotated[Database, Depends(get_v2_db)]


def origin(request: Request) -> str:
    """``scheme://host:port`` as reached (or the public URL): file URLs hang off it."""
    public = request.app.state.settings.public_url
    if public:
        return public.rstrip("/")
    return f"{request.url.scheme}://{request.url.netloc}"


Scope = Sequence[tuple[str, int]]


def _filtered(spec: Spec, request: Request, tenant_id: int,
              scope: Scope = ()) -> tuple[str, list[Any]]:
    """``FROM ... WHERE`` of the tenant, the query's filters and the path's ``scope``."""
    query = {k: request.query_params.getlist(k) for k in request.query_params}
    where, params = where_clause(spec.filters, query)
    sql = f"FROM {spec.table} WHERE {spec.tenant} = ? AND {where}"
    params = [tenant_id, *params]
    for column, value in scope:
        sql += f" AND {column} = ?"
        params.append(value)
    return sql, params


def list_view(spec: Spec, request: Request, auth: Any, db: Database,
              scope: Scope = ()) -> Response:
    from_where, params = _filtered(spec, request, auth.tenant_id, scope)
    args = page_args(request, spec.default_desc, spec.order_names)
    base = origin(request)
    return cursor_page(request, db, from_where, params, spec.key, args,
                       lambda ids: rows_by_ids(db, spec, spec.slim_select, ids, auth.tenant_id,
                                               spec.slim, base), spec.slim_sql)


def retrieve_view(spec: Spec, request: Request, auth: Any, db: Database, pk: int,
                  scope: Scope = ()) -> Response:
    extra = "".join(f" AND {column} = ?" for column, _ in scope)
    row = db.one(f"SELECT {spec.full_select} FROM {spec.source} WHERE {spec.tenant} = ? AND "
                 f"{spec.key} = ?{extra}", [auth.tenant_id, pk, *(v for _, v in scope)])
    if row is None:
        raise V2Error(404, "NOT_FOUND", f"Not found: no {spec.path.strip('/')} object has this id.")
    return envelope(request, spec.full(row, origin(request)))


def _bulk_ids(body: Any, key: str) -> list[int]:
    ids = body.get(key) if isinstance(body, dict) else None
    # plain ints only (JSON gives int or bool, and type(True) is bool), checked in C:
    # a generator per id cost half a microsecond a task of a bulk call
    if not isinstance(ids, list) or not ids or not set(map(type, ids)) <= {int} or not (
            0 < min(ids) and max(ids) < 2**63):
        raise V2Error(422 if isinstance(ids, list) and not ids else 400, "VALIDATION_ERROR",
                      f"Send {{{key!r}: [ids]}} with 1 to {BULK_MAX_IDS} positive integer ids.",
                      [{"field": key, "message": "A non-empty list of positive integers."}])
    if len(ids) > BULK_MAX_IDS:
        raise V2Error(400, "ids_limit_exceeded",
                      f"At most {BULK_MAX_IDS} ids per call, got {len(ids)}.",
                      [{"field": key, "message": f"Split into calls of {BULK_MAX_IDS} ids."}])
    return list(dict.fromkeys(ids))


def bulk_view(spec: Spec, request: Request, auth: Any, db: Database, body: Any) -> Response:
    mode = request.query_params.get("response_mode", "inline")
    if mode not in ("inline", "presigned"):
        raise V2Error(400, "VALIDATION_ERROR", "response_mode must be inline or presigned.",
                      [{"field": "response_mode", "message": "inline or presigned"}])
    ids = _bulk_ids(body, spec.bulk_key)
    from_where, params = _filtered(spec, request, auth.tenant_id)
    # the query filters narrow the ids (GT bulk-data takes them); usually there are none
    if params[1:]:
        marks = ",".join("?" * len(ids))
        ids = [r[0] for r in db.query(f"SELECT {spec.key} {from_where} AND {spec.key} IN "
                                      f"({marks})", [*params, *ids])]
    assert spec.bulk is not None
    if spec.bulk_sql is not None:  # one array of SQLite's texts, not a fragment per object
        data = json_array(texts_by_ids(db, spec, spec.bulk_sql, ids, auth.tenant_id,
                                       origin(request)))
    else:
        data = rows_by_ids(db, spec, spec.full_select, ids, auth.tenant_id, spec.bulk,
                           origin(request))
    return envelope(request, data, {"next_cursor": None, "previous_cursor": None})


def _register(app: FastAPI, spec: Spec) -> None:
    # Inline, as v1's task pages: an index-only id query and the rows by id take about a
    # millisecond for a slim page or a bulk call of 200 (SQLite writes the hot objects'
    # JSON), less than the hop to the thread pool and back costs in CPU.
    async def list_(request: Request, auth: Auth, db: DB) -> Response:
        return list_view(spec, request, auth, db)

    # a detail is one row: inline (cheaper than the hop to the pool)
    async def retrieve(request: Request, auth: Auth, db: DB, pk: PK) -> Response:
        return retrieve_view(spec, request, auth, db, pk)

    app.add_api_route(spec.path, list_, methods=["GET"], tags=[spec.name], name=f"{spec.name}_list",
                      openapi_extra=_query_doc(spec))
    app.add_api_route(spec.path + "{pk}/", retrieve, methods=["GET"], tags=[spec.name],
                      name=f"{spec.name}_retrieve")
    if spec.bulk_path:
        async def bulk(request: Request, auth: Auth, db: DB,
                       body: Annotated[dict[str, Any], Body()]) -> Response:
            return bulk_view(spec, request, auth, db, body)
        app.add_api_route(spec.bulk_path, bulk, methods=["POST"], tags=[spec.name],
                          name=f"{spec.name}_bulk")


def _register_nested(app: FastAPI, name: str, path: str, column: str) -> None:
    spec = SPECS[name]
    parent_column = "v.ground_truth_dataset_id"

    if "{pk}" in path:  # events of one version of one dataset
        def events(request: Request, auth: Auth, db: DB, parent: PK, pk: PK) -> Response:
            return list_view(spec, request, auth, db, [(column, pk), (parent_column, parent)])
        app.add_api_route(path, events, methods=["GET"], tags=[name], name=f"{name}_nested")
        return

    def list_(request: Request, auth: Auth, db: DB, parent: PK) -> Response:
        return list_view(spec, request, auth, db, [(column, parent)])

    def retrieve(request: Request, auth: Auth, db: DB, parent: PK, pk: PK) -> Response:
        return retrieve_view(spec, request, auth, db, pk, [(column, parent)])

    app.add_api_route(path, list_, methods=["GET"], tags=[name], name=f"{name}_list")
    app.add_api_route(path + "{pk}/", retrieve, methods=["GET"], tags=[name],
                      name=f"{name}_retrieve")


def _query_doc(spec: Spec) -> dict[str, Any]:
    names = ["cursor", "per_page", "sort", *[name for name, _ in spec.filters]]
    return {"parameters": [{"name": n, "in": "query", "required": False,
                            "schema": {"type": "string"}} for n in names]}


def _handlers(app: FastAPI) -> None:
    def answer(request: Request, status: int, code: str, message: str,
               details: Any = None, headers: dict[str, str] | None = None) -> JSONResponse:
        return JSONResponse(error_body(request, code, message, details), status_code=status,
                            headers=headers)

    @app.exception_handler(V2Error)
    async def _v2(request: Request, exc: V2Error) -> JSONResponse:
        return answer(request, exc.status_code, exc.code, exc.message, exc.details)

    @app.exception_handler(APIError)
    async def _api(request: Request, exc: APIError) -> JSONResponse:
        body = exc.body
        message = str(body.get("detail", "Invalid request."))
        details = None
        if "detail" not in body:  # DRF field errors {"field": ["message"]}
            details = [{"field": k, "message": "; ".join(map(str, v if isinstance(v, list)
                                                              else [v]))}
                       for k, v in body.items()]
            message = "Invalid request."
        return answer(request, exc.status_code, _CODES.get(exc.status_code, "ERROR"), message,
                      details, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [{"field": ".".join(str(p) for p in e.get("loc", ()) if p not in (
            "body", "query", "path")) or "non_field_errors", "message": str(e.get("msg"))}
            for e in exc.errors()]
        return answer(request, 400, "VALIDATION_ERROR", "Invalid request.", details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return answer(request, exc.status_code, _CODES.get(exc.status_code, "ERROR"),
                      str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(OverflowError)
    async def _overflow(request: Request, exc: OverflowError) -> JSONResponse:
        return answer(request, 400, "VALIDATION_ERROR", "A number is out of range.")

    @app.exception_handler(orjson.JSONDecodeError)
    async def _bad_json(request: Request, exc: Exception) -> JSONResponse:
        return answer(request, 400, "VALIDATION_ERROR", "Malformed JSON.")


def create_v2_app(parent: FastAPI) -> FastAPI:
    """The v2 sub-application; it shares ``parent.state`` (settings and database)."""
    app = FastAPI(title="Synapse reference server, API v2", version="2.0.0",
                  description="The /v2/ endpoints BackendClientV2 uses: envelopes, cursor "
                              "pagination, bulk fetch.")
    app.state = parent.state
    for spec in SPECS.values():
        if spec.name != "ground_truth_dataset_versions":
            _register(app, spec)
    for name, path, column in NESTED:
        _register_nested(app, name, path, column)
    _handlers(app)
    return app

