"""Data files: multipart upload or from a finished chunked upload; ``verify_checksums``.

A checksum already stored for the tenant answers the existing file (200) instead of a
second copy (201 for a new one).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool

from ..auth import Auth, AuthContext, get_db
from ..common import PK, APIError, json_response, not_found, now_iso
from ..db import Database
from ..schemas import DataFileFromUpload, Obj, VerifyChecksums
from ..storage import file_dict, remove_quietly, safe_filename, store_copy
from ..urls import base_url
from .chunked_upload import finished_upload, read_multipart

__all__ = ["router"]

router = APIRouter(tags=["data_files"])
DB = Annotated[Database, Depends(get_db)]
SELECT = "id, checksum, size, path, file_name_original, created"
_BODY = {"requestBody": {"required": True, "content": {
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary"}, "meta": {"type": "string"}}}},
    "application/json": {"schema": {"type": "object", "required": ["chunked_upload"],
                                    "properties": {"chunked_upload": {"type": "string"},
                                                   "meta": {"type": "object"}}}}}}}


def _save(request: Request, db: Database, auth: AuthContext, source: Any, filename: str,
          remove_source: Path | None = None) -> tuple[dict, int]:
    settings = request.app.state.settings
    try:
        rel, checksum, size = store_copy(settings.data_dir, auth.tenant_id, source, filename,
                                         settings.max_upload_bytes)
    except ValueError:
        raise APIError(413, f"File too large: at most {settings.max_upload_bytes} bytes.") from None
    except FileNotFoundError:  # a finished upload whose stored data was removed
        raise APIError(410, {"chunked_upload": ["The upload's data is no longer on the server; "
                                                "upload the file again."]}) from None
    status = 200
    with db.write() as con:
        row = con.execute(f"SELECT {SELECT} FROM data_files WHERE tenant_id = ? AND checksum = ?",
                          (auth.tenant_id, checksum)).fetchone()
        if row is None:
            pk = con.execute("INSERT INTO data_files (tenant_id, checksum, size, path, "
                             "file_name_original, created) VALUES (?, ?, ?, ?, ?, ?)",
                             (auth.tenant_id, checksum, size, rel, safe_filename(filename),
                              now_iso())).lastrowid
            row = con.execute(f"SELECT {SELECT} FROM data_files WHERE id = ?", (pk,)).fetchone()
            status = 201
    if status == 200 and row[3] != rel:
        remove_quietly((settings.data_dir / rel).parent)  # this call's own copy, never another's
    if remove_source is not None:
        remove_quietly(remove_source)
    return file_dict(row, base_url(request), request.app.state.signer), status


@router.post("/data_files/", status_code=201, response_model=Obj, summary="create_data_file",
             openapi_extra=_BODY)
async def create_data_file(request: Request, auth: Auth, db: DB) -> Response:
    """Multipart ``file``, or JSON ``{"chunked_upload": id, "meta": {"filename": ...}}``."""
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        fields, upload = await read_multipart(request, request.app.state.settings.max_upload_bytes)
        name = upload.filename or fields.get("filename") or "file"
        body, status = await run_in_threadpool(_save, request, db, auth, upload.file, name)
        return json_response(body, status_code=status)
    try:
        payload = DataFileFromUpload.model_validate(orjson.loads(await request.body()))
    except orjson.JSONDecodeError as err:
        raise APIError(400, f"JSON parse error - {err}") from err
    except ValueError as err:
        raise APIError(400, {"chunked_upload": ["Send {\"chunked_upload\": id} as JSON, or the "
                                                "file as multipart/form-data."]}) from err
    rel, filename = finished_upload(db, auth.tenant_id, payload.chunked_upload)
    meta_name = payload.meta.get("filename")
    name = meta_name if isinstance(meta_name, str) and meta_name else filename
    source = request.app.state.settings.data_dir / rel
    body, status = await run_in_threadpool(_save, request, db, auth, source, name)
    return json_response(body, status_code=status)


@router.get("/data_files/{pk}/", response_model=Obj, summary="get_data_file")
def get_data_file(request: Request, auth: Auth, db: DB, pk: PK) -> Response:
    row = db.one(f"SELECT {SELECT} FROM data_files WHERE id = ? AND tenant_id = ?",
                 (pk, auth.tenant_id))
    if row is None:
        raise not_found("data file")
    return json_response(file_dict(row, base_url(request), request.app.state.signer))


@router.post("/data_files/verify_checksums/", summary="data_files_verify_checksums")
def verify_checksums(auth: Auth, db: DB, body: VerifyChecksums) -> Response:
    """``{"existing": [...], "missing": [...]}`` for the given md5 checksums."""
    wanted = list(dict.fromkeys(c for c in body.checksums if isinstance(c, str)))
    existing: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        existing |= {r[0] for r in db.query(
            f"SELECT checksum FROM data_files WHERE tenant_id = ? AND checksum IN "
            f"({','.join('?' * len(chunk))})", [auth.tenant_id, *chunk])}
    return json_response({"existing": [c for c in wanted if c in existing],
                          "missing": [c for c in wanted if c not in existing]})
