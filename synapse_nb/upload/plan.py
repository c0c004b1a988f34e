"""plan_upload: what an upload would create, without uploading anything."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from .discovery import FileSpec, discover_files, specs_from_collection
from .errors import UploadError
from .metadata import MetadataSheet, find_metadata_sheet, load_metadata, meta_problem

__all__ = ["PlannedUnit", "UploadPlan", "plan_upload", "make_plan", "CHUNKED_THRESHOLD", "MAX_FILE_SIZE"]

#: Files at or above this size go through the chunked upload (as the SDK: 50 MB).
CHUNKED_THRESHOLD = 50 * 1024 * 1024
#: Files above this size are refused before any byte is sent.
MAX_FILE_SIZE = 10 * 1024**3

PLAN_COLUMNS = ["key", "status", "files", "n_files", "size", "chunked", "meta", "missing", "reason"]


@dataclass
class PlannedUnit:
    """A data unit the upload would create (``status='ready'``) or skip, and why.

    ``error``: the unit cannot be sent as it is (its metadata has ``inf``, ``nan``);
    the plan shows it skipped, the upload reports it failed, both with the reason.
    """

    key: str
    stem: str
    files: dict[str, Path]
    sizes: dict[str, int] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    reason: str | None = None
    error: str | None = None

    @property
    def ready(self) -> bool:
        return self.reason is None and self.error is None


@dataclass
class UploadPlan:
    """Everything :func:`upload_folder` needs, decided before any network write."""

    root: Path
    collection: dict[str, Any]
    specs: list[FileSpec]
    units: list[PlannedUnit]
    skipped_files: list[tuple[str, str]]  # (relative path, reason)
    metadata: MetadataSheet | None
    chunked_threshold: int
    unmatched_metadata: list[str] = field(default_factory=list)

    @property
    def data_collection(self) -> int:
        return int(self.collection["id"])

    def rel(self, path: Path) -> str:
        """Path relative to the upload root, POSIX style (journal and report keys)."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def to_frame(self) -> pd.DataFrame:
        """One row per would-be data unit, then one per skipped file."""
        rows = []
        for u in self.units:
            rows.append(
                {
                    "key": u.key,
                    "status": "ready" if u.ready else "skipped",
                    "files": {s: self.rel(p) for s, p in u.files.items()},
                    "n_files": len(u.files),
                    "size": sum(u.sizes.values()),
                    "chunked": any(v >= self.chunked_threshold for v in u.sizes.values()),
                    "meta": u.meta,
                    "missing": u.missing,
                    "reason": u.error or u.reason,
                }
            )
        for rel, reason in self.skipped_files:
            rows.append({"key": rel, "status": "skipped", "files": {}, "n_files": 0, "size": 0,
                         "chunked": False, "meta": {}, "missing": [], "reason": reason})
        df = pd.DataFrame(rows, columns=PLAN_COLUMNS)
        df = df.astype({"n_files": "int64", "size": "int64", "chunked": "bool"})
        df.attrs["data_collection"] = self.data_collection
        df.attrs["folder"] = str(self.root)
        df.attrs["ready"] = int((df["status"] == "ready").sum())
        df.attrs["metadata"] = self.metadata.source if self.metadata else None
        df.attrs["unmatched_metadata"] = list(self.unmatched_metadata)
        df.attrs["warnings"] = list(self.metadata.warnings) if self.metadata else []
        return df


def check_sync_client(client: Any) -> None:
    """Refuse an async client with a message that says what to pass instead."""
    from ..frames.fetch import is_async_client  # the one sync/async check

    if is_async_client(client):
        raise UploadError(
            "the upload helpers drive a sync client on a thread pool; pass a SynapseClient "
            "(not an AsyncSynapseClient), e.g. SynapseClient(base_url, access_token=...)"
        )


def _collection(client: Any, data_collection: int | Mapping[str, Any]) -> dict[str, Any]:
    pk: Any = data_collection
    if isinstance(data_collection, Mapping):
        coll = dict(data_collection)
        if "file_specifications" in coll and "id" in coll:
            return coll
        pk = coll["id"]
    try:
        return dict(client.get_data_collection(int(pk)))
    except Exception as err:
        if getattr(err, "status_code", None) == 404:
            raise UploadError(
                f"data collection {pk} was not found for this tenant; "
                "check the id (client.list_data_collection() lists yours)"
            ) from err
        raise


