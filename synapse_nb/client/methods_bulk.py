"""Bulk uploads through presigned URLs (the SDK's BulkUpload mixin).

``upload_files_bulk(paths)`` asks ``data_files/presigned_upload/upload/`` for a URL per
file, PUTs the files there concurrently (no auth headers go to a storage host), then
confirms them with ``data_files/presigned_upload/confirm_upload/``, which creates the data
files. Checksums are sha1, as in the SDK.

>>> result = client.upload_files_bulk(list(Path("images").glob("*.jpg")))   # doctest: +SKIP
>>> result.created_count                                                   # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path
from typing import Any, Callable

from .declare import api
from .ops import Answer, Call, Gather
from .methods_common import Methods, Steps
from .sdk_models import ConfirmFileResult, ConfirmUploadResponse, PresignedUploadResponse, PresignedUploadResult

__all__ = ["BulkMethods"]

_PUT_ERRORS = tuple(range(400, 600))


def _put_call(url: str, path: Path, content_type: str | None) -> tuple[Call, PresignedUploadResult]:
    content = path.read_bytes()
    headers = {"Content-Type": content_type} if content_type else None
    return (Call("PUT", url, content=content, headers=headers, accept=_PUT_ERRORS, idempotent=True),
            PresignedUploadResult(checksum=hashlib.sha1(content).hexdigest(), size=len(content)))


class BulkMethods(Methods):
    """Default storage and presigned uploads."""

    @api
    def request_presigned_upload(self, files: list[dict[str, Any]],
                                 expiration: int = 3600) -> Steps[PresignedUploadResponse]:
        """``POST data_files/presigned_upload/upload/`` with ``{files: [{filename, size, content_type}], expiration}``."""
        body = yield Call("POST", "data_files/presigned_upload/upload/",
                          json={"files": list(files), "expiration": expiration})
        return PresignedUploadResponse.of(body)

    @api
    def confirm_presigned_upload(self, files: list[dict[str, Any]]) -> Steps[ConfirmUploadResponse]:
        """``POST data_files/presigned_upload/confirm_upload/`` with ``{files: [{file_key, checksum, size}]}``."""
        body = yield Call("POST", "data_files/presigned_upload/confirm_upload/", json={"files": list(files)})
        return ConfirmUploadResponse.of(body)

    @api
    def upload_file_to_presigned_url(self, presigned_url: str, file_path: Path | str,
                                     content_type: str | None = None) -> Steps[PresignedUploadResult]:
        """PUT one file to a presigned URL; returns its sha1 ``checksum`` and ``size``."""
        call, result = _put_call(presigned_url, Path(file_path), content_type)
        answer = yield call
        if isinstance(answer, Answer):
            raise OSError(f"presigned upload answered {answer.status_code}")
        return result

    @api
    def upload_files_bulk(self, file_paths: list[Path], max_workers: int = 10,
                          on_progress: Callable[[int, int], Any] | None = None, batch_size: int = 200,
                          max_upload_retries: int = 2, strategy: str | None = None) -> Steps[ConfirmUploadResponse]:
        """Upload files straight to storage: presigned URLs in batches, PUTs concurrently, then confirm.

        ``results[i].file_key`` is the local path, as in the SDK; a file that failed has
        ``success=False`` and its ``error``. ``max_workers`` and ``max_upload_retries`` are
        accepted for the SDK (the client's ``max_concurrency`` and retry policy apply).
        """
        if strategy not in (None, "presigned"):
            raise ValueError(f"unknown upload strategy {strategy!r}: only 'presigned' exists")
        paths = [Path(p) for p in file_paths]
        results: list[ConfirmFileResult] = []
        for start in range(0, len(paths), max(1, batch_size)):
            batch = paths[start:start + batch_size]
            info = [{"filename": p.name, "size": p.stat().st_size, "content_type": mimetypes.guess_type(p.name)[0]}
                    for p in batch]
            presigned = yield from BulkMethods.request_presigned_upload.flow(self, info)
            puts = [_put_call(f.presigned_url or "", p, str(i["content_type"] or "") or None)
                    for f, p, i in zip(presigned.files, batch, info)]
            answers = yield Gather([call for call, _ in puts])
            sent, local = [], {}
            for f, p, (_call, sums), answer in zip(presigned.files, batch, puts, answers):
                local[f.file_key] = str(p)
                if isinstance(answer, Answer):
                    results.append(ConfirmFileResult(file_key=str(p), checksum="", success=False,
                                                     error=f"presigned upload answered {answer.status_code}"))
                else:
                    sent.append({"file_key": f.file_key, "checksum": sums.checksum, "size": sums.size})
            if sent:
                confirmed = yield from BulkMethods.confirm_presigned_upload.flow(self, sent)
                for r in confirmed.results:
                    results.append(ConfirmFileResult.of({**r, "file_key": local.get(r.file_key, r.file_key)}))
            if on_progress is not None:
                on_progress(min(start + len(batch), len(paths)), len(paths))
        created = sum(1 for r in results if r.success)
        return ConfirmUploadResponse(results=results, created_count=created, failed_count=len(results) - created)
