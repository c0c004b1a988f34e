"""Every backend method of ``synapse-sdk``'s ``BackendClient``, declared once as a flow.

Both clients inherit these: on :class:`SynapseClient` they are plain methods, on
:class:`AsyncSynapseClient` coroutines, typed for both (see :class:`~synapse_nb.client.declare.api`).
Names, parameter names and order are synapse-sdk 2026.2.17's; the 2025 line's names
(``pk``, ``token``, ``organized_file``, ``list_data_collection``, ...) work too. The
methods live by resource in ``methods_annotation``, ``methods_data``, ``methods_bulk``,
``methods_integration`` and ``methods_ml``; ``docs/sdk.md`` maps them to the endpoints.

>>> client.get_task(1, params={"expand": "data_unit"})               # doctest: +SKIP
>>> tasks, count = client.list_tasks({"project": 1}, list_all=True)  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from . import declare
from .declare import api
from .ops import Call, Download
from .methods_annotation import AnnotationMethods
from .methods_bulk import BulkMethods
from .methods_common import LIST_TIMEOUT, Params, Steps, convert_flow
from .methods_data import DataMethods
from .methods_integration import IntegrationMethods
from .methods_ml import MLMethods

__all__ = ["ApiMethods", "LIST_TIMEOUT", "convert_flow"]


class ApiMethods(AnnotationMethods, DataMethods, BulkMethods, IntegrationMethods, MLMethods):
    """All SDK methods (mixed into both clients), plus file helpers."""

    @api
    def exists(self, api: str, params: Params = None) -> Steps[bool]:
        """Whether the list method ``api`` finds anything: ``client.exists("list_tasks", {"project": 1})``."""
        method = getattr(type(self), api, None)
        if not isinstance(method, declare.api) or not api.startswith("list_"):
            raise ValueError(f"exists() takes the name of a list method such as 'list_tasks', not {api!r}")
        body = yield from method.flow(self, {**dict(params or {}), "page_size": 1})
        count = body.get("count") if isinstance(body, dict) else len(body)
        return bool(count)

    @api
    def download(self, url: str, dest_dir: str | Path | None = None, name: str | None = None) -> Steps[Path]:
        """Download a file URL into ``dest_dir`` (default: the cache); returns its Path.

        >>> client.download(task["files"]["image"]["url"], "images")   # doctest: +SKIP
        """
        return (yield Download(url, Path(dest_dir) if dest_dir else self.url_cache_dir(), name))  # type: ignore[no-any-return]

    @api
    def get_bytes(self, url: str) -> Steps[bytes]:
        """The bytes behind a file URL (signed URLs need no auth)."""
        return (yield Call("GET", url, headers={"Accept": "*/*"}, accept=(), idempotent=True, raw=True))  # type: ignore[no-any-return]

