"""Opt-in on-disk cache of frames (Parquet), and what changed when a cached frame is refreshed.

One file per (host, credential, frame kind, query parameters):
``<dir>/<host>/<credential>/<kind>/<sha256 of the parameters>.parquet`` with a ``.json``
sidecar (parameters, time saved, the original fetch report). ``<host>`` is the whole base
URL (scheme included) and ``<credential>`` the client's :attr:`credential_id`, a one-way
hash of host, tenant and tokens: a wrong or revoked token that claims ``tenant="acme"``
gets its own folder, never acme's cached rows. Path parts are made by
:func:`synapse_nb._util.path_key`, so two names that read alike never share a folder.

Files are written atomically (unique temporary name, then rename: a reader never sees half
a file, concurrent refreshes never collide), ``0600`` in ``0700`` folders. A cached file
that cannot be read (empty, corrupt, a torn sidecar) is a miss: the frame is fetched again
and the entry rewritten.

A cache is trusted only when it is the user's own, as ssh trusts ``~/.ssh``: the cache
folder, each folder below it on the way to an entry, and the entry's files must belong to
the user and be writable by no one else. Otherwise reading (or writing) the entry raises
``PermissionError`` naming the folder and what to do: another user could have put any rows
there, and a frame from it would look like the backend's answer.

Example:
    >>> import tempfile, pandas as pd
    >>> cache = FrameCache(tempfile.mkdtemp())
    >>> old = pd.DataFrame({"status": ["a", "b"]}, index=pd.Index([1, 2], name="id"))
    >>> new = pd.DataFrame({"status": ["a", "c"]}, index=pd.Index([1, 3], name="id"))
    >>> diff_frames(old, new).as_dict()["counts"]
    {'added': 1, 'removed': 1, 'modified': 0}
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence
from urllib.parse import urlsplit

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from synapse_nb._util import atomic_path, atomic_write, path_key
from synapse_nb._util import default_cache_dir as _root_cache_dir

from .convert import table_to_frame
from .schema import Column

__all__ = ["FrameCache", "FrameChanges", "diff_frames", "default_cache_dir", "resolve_cache"]


logger = logging.getLogger("synapse_nb.frames")


def default_cache_dir() -> Path:
    """``<synapse_nb cache>/frames``: ``$SYNAPSE_NB_CACHE_DIR/frames``, else the platform's
    user cache folder (``~/.cache/synapse_nb/frames`` on Linux)."""
    return _root_cache_dir() / "frames"


def _client_identity(client: Any) -> tuple[str, str]:
    """(host, credential) path parts of a client; reads only public, non-secret attributes.

    A synapse_nb client answers with its ``credential_id``; another object with ``paginate``
    is keyed by its base URL and tenant only.
    """
    host = str(getattr(client, "base_url", "") or "local").rstrip("/")
    netloc = urlsplit(host).netloc
    if "@" in netloc:  # a password in the URL's user info never becomes a folder name
        host = host.replace(netloc, netloc.rpartition("@")[2], 1)
    credential = getattr(client, "credential_id", None)
    if not isinstance(credential, str) or not credential:
        tenant = str(getattr(client, "tenant", None) or "")
        credential = "anon-" + hashlib.sha256(f"{host}|{tenant}".encode()).hexdigest()[:16]
    return path_key(host), path_key(credential)


@dataclass
class FrameChanges:
    """Rows added, removed and modified between a cached frame and a fresh fetch."""

    added: list[Any]
    removed: list[Any]
    modified: list[Any]

    def as_dict(self, sample: int | None = None) -> dict[str, Any]:
        """Counts and ids (at most ``sample`` of each when given)."""
        def cut(xs: list[Any]) -> list[Any]:
            return xs[:sample] if sample is not None else xs

        return {
            "counts": {"added": len(self.added), "removed": len(self.removed),
                       "modified": len(self.modified)},
            "added": cut(self.added), "removed": cut(self.removed), "modified": cut(self.modified),
        }

    def __repr__(self) -> str:
        return (f"FrameChanges(added={len(self.added)}, removed={len(self.removed)}, "
                f"modified={len(self.modified)})")


def _comparable(s: pd.Series) -> pd.Series:
    if isinstance(s.dtype, (pd.CategoricalDtype, pd.ArrowDtype)):
        return s.astype(object).map(lambda v: None if v is None or v is pd.NA
                                    or (isinstance(v, float) and v != v) else str(v))
    return s


def diff_frames(old: pd.DataFrame, new: pd.DataFrame) -> FrameChanges:
    """Compare two frames of the same kind by index: which ids came, went, or changed.

    A row is modified when any column present in both frames differs (nulls equal nulls).
    """
    added = new.index.difference(old.index)
    removed = old.index.difference(new.index)
    common = new.index.intersection(old.index)
    changed = pd.Series(False, index=common)
    for col in new.columns.intersection(old.columns):
        a = _comparable(old[col].loc[common])
        b = _comparable(new[col].loc[common])
        both_na = a.isna().to_numpy() & b.isna().to_numpy()
        equal = a.eq(b).astype("boolean").fillna(False).to_numpy(dtype=bool)
        changed |= ~(equal | both_na)
    return FrameChanges(added.tolist(), removed.tolist(), changed[changed].index.tolist())


def _check_private(root: Path, entry: Path) -> None:
    """Refuse a cache another user could have filled: ``root``, the folders from it to
    ``entry`` and the entry's files (those that exist) must be the user's own and writable
    by no one else (see the module docstring). No check where there are no uids (Windows)."""
    if not hasattr(os, "geteuid"):
        return
    me = os.geteuid()
    chain = [root, *reversed([p for p in entry.parents if root in p.parents])]
    for path in [*chain, entry.with_suffix(".json"), entry]:
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            continue  # made later, by us, private
        what = "frame cache folder" if path in chain else "cached frame"
        if st.st_uid != me:
            raise PermissionError(
                f"{what} {path} belongs to another user (uid {st.st_uid}, you are {me}): its rows "
                f"could be anyone's, so it is not read. Remove it, or pass cache= a folder of your own")
        if st.st_mode & 0o022:
            raise PermissionError(
                f"{what} {path} is writable by other users (mode {oct(st.st_mode & 0o777)}): its "
                f"rows could be anyone's, so it is not read. Run chmod go-w '{path}' (or remove it)")


class FrameCache:
    """Parquet files of frames under ``directory`` (see the module docstring)."""

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        self.directory = Path(directory) if directory is not None else default_cache_dir()

    def __repr__(self) -> str:
        return f"FrameCache({str(self.directory)!r})"

    def path_for(self, client: Any, kind: str, params: Mapping[str, str]) -> Path:
        """The Parquet path of one cached frame (created folders included)."""
        host, credential = _client_identity(client)
        digest = hashlib.sha256(json.dumps(sorted(params.items())).encode()).hexdigest()[:24]
        root = self.directory.resolve()
        path = (root / host / credential / path_key(kind) / f"{digest}.parquet").resolve()
        if root not in path.parents:  # defence in depth: path_key already keeps parts plain
            raise ValueError(f"cache path {path} would leave the cache folder {root}")
        _check_private(root, path)
        return path

    def load(self, client: Any, kind: str, params: Mapping[str, str],
             columns: Sequence[Column], index: str | None) -> pd.DataFrame | None:
        """The cached frame with the declared dtypes, or None when there is none.

        An entry that cannot be read (empty or corrupt Parquet, torn sidecar, another
        layout) is a miss: it is removed, with a warning, and the caller fetches again.
        """
        path = self.path_for(client, kind, params)
        if not path.exists():
            return None
        side = path.with_suffix(".json")
        try:
            table = pq.read_table(path).replace_schema_metadata(None)
            meta = json.loads(side.read_text(encoding="utf-8"))
            if not isinstance(meta, dict) or (index is not None and index not in table.column_names):
                raise ValueError("not a frame cache entry of this kind")
            df = table_to_frame(table, columns, index=index)
        except (OSError, ValueError, pa.ArrowException) as err:
            logger.warning("cached frame %s is unreadable (%s: %s); fetching it again",
                           path.name, type(err).__name__, str(err)[:200])
            self._drop(path)
            return None
        report = dict(meta.get("fetch_report") or {})
        report.update(source="cache", cache_path=str(path), cached_at=meta.get("saved_at"))
        df.attrs["fetch_report"] = report
        return df

    @staticmethod
    def _drop(path: Path) -> None:
        for p in (path, path.with_suffix(".json")):
            try:
                p.unlink()
            except OSError:
                pass

    def save(self, client: Any, kind: str, params: Mapping[str, str], df: pd.DataFrame) -> Path:
        """Write ``df`` and its sidecar, each atomically (unique temp file, then rename)."""
        path = self.path_for(client, kind, params)
        table = pa.Table.from_pandas(df, preserve_index=df.index.name is not None)
        meta = {"kind": kind, "params": dict(params), "saved_at": time.strftime(
            "%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "fetch_report": df.attrs.get("fetch_report")}
        # the sidecar first: a Parquet file that exists always has one
        atomic_write(path.with_suffix(".json"), json.dumps(meta, default=str))
        with atomic_path(path) as tmp:
            pq.write_table(table, tmp)
        return path

    def clear(self) -> int:
        """Delete every cached frame; returns how many files went."""
        n = 0
        for p in self.directory.rglob("*"):
            if p.is_file() and p.suffix in (".parquet", ".json", ".tmp", ".part"):
                p.unlink()
                n += 1
        return n


def resolve_cache(cache: bool | str | os.PathLike[str] | FrameCache | None) -> FrameCache | None:
    """``cache=`` argument of the frame functions -> a FrameCache or None (off)."""
    if cache is None or cache is False:
        return None
    if cache is True:
        return FrameCache()
    if isinstance(cache, FrameCache):
        return cache
    return FrameCache(cache)
