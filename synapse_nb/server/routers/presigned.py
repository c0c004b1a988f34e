"""Presigned uploads (the 2026 SDK's ``upload_files_bulk``) and a chunked upload's state.

1. ``POST data_files/presigned_upload/upload/`` with ``{"files": [{filename, size,
   content_type}], "expiration"}`` answers a ``file_key`` and a ``presigned_url`` per file,
   and ``expires_at``.
2. ``PUT <presigned_url>`` with the file's bytes: no auth headers, the URL's signature is
   the permission (as on S3); the answer carries the md5 as ``ETag``.
3. ``POST data_files/presigned_upload/confirm_upload/`` with ``{"files": [{file_key,
   checksum (sha1), size}]}`` checks each file and makes it a data file: ``{"results":
   [{file_key, checksum, data_file_id, success, error, md5}], "created_count",
   "failed_count"}``. ``md5`` is the data file's checksum (what data units refer to).

``GET chunked_upload/{id}/`` answers an upload's ``offset`` and, once finished, a
non-empty ``completed_at`` (the SDK asks when a finishing answer was lost).
"""

from __future__ import annotations

import hashlib
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path as FsPath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import Field

from ..auth import Auth, AuthContext, get_db
from ..common import APIError, json_response, not_found
from ..db import Database
from ..schemas import Obj, _In
from ..storage import remove_quietly, safe_filename
from ..urls import base_url
from .data_files import _save
from .media import safe_path

__all__ = ["router"]

router = APIRouter(tags=["data_files"])
DB = Annotated[Database, Depends(get_db)]
STAGING = "presigned"


class _FileAsk(_In):
    filename: str = Field(min_length=1, max_length=500)
    size: int = Field(ge=0)
    content_type: str | None = Field(default=None, max_length=200)


class PresignedAsk(_In):
    files: list[_FileAsk] = Field(min_length=1, max_length=1000)
    expiration: int = Field(default=3600, ge=60, le=86400)


class _FileDone(_In):
    file_key: str = Field(min_length=1, max_length=300, pattern=r"^[A-Za-z0-9_.\-/]+$")
    checksum: str = Field(min_length=1, max_length=128)
    size: int | None = Field(default=None, ge=0)


class PresignedConfirm(_In):
    files: list[_FileDone] = Field(min_length=1, max_length=1000)


def _put_sig(request: Request, key: str, expires: str) -> str:
    return request.app.state.signer.sign(f"put:{key}:{expires}")


@router.post("/data_files/presigned_upload/upload/", response_model=Obj,
             summary="request_presigned_upload")
def request_upload(request: Request, auth: Auth, db: DB, body: PresignedAsk) -> Response:
    limit = request.app.state.settings.max_upload_bytes
    too_big = [f.filename for f in body.files if f.size > limit]
    if too_big:
        raise APIError(413, f"File too large: {too_big[0][:100]!r} (at most {limit} bytes).")
    expires = int(time.time()) + body.expiration
    expires_at = datetime.fromtimestamp(expires, timezone.utc).isoformat()
    base, out, rows = base_url(request), [], []
    for f in body.files:
        name = safe_filename(f.filename)
        ext = FsPath(name).suffix[:16]
        token = uuid.uuid4().hex
        key = f"tenants/{auth.tenant_id}/files/{token[:2]}/{token[2:4]}/{token}{ext}"
        url = f"{base}/presigned/{key}?expires={expires}&sig={_put_sig(request, key, str(expires))}"
        out.append({"filename": f.filename, "file_key": key, "presigned_url": url, "multipart": None})
        rows.append((key, auth.tenant_id, name, f.size, f.content_type, expires_at))
    with db.write() as con:
        con.executemany("INSERT INTO presigned_uploads (file_key, tenant_id, filename, size, "
                        "content_type, expires) VALUES (?, ?, ?, ?, ?, ?)", rows)
    return json_response({"files": out, "expires_at": expires_at})


@router.put("/presigned/{key:path}", summary="upload to a presigned URL (no auth headers)")
async def put_presigned(request: Request, key: str, expires: Annotated[str, Query(max_length=20)],
                        sig: Annotated[str, Query(max_length=128)]) -> Response:
    state = request.app.state
    if not state.signer.check(f"put:{key}:{expires}", sig):
        raise APIError(403, "Invalid or missing signature.")
    if not expires.isdigit() or int(expires) < time.time():
        raise APIError(403, "This presigned URL has expired.")
    target = safe_path(state.settings.data_dir / STAGING, key)
    limit, size, md5 = state.settings.max_upload_bytes, 0, hashlib.md5()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + f".{uuid.uuid4().hex[:8]}.part")
    try:
        with open(tmp, "wb") as out:
            async for block in request.stream():
                size += len(block)
                if size > limit:
                    raise APIError(413, f"File too large: at most {limit} bytes.")
                md5.update(block)
                out.write(block)
        tmp.replace(target)
    finally:
        remove_quietly(tmp)
    return Response(status_code=200, headers={"ETag": f'"{md5.hexdigest()}"'})


def _confirm_one(request: Request, db: Database, auth: AuthContext, f: _FileDone) -> dict[str, Any]:
    out: dict[str, Any] = {"file_key": f.file_key, "checksum": f.checksum, "data_file_id": None,
                           "success": False, "error": None}
    row = db.one("SELECT filename, size FROM presigned_uploads WHERE file_key = ? AND tenant_id = ?",
                 (f.file_key, auth.tenant_id))
    staged = None if row is None else safe_path(request.app.state.settings.data_dir / STAGING, f.file_key)
    if row is None or staged is None or not staged.is_file():
        out["error"] = "No file was uploaded for this file_key."
        return out
    sha1 = hashlib.sha1()
    with open(staged, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            sha1.update(block)
    size = staged.stat().st_size
    if sha1.hexdigest() != f.checksum.lower() or (f.size is not None and f.size != size):
        out["error"] = "Checksum or size does not match the uploaded file."
        return out
    body, _status = _save(request, db, auth, staged, row[0], remove_source=staged)
    with db.write() as con:
        con.execute("UPDATE presigned_uploads SET data_file_id = ? WHERE file_key = ?",
                    (body["id"], f.file_key))
    out.update(success=True, data_file_id=body["id"], md5=body["checksum"], file=body["file"])
    return out


@router.post("/data_files/presigned_upload/confirm_upload/", response_model=Obj,
             summary="confirm_presigned_upload")
async def confirm_upload(request: Request, auth: Auth, db: DB, body: PresignedConfirm) -> Response:
    results = [await run_in_threadpool(_confirm_one, request, db, auth, f) for f in body.files]
    created = sum(1 for r in results if r["success"])
    return json_response({"results": results, "created_count": created,
                          "failed_count": len(results) - created})


@router.get("/chunked_upload/{upload_id}/", response_model=Obj, summary="get_chunked_upload")
def get_chunked_upload(auth: Auth, db: DB,
                       upload_id: Annotated[str, Path(min_length=1, max_length=64)]) -> Response:
    row = db.one("SELECT id, filename, offset, total, status, checksum, created, expires FROM "
                 "chunked_uploads WHERE id = ? AND tenant_id = ?", (upload_id, auth.tenant_id))
    if row is None:
        raise not_found("chunked upload")
    done = row[4] == "complete"
    return json_response({"id": row[0], "filename": row[1], "offset": row[2], "total": row[3],
                          "status": 2 if done else 1, "checksum": row[5], "created": row[6],
                          "expires": row[7],
                          # the table keeps no finishing time: a finished upload shows its start
                          "completed_at": row[6] if done else None})
