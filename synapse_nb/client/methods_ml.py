"""Models and ground truth (the SDK's ML mixin).

>>> model = client.get_model(1, params={"expand": "metrics"})                            # doctest: +SKIP
>>> events, n = client.list_ground_truth_events({"ground_truth_dataset_versions": 1}, list_all=True)  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from .declare import api
from .ops import Call
from .chunked import DEFAULT_CHUNK_SIZE, chunked_upload_flow
from .methods_common import Id, Methods, Params, Steps, convert_flow, first_page, list_flow, path_id, pick
from .files import UrlConversion

__all__ = ["MLMethods"]

ListAnswer = dict[str, Any] | tuple[Any, int]


class MLMethods(Methods):
    """Models, ground-truth events, ground truths, ground-truth dataset versions."""

    @api
    def list_models(self, params: Params = None) -> Steps[dict[str, Any]]:
        """``GET models/`` (``project``): the first page."""
        return (yield from first_page(self, "models/", params))

    @api
    def get_model(self, model_id: Id | None = None, params: Params = None,
                  url_conversion: Mapping[str, Any] | None = None, *, pk: Id | None = None) -> Steps[dict[str, Any]]:
        """``GET models/{model_id}/``; ``url_conversion={'files_fields': ['file']}`` downloads the file."""
        mid = path_id(pick(model_id, pk, "model_id", "pk"), "model_id")
        body = yield Call("GET", f"models/{mid}/", params=params)
        conv = UrlConversion.parse(url_conversion)
        if conv is not None and isinstance(body, dict):
            body = (yield from convert_flow(self, [body], conv))[0]
        return body  # type: ignore[no-any-return]

    @api
    def create_model(self, data: Mapping[str, Any], file: str | Path | None = None) -> Steps[dict[str, Any]]:
        """Upload ``file`` (or ``data["file"]``) in chunks, then ``POST models/`` with ``chunked_upload``.

        ``plugin`` may be the plugin's id or code.
        """
        payload = dict(data)
        file = file if file is not None else payload.pop("file", None)
        if file is not None:
            src = Path(file)
            if not src.exists():
                raise FileNotFoundError(f"Model file not found: {src}")
            up = yield from chunked_upload_flow(self, src, DEFAULT_CHUNK_SIZE, None)
            payload["chunked_upload"] = up["id"]
        return (yield Call("POST", "models/", json=payload))  # type: ignore[no-any-return]

    @api
    def list_ground_truth_events(self, params: Params = None, url_conversion: Mapping[str, Any] | None = None,
                                 list_all: bool = False, page_size: int = 100,
                                 *, throttle_seconds: float = 0.0, page_retries: int = 0, page_retry_backoff: float = 2.0,
                                 page_failures: list[dict[str, Any]] | None = None) -> Steps[ListAnswer]:
        """``GET sdk/ground_truth_events/`` (``ground_truth_dataset_versions``, ``expand=data``).

        The SDK's walk options are accepted, as on :meth:`list_tasks`."""
        return (yield from list_flow(self, "sdk/ground_truth_events/", params, url_conversion, list_all, page_size))

    @api
    def list_ground_truth_events_data(self, params: Params = None, list_all: bool = False,
                                      page_size: int = 100) -> Steps[ListAnswer]:
        """``GET sdk/ground_truth_events/data/``: events with only ``id`` and ``data``."""
        return (yield from list_flow(self, "sdk/ground_truth_events/data/", params, None, list_all, page_size))

    @api
    def list_ground_truth_events_files(self, params: Params = None, url_conversion: Mapping[str, Any] | None = None,
                                       list_all: bool = False, page_size: int = 100) -> Steps[ListAnswer]:
        """``GET sdk/ground_truth_events/files/``: events with their unit's ``files`` (a list)."""
        return (yield from list_flow(self, "sdk/ground_truth_events/files/", params, url_conversion, list_all,
                                     page_size))

    @api
    def list_ground_truths(self, params: Params = None, url_conversion: Mapping[str, Any] | None = None,
                           list_all: bool = False, page_size: int = 100, timeout: int = 60) -> Steps[ListAnswer]:
        """``GET ground_truths/`` (``ground_truth_dataset``, ``ground_truth_dataset_versions``)."""
        return (yield from list_flow(self, "ground_truths/", params, url_conversion, list_all, page_size))

    @api
    def get_ground_truth_version(self, version_id: Id | None = None, *, pk: Id | None = None) -> Steps[dict[str, Any]]:
        """``GET ground_truth_dataset_versions/{version_id}/``."""
        vid = path_id(pick(version_id, pk, "version_id", "pk"), "version_id")
        return (yield Call("GET", f"ground_truth_dataset_versions/{vid}/"))  # type: ignore[no-any-return]

    @api
    def list_ground_truth_versions(self, params: Params = None) -> Steps[dict[str, Any]]:
        """``GET ground_truth_dataset_versions/`` (``ground_truth_dataset``, ``is_archived``)."""
        return (yield from first_page(self, "ground_truth_dataset_versions/", params))

    # -- pre-annotations: a reference-server addition (synapse_nb.ml.upload_predictions) ----
    @api
    def list_pre_annotations(self, params: Params = None, list_all: bool = False,
                             page_size: int = 100) -> Steps[ListAnswer]:
        """``GET pre_annotations/`` (``project``, ``task``, ``model``, ``data_unit``)."""
        return (yield from list_flow(self, "pre_annotations/", params, None, list_all, page_size))

    @api
    def create_pre_annotations(self, data: Any) -> Steps[dict[str, Any]]:
        """``POST pre_annotations/``: up to 1000 ``{task, model, data}``, all or nothing;
        idempotent (an item whose key is stored is not written again). Returns ``{created,
        existing, results}``."""
        return (yield Call("POST", "pre_annotations/", json=list(data), idempotent=True))  # type: ignore[no-any-return]

    @api
    def pre_annotations_verify_keys(self, keys: list[str]) -> Steps[dict[str, Any]]:
        """``POST pre_annotations/verify_keys/``: ``{existing, missing}`` among ``keys``."""
        return (yield Call("POST", "pre_annotations/verify_keys/",  # type: ignore[no-any-return]
                           json={"keys": list(keys)}, idempotent=True))
