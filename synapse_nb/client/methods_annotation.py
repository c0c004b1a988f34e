"""Projects, tasks, task tags and assignments (the SDK's Annotation and HITL mixins).

Parameter names and order are synapse-sdk 2026's (``task_id``, ``params``, ...); the 2025
names (``pk``) are accepted as keywords.

>>> task = client.get_task(4, params={"expand": "data_unit"})         # doctest: +SKIP
>>> rows, count = client.list_tasks({"project": 1}, list_all=True)    # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any, Mapping

from .declare import api
from .ops import Answer, Call, Gather
from .methods_common import Id, Methods, Params, Steps, first_page, list_flow, path_id, pick, tags_body

__all__ = ["AnnotationMethods"]

ListAnswer = dict[str, Any] | tuple[Any, int]


class AnnotationMethods(Methods):
    """Projects, tasks, task tags, assignments."""

    @api
    def get_project(self, project_id: Id | None = None, *, pk: Id | None = None) -> Steps[dict[str, Any]]:
        """``GET projects/{project_id}/``: the project (``data_collection``, ``configuration``, ...).

        >>> client.get_project(1)["id"]        # doctest: +SKIP
        1
        """
        pid = path_id(pick(project_id, pk, "project_id", "pk"), "project_id")
        return (yield Call("GET", f"projects/{pid}/"))  # type: ignore[no-any-return]

    @api
    def get_task(self, task_id: Id | None = None, params: Params = None, *,
                 pk: Id | None = None) -> Steps[dict[str, Any]]:
        """``GET tasks/{task_id}/``; ``params`` such as ``{"expand": ["data_unit", "assignment"]}``.

        A list value of ``expand`` is sent comma-joined (the backend also reads it repeated,
        as the SDK sends it).
        """
        tid = path_id(pick(task_id, pk, "task_id", "pk"), "task_id")
        return (yield Call("GET", f"tasks/{tid}/", params=params))  # type: ignore[no-any-return]

    @api
    def annotate_task_data(self, task_id: Id | None = None, data: Mapping[str, Any] | None = None,
                           schema: str | None = None, *, pk: Id | None = None) -> Steps[dict[str, Any]]:
        """``PUT tasks/{task_id}/annotate_task_data/`` (``?schema=`` when given); returns the task.

        >>> client.annotate_task_data(4, {"action": "submit", "data": {"annotations": []}})  # doctest: +SKIP
        """
        tid = path_id(pick(task_id, pk, "task_id", "pk"), "task_id")
        if data is None:
            raise TypeError("missing required argument: 'data'")
        return (yield Call("PUT", f"tasks/{tid}/annotate_task_data/", json=dict(data),  # type: ignore[no-any-return]
                           params={"schema": schema} if schema else None))

    @api
    def annotate_task_data_batch(self, items: list[dict[str, Any]], *,
                                 max_workers: int | None = None) -> Steps[dict[int, dict[str, Any]]]:
        """Many ``annotate_task_data`` calls at once: ``{task_id: {success, error, response}}``.

        One failing task does not stop the others (its ``error`` says why). ``max_workers``
        is accepted for the SDK; the client's ``max_concurrency`` bounds the requests.
        """
        for index, item in enumerate(items):
            if "task_id" not in item:
                raise KeyError(f"items[{index}] missing 'task_id'")
        calls = [Call("PUT", f"tasks/{path_id(item['task_id'], 'task_id')}/annotate_task_data/",
                      json=item.get("data"), params={"schema": item["schema"]} if item.get("schema") else None,
                      accept=tuple(range(400, 600))) for item in items]
        answers = yield Gather(list(calls))
        out: dict[int, dict[str, Any]] = {}
        for item, answer in zip(items, answers):
            if isinstance(answer, Answer):
                out[item["task_id"]] = {"success": False, "response": None,
                                        "error": f"{answer.status_code}: {answer.body}"}
            else:
                out[item["task_id"]] = {"success": True, "error": None, "response": answer}
        return out

    @api
    def list_tasks(self, params: Params = None, url_conversion: Mapping[str, Any] | None = None,
                   list_all: bool = False, page_size: int = 100,
                   *, throttle_seconds: float = 0.0, page_retries: int = 0, page_retry_backoff: float = 2.0,
                   page_failures: list[dict[str, Any]] | None = None) -> Steps[ListAnswer]:
        """``GET sdk/tasks/``: filters ``project``, ``status``, ``tags``, ``expand``, ...

        ``list_all=False``: the first page (DRF envelope); ``True``: ``(records, count)``,
        pages 2..N fetched concurrently (the SDK: one after another). Files stay URLs
        unless ``url_conversion`` asks for downloads (then on every page, concurrently).

        ``throttle_seconds``, ``page_retries``, ``page_retry_backoff`` and ``page_failures``
        (the SDK's walk options) are accepted: every page is retried by the client's policy,
        and a page that still fails raises (nothing is appended to ``page_failures``).

        >>> rows, count = client.list_tasks({"project": 1}, list_all=True)   # doctest: +SKIP
        """
        return (yield from list_flow(self, "sdk/tasks/", params, url_conversion, list_all, page_size))

    @api
    def list_tasks_data(self, params: Params = None, list_all: bool = False) -> Steps[ListAnswer]:
        """``GET sdk/tasks/data/``: tasks with only ``id`` and ``data``."""
        return (yield from list_flow(self, "sdk/tasks/data/", params, None, list_all))

    @api
    def list_tasks_files(self, params: Params = None, url_conversion: Mapping[str, Any] | None = None,
                         list_all: bool = False) -> Steps[ListAnswer]:
        """``GET sdk/tasks/files/``: tasks with ``id`` and their data unit's ``files`` (a list)."""
        return (yield from list_flow(self, "sdk/tasks/files/", params, url_conversion, list_all))

    @api
    def create_tasks(self, data: Mapping[str, Any] | list[Mapping[str, Any]]) -> Steps[Any]:
        """``POST tasks/``: ``{"project", "data": [{"data_unit"}]}`` (2026) or ``[{"project", "data_unit"}]`` (2025).

        Returns the server's answer: the created tasks.
        """
        body = [dict(d) for d in data] if isinstance(data, list) else dict(data)
        return (yield Call("POST", "tasks/", json=body))

    @api
    def set_tags_tasks(self, data: Mapping[str, Any], params: Params = None) -> Steps[dict[str, Any]]:
        """``POST tasks/set_tags/`` with ``{"ids": [...], "tags": [...], "action": "add"|"remove"}``.

        The seed docs' ``{"task_ids": [...], "tag_ids": [...]}`` is accepted too (action "add").
        """
        return (yield Call("POST", "tasks/set_tags/", json=tags_body(data, "task_ids"),  # type: ignore[no-any-return]
                           params=params))

    @api
    def get_task_tag(self, tag_id: Id | None = None, *, pk: Id | None = None) -> Steps[dict[str, Any]]:
        """``GET task_tags/{tag_id}/``: ``id``, ``name``, ``color``, ``project``, ..."""
        tid = path_id(pick(tag_id, pk, "tag_id", "pk"), "tag_id")
        return (yield Call("GET", f"task_tags/{tid}/"))  # type: ignore[no-any-return]

    @api
    def list_task_tags(self, params: Params = None) -> Steps[dict[str, Any]]:
        """``GET task_tags/`` (``project``, ``search``, ``color``): the first page."""
        return (yield from first_page(self, "task_tags/", params))

    # -- assignments (HITL) ------------------------------------------------------------
    @api
    def get_assignment(self, assignment_id: Id | None = None, *,
                       pk: Id | None = None) -> Steps[dict[str, Any]]:
        """``GET assignments/{assignment_id}/``."""
        aid = path_id(pick(assignment_id, pk, "assignment_id", "pk"), "assignment_id")
        return (yield Call("GET", f"assignments/{aid}/"))  # type: ignore[no-any-return]

    @api
    def list_assignments(self, params: Params = None, url_conversion: Mapping[str, Any] | None = None,
                         list_all: bool = False, page_size: int = 100,
                         *, throttle_seconds: float = 0.0, page_retries: int = 0, page_retry_backoff: float = 2.0,
                         page_failures: list[dict[str, Any]] | None = None) -> Steps[ListAnswer]:
        """``GET sdk/assignments/`` (``project``, ``task``, ``user``, ``status_label``, ...).

        The SDK's walk options are accepted, as on :meth:`list_tasks`."""
        return (yield from list_flow(self, "sdk/assignments/", params, url_conversion, list_all, page_size))

    @api
    def list_assignments_data(self, params: Params = None, list_all: bool = False) -> Steps[ListAnswer]:
        """``GET sdk/assignments/data/``: assignments with only ``id`` and ``data``."""
        return (yield from list_flow(self, "sdk/assignments/data/", params, None, list_all))

    @api
    def list_assignments_files(self, params: Params = None, url_conversion: Mapping[str, Any] | None = None,
                               list_all: bool = False) -> Steps[ListAnswer]:
        """``GET sdk/assignments/files/``: assignments with their task's unit ``files`` (a list)."""
        return (yield from list_flow(self, "sdk/assignments/files/", params, url_conversion, list_all))

    @api
    def set_tags_assignments(self, data: Mapping[str, Any], params: Params = None) -> Steps[dict[str, Any]]:
        """``POST assignments/set_tags/`` (works here, unlike in every 2025 SDK)."""
        return (yield Call("POST", "assignments/set_tags/",  # type: ignore[no-any-return]
                           json=tags_body(data, "assignment_ids"), params=params))
