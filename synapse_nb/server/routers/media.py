"""Signed file URLs (``/media/<path>?sig=...``): stored uploads and generated demo images.

No auth headers are needed (like presigned storage URLs); the signature is. Paths are
resolved inside the data folder and can never leave it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, Response

from ..._util import atomic_write
from ..common import APIError
from ..images import render_png
from ..scenes import KINDS

__all__ = ["router", "safe_path"]

router = APIRouter(tags=["files"])
_DEMO = re.compile(r"^demo/([a-z]+)/(\d{1,12})/(image_1|image_ir)\.png$")


def safe_path(root: Path, relative: str) -> Path:
    """``root / relative``, refusing anything that would leave ``root``."""
    root = root.resolve()
    target = (root / relative).resolve()
    if target != root and root not in target.parents:
        raise APIError(404, "No such file.")
    return target


@router.get("/media/{path:path}", summary="download a file by its signed URL",
            responses={200: {"content": {"application/octet-stream": {}}}})
def media(request: Request, path: str,
          sig: Annotated[str | None, Query(max_length=128)] = None) -> Response:
    state = request.app.state
    if not state.signer.check(path, sig):
        raise APIError(403, "Invalid or missing signature.")
    target = safe_path(state.settings.data_dir, path)
    if not target.is_file():
        match = _DEMO.match(path)
        if not match or match.group(1) not in KINDS:
            raise APIError(404, "No such file.")
        data = render_png(match.group(1), int(match.group(2)), match.group(3))
        atomic_write(target, data)  # concurrent requests never see half a file
        return Response(data, media_type="image/png")
    return FileResponse(target, filename=target.name)
