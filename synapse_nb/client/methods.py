"""Every backend method of ``synapse-sdk``'s ``BackendClient``, declared once as a flow.

Both clients inherit these: on :class:`SynapseClient` they are plain methods, on
:class:`AsyncSynapseClient` coroutines. Names, positional arguments and return shapes
are the SDK's (section 4 of the backend contract).

>>> client.get_task(1, params={"expand": "data_unit"})               # doctest: +SKIP
>>> tasks, count = client.list_tasks({"project": 1}, list_all=True)  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Mapping

import httpx

from .base import Call, Download, Flow, Gather, ListAll, api
from .chunked import DEFAULT_CHUNK_SIZE, chunked_upload_flow
from ._redact import register_secret
from .files import UrlConversion

__all__ = ["ApiMethods"]

Params = Mapping[str, Any] | None
#: big list calls get a longer read timeout, as in the 2026 SDK
LIST_TIMEOUT = httpx.Timeout(60.0, connect=5.0)


def _get(path: str, *, with_params: bool = True, doc: str = "") -> api:
    def flow(self: Any, pk: Any, params: Params = None) -> Flow:
        return (yield Call("GET", path.format(pk=pk), params=params if with_params else None))
    flow.__doc__ = doc or f"``GET {path}``."
    return api(flow)


def _lister(path: str, doc: str) -> api:
    def flow(self: Any, params: Params = None, url_conversion: Mapping[str, Any] | None = None,
             list_all: bool = False, page_size: int = 100) -> Flow:
        if list_all:
            return (yield ListAll(path, params, page_size, url_conversion))
        query = dict(params or {})
        query.setdefault("page_size", page_size)
        body = yield Call("GET", path, params=query, timeout=LIST_TIMEOUT)
        conv = UrlConversion.parse(url_conversion)
        if conv is not None and isinstance(body, dict) and isinstance(body.get("results"), list):
            body = {**body, "results": (yield from convert_flow(self, body["results"], conv))}
        return body
    flow.__doc__ = (doc + f"\n\n``GET {path}``. ``list_all=False``: the first page (DRF envelope); "
                    "``list_all=True``: ``(iterator of records, count)``, pages fetched concurrently.\n\n"
                    ">>> page = client.{name}({'page_size': 10})                  # doctest: +SKIP\n"
                    ">>> records, count = client.{name}(list_all=True)            # doctest: +SKIP")
    return api(flow)


def _tags_body(data: Mapping[str, Any], ids_key: str) -> dict[str, Any]:
    """The contract's ``{ids, tags, action}`` from it or from the seed docs' key names."""
    body = dict(data)
    if ids_key in body and "ids" not in body:
        body["ids"] = body.pop(ids_key)
    if "tag_ids" in body and "tags" not in body:
        body["tags"] = body.pop("tag_ids")
    body.setdefault("action", "add")
    return body


def _file_part(file: Any) -> tuple[str, bytes]:
    """(name, bytes) from a path or an open binary file (the seed docs pass ``open(...)``)."""
    if hasattr(file, "read"):
        return Path(getattr(file, "name", "upload.bin")).name, file.read()
    path = Path(file)
    return path.name, path.read_bytes()


def convert_flow(client: Any, records: list[Any], conv: UrlConversion) -> Flow:
    """Download the URLs of ``records`` (concurrently) and return the converted records."""
    paths: dict[str, Any] = {}
    if conv.download:
        urls = conv.urls(records)
        if urls:
            folder = conv.folder or client.url_cache_dir()
            got = yield Gather([Download(u, folder) for u in urls])
            paths = dict(zip(urls, got))
    return conv.apply(records, paths)


class ApiMethods:
    """The section-4 methods (mixed into both clients)."""

    # -- projects and tasks ------------------------------------------------------------
    @api
    def get_project(self, pk: int) -> Flow:
        """``GET projects/{pk}/``: the project (``data_collection``, ``configuration``, ...)."""
        return (yield Call("GET", f"projects/{pk}/"))

    get_task = _get("tasks/{pk}/", doc="``GET tasks/{pk}/``; params such as ``{'expand': 'data_unit'}``.")

    @api
    def annotate_task_data(self, pk: int, data: Mapping[str, Any]) -> Flow:
        """``PUT tasks/{pk}/annotate_task_data/`` with ``{"action": "submit", "data": {...}}``."""
        return (yield Call("PUT", f"tasks/{pk}/annotate_task_data/", json=data))

    list_tasks = _lister("sdk/tasks/", "Tasks, filtered by ``project``, ``status``, ``tags``, ...")

    @api
    def create_tasks(self, data: Any) -> Flow:
        """``POST tasks/``: a list of ``{project, data_unit}`` (or the 2026 form); returns created tasks."""
        return (yield Call("POST", "tasks/", json=data))

    @api
    def set_tags_tasks(self, data: Mapping[str, Any], params: Params = None) -> Flow:
        """``POST tasks/set_tags/`` with ``{"ids": [...], "tags": [...], "action": "add"|"remove"}``.

        The seed docs' ``{"task_ids": [...], "tag_ids": [...]}`` is accepted too (action "add").
        """
        return (yield Call("POST", "tasks/set_tags/", json=_tags_body(data, "task_ids"), params=params))

    get_task_tag = _get("task_tags/{pk}/", with_params=False)
    list_task_tags = _lister("task_tags/", "Task tags (``project``, ``search``, ``color``).")

    # -- data ------------------------------------------------------------------------
    list_data_collection = _lister("data_collections/", "Data collections.")

    @api
    def get_data_collection(self, pk: int) -> Flow:
        """``GET data_collections/{pk}/?expand=file_specifications``."""
        return (yield Call("GET", f"data_collections/{pk}/", params={"expand": "file_specifications"}))

    @api
    def create_chunked_upload(self, path: str | Path, chunk_size: int = DEFAULT_CHUNK_SIZE,
                              on_progress: Callable[[int, int], Any] | None = None) -> Flow:
        """Upload a file in chunks (md5 as it reads, resumable); returns ``{id, file, checksum, size}``.

        >>> up = client.create_chunked_upload(Path("big.zip"), chunk_size=8 << 20)  # doctest: +SKIP
        >>> client.create_data_file(Path("big.zip"), chunked_upload=up["id"])       # doctest: +SKIP
        """
        return (yield from chunked_upload_flow(self, path, chunk_size, on_progress))

    @api
    def create_data_file(self, path: str | Path, use_chunked_upload: bool | None = None, *,
                         chunked_upload: int | None = None, chunk_size: int = DEFAULT_CHUNK_SIZE,
                         on_progress: Callable[[int, int], Any] | None = None) -> Flow:
        """``POST data_files/``: multipart, or through a chunked upload (forced, or above the threshold).

        Returns ``{id, checksum, size, file, created}``; an already stored checksum answers
        the existing data file.
        """
        path = Path(path)
        if chunked_upload is None:
            if use_chunked_upload is None:
                use_chunked_upload = path.stat().st_size > self.chunked_threshold
            if use_chunked_upload:
                up = yield from chunked_upload_flow(self, path, chunk_size, on_progress)
                chunked_upload = up["id"]
        if chunked_upload is not None:
            return (yield Call("POST", "data_files/",
                               json={"chunked_upload": chunked_upload, "meta": {"filename": path.name}}))
        with open(path, "rb") as fh:
            content = fh.read()
        out = yield Call("POST", "data_files/", files={"file": (path.name, content)})
        if on_progress is not None:
            on_progress(len(content), len(content))
        return out

    @api
    def data_files_verify_checksums(self, checksums: list[str]) -> Flow:
        """``POST data_files/verify_checksums/``: which checksums are already stored."""
        return (yield Call("POST", "data_files/verify_checksums/", json={"checksums": list(checksums)}))

    @api
    def upload_data_file(self, organized_file: Mapping[str, Any], collection_id: int,
                         use_chunked_upload: bool | None = None) -> Flow:
        """Upload each file of ``{"files": {spec: path}, "meta": {...}}``; returns the data-unit payload."""
        files: dict[str, Any] = {}
        for spec, value in dict(organized_file.get("files") or {}).items():
            paths = value if isinstance(value, list) else [value]
            stored = []
            for p in paths:
                out = yield from ApiMethods.create_data_file.flow(self, Path(p), use_chunked_upload)
                stored.append({"checksum": out["checksum"], "path": str(p)})
            files[spec] = stored if isinstance(value, list) else stored[0]
        return {"data_collection": collection_id, "files": files, "meta": dict(organized_file.get("meta") or {})}

    @api
    def create_data_units(self, data: Any) -> Flow:
        """``POST data_units/``: one payload or a list; returns a list of units."""
        out = yield Call("POST", "data_units/", json=data)
        return out if isinstance(out, list) else [out]

    get_data_unit = _get("data_units/{pk}/")
    list_data_units = _lister("data_units/", "Data units (``data_collection``, ``checksum``).")

    # -- assignments, ground truth, models ------------------------------------------
    get_assignment = _get("assignments/{pk}/")
    list_assignments = _lister("sdk/assignments/", "Assignments (``project``, ``status_label``, ...).")

    @api
    def set_tags_assignments(self, data: Mapping[str, Any], params: Params = None) -> Flow:
        """``POST assignments/set_tags/`` (works here, unlike in every 2025 SDK)."""
        return (yield Call("POST", "assignments/set_tags/", json=_tags_body(data, "assignment_ids"),
                           params=params))

    list_ground_truth_events = _lister("sdk/ground_truth_events/",
                                       "Ground-truth events (``ground_truth_dataset_versions``, ``expand=data``).")
    get_ground_truth_version = _get("ground_truth_dataset_versions/{pk}/", with_params=False)
    list_models = _lister("models/", "Models (``project``).")

    @api
    def get_model(self, pk: int, params: Params = None, url_conversion: Mapping[str, Any] | None = None) -> Flow:
        """``GET models/{pk}/``; ``url_conversion={'files_fields': ['file']}`` downloads the file."""
        body = yield Call("GET", f"models/{pk}/", params=params)
        conv = UrlConversion.parse(url_conversion)
        if conv is not None and isinstance(body, dict):
            body = (yield from convert_flow(self, [body], conv))[0]
        return body

    @api
    def create_model(self, data: Mapping[str, Any]) -> Flow:
        """Upload ``data['file']`` (chunked), then ``POST models/`` with ``chunked_upload``."""
        payload = dict(data)
        file = payload.pop("file", None)
        if file is not None:
            up = yield from chunked_upload_flow(self, Path(file), DEFAULT_CHUNK_SIZE, None)
            payload["chunked_upload"] = up["id"]
        return (yield Call("POST", "models/", json=payload))

    # -- pre-annotations (a reference-server addition, not in the SDK) -------------------
    list_pre_annotations = _lister("pre_annotations/",
                                   "Pre-annotations (``project``, ``task``, ``model``, ``data_unit``).")

    @api
    def create_pre_annotations(self, data: Any) -> Flow:
        """``POST pre_annotations/``: a list of up to 1000 ``{task, model, data}``; idempotent
        (an item whose key is stored is not written again). Returns ``{created, existing,
        results}``."""
        return (yield Call("POST", "pre_annotations/", json=list(data), idempotent=True))

    @api
    def pre_annotations_verify_keys(self, keys: list[str]) -> Flow:
        """``POST pre_annotations/verify_keys/``: which keys the server already holds."""
        return (yield Call("POST", "pre_annotations/verify_keys/", json={"keys": list(keys)},
                           idempotent=True))

    # -- agents, plugins, jobs, storages ----------------------------------------------
    @api
    def health_check_agent(self, token: str) -> Flow:
        """``POST agents/{token}/connect/`` (the token is kept out of logs and errors)."""
        register_secret(token)
        return (yield Call("POST", f"agents/{token}/connect/"))

    get_plugin = _get("plugins/{pk}/", with_params=False)

    @api
    def create_plugin(self, data: Mapping[str, Any]) -> Flow:
        """``POST plugins/``."""
        return (yield Call("POST", "plugins/", json=data))

    @api
    def update_plugin(self, pk: int, data: Mapping[str, Any]) -> Flow:
        """``PUT plugins/{pk}/``."""
        return (yield Call("PUT", f"plugins/{pk}/", json=data))

    @api
    def run_plugin(self, pk: int, data: Mapping[str, Any]) -> Flow:
        """``POST plugins/{pk}/run/`` with ``{agent, action, params, version?}``."""
        return (yield Call("POST", f"plugins/{pk}/run/", json=data))

    get_plugin_release = _get("plugin_releases/{pk}/", with_params=False)

    @api
    def create_plugin_release(self, data: Mapping[str, Any]) -> Flow:
        """``POST plugin_releases/`` (multipart when ``data['file']`` is a path)."""
        payload = dict(data)
        file = payload.pop("file", None)
        if file is None:
            return (yield Call("POST", "plugin_releases/", json=payload))
        return (yield Call("POST", "plugin_releases/", data=payload, files={"file": _file_part(file)}))

    list_jobs = _lister("jobs/", "Jobs (``status``: pending, running, stopped, succeeded, failed).")
    get_job = _get("jobs/{pk}/")

    @api
    def update_job(self, pk: int, data: Mapping[str, Any]) -> Flow:
        """``PATCH jobs/{pk}/``."""
        return (yield Call("PATCH", f"jobs/{pk}/", json=data))

    @api
    def list_job_console_logs(self, pk: int) -> Flow:
        """``GET jobs/{pk}/console_logs/``."""
        return (yield Call("GET", f"jobs/{pk}/console_logs/"))

    list_storages = _lister("storages/", "Storages.")

    @api
    def get_storage(self, pk: int) -> Flow:
        """``GET storages/{pk}/?with_configuration=true``."""
        return (yield Call("GET", f"storages/{pk}/", params={"with_configuration": "true"}))

    @api
    def create_storage(self, data: Mapping[str, Any]) -> Flow:
        """``POST storages/``."""
        return (yield Call("POST", "storages/", json=data))

    # -- files -----------------------------------------------------------------------
    @api
    def download(self, url: str, dest_dir: str | Path | None = None, name: str | None = None) -> Flow:
        """Download a file URL into ``dest_dir`` (default: the cache); returns its Path.

        >>> client.download(task["files"]["image"]["url"], "images")   # doctest: +SKIP
        """
        return (yield Download(url, Path(dest_dir) if dest_dir else self.url_cache_dir(), name))

    @api
    def get_bytes(self, url: str) -> Flow:
        """The bytes behind a file URL (signed URLs need no auth)."""
        return (yield Call("GET", url, headers={"Accept": "*/*"}, accept=(), idempotent=True, raw=True))
