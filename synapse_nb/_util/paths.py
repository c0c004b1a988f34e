"""Where caches live, and path parts that cannot collide (see :mod:`synapse_nb._util`)."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

__all__ = ["default_cache_dir", "path_key"]

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
