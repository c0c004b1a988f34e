"""Atomic, private files (see :mod:`synapse_nb._util`)."""

from __future__ import annotations

import hashlib
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, BinaryIO, Iterator

if TYPE_CHECKING:
    from hashlib import _Hash

__all__ = ["atomic_file", "atomic_path", "atomic_write", "hash_stream", "md5_file", "private_dir"]

_READ = 4 * 1024 * 1024


def private_dir(folder: str | os.PathLike[str]) -> Path:
    """Create ``folder`` and its missing parents with mode ``0700``; returns it.

    Folders that already exist are left as they are (a user's own ``dest_dir`` keeps its
    permissions).

    >>> import tempfile
    >>> d = private_dir(Path(tempfile.mkdtemp()) / "x" / "y")
    >>> oct(d.stat().st_mode & 0o777), oct(d.parent.stat().st_mode & 0o777)
    ('0o700', '0o700')
    """
    folder = Path(folder).expanduser()
    missing = []
    probe = folder
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for path in reversed(missing):
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:  # made meanwhile by another writer
            continue
        os.chmod(path, 0o700)  # mkdir's mode is filtered by the umask
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder} exists and is not a folder")
    return folder


@contextmanager
def atomic_path(target: str | os.PathLike[str], mode: int = 0o600) -> Iterator[Path]:
    """A temporary path next to ``target`` that replaces it on success, with ``mode``.

    For writers that want a path (``pyarrow.parquet.write_table``). On error the
    temporary file is removed and ``target`` is untouched. ``mode`` is ``0600`` (caches,
    journals, downloads); a file the user exports may ask for ``0644``.

    >>> import tempfile
    >>> t = Path(tempfile.mkdtemp()) / "f.bin"
    >>> with atomic_path(t) as tmp:
    ...     _ = tmp.write_bytes(b"x")
    >>> t.read_bytes()
    b'x'
    """
    target = Path(target)
    private_dir(target.parent)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name[:40]}.", suffix=".part")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, mode)  # a writer may also have recreated the file with default permissions
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


@contextmanager
def atomic_file(target: str | os.PathLike[str], mode: str = "wb") -> Iterator[IO]:
    """An open file (mode ``0600``) that appears at ``target`` only once completely written.

    A write cut short (error, dropped connection, killed process) never leaves a partial
    file that a later run would take for the real one.
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_file writes whole files: mode 'wb' or 'w', not {mode!r}")
    with atomic_path(target) as tmp:
        with open(tmp, mode, encoding=None if "b" in mode else "utf-8") as fh:
            yield fh


def atomic_write(target: str | os.PathLike[str], data: bytes | str) -> Path:
    """Write ``data`` to ``target`` atomically (see :func:`atomic_file`); returns the path."""
    with atomic_file(target, "wb") as fh:
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)
    return Path(target)


def md5_file(path: str | os.PathLike[str], upto: int | None = None) -> str:
    """Hex md5 of a file's content (of its first ``upto`` bytes when given).

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "x"; _ = p.write_bytes(b"abc")
    >>> md5_file(p)
    '900150983cd24fb0d6963f7d28e17f72'
    """
    with open(path, "rb") as fh:
        return hash_stream(hashlib.md5(), fh, upto).hexdigest()


def hash_stream(digest: _Hash, fh: BinaryIO, upto: int | None = None) -> _Hash:
    """Feed ``fh`` from where it stands (its next ``upto`` bytes when given) into ``digest``;
    returns ``digest``, which may go on (a resumed upload's md5 continues from its offset).

    >>> import hashlib, io
    >>> hash_stream(hashlib.md5(), io.BytesIO(b"abcdef"), 3).hexdigest() == hashlib.md5(b"abc").hexdigest()
    True
    """
    left = upto
    while left is None or left > 0:
        block = fh.read(_READ if left is None else min(_READ, left))
        if not block:
            break
        digest.update(block)
        if left is not None:
            left -= len(block)
    return digest
