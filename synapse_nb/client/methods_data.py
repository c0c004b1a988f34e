"""Data collections, data files, data units, chunked uploads (the SDK's DataCollection and Core mixins).

>>> up = client.create_chunked_upload("big.zip", chunk_size=8 << 20)      # doctest: +SKIP
>>> client.upload_data_collection(1, [{"files": {"image": "a.jpg"}}], project_id=1)  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Mapping

from .declare import api
from .ops import Call
from .chunked import DEFAULT_CHUNK_SIZE, chunked_upload_flow
from .methods_common import (LIST_TIMEOUT, Id, Methods, Params, Steps, first_page, list_flow, path_id,
                             pick)
from .sdk_models import UnitList

__all__ = ["DataMethods"]

Progress = Callable[[int, int], Any] | None
PathLike = str | Path


def _timeout(read_timeout: int | None) -> Any:
    import httpx
    return None if read_timeout is None else httpx.Timeout(float(read_timeout), connect=5.0)


def _units(body: Any) -> UnitList:
    """Created units from either answer shape: a list, ``{"results": [...]}`` or one unit."""
    if isinstance(body, dict):
        body = body["results"] if isinstance(body.get("results"), list) else [body]
    return UnitList(body or [])


class DataMethods(Methods):
    """Collections, files, units, chunked upload."""

    @api
    def list_data_collections(self, params: Params = None) -> Steps[dict[str, Any]]:
        """``GET data_collections/``: the first page."""
        return (yield from first_page(self, "data_collections/", params))

    @api
    def list_data_collection(self, params: Params = None) -> Steps[dict[str, Any]]:
        """The 2025 name of :meth:`list_data_collections`."""
        return (yield from first_page(self, "data_collections/", params))

    @api
    def get_data_collection(self, collection_id: Id | None = None, *, data_collection_id: Id | None = None,
                            pk: Id | None = None) -> Steps[dict[str, Any]]:
        """``GET data_collections/{collection_id}/?expand=file_specifications``."""
        cid = path_id(pick(collection_id, data_collection_id if data_collection_id is not None else pk,
                           "collection_id", "data_collection_id"), "collection_id")
        return (yield Call("GET", f"data_collections/{cid}/",  # type: ignore[no-any-return]
                           params={"expand": "file_specifications"}))

    @api
    def create_chunked_upload(self, file_path: PathLike | None = None, chunk_size: int = DEFAULT_CHUNK_SIZE,
                              on_progress: Progress = None, read_timeout: int | None = None, *,
                              path: PathLike | None = None) -> Steps[dict[str, Any]]:
        """Upload a file in chunks (md5 as it reads, resumable); returns ``{id, file, checksum, size}``.

        Richer than the SDK: a re-run (even after a killed process) continues at the
        server's offset. ``read_timeout`` is accepted for the SDK (the client's timeout applies).

        >>> up = client.create_chunked_upload("big.zip", chunk_size=8 << 20)  # doctest: +SKIP
        """
        src = Path(pick(file_path, path, "file_path", "path"))  # type: ignore[arg-type]
        if not src.exists():
            raise FileNotFoundError(f"File not found: {src}")
        return (yield from chunked_upload_flow(self, src, chunk_size, on_progress))  # type: ignore[no-any-return]

    @api
    def get_chunked_upload(self, upload_id: Id) -> Steps[dict[str, Any]]:
        """``GET chunked_upload/{upload_id}/``: ``offset``, ``completed_at``, ..."""
        return (yield Call("GET", f"chunked_upload/{path_id(upload_id, 'upload_id', text=True)}/"))  # type: ignore[no-any-return]

    @api
    def create_data_file(self, file_path: PathLike | None = None, use_chunked_upload: bool | None = None,
                         read_timeout: int | None = None, *, path: PathLike | None = None,
                         chunked_upload: Id | None = None, chunk_size: int = DEFAULT_CHUNK_SIZE,
                         on_progress: Progress = None) -> Steps[dict[str, Any]]:
        """``POST data_files/``: multipart, or through a chunked upload (forced, or above the threshold).

        Returns ``{id, checksum, size, file, created}``; an already stored checksum answers
        the existing data file. ``chunked_upload=`` uses an upload already finished.
        """
        src = Path(pick(file_path, path, "file_path", "path"))  # type: ignore[arg-type]
        if chunked_upload is None:
            if not src.exists():
                raise FileNotFoundError(f"File not found: {src}")
            if use_chunked_upload is None:
                use_chunked_upload = src.stat().st_size > self.chunked_threshold
            if use_chunked_upload:
                up = yield from chunked_upload_flow(self, src, chunk_size, on_progress)
                chunked_upload = up["id"]
        if chunked_upload is not None:
            return (yield Call("POST", "data_files/", timeout=_timeout(read_timeout),  # type: ignore[no-any-return]
                               json={"chunked_upload": chunked_upload, "meta": {"filename": src.name}}))
        content = src.read_bytes()
        out = yield Call("POST", "data_files/", files={"file": (src.name, content)}, timeout=_timeout(read_timeout))
        if on_progress is not None:
            on_progress(len(content), len(content))
        return out  # type: ignore[no-any-return]

    @api
    def verify_data_files_checksums(self, checksums: list[str]) -> Steps[dict[str, Any]]:
        """``POST data_files/verify_checksums/``: ``{"existing": [...], "missing": [...]}``."""
        return (yield Call("POST", "data_files/verify_checksums/", json={"checksums": list(checksums)}))  # type: ignore[no-any-return]

    @api
    def data_files_verify_checksums(self, checksums: list[str]) -> Steps[dict[str, Any]]:
        """The 2025 name of :meth:`verify_data_files_checksums`."""
        return (yield from DataMethods.verify_data_files_checksums.flow(self, checksums))

    @api
    def upload_data_file(self, data: Mapping[str, Any] | None = None, collection_id: Id | None = None,
                         use_chunked_upload: bool | None = None, read_timeout: int | None = None, *,
                         organized_file: Mapping[str, Any] | None = None) -> Steps[dict[str, Any]]:
        """Upload each file of ``{"files": {spec: path}, "meta": {...}}``; returns the data-unit payload.

        The payload, ``{"files": {spec: {"checksum", "path"}}, "data_collection", "meta"}``
        (``groups`` kept when given), goes to :meth:`create_data_units`.
        """
        item = pick(data, organized_file, "data", "organized_file")
        cid = int(path_id(pick(collection_id, None, "collection_id", "collection_id"), "collection_id"))
        files: dict[str, Any] = {}
        for spec, value in dict(item.get("files") or {}).items():
            paths = value if isinstance(value, list) else [value]
            stored = []
            for p in paths:
                out = yield from DataMethods.create_data_file.flow(self, Path(p), use_chunked_upload, read_timeout)
                stored.append({"checksum": out["checksum"], "path": str(p)})
            files[spec] = stored if isinstance(value, list) else stored[0]
        payload: dict[str, Any] = {"files": files, "data_collection": cid, "meta": dict(item.get("meta") or {})}
        groups = item.get("groups")
        if groups:
            payload["groups"] = [groups] if isinstance(groups, str) else list(groups)
        return payload

    @api
    def create_data_units(self, data: Mapping[str, Any] | list[Mapping[str, Any]] | None = None, *,
                          uploaded_files: Mapping[str, Any] | list[Mapping[str, Any]] | None = None
                          ) -> Steps[UnitList]:
        """``POST data_units/``: one payload or a list; returns the created units.

        The answer is a list (as the 2025 line returns) that also reads as the 2026
        ``{"results": [...]}`` (``units["results"]``, ``units.get("results")``).
        """
        items = data if data is not None else uploaded_files
        if items is None:
            raise TypeError("missing required argument: 'data'")
        body = [dict(d) for d in items] if isinstance(items, list) else dict(items)
        return _units((yield Call("POST", "data_units/", json=body)))

    @api
    def get_data_unit(self, unit_id: Id | None = None, params: Params = None, *,
                      pk: Id | None = None) -> Steps[dict[str, Any]]:
        """``GET data_units/{unit_id}/``."""
        uid = path_id(pick(unit_id, pk, "unit_id", "pk"), "unit_id")
        return (yield Call("GET", f"data_units/{uid}/", params=params))  # type: ignore[no-any-return]

    @api
    def list_data_units(self, params: Params = None, url_conversion: Mapping[str, Any] | None = None,
                        list_all: bool = False, page_size: int = 100,
                        timeout: int = 60) -> Steps[dict[str, Any] | tuple[Any, int]]:
        """``GET data_units/`` (``data_collection``, ``checksum``, ``id__in``); files stay URLs by default."""
        return (yield from list_flow(self, "data_units/", params, url_conversion, list_all, page_size,
                                     _timeout(timeout) or LIST_TIMEOUT))

    @api
    def upload_data_collection(self, collection_id: Id, data: list[Mapping[str, Any]], *,
                               project_id: Id | None = None, batch_size: int = 1000, max_workers: int = 10,
                               on_progress: Progress = None) -> Steps[UnitList]:
        """Upload every item's files, create the data units in batches, then tasks for ``project_id``.

        Richer than the SDK (which returns None): returns the created units.
        ``max_workers`` is accepted for the SDK; uploads go one file at a time here
        (``synapse_nb.upload.upload_folder`` is the concurrent, journaled way).
        """
        cid = int(path_id(collection_id, "collection_id"))
        payloads = []
        for done, item in enumerate(data, 1):
            payloads.append((yield from DataMethods.upload_data_file.flow(self, item, cid)))
            if on_progress is not None:
                on_progress(done, len(data))
        created = UnitList()
        for start in range(0, len(payloads), max(1, batch_size)):
            units = _units((yield Call("POST", "data_units/", json=payloads[start:start + batch_size])))
            created.extend(units)
            if project_id is not None and units:
                pid = int(path_id(project_id, "project_id"))
                yield Call("POST", "tasks/", json={"project": pid, "data": [{"data_unit": u["id"]} for u in units]})
        return created
