"""Frames on the v2 API, and the frames of what only v2 has.

With a client made with ``api="v2"`` (or ``"auto"`` on a v2 backend), ``tasks_frame``,
``assignments_frame``, ``ground_truth_events_frame`` and ``models_frame`` read ``/v2/``
and give the same columns, dtypes and values as on v1 (records are brought to the v1
shapes: ``files_manifest`` -> ``files``, bulk ``data`` text -> object, ``neural_net_id`` ->
``plugin``; v2-only bookkeeping fields such as ``has_data``, ``schema``, ``pgh_*`` are left
out so that ``extra`` stays as on v1). The read is described in
:mod:`synapse_nb.frames.v2_read`; ``df.attrs["fetch_report"]["read"]`` says how it went.

Filters on v2: tasks ``project``; assignments ``project``, ``task``, ``user``,
``status_label``, ``status_review``, ``id__in``; ground-truth events
``ground_truth_dataset_versions`` (one id), ``project``; models ``project``,
``is_released``. Other v1 filters raise a TypeError that says so.

Frames of v2-only resources (always read from ``/v2/``, whatever ``api`` says):
``experiments_frame``, ``trains_frame``, ``reviews_frame``, ``ground_truths_frame``,
``members_frame`` (``name`` for each ``user``: what the browsers show for user ids).

>>> members_frame(client).loc[:, ["user", "name"]]            # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from synapse_nb.client.v2.flows import list_all_flow, page_flow

from .api import _DOCS, _async_frame_function, _frame_function
from .computed import _annotation_counts
from .fetch import is_async_client
from .schema import _C, _PRIMARY, GROUND_TRUTH_CATEGORY, PROJECT_ACCESS_LEVEL, RESOURCES, _resource
from .typed import Shape
from .v2_read import DEFAULT_PER_PAGE, AsyncV2Pages, V2Pages, V2Source

__all__ = [
    "SOURCES",
    "experiments_frame",
    "ground_truths_frame",
    "members_frame",
    "reviews_frame",
    "trains_frame",
    "experiments_frame_async",
    "ground_truths_frame_async",
    "members_frame_async",
    "reviews_frame_async",
    "trains_frame_async",
    "v2_pages",
]


# ---- v2 records in v1 shapes -----------------------------------------------------------
def _data_and_files(r: dict[str, Any]) -> dict[str, Any]:
    data = r.get("data")
    if isinstance(data, str):           # bulk payloads carry data as JSON text
        r["data"] = orjson.loads(data) if data else None
    if "files_manifest" in r:
        files = r.pop("files_manifest")
        r.setdefault("files", files)
    return r


def _drop(*names: str) -> Any:
    def normalize(r: dict[str, Any]) -> dict[str, Any]:
        for name in names:
            r.pop(name, None)
        return _data_and_files(r)
    return normalize


def _event(r: dict[str, Any]) -> dict[str, Any]:
    _drop("pgh_id", "pgh_obj_id", "pgh_label", "ground_truth_dataset_id", "data_size",
          "data_digest", "data_content_type")(r)
    r["data_unit"] = {"id": r.pop("data_unit_id", None),
                      "data_collection": r.pop("data_collection_id", None)}
    return r


def _model(r: dict[str, Any]) -> dict[str, Any]:
    r["plugin"] = r.pop("neural_net_id", None)
    r.pop("tenant_id", None)
    r.pop("dataset_id", None)   # the ground-truth dataset version, also sent by its own name
    return r


# ---- partitions --------------------------------------------------------------------------
def _task_partitions(client: Any, params: dict[str, Any]) -> Any:
    """Per project (listed first, unless filtered) and per ``has_data``."""
    if "project" in params:
        projects = [params["project"]]
    else:
        listed = yield from list_all_flow(client, "v2/projects/", {}, DEFAULT_PER_PAGE)
        projects = [p["id"] for p in listed]
    splits = [params.get("has_data")] if "has_data" in params else ["true", "false"]
    parts = [{**params, "project": p, "has_data": d} for p in projects for d in splits]
    return parts, f"{len(parts)} partitions ({len(projects)} projects x has_data)"


def _id_partitions(client: Any, params: dict[str, Any], path: str = "v2/assignments/",
                   most: int = 8) -> Any:
    """Equal ``id`` ranges between the first and the last id (``ordering=-id`` asks for the
    last); the last range is open so rows added meanwhile are read too."""
    if any(k.startswith("id") for k in params):
        return [params], "one cursor walk (id filters given)"
    first = yield from page_flow(client, path, params, None, 1)
    last = yield from page_flow(client, path, {**params, "ordering": "-id"}, None, 1)
    if not first.results or not last.results or last.results[0]["id"] <= first.results[0]["id"]:
        return [params], "one cursor walk"
    low, high = first.results[0]["id"], last.results[0]["id"]
    k = max(1, min(most, -(-(high - low + 1) // DEFAULT_PER_PAGE)))
    step = -(-(high - low + 1) // k)
    bounds = [low + i * step for i in range(k)]
    parts = [{**params, "id__gte": b, "id__lt": bounds[i + 1]} for i, b in enumerate(bounds[:-1])]
    parts.append({**params, "id__gte": bounds[-1]})
    return parts, f"{len(parts)} partitions (id ranges {low}..{high})"


def _event_partitions(client: Any, params: dict[str, Any]) -> Any:
    """One walk per ground-truth dataset version (datasets and versions listed first)."""
    if "ground_truth_dataset_version" in params:
        return [params], "one cursor walk (one version)"
    versions: list[int] = []
    datasets = yield from page_flow(client, "v2/ground-truth-datasets/", {}, None,
                                    DEFAULT_PER_PAGE)
    for dataset in datasets.results:
        page = yield from page_flow(client, f"v2/ground-truth-datasets/{dataset['id']}/versions/",
                                    {}, None, DEFAULT_PER_PAGE)
        versions += [v["id"] for v in page.results]
    if datasets.next or len(versions) < 2:
        return [params], "one cursor walk"
    parts = [{**params, "ground_truth_dataset_version": v} for v in versions]
    return parts, f"{len(parts)} partitions (dataset versions)"


SOURCES: dict[str, V2Source] = {
    "sdk/tasks/": V2Source("v2/tasks/", "v2/tasks/bulk-fetch/",
                           normalize=_drop("has_data", "schema", "workshop_id",
                                            "data_collection_id"),
                           partitions=_task_partitions, filters={"project": "project"},
                           typed=("tasks", Shape(dropped=("has_data", "schema", "workshop_id",
                                                          "data_collection_id"),
                                                 text_json=("data",),
                                                 renames=(("files_manifest", "files"),)))),
    "sdk/assignments/": V2Source(
        "v2/assignments/", "v2/assignments/bulk-fetch/", normalize=_drop("data_unit_id"),
        partitions=_id_partitions,
        filters={"project": "project", "task": "tasks", "user": "users", "id__in": "id__in",
                 "status_label": "status_label", "status_review": "status_review"},
        typed=("assignments", Shape(dropped=("data_unit_id",), text_json=("data",),
                                    renames=(("files_manifest", "files"),)))),
    "sdk/ground_truth_events/": V2Source(
        "v2/ground-truth-events/", "v2/ground-truth-events/bulk-data/", "pgh_ids",
        normalize=_event, partitions=_event_partitions,
        filters={"ground_truth_dataset_versions": "ground_truth_dataset_version",
                                   "project": "project"}),
    "models/": V2Source("v2/models/", normalize=_model,
                        filters={"project": "project", "is_released": "is_released"}),
    "v2/experiments/": V2Source("v2/experiments/", filters={"project": "project"}),
    "v2/trains/": V2Source("v2/trains/", filters={"experiment": "experiment"}),
    "v2/reviews/": V2Source("v2/reviews/", filters={"assignment": "assignment",
                                                    "scope": "scope"}),
    "v2/ground-truths/": V2Source(
        "v2/ground-truths/", "v2/ground-truths/bulk-data/", normalize=_data_and_files,
        filters={"ground_truth_dataset": "ground_truth_dataset", "category": "category",
                 "project": "project"}),
    "v2/members/": V2Source("v2/members/", filters={"role": "role"}),
}
#: accepted and not sent: v1 paging options that mean nothing on v2
_IGNORED = {"expand", "ordering", "page_size"}


def _v2_params(source: V2Source, params: Mapping[str, str]) -> dict[str, Any]:
    bad = sorted(k for k in params if k not in source.filters and k not in _IGNORED)
    if bad:
        raise TypeError(f"filter(s) {', '.join(bad)} not available on the v2 API for this frame "
                        f"(v2 filters: {', '.join(source.filters) or 'none'}); filter the frame, "
                        f"or use a client with api='v1'")
    return {source.filters[k]: v for k, v in params.items() if k in source.filters}


def v2_pages(client: Any, path: str, params: Mapping[str, str], page_size: int | None,
             concurrency: int | None, *, typed: bool = False) -> Any:
    """The v2 reader for a frame's list ``path``, or None when the client reads v1.

    (The hook in :func:`synapse_nb.frames.fetch._paginate`.) On an async client with
    ``api="auto"`` this is an awaitable of the pages (v2 or v1). ``typed``: the frame
    reads typed rows (:mod:`.typed`) where the source has them; else every row is a dict.
    """
    source = SOURCES.get(path)
    api = "v2" if path.startswith("v2/") else getattr(client, "api", "v1")
    if source is None or api == "v1":
        return None
    per_page = page_size or DEFAULT_PER_PAGE
    if is_async_client(client):
        async def resolve() -> Any:
            if api == "auto" and await client.resolve_api() != "v2":
                return await client.paginate(path, params, **({"page_size": page_size}
                                                               if page_size else {}))
            return AsyncV2Pages(client, source, _v2_params(source, params), per_page=per_page,
                                concurrency=concurrency, typed=typed)
        return resolve()
    if api == "auto" and client.resolve_api() != "v2":
        return None
    return V2Pages(client, source, _v2_params(source, params), per_page=per_page,
                   concurrency=concurrency, typed=typed)


# ---- the v2-only frames ------------------------------------------------------------------
_JOB_STATUS = ("pending", "running", "stopped", "succeeded", "failed")
V2_RESOURCES = {r.name: r for r in [
    _resource("experiments", "v2/experiments/", [
        _C("id", "id"), _C("name", "str"), _C("description", "str"),
        _C("project", "int", aliases=("project_id",)), _C("task", "int", aliases=("task_id",)),
        _C("access_level", "enum", categories=PROJECT_ACCESS_LEVEL), _C("is_archived", "bool"),
        _C("created", "ts"), _C("tenant", "int", aliases=("tenant_id",))], ("project",)),
    _resource("trains", "v2/trains/", [
        _C("id", "id"), _C("experiment", "int"), _C("name", "str"), _C("description", "str"),
        _C("job", "str", "job.id"), _C("job_status", "enum", "job.status",
                                       categories=_JOB_STATUS, lower=True),
        _C("job_action", "str", "job.action"), _C("completed", "ts", "job.completed"),
        _C("ground_truth_dataset_version", "int"), _C("neural_net", "int"),
        _C("checkpoint", "int"), _C("is_tune", "bool"), _C("created", "ts"),
        _C("tune_config", "json"), _C("best_trial", "json")], ("experiment",)),
    _resource("reviews", "v2/reviews/", [
        _C("id", "id"), _C("assignment", "int", aliases=("assignment_id",)),
        _C("user", "int", aliases=("user_id",)),
        _C("scope", "enum", categories=("project", "group", "assignment", "annotation")),
        _C("is_active", "bool"), _C("tags", "ints"), _C("object_id", "str"),
        _C("description", "str"), _C("created", "ts"), _C("position", "json")],
        ("assignment", "scope")),
    _resource("ground_truths", "v2/ground-truths/", [
        _C("id", "id"), _C("ground_truth_dataset", "int", aliases=("ground_truth_dataset_id",)),
        _C("project", "int", aliases=("project_id",)),
        _C("data_unit", "int", aliases=("data_unit_id",)),
        _C("category", "enum", categories=GROUND_TRUTH_CATEGORY), _C("classes", "strs"),
        _C("created", "ts"), *_PRIMARY,
        _C("annotation_count", "int", compute=_annotation_counts),
        _C("data", "json"), _C("files", "json")], ("ground_truth_dataset", "category", "project")),
    _resource("members", "v2/members/", [
        _C("id", "id"), _C("user", "int", aliases=("user_id",)), _C("name", "str"),
        _C("username", "str"), _C("email", "str"),
        _C("role", "enum", categories=("owner", "admin", "member", "guest")),
        _C("tenant", "int", aliases=("tenant_id",))], ("role",)),
]}
RESOURCES.update(V2_RESOURCES)


_DOCS.update({
    "experiments": ("ML experiments (``/v2/experiments/``) indexed by experiment id.",
                    "experiments_frame(client, project=1).name.tolist()"),
    "trains": ("Training runs (``/v2/trains/``) with their job's status, indexed by train id.",
               "trains_frame(client, experiment=1)[['name', 'job_status']]"),
    "reviews": ("Reviews (``/v2/reviews/``) indexed by review id; ``user`` is the reviewer.",
                "reviews_frame(client).groupby('user').size()"),
    "ground_truths": ("Ground truths (``/v2/ground-truths/``: the current labels of each data unit "
                      "of a dataset) indexed by ground-truth id, full payloads by bulk fetch.",
                      "ground_truths_frame(client, ground_truth_dataset=1).category.value_counts()"),
    "members": ("Members of the tenant (``/v2/members/``): ``name`` for each ``user`` id, what the "
                "browsers show for user ids.", "members_frame(client)[['user', 'name']]"),
})

experiments_frame = _frame_function("experiments")
trains_frame = _frame_function("trains")
reviews_frame = _frame_function("reviews")
ground_truths_frame = _frame_function("ground_truths")
members_frame = _frame_function("members")
experiments_frame_async = _async_frame_function("experiments")
trains_frame_async = _async_frame_function("trains")
reviews_frame_async = _async_frame_function("reviews")
ground_truths_frame_async = _async_frame_function("ground_truths")
members_frame_async = _async_frame_function("members")