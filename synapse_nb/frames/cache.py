"""Opt-in on-disk cache of frames (Parquet), and what changed when a cached frame is refreshed.

One file per (host, tenant, frame kind, query parameters):
``<dir>/<host>/<tenant>/<kind>/<sha256 of the parameters>.parquet`` with a ``.json``
sidecar (parameters, time saved, the original fetch report). The tenant part is the
client's tenant code, or, when only an access token says who the tenant is, a short
one-way hash of that token (the token itself is never written anywhere). Every path part
is reduced to ``[A-Za-z0-9._-]`` and checked to stay inside the cache folder.

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
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .convert import table_to_frame
from .schema import Column

__all__ = ["FrameCache", "FrameChanges", "diff_frames", "default_cache_dir", "resolve_cache"]


def default_cache_dir() -> Path:
    """``$SYNAPSE_NB_CACHE_DIR/frames``, else ``~/.cache/synapse_nb/frames``."""
    root = os.environ.get("SYNAPSE_NB_CACHE_DIR")
    return (Path(root) if root else Path.home() / ".cache" / "synapse_nb") / "frames"


def _safe(part: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", part).strip("._")
    return cleaned[:80] or "_"


def _client_identity(client: Any) -> tuple[str, str]:
    """(host, tenant) of a client, for the cache path; no secret leaves this function."""
    host = str(getattr(client, "base_url", "") or "local")
    host = re.sub(r"^[a-z]+://", "", host).rstrip("/")
    tenant = getattr(client, "tenant", None) or getattr(client, "_tenant", None)
    if not tenant:
        # An access token alone identifies the tenant: key the cache by a one-way hash of
        # it, so two tenants' frames never share a file. SynapseClient keeps it in .config.
        holders = [client, getattr(client, "config", None)]
        names = ("access_token", "_access_token", "token", "_token", "authorization_token",
                 "agent_token")
        for holder, name in ((h, n) for h in holders if h is not None for n in names):
            secret = getattr(holder, name, None)
            if secret is not None and hasattr(secret, "get_secret_value"):
                secret = secret.get_secret_value()
            if isinstance(secret, str) and secret:
                tenant = "token-" + hashlib.sha256(secret.encode()).hexdigest()[:12]
                break
    return host, str(tenant or "default")


@dataclass
class FrameChanges:
    """Rows added, removed and modified between a cached frame and a fresh fetch."""

    added: list[Any]
    removed: list[Any]
    modified: list[Any]

    def as_dict(self, sample: int | None = None) -> dict[str, Any]:
        """Counts and ids (at most ``sample`` of each when given)."""
        cut = (lambda xs: xs[:sample]) if sample is not None else (lambda xs: xs)
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


class FrameCache:
    """Parquet files of frames under ``directory`` (see the module docstring)."""

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        self.directory = Path(directory) if directory is not None else default_cache_dir()

    def __repr__(self) -> str:
        return f"FrameCache({str(self.directory)!r})"

    def path_for(self, client: Any, kind: str, params: Mapping[str, str]) -> Path:
        """The Parquet path of one cached frame (created folders included)."""
        host, tenant = _client_identity(client)
        digest = hashlib.sha256(json.dumps(sorted(params.items())).encode()).hexdigest()[:24]
        root = self.directory.resolve()
        path = (root / _safe(host) / _safe(tenant) / _safe(kind) / f"{digest}.parquet").resolve()
        if root not in path.parents:  # defence in depth: _safe already keeps parts plain
            raise ValueError(f"cache path {path} would leave the cache folder {root}")
        return path

    def load(self, client: Any, kind: str, params: Mapping[str, str],
             columns: Sequence[Column], index: str | None) -> pd.DataFrame | None:
        """The cached frame with the declared dtypes, or None when there is none."""
        path = self.path_for(client, kind, params)
        if not path.exists():
            return None
        table = pq.read_table(path).replace_schema_metadata(None)
        if index is not None and index not in table.column_names:
            return None  # written by something else: treat as a miss
        df = table_to_frame(table, columns, index=index)
        side = path.with_suffix(".json")
        meta = json.loads(side.read_text()) if side.exists() else {}
        report = dict(meta.get("fetch_report") or {})
        report.update(source="cache", cache_path=str(path), cached_at=meta.get("saved_at"))
        df.attrs["fetch_report"] = report
        return df

    def save(self, client: Any, kind: str, params: Mapping[str, str], df: pd.DataFrame) -> Path:
        """Write ``df`` (atomically: temp file then rename) and its sidecar."""
        path = self.path_for(client, kind, params)
        path.parent.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pandas(df, preserve_index=df.index.name is not None)
        tmp = path.with_suffix(".parquet.tmp")
        pq.write_table(table, tmp)
        os.replace(tmp, path)
        meta = {"kind": kind, "params": dict(params), "saved_at": time.strftime(
            "%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "fetch_report": df.attrs.get("fetch_report")}
        path.with_suffix(".json").write_text(json.dumps(meta, default=str))
        return path

    def clear(self) -> int:
        """Delete every cached frame; returns how many files went."""
        n = 0
        for p in self.directory.rglob("*"):
            if p.is_file() and p.suffix in (".parquet", ".json", ".tmp"):
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
