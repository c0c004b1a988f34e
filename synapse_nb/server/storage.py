"""Files under the server's data folder: safe names, one path per stored object.

Every call of :func:`store_copy` writes a path of its own (``files/<tenant>/<md5>/<random>/
<name>``): two objects never share a file, so removing one object's copy (a duplicate data
file, say) can never delete another's (a plugin release with the same name and content).

>>> safe_filename("../../etc/passwd")
'passwd'
>>> safe_filename("")
'file'
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path
from typing import BinaryIO

__all__ = ["safe_filename", "store_copy", "file_dict"]

_UNSAFE = re.compile(r"[^\w.\- ()+,@=]+", re.UNICODE)


def safe_filename(name: str | None) -> str:
    """A base name that cannot leave its folder or confuse a shell."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip(" .")[:200]
    return name or "file"


def store_copy(data_dir: Path, tenant_id: int, source: BinaryIO | Path, filename: str,
               max_bytes: int) -> tuple[str, str, int]:
    """Copy into a new ``files/<tenant>/<md5>/<random>/<name>``; returns (relative path,
    md5, size). The path is this call's alone: the caller may remove it freely.

    Raises ValueError when the content exceeds ``max_bytes``, FileNotFoundError when the
    source path is gone (nothing is left behind either way).
    """
    tmp_dir = data_dir / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    tmp = tmp_dir / f"upload-{os.getpid()}-{id(source)}-{os.urandom(4).hex()}"
    digest = hashlib.md5()
    size = 0
    try:
        if isinstance(source, Path):
            reader: BinaryIO = open(source, "rb")
        else:
            reader = source
        try:
            with open(tmp, "wb") as out:
                for block in iter(lambda: reader.read(1 << 20), b""):
                    size += len(block)
                    if size > max_bytes:
                        raise ValueError(f"file larger than {max_bytes} bytes")
                    digest.update(block)
                    out.write(block)
        finally:
            if isinstance(source, Path):
                reader.close()
        checksum = digest.hexdigest()
        rel = f"files/{tenant_id}/{checksum}/{os.urandom(8).hex()}/{safe_filename(filename)}"
        target = data_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)
        return rel, checksum, size
    finally:
        if tmp.exists():
            tmp.unlink()


def file_dict(row: tuple, base: str, signer) -> dict:
    """A data_files row (id, checksum, size, path, name, created) as the API shows it."""
    return {"id": row[0], "checksum": row[1], "size": row[2],
            "file": f"{base}/{signer.relative(row[3])}", "file_name_original": row[4],
            "created": row[5]}


def remove_quietly(path: Path) -> None:
    try:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink()
    except FileNotFoundError:
        pass
