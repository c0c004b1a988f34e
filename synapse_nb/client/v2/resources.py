"""``client.v2.<resource>``: the SDK's v2 resource interface on either synapse_nb client.

Methods are those of ``BackendClientV2`` (``list``, ``retrieve``, ``bulk_fetch`` /
``bulk_data``, nested ``versions(ds)`` and ``.events(version)``) and return plain dicts;
on an :class:`~synapse_nb.client.AsyncSynapseClient` they are coroutines, and
``list(list_all=True)`` is an async iterator.

>>> client.v2.tasks.list(project=1, per_page=50).results[0]["id"]        # doctest: +SKIP
1
>>> for task in client.v2.tasks.list(project=1, list_all=True): ...       # doctest: +SKIP
>>> client.v2.tasks.bulk_fetch([1, 2, 3])                                 # doctest: +SKIP
>>> client.v2.members.names()                     # {user_id: name}   # doctest: +SKIP
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

from .flows import CursorWalk, bulk_flow, detail_path, member_names_flow, page_flow, retrieve_flow

__all__ = ["RESOURCE_PATHS", "V2", "Resource"]

#: attribute -> (path, bulk path or None, bulk body key)
RESOURCE_PATHS: dict[str, tuple[str, str | None, str]] = {
    "projects": ("v2/projects/", None, "ids"),
    "tasks": ("v2/tasks/", "v2/tasks/bulk-fetch/", "ids"),
    "assignments": ("v2/assignments/", "v2/assignments/bulk-fetch/", "ids"),
    "ground_truth_datasets": ("v2/ground-truth-datasets/", None, "ids"),
    "ground_truths": ("v2/ground-truths/", "v2/ground-truths/bulk-data/", "ids"),
    "ground_truth_events": ("v2/ground-truth-events/", "v2/ground-truth-events/bulk-data/",
                            "pgh_ids"),
    "models": ("v2/models/", None, "ids"),
    "experiments": ("v2/experiments/", None, "ids"),
    "trains": ("v2/trains/", None, "ids"),
    "reviews": ("v2/reviews/", None, "ids"),
    "pre_annotations": ("v2/pre-annotations/", None, "ids"),
    "exports": ("v2/exports/", None, "ids"),
    "data_collections": ("v2/data-collections/", None, "ids"),
    "data_units": ("v2/data-units/", None, "ids"),
    "members": ("v2/members/", None, "ids"),
}


class Resource:
    """One v2 list endpoint and its detail and bulk endpoints."""

    def __init__(self, client: Any, path: str, bulk_path: str | None = None,
                 bulk_key: str = "ids") -> None:
        self._client = client
        self.path = path
        self.bulk_path = bulk_path
        self.bulk_key = bulk_key
        self._async = inspect.iscoroutinefunction(client._run)

    def __repr__(self) -> str:
        return f"<v2 resource /{self.path}>"

    def list(self, *, cursor: str | None = None, per_page: int | None = None,
             list_all: bool = False, **filters: Any) -> Any:
        """One page (:class:`CursorPage`), or with ``list_all=True`` every item, page after
        page (an iterator; an async iterator on the async client).

        Filters are the endpoint's query parameters (``project=7``, ``id__gt=100``...).
        """
        if list_all:
            walk = self._awalk if self._async else self._walk
            return walk(filters, cursor, per_page)
        return self._client._run(page_flow(self._client, self.path, filters, cursor, per_page))

    def _walk(self, filters: dict[str, Any], cursor: str | None,
              per_page: int | None) -> Iterator[dict[str, Any]]:
        walk = CursorWalk(self._client, self.path, filters, cursor, per_page)
        while not walk.done:
            yield from self._client._run(walk.next_page()).results

    async def _awalk(self, filters: dict[str, Any], cursor: str | None,
                     per_page: int | None) -> AsyncIterator[dict[str, Any]]:
        walk = CursorWalk(self._client, self.path, filters, cursor, per_page)
        while not walk.done:
            for item in (await self._client._run(walk.next_page())).results:
                yield item

    def retrieve(self, pk: int | str) -> Any:
        """The full object ``pk`` (a dict). ``pk`` is an integer id (or its digits): anything
        else (``"1/../../admin"``) is a ValueError before any request is sent."""
        return self._client._run(retrieve_flow(self._client, detail_path(self.path, pk)))

    def bulk_fetch(self, ids: Sequence[int], **filters: Any) -> Any:
        """Full payloads of ``ids`` in their order (any number: calls of 200, concurrent)."""
        if self.bulk_path is None:
            raise AttributeError(f"/{self.path} has no bulk endpoint in v2; use retrieve()")
        return self._client._run(bulk_flow(self._client, self.bulk_path, list(ids),
                                           key=self.bulk_key, params=filters or None))

    #: the SDK's name for ground truths and ground-truth events
    bulk_data = bulk_fetch


class GroundTruthDatasets(Resource):
    """Datasets, with ``versions(dataset_id)`` (and ``.events(version_id)`` on that)."""

    def versions(self, dataset_id: int) -> Versions:
        return Versions(self._client, f"{detail_path(self.path, dataset_id, 'dataset_id')}versions/")


class Versions(Resource):
    def events(self, version_id: int) -> Resource:
        return Resource(self._client, f"{detail_path(self.path, version_id, 'version_id')}events/")


class Members(Resource):
    def names(self) -> Any:
        """``{user_id: name}`` for every member of the tenant (what browsers show for ids).

        >>> client.v2.members.names()[1]                     # doctest: +SKIP
        'Alice'
        """
        return self._client._run(member_names_flow(self._client, self.path))


class V2:
    """The v2 resources of a client: ``client.v2.tasks``, ``client.v2.members``, ...

    Built once per client (``client.v2``); the resources share the client's connection
    pool, retries and credentials (sent the v2 way: raw access token and tenant code).
    """

    def __init__(self, client: Any) -> None:
        self._client = client
        for name, (path, bulk, key) in RESOURCE_PATHS.items():
            cls = {"ground_truth_datasets": GroundTruthDatasets, "members": Members}.get(
                name, Resource)
            setattr(self, name, cls(client, path, bulk, key))

    projects: Resource
    tasks: Resource
    assignments: Resource
    ground_truth_datasets: GroundTruthDatasets
    ground_truths: Resource
    ground_truth_events: Resource
    models: Resource
    experiments: Resource
    trains: Resource
    reviews: Resource
    pre_annotations: Resource
    exports: Resource
    data_collections: Resource
    data_units: Resource
    members: Members

    def __repr__(self) -> str:
        return f"<v2 API of {self._client!r}>"
