"""Chunked upload, the django-chunked-upload convention (contract section 5).

``PUT chunked_upload/`` starts an upload with the first chunk; ``PUT chunked_upload/<id>/``
appends a chunk whose ``Content-Range`` must start at the stored offset (else 400 with the
real ``offset``); ``POST chunked_upload/<id>/`` with ``{"md5": ...}`` finishes it. The
finished upload's ``id`` is then given to ``data_files/`` or ``models/`` as
``chunked_upload``. Uploads expire after ``settings.upload_expiry_seconds`` (410).
"""

from __future__ import annotations

import re
import shutil
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, BinaryIO

import orjson
from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.concurrency import run_in_threadpool

from ..._util import md5_file
from ..auth import Auth, AuthContext, get_db
from ..common import APIError, format_time, json_response, now_iso
from ..db import Database
from ..storage import safe_filename
from ..urls import base_url

__all__ = ["finished_upload", "read_multipart", "router"]

router = APIRouter(tags=["chunked_upload"])
DB = Annotated[Database, Depends(get_db)]
_RANGE = re.compile(r"^bytes (\d{1,15})-(\d{1,15})/(\d{1,15})$")
# upload id -> [lock, holders]: an entry lives only while a request holds or waits for it
_locks: dict[str, list[Any]] = {}
_locks_guard = threading.Lock()

_CHUNK_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"filename": {"type": "string"},
                   "file": {"type": "string", "format": "binary"}}}}}}}
_FINISH_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["md5"], "properties": {"md5": {"type": "string"}}}}}}}


@contextmanager
def _lock(upload_id: str) -> Iterator[None]:
    """One request at a time per upload; the table keeps only uploads in use (bounded)."""
    with _locks_guard:
        entry = _locks.setdefault(upload_id, [threading.Lock(), 0])
        entry[1] += 1
    try:
        with entry[0]:
            yield
    finally:
        with _locks_guard:
            entry[1] -= 1
            if entry[1] == 0:
                del _locks[upload_id]


def _gone() -> APIError:
    return APIError(410, "The upload's data is no longer on the server; start a new upload.")


def _copy_into(target: Path, offset: int, source: BinaryIO, create: bool) -> None:
    """Write ``source`` at ``offset`` of ``target`` in blocks (a chunk is never held whole)."""
    source.seek(0)
    try:
        with open(target, "wb" if create else "r+b") as out:
            out.seek(offset)
            shutil.copyfileobj(source, out, 1 << 20)
            out.truncate()
    except FileNotFoundError:
        raise _gone() from None


async def read_multipart(request: Request, max_bytes: int) -> tuple[dict[str, str], Any]:
    """The text fields and the ``file`` part of a multipart body (400/413 if unusable)."""
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > max_bytes + 64 * 1024:
        raise APIError(413, f"Upload too large: at most {max_bytes} bytes per request.")
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise APIError(400, "Send multipart/form-data with a 'file' part.")
    try:
        form = await request.form(max_files=1, max_fields=50, max_part_size=1024 * 1024)
    except Exception as err:  # malformed multipart: starlette raises several types
        raise APIError(400, f"Malformed multipart body: {str(err)[:200]}") from err
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise APIError(400, {"file": ["No file was submitted."]})
    return fields, upload


def _parse_range(header: str | None, chunk_size: int) -> tuple[int, int, int]:
    if header is None:
        return 0, chunk_size - 1, chunk_size
    match = _RANGE.match(header.strip())
    if not match:
        raise APIError(400, "Bad Content-Range header: use 'bytes <start>-<end>/<total>'.")
    start, end, total = (int(g) for g in match.groups())
    if end < start or end >= total:
        raise APIError(400, "Bad Content-Range header: end must be >= start and < total.")
    if end - start + 1 != chunk_size:
        raise APIError(400, f"Content-Range says {end - start + 1} bytes but the chunk has "
                            f"{chunk_size}.")
    return start, end, total


def _row(db: Database, tenant_id: int, upload_id: str) -> tuple:
    row = db.one("SELECT id, filename, offset, total, path, status, checksum, expires, created "
                 "FROM chunked_uploads WHERE id = ? AND tenant_id = ?", (upload_id, tenant_id))
    if row is None:
        raise APIError(404, "No chunked upload matches the given query.")
    return row


def _public(request: Request, row: tuple) -> dict[str, Any]:
    return {"id": row[0], "url": f"{base_url(request)}/chunked_upload/{row[0]}/",
            "offset": row[2], "filename": row[1], "expires": row[7], "status": row[5]}


def _write_chunk(request: Request, db: Database, auth: AuthContext, upload_id: str | None,
                 fields: dict[str, str], data: BinaryIO, content_range: str | None) -> dict:
    settings = request.app.state.settings
    data_dir: Path = settings.data_dir
    size = data.seek(0, 2)
    start, end, total = _parse_range(content_range, size)
    if total > settings.max_upload_bytes:
        raise APIError(413, f"Upload too large: at most {settings.max_upload_bytes} bytes.")
    if upload_id is None:
        if start != 0:
            raise APIError(400, {"detail": "Offsets do not match", "offset": 0})
        _expire_old(db, data_dir)
        upload_id = uuid.uuid4().hex
        filename = safe_filename(fields.get("filename") or "upload")
        rel = f"chunked/{upload_id}.part"
        (data_dir / "chunked").mkdir(parents=True, exist_ok=True)
        now = datetime.now(UTC)
        expires = now + timedelta(seconds=settings.upload_expiry_seconds)
        with _lock(upload_id):
            _copy_into(data_dir / rel, 0, data, create=True)
            with db.write() as con:
                con.execute("INSERT INTO chunked_uploads VALUES (?, ?, ?, ?, ?, ?, 'uploading', "
                            "NULL, ?, ?)", (upload_id, auth.tenant_id, filename, end + 1, total,
                                           rel, format_time(now), format_time(expires)))
        return _public(request, _row(db, auth.tenant_id, upload_id))
    with _lock(upload_id):
        row = _row(db, auth.tenant_id, upload_id)
        if row[5] == "complete":
            raise APIError(400, "Upload has already been marked as complete.")
        if row[7] < now_iso():
            raise APIError(410, "Upload has expired; start a new one.")
        if row[3] is not None and total != row[3]:
            raise APIError(400, f"Content-Range total {total} differs from the upload's {row[3]}.")
        if start != row[2]:
            raise APIError(400, {"detail": "Offsets do not match", "offset": row[2]})
        _copy_into(data_dir / row[4], start, data, create=False)
        with db.write() as con:
            con.execute("UPDATE chunked_uploads SET offset = ? WHERE id = ?", (end + 1, upload_id))
        return _public(request, _row(db, auth.tenant_id, upload_id))


