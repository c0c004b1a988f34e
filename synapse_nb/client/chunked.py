"""The chunked-upload flow (django-chunked-upload convention), with a real resume.

1. ``PUT chunked_upload/`` with the first chunk and ``Content-Range``; the answer gives
   the upload's ``url`` and the server's ``offset``.
2. Each next chunk goes to ``PUT <url>`` starting at the server's offset; the journal
   records ``url`` and ``offset`` after every chunk.
3. ``POST <url>`` with the md5 of the whole file finishes it.

Resume: a journal left by an earlier run (even a killed process) sends the next chunk at
the journaled offset; if the server holds a different offset, its 400 answer says which,
and the upload continues there (the md5 of the bytes already sent is recomputed from the
local file). An upload the server forgot (404/410) starts again from byte 0. A resumed
upload whose finishing md5 does not match (the file was rewritten with the same size and
mtime since) drops its journal and is sent again from byte 0, once; a fresh upload whose md5
does not match (the file changes while it is sent) drops its journal and says so.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any, BinaryIO, Callable

from .._util import hash_stream
from .base import Call, Flow, UploadResult
from .errors import error_for_status
from .journal import ChunkJournal
from .ops import Answer

__all__ = ["chunked_upload_flow", "DEFAULT_CHUNK_SIZE"]

logger = logging.getLogger("synapse_nb.client")

DEFAULT_CHUNK_SIZE = 50 * 1024 * 1024


def _md5_upto(fh: BinaryIO, n: int) -> "hashlib._Hash":
    fh.seek(0)
    md5 = hash_stream(hashlib.md5(), fh, n)
    fh.seek(n)
    return md5


def _server_offset(body: Any) -> int | None:
    for holder in (body, body.get("detail") if isinstance(body, dict) else None):
        if isinstance(holder, dict):
            value = holder.get("offset")
            if isinstance(value, int):
                return value
            if isinstance(value, str) and value.isdigit():
                return int(value)
    return None


def chunked_upload_flow(client: Any, path: str | Path, chunk_size: int = DEFAULT_CHUNK_SIZE,
                        on_progress: Callable[[int, int], Any] | None = None) -> Flow:
    """Upload ``path`` in chunks; returns the finished upload (``id``, ``file``, ``checksum``, ``size``)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file to upload: {path}")
    if int(chunk_size) < 1:
        raise ValueError(f"chunk_size must be positive, got {chunk_size!r}")
    chunk_size = int(chunk_size)
    journal = ChunkJournal(client.config.upload_state_dir, path, client.config.identity())
    total = journal.size
    state = journal.load() or {}
    url: str | None = state.get("url")
    upload_id = state.get("id")
    offset = int(state.get("offset", 0)) if url else 0
    stats = {"resumed_from": offset, "bytes_sent": 0, "chunks": 0, "realigned": 0, "restarted": 0}
    client.last_upload = stats
    if url:
        logger.info("resuming chunked upload of %s at byte %d of %d", path.name, offset, total)
    # A resume is trusted once: the journal knows a file by its path, size and mtime, so a
    # file rewritten with the same size and mtime resumes an upload of other bytes, and the
    # server's md5 never matches. Then the journal goes and the file is sent from byte 0.
    resumed = url is not None
    with open(path, "rb") as fh:
        md5 = _md5_upto(fh, offset)
        while True:
            while offset < total or (total == 0 and url is None):
                chunk = fh.read(min(chunk_size, total - offset)) if total else b""
                end = offset + len(chunk) - 1
                headers = {"Content-Range": f"bytes {offset}-{end}/{total}"} if total else {}
                answer = yield Call("PUT", url or "chunked_upload/", data={"filename": path.name},
                                    files={"file": (path.name, chunk, "application/octet-stream")},
                                    headers=headers, idempotent=True, accept=(400, 404, 410) if url else ())
                stats["bytes_sent"] += len(chunk)
                stats["chunks"] += 1
                if isinstance(answer, Answer):
                    if answer.status_code in (404, 410):
                        logger.info("the server forgot upload %s; starting %s again", upload_id, path.name)
                        journal.clear()
                        resumed, url, upload_id, offset = False, None, None, 0
                        md5 = _md5_upto(fh, 0)
                        continue
                    real = _server_offset(answer.body)
                    if real is None or real == offset or not 0 <= real <= total:
                        raise error_for_status(answer.status_code, answer.body, method="PUT", url="chunked upload")
                    logger.info("server holds %d bytes of %s (not %d); continuing there", real, path.name, offset)
                    stats["realigned"] += 1
                    offset = real
                    md5 = _md5_upto(fh, offset)
                    journal.save({"url": url, "id": upload_id, "offset": offset})
                    continue
                md5.update(chunk)
                url = answer.get("url") or url
                upload_id = answer.get("id", upload_id)
                reported = answer.get("offset")
                new_offset = end + 1 if total else 0
                if isinstance(reported, int) and reported != new_offset and 0 <= reported <= total:
                    stats["realigned"] += 1
                    new_offset = reported
                    md5 = _md5_upto(fh, new_offset)
                offset = new_offset
                fh.seek(offset)
                journal.save({"url": url, "id": upload_id, "offset": offset})
                if on_progress is not None:
                    on_progress(offset, total)
                if total == 0:
                    break
            if url is None:
                raise RuntimeError("the server did not return an upload url")
            # finishing is idempotent (a finished upload answers itself again), so it may be retried
            result = yield Call("POST", url, json={"md5": md5.hexdigest()}, idempotent=True,
                                accept=(400,))
            if not isinstance(result, Answer):
                break
            if result.status_code == 400 and "md5" in str(result.body).lower():
                journal.clear()  # a resume whose md5 does not match never will: never try it again
                if not resumed:
                    raise error_for_status(400, {"detail": (
                        f"{path.name} changed while it was being sent (the md5 of the bytes the "
                        "server received differs from the file's); send it again once it is "
                        "written")}, method="POST", url="chunked upload")
                logger.warning("the server's md5 of %s differs from the file's (it changed since "
                               "an interrupted upload); sending it again from the start", path.name)
                resumed, url, upload_id, offset = False, None, None, 0
                stats["restarted"] += 1
                md5 = _md5_upto(fh, 0)
                continue
            raise error_for_status(result.status_code, result.body, method="POST", url="chunked upload")
    journal.clear()
    # this upload's own figures travel with its result (client.last_upload is per thread/task)
    return UploadResult(result, stats) if isinstance(result, dict) else result
