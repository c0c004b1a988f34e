"""``create_app(settings)``: the reference Synapse server as a FastAPI application.

>>> from synapse_nb.server import Settings, create_app
>>> app = create_app(Settings(demo=True, scale=500))
>>> # uvicorn.run(app)  or  synapse_nb.server.testing.serve_in_thread(settings)
"""

from __future__ import annotations

import logging
import os
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from .common import APIError
from .db import Database
from .faults import FaultMiddleware
from .limits import BodyLimitMiddleware
from .routers import all_routers
from .seed import seed_database, signer_for
from .settings import Settings
from .v2 import mount_v2

__all__ = ["create_app"]

log = logging.getLogger("synapse_nb.server")


def open_database(settings: Settings) -> Database:
    """Open (and seed if new) the settings' database; used by the app and the CLI.

    A new database is seeded into a side file without a journal, then renamed into place:
    a million demo tasks are written once, and a failed seed leaves no half-made file.
    """
    db_path, data_dir = settings.resolve_paths()
    if not db_path.exists():
        side = db_path.with_name(db_path.name + ".seeding")
        for leftover in (side, Path(f"{side}-wal"), Path(f"{side}-shm")):
            leftover.unlink(missing_ok=True)
        bulk = Database(side, bulk=True)
        try:
            seed_database(bulk, data_dir, settings.demo, settings.scale)
        except BaseException:
            bulk.close()
            side.unlink(missing_ok=True)
            raise
        bulk.close()
        os.replace(side, db_path)
    db = Database(db_path)
    seed_database(db, data_dir, settings.demo, settings.scale)  # no-op when seeded
    return db


def _validation_body(err: RequestValidationError) -> dict[str, Any]:
    """FastAPI's error list as DRF-style ``{"field": ["message"]}``."""
    out: dict[str, list[str]] = {}
    for item in err.errors():
        loc = [str(part) for part in item.get("loc", ()) if part not in ("body", "query", "path")]
        name = ".".join(loc) or "non_field_errors"
        out.setdefault(name, []).append(str(item.get("msg", "Invalid value.")))
    return out


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the database is opened (and seeded) in the lifespan."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if getattr(app.state, "db", None) is None:
            app.state.db = open_database(settings)
        app.state.signer = signer_for(app.state.db)
        try:
            yield
        finally:
            app.state.db.close()
            app.state.db = None

    app = FastAPI(
        title="Synapse reference server",
        version="1.0",
        description="The Synapse backend endpoints the synapse-sdk BackendClient uses "
                    "(page-number pagination, DRF envelopes), over SQLite.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = None

    @app.exception_handler(APIError)
    async def _api_error(request: Request, exc: APIError) -> JSONResponse:
        return JSONResponse(exc.body, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(_validation_body(exc), status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(OverflowError)
    async def _overflow(request: Request, exc: OverflowError) -> JSONResponse:
        # a number too large for SQLite's 64-bit integers, in a place not validated above
        return JSONResponse({"detail": "A number is out of range (64-bit integers only)."},
                            status_code=400)

    @app.exception_handler(orjson.JSONEncodeError)
    async def _unencodable(request: Request, exc: orjson.JSONEncodeError) -> JSONResponse:
        # free-form JSON (annotation data, meta, configs) with integers beyond 64 bits
        return JSONResponse({"detail": f"Cannot store this JSON: {exc}."}, status_code=400)

    @app.get("/health/", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    # /v2/ (envelopes, cursor pages, bulk fetch: synapse_nb.server.v2) before v1's routes:
    # routing tries routes in order, and no v1 path starts with /v2/, so a v2 request
    # no longer walks every v1 router first (a fifth of a bulk call's CPU in process)
    mount_v2(app)
    for router in all_routers():
        app.include_router(router)
    app.add_middleware(BodyLimitMiddleware, settings=settings)
    app.add_middleware(FaultMiddleware)
    return app
