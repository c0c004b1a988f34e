"""Where caches live, path parts that cannot collide, and the one safe join
(see :mod:`synapse_nb._util`)."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any

__all__ = ["default_cache_dir", "path_key", "safe_join", "unsafe_part", "UnsafePathError",
           "backend_identity"]

ENV_CACHE_DIR = "SYNAPSE_NB_CACHE_DIR"


def default_cache_dir() -> Path:
    """``$SYNAPSE_NB_CACHE_DIR``, else the platform's user cache folder for synapse_nb.

    (``~/.cache/synapse_nb`` on Linux, ``~/Library/Caches/synapse_nb`` on macOS.)

    >>> default_cache_dir().is_absolute()
    True
    """
    root = os.environ.get(ENV_CACHE_DIR)
    if root:
        return Path(root).expanduser()
    import platformdirs  # noqa: PLC0415 (a core dependency; imported where used)

    return Path(platformdirs.user_cache_dir("synapse_nb", appauthor=False))


def path_key(text: str) -> str:
    """A folder name for ``text``: readable, plain, and unique to the exact text.

    The readable part keeps ``[A-Za-z0-9.-]``; a hash of the whole text follows, so two
    texts that read alike (``team a``, ``team/a``; ``http://h`` and ``https://h``) never
    share a folder.

    >>> path_key("https://api.synapse.sh")
    'https_api.synapse.sh-1e6b081583'
    >>> path_key("team a") == path_key("team_a")
    False
    """
    readable = re.sub(r"[^A-Za-z0-9.-]+", "_", text).strip("._")[:60] or "_"
    return f"{readable}-{hashlib.sha256(text.encode()).hexdigest()[:10]}"


class UnsafePathError(ValueError):
    """A path built from outside data (a server's name, a file's entry) would leave its root."""


_DRIVE = re.compile(r"^[A-Za-z]:")


def unsafe_part(part: str) -> str | None:
    """Why ``part`` cannot be one plain name inside a folder (None: it can).

    The rules of tarfile's ``data`` filter and pip's wheel installer, for one path part:
    not empty, not ``.`` or ``..``, no separator (``/`` or ``\\``), no drive (``C:``), no
    NUL or other control character.

    >>> unsafe_part("train"), unsafe_part("../.."), unsafe_part("..")
    (None, 'contains a path separator', "is '..'")
    """
    if not isinstance(part, str) or not part:
        return "is empty"
    if part in (".", ".."):
        return f"is {part!r}"
    if "/" in part or "\\" in part:
        return "contains a path separator"
    if _DRIVE.match(part):
        return "starts with a drive letter"
    if any(ord(c) < 32 or ord(c) == 127 for c in part):
        return "contains a NUL or another control character"
    return None


def safe_join(root: str | os.PathLike[str], *parts: str) -> Path:
    """``root / part / ...``, refusing anything that could land outside ``root``.

    Every path built from data that crosses in from a server or a file (a split name, a
    file name, a label file) goes through here. Each part may hold ``/``-separated
    segments (``"images/train/a.png"``); every segment must pass :func:`unsafe_part`
    (so no absolute path, ``..``, drive letter or NUL), and the joined path, with every
    symlink on the way resolved, must still be inside ``root``: a symlinked parent that
    points elsewhere is refused too. Returns ``root`` joined with the segments (not
    resolved). Raises :class:`UnsafePathError` saying which part and why.

    >>> safe_join("/data/out", "images/train", "a.png").as_posix()
    '/data/out/images/train/a.png'
    >>> safe_join("/data/out", "images", "../../etc/passwd")
    Traceback (most recent call last):
    ...
    synapse_nb._util.paths.UnsafePathError: refusing the path part '../../etc/passwd' under /data/out: '..' is '..' (it could lead outside)
    """
    base = Path(root)
    segments: list[str] = []
    for part in parts:
        if not isinstance(part, str):
            raise UnsafePathError(f"refusing the path part {part!r} under {base}: not a string")
        pieces = part.split("/")
        for piece in pieces:
            reason = unsafe_part(piece)
            if reason is not None:
                raise UnsafePathError(f"refusing the path part {part!r} under {base}: "
                                      f"{piece!r} {reason} (it could lead outside)")
        segments += pieces
    target = base.joinpath(*segments)
    real_root = base.resolve()
    if not target.resolve().is_relative_to(real_root):  # a symlink on the way leads out
        raise UnsafePathError(f"refusing {'/'.join(segments)!r}: through a symlink it leads to "
                              f"{target.resolve()}, outside {real_root}")
    return target


def backend_identity(client: Any) -> str:
    """Whose files a local journal keeps: the client's base URL and tenant
    (``ClientConfig.identity``), never a credential. The upload and edit journals key
    their files by it.

    >>> class C: base_url = "http://h"
    >>> backend_identity(C())
    'http://h|'
    """
    config = getattr(client, "config", None)
    if config is not None and callable(getattr(config, "identity", None)):
        return str(config.identity())
    return f"{getattr(client, 'base_url', '')}|{getattr(client, 'tenant', None) or ''}"