def _expire_old(db: Database, data_dir: Path) -> None:
    stale = db.query("SELECT id, path FROM chunked_uploads WHERE expires < ? AND "
                     "status = 'uploading'", (now_iso(),))
    if not stale:
        return
    with db.write() as con:
        con.executemany("DELETE FROM chunked_uploads WHERE id = ?", [(r[0],) for r in stale])
    for _id, rel in stale:
        (data_dir / rel).unlink(missing_ok=True)


async def _chunk(request: Request, db: Database, auth: AuthContext, upload_id: str | None,
                 content_range: str | None) -> Response:
    settings = request.app.state.settings
    fields, upload = await read_multipart(request, settings.max_upload_bytes)
    if not fields.get("filename") and upload.filename:
        fields["filename"] = upload.filename
    # the multipart parser spooled the chunk to a temporary file: copy it from there
    body = await run_in_threadpool(_write_chunk, request, db, auth, upload_id, fields,
                                   upload.file, content_range)
    return json_response(body)


@router.put("/chunked_upload/", summary="create_chunked_upload (first chunk)",
            openapi_extra=_CHUNK_BODY)
async def start_upload(request: Request, auth: Auth, db: DB, content_range: Annotated[
        str | None, Header(alias="Content-Range")] = None) -> Response:
    return await _chunk(request, db, auth, None, content_range)


@router.put("/chunked_upload/{upload_id}/", summary="next chunk", openapi_extra=_CHUNK_BODY)
async def put_chunk(request: Request, auth: Auth, db: DB, upload_id: str, content_range: Annotated[
        str | None, Header(alias="Content-Range")] = None) -> Response:
    return await _chunk(request, db, auth, upload_id, content_range)


def _finish(request: Request, db: Database, auth: AuthContext, upload_id: str, md5: str) -> dict:
    data_dir: Path = request.app.state.settings.data_dir
    with _lock(upload_id):
        row = _row(db, auth.tenant_id, upload_id)
        if row[5] != "complete":
            if row[7] < now_iso():
                raise APIError(410, "Upload has expired; start a new one.")
            if row[3] is not None and row[2] != row[3]:
                raise APIError(400, {"detail": f"Upload is incomplete: {row[2]} of {row[3]} "
                                               "bytes received.", "offset": row[2]})
            try:
                actual = md5_file(data_dir / row[4])
            except FileNotFoundError:
                raise _gone() from None
            if actual != md5.strip().lower():
                raise APIError(400, {"detail": "md5 checksum does not match: the upload is "
                                     "kept, resend the right md5 or start again",
                                     "offset": row[2]})
            with db.write() as con:
                con.execute("UPDATE chunked_uploads SET status = 'complete', checksum = ? "
                            "WHERE id = ?", (actual, upload_id))
            row = _row(db, auth.tenant_id, upload_id)
        elif row[6] != md5.strip().lower():
            raise APIError(400, {"detail": "md5 checksum does not match the completed upload's "
                                 f"{row[6]}", "offset": row[2]})
    signer = request.app.state.signer
    return {"id": row[0], "file": f"{base_url(request)}/{signer.relative(row[4])}",
            "filename": row[1], "checksum": row[6], "size": row[2]}


@router.post("/chunked_upload/{upload_id}/", summary="finish with the md5",
             openapi_extra=_FINISH_BODY)
async def finish_upload(request: Request, auth: Auth, db: DB, upload_id: str) -> Response:
    ctype = request.headers.get("content-type", "")
    if ctype.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        try:
            form = await request.form(max_files=0, max_fields=20)
        except Exception as err:
            raise APIError(400, f"Malformed form body: {str(err)[:200]}") from err
        md5 = form.get("md5")
    else:
        try:
            payload = orjson.loads(await request.body())
        except orjson.JSONDecodeError as err:
            raise APIError(400, f"JSON parse error - {err}") from err
        md5 = payload.get("md5") if isinstance(payload, dict) else None
    if not isinstance(md5, str) or not md5.strip():
        raise APIError(400, {"md5": ["This field is required."]})
    return json_response(await run_in_threadpool(_finish, request, db, auth, upload_id, md5))


def finished_upload(db: Database, tenant_id: int, upload_id: str) -> tuple[str, str]:
    """(relative path, filename) of a completed upload of this tenant, else 400."""
    row = db.one("SELECT path, filename, status FROM chunked_uploads WHERE id = ? AND "
                 "tenant_id = ?", (upload_id, tenant_id))
    if row is None:
        raise APIError(400, {"chunked_upload": [f"Unknown chunked upload {upload_id[:64]!r}."]})
    if row[2] != "complete":
        raise APIError(400, {"chunked_upload": ["The upload is not finished: POST its md5 "
                                                "first."]})
    return row[0], row[1]
