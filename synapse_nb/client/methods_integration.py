"""Agents, plugins and releases, jobs, logs, serve applications, storages (the Integration mixin).

Plugins are named by id or by code (``run_plugin("yolov8", ...)``), releases by id or
``code@version``, jobs by id or UUID, as in the SDK.

>>> job = client.run_plugin("yolov8", {"agent": 1, "action": "train", "params": {}})  # doctest: +SKIP
>>> client.update_job(job["id"], {"status": "RUNNING"})                            # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator, Mapping

import httpx

from .declare import api
from .ops import Call
from .methods_common import Id, Methods, Params, Steps, file_part, first_page, list_flow, path_id, pick
from .sdk_models import Agent, Storage

__all__ = ["IntegrationMethods"]

_STREAM_TIMEOUT = httpx.Timeout(None, connect=5.0)


def _file_b64(value: Any) -> str:
    """A ``data:`` URI for a log's ``file`` (what the SDK's ``convert_file_to_base64`` sends)."""
    import base64
    import mimetypes
    path = Path(value)
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode()}"


class IntegrationMethods(Methods):
    """Agents, plugins, plugin releases, jobs, logs, serve applications, storages."""

    # -- agents ------------------------------------------------------------------------
    @api
    def list_agents(self, params: Params = None) -> Steps[list[Agent]]:
        """``GET agents/``: the first page's agents as :class:`~synapse_nb.client.sdk_models.Agent`."""
        body = yield from first_page(self, "agents/", params)
        agents = [Agent.of(item) for item in body.get("results", [])]
        for agent in agents:
            if not agent.get("token"):
                agent["token"] = agent.extract_token()
        return agents

    @api
    def health_check_agent(self, agent_token: str | None = None, *, token: str | None = None) -> Steps[dict[str, Any]]:
        """``POST agents/{agent_token}/connect/`` (the token is kept out of logs and errors)."""
        value = pick(agent_token, token, "agent_token", "token")
        self._secrets.add(value)
        return (yield Call("POST", f"agents/{path_id(value, 'agent_token', text=True, secret=True)}/connect/"))  # type: ignore[no-any-return]

    # -- plugins -----------------------------------------------------------------------
    @api
    def get_plugin(self, plugin_id: Id | None = None, *, pk: Id | None = None) -> Steps[dict[str, Any]]:
        """``GET plugins/{plugin_id}/`` (an id or the plugin's code)."""
        pid = path_id(pick(plugin_id, pk, "plugin_id", "pk"), "plugin_id", text=True)
        return (yield Call("GET", f"plugins/{pid}/"))  # type: ignore[no-any-return]

    @api
    def create_plugin(self, data: Mapping[str, Any]) -> Steps[dict[str, Any]]:
        """``POST plugins/`` (``name``; ``code`` is made from the name when left out)."""
        return (yield Call("POST", "plugins/", json=dict(data)))  # type: ignore[no-any-return]

    @api
    def update_plugin(self, plugin_id: Id | None = None, data: Mapping[str, Any] | None = None, *,
                      pk: Id | None = None) -> Steps[dict[str, Any]]:
        """``PUT plugins/{plugin_id}/``."""
        pid = path_id(pick(plugin_id, pk, "plugin_id", "pk"), "plugin_id", text=True)
        return (yield Call("PUT", f"plugins/{pid}/", json=dict(data or {})))  # type: ignore[no-any-return]

    @api
    def run_plugin(self, plugin: Id | None = None, data: Mapping[str, Any] | None = None, *,
                   pk: Id | None = None) -> Steps[dict[str, Any]]:
        """``POST plugins/{plugin}/run/`` with ``{agent, action, params, version?}``: the job."""
        pid = path_id(pick(plugin, pk, "plugin", "pk"), "plugin", text=True)
        return (yield Call("POST", f"plugins/{pid}/run/", json=dict(data or {})))  # type: ignore[no-any-return]

    @api
    def list_plugin_releases(self, plugin_code: str, params: Params = None) -> Steps[list[dict[str, Any]]]:
        """``GET plugin_releases/?plugin={plugin_code}``: the releases (a list, as the SDK)."""
        body = yield from first_page(self, "plugin_releases/", {"plugin": plugin_code, **(params or {})})
        return list(body.get("results", []))

    @api
    def get_plugin_release(self, release_id: Id | None = None, params: Params = None, *,
                           pk: Id | None = None) -> Steps[dict[str, Any]]:
        """``GET plugin_releases/{release_id}/`` (an id or ``code@version``)."""
        rid = path_id(pick(release_id, pk, "release_id", "pk"), "release_id", text=True)
        return (yield Call("GET", f"plugin_releases/{rid}/", params=params))  # type: ignore[no-any-return]

    @api
    def get_plugin_release_by_lookup(self, lookup: str, expand: str | None = "plugin",
                                     params: Params = None) -> Steps[dict[str, Any]]:
        """``GET plugin_releases/{code@version}/?expand=plugin`` (or a release id as text)."""
        query = {k: v for k, v in {"expand": expand, **(params or {})}.items() if v is not None}
        return (yield Call("GET", f"plugin_releases/{path_id(lookup, 'lookup', text=True)}/",  # type: ignore[no-any-return]
                           params=query or None))

    @api
    def create_plugin_release(self, data: Mapping[str, Any], file: str | Path | None = None) -> Steps[dict[str, Any]]:
        """``POST plugin_releases/``: multipart when there is a ``file`` (argument, or ``data["file"]``)."""
        payload = dict(data)
        file = file if file is not None else payload.pop("file", None)
        if file is None:
            return (yield Call("POST", "plugin_releases/", json=payload))  # type: ignore[no-any-return]
        return (yield Call("POST", "plugin_releases/", data=payload, files={"file": file_part(file)}))  # type: ignore[no-any-return]

    # -- jobs --------------------------------------------------------------------------
    @api
    def get_job(self, job_id: Id | None = None, params: Params = None, *,
                pk: Id | None = None) -> Steps[dict[str, Any]]:
        """``GET jobs/{job_id}/`` (an id or a UUID)."""
        jid = path_id(pick(job_id, pk, "job_id", "pk"), "job_id", text=True)
        return (yield Call("GET", f"jobs/{jid}/", params=params))  # type: ignore[no-any-return]

    @api
    def list_jobs(self, params: Params = None) -> Steps[dict[str, Any]]:
        """``GET jobs/`` (``status`` in either case, ``plugin``): the first page."""
        return (yield from first_page(self, "jobs/", params))

    @api
    def update_job(self, job_id: Id | None = None, data: Mapping[str, Any] | None = None, *,
                   pk: Id | None = None) -> Steps[dict[str, Any]]:
        """``PATCH jobs/{job_id}/``: ``status`` (``RUNNING`` or ``running``), ``progress_record``,
        ``metrics_record``, ``console_logs`` (appended), ``result``, ``meta``."""
        jid = path_id(pick(job_id, pk, "job_id", "pk"), "job_id", text=True)
        return (yield Call("PATCH", f"jobs/{jid}/", json=dict(data or {})))  # type: ignore[no-any-return]

    @api
    def list_job_console_logs(self, job_id: Id | None = None, *, pk: Id | None = None) -> Steps[dict[str, Any]]:
        """``GET jobs/{job_id}/console_logs/``."""
        jid = path_id(pick(job_id, pk, "job_id", "pk"), "job_id", text=True)
        return (yield Call("GET", f"jobs/{jid}/console_logs/"))  # type: ignore[no-any-return]

    @api
    def tail_job_console_logs(self, job_id: Id) -> Steps[Iterator[str]]:
        """``GET jobs/{job_id}/tail_console_logs/``: the stream's lines.

        The lines come once the server ends the stream (at once for a finished job).
        """
        jid = path_id(job_id, "job_id", text=True)
        raw = yield Call("GET", f"jobs/{jid}/tail_console_logs/", raw=True, timeout=_STREAM_TIMEOUT,
                         headers={"Accept": "text/event-stream"})
        return iter(bytes(raw).decode("utf-8", "replace").splitlines())

    # -- logs and serve applications -----------------------------------------------------
    @api
    def create_logs(self, data: Mapping[str, Any] | list[Mapping[str, Any]]) -> Steps[Any]:
        """``POST logs/``: one entry or a list; a ``file`` path is sent as a base64 ``data:`` URI."""
        items = [dict(d) for d in (data if isinstance(data, list) else [data])]
        for item in items:
            if item.get("file") and not str(item["file"]).startswith("data:"):
                item["file"] = _file_b64(item["file"])
        return (yield Call("POST", "logs/", json=items if len(items) > 1 else items[0]))

    @api
    def create_serve_application(self, data: Mapping[str, Any]) -> Steps[dict[str, Any]]:
        """``POST serve_applications/`` with ``{job, status?, data?}``."""
        return (yield Call("POST", "serve_applications/", json=dict(data)))  # type: ignore[no-any-return]

    @api
    def list_serve_applications(self, params: Params = None,
                                list_all: bool = False) -> Steps[dict[str, Any] | tuple[Any, int]]:
        """``GET serve_applications/``: the first page, or ``(records, count)``."""
        return (yield from list_flow(self, "serve_applications/", params, None, list_all))

    # -- storages ----------------------------------------------------------------------
    @api
    def get_storage(self, storage_id: Id | None = None, *, pk: Id | None = None) -> Steps[Storage]:
        """``GET storages/{storage_id}/?with_configuration=true`` as a :class:`Storage` (a dict too)."""
        sid = path_id(pick(storage_id, pk, "storage_id", "pk"), "storage_id")
        return Storage.of((yield Call("GET", f"storages/{sid}/", params={"with_configuration": "true"})))

    @api
    def list_storages(self, params: Params = None) -> Steps[dict[str, Any]]:
        """``GET storages/`` (``category``, ``provider``, ``is_default``): the first page (2025 line)."""
        return (yield from first_page(self, "storages/", params))

    @api
    def create_storage(self, data: Mapping[str, Any]) -> Steps[dict[str, Any]]:
        """``POST storages/`` (2025 line)."""
        return (yield Call("POST", "storages/", json=dict(data)))  # type: ignore[no-any-return]

    @api
    def get_default_storage(self) -> Steps[dict[str, Any]]:
        """The tenant's default internal storage (``storages/?category=internal``)."""
        body = yield from first_page(self, "storages/", {"category": "internal"})
        results = body if isinstance(body, list) else body.get("results", [])
        for storage in results:
            if storage.get("is_default"):
                return dict(storage)
        if results:
            return dict(results[0])
        raise ValueError("No default storage configured for tenant")