def _sheet(metadata: Any, root: Path) -> MetadataSheet | None:
    if metadata is False:
        return None
    if metadata is None:
        found = find_metadata_sheet(root)
        return load_metadata(found) if found else None
    if isinstance(metadata, MetadataSheet):
        return metadata
    return load_metadata(metadata)


def make_plan(
    client: Any,
    data_collection: int | Mapping[str, Any],
    path: str | os.PathLike[str],
    recursive: bool = True,
    metadata: Any = None,
    *,
    chunked_threshold: int = CHUNKED_THRESHOLD,
    max_file_size: int = MAX_FILE_SIZE,
) -> UploadPlan:
    """Build the :class:`UploadPlan` behind :func:`plan_upload` and :func:`upload_folder`."""
    check_sync_client(client)
    collection = _collection(client, data_collection)
    specs = specs_from_collection(collection)
    root = Path(path).expanduser()
    found = discover_files(root, specs, recursive=recursive)  # raises FolderError
    sheet = _sheet(metadata, root)
    primary = next((s.name for s in specs if s.is_primary), None)
    used_rows: set[str] = set()
    units: list[PlannedUnit] = []
    for g in found.groups:
        u = PlannedUnit(key=g.key, stem=g.stem, files=dict(g.files), missing=list(g.missing))
        problems = []
        for spec, p in g.files.items():
            try:
                size = p.stat().st_size
            except OSError as err:
                problems.append(f"cannot read {p.name}: {err.strerror or err}")
                continue
            u.sizes[spec] = size
            if size > max_file_size:
                problems.append(f"{p.name} is {size:,} bytes, over the limit of {max_file_size:,}")
            elif not os.access(p, os.R_OK):
                problems.append(f"cannot read {p.name}: permission denied")
        if g.missing:
            problems.insert(0, f"missing required spec(s): {', '.join(g.missing)}")
        if not g.files:
            problems.append("no files")
        u.reason = "; ".join(problems) or None
        main = g.files.get(primary) if primary else None
        main = main or next(iter(g.files.values()), None)
        if sheet is not None:
            names = [p.name for p in g.files.values()]
            meta = sheet.lookup(g.stem, names)
            if meta is None and g.key != g.stem:
                meta = sheet.lookup(g.key, names)
            if meta is not None:
                u.meta.update(meta)
                used_rows.update(n for n in [g.stem, g.key, *names] if n in sheet.rows)
                used_rows.update(n for n in sheet.rows if Path(n).stem == g.stem)
        if main is not None:
            u.meta.setdefault("origin_file_stem", main.stem)
            u.meta.setdefault("origin_file_extension", main.suffix)
        u.error = meta_problem(u.meta)
        units.append(u)
    skipped = []
    for s in found.skipped:
        try:
            rel = s.path.relative_to(root).as_posix()
        except ValueError:
            rel = s.path.as_posix()
        skipped.append((rel, s.reason))
    unmatched = sorted(n for n in sheet.rows if n not in used_rows) if sheet is not None else []
    if not units and not skipped:
        raise UploadError(f"no files found under the spec folders of {str(root)!r}")
    return UploadPlan(root=root, collection=collection, specs=specs, units=units, skipped_files=skipped,
                      metadata=sheet, chunked_threshold=chunked_threshold, unmatched_metadata=unmatched)


def plan_upload(
    client: Any,
    data_collection: int | Mapping[str, Any],
    path: str | os.PathLike[str],
    recursive: bool = True,
    metadata: Any = None,
    *,
    chunked_threshold: int = CHUNKED_THRESHOLD,
    max_file_size: int = MAX_FILE_SIZE,
) -> pd.DataFrame:
    """Return a frame of the data units an upload would create, without uploading.

    Columns: ``key``, ``status`` (``ready`` / ``skipped``), ``files`` (spec ->
    relative path), ``n_files``, ``size``, ``chunked``, ``meta``, ``missing``
    (required specs without a file), ``reason`` (why skipped). Skipped files
    (system files, wrong extension, older duplicates) follow as their own rows.
    ``metadata``: a path (.xlsx/.csv), a DataFrame, ``None`` to use ``meta.xlsx``
    / ``meta.csv`` found in the folder, or ``False`` for none.

    Example::

        plan = plan_upload(client, 12, "~/datasets/batch-7")
        plan[plan.status == "skipped"][["key", "reason"]]
    """
    return make_plan(client, data_collection, path, recursive, metadata,
                     chunked_threshold=chunked_threshold, max_file_size=max_file_size).to_frame()
