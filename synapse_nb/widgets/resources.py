"""The resource browsers: tasks, assignments, ground-truth events and models.

Each is a :class:`~.browser.RecordBrowser` with the resource's frame function, columns,
filters and detail sections. ``TaskBrowser`` also tags and untags the selected tasks
through ``client.set_tags_tasks``.

Example:
    >>> import pandas as pd
    >>> df = pd.DataFrame({"status": pd.Categorical(["pending"], ["pending", "completed"]),
    ...                    "project": [1], "tags": [[]]}, index=pd.Index([5], name="id"))
    >>> TaskBrowser(df).filter_bar.choices["status"]
    [('pending', 'pending'), ('completed', 'completed')]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import pandas as pd

from .browser import RecordBrowser
from .overlay import colours_of_configuration

__all__ = ["AssignmentBrowser", "GroundTruthBrowser", "ModelBrowser", "TaskBrowser"]


class TaskBrowser(RecordBrowser):
    """Tasks: filter by status, project, label, tag; image with boxes; assignments; tagging.

    >>> # browser = TaskBrowser(client, project=1)     # loads tasks_frame(client, project=1)
    >>> # browser.tag(["reviewed"])                     # tag the selected tasks
    """

    resource = "tasks"
    record_path = "tasks/{id}/"
    default_columns = ("id", "status", "priority", "project", "assignee", "tags",
                       "annotation_count", "primary_file_name", "modified")
    filter_specs = (("status", "status"), ("project", "project"), ("label", "label"),
                    ("tags", "tag"))

    def _action_buttons(self) -> dict[str, Any]:
        n = len(self.table.selection)
        on = f" to {n:,} selected" if n else ""
        off = f" from {n:,} selected" if n else ""
        why = "" if n else "select rows first (checkboxes, or space on the focused row)"
        return {"input": {"cls": "snb-tag-input",
                          "placeholder": "tags (names or ids, comma-separated); t focuses"},
                "buttons": [
                    {"key": "tag_add", "label": f"Add tag{on}", "cls": "snb-tag-add",
                     "disabled": n == 0, "title": why},
                    {"key": "tag_remove", "label": f"Remove tag{off}", "cls": "snb-tag-remove",
                     "disabled": n == 0, "title": why},
                    self._reload_spec()]}

    def _on_action(self, key: str, text: str) -> None:
        if key in ("tag_add", "tag_remove"):
            self._tag_from_input(text, "add" if key == "tag_add" else "remove")
        else:
            super()._on_action(key, text)

    def _label_colors(self) -> dict[str, str]:
        """The project's configured label colours (one request, on a browser with a client)."""
        project = self._project()
        if self.client is None or project is None or not hasattr(self.client, "get_project"):
            return {}
        try:
            return colours_of_configuration(self.client.get_project(int(project)).get("configuration"))
        except Exception:  # the fixed palette then
            return {}

    def _project(self) -> Any:
        project = self.server_filters.get("project")
        if project is None and "project" in self.frame.columns:
            uniques = self.frame["project"].dropna().unique().tolist()
            project = uniques[0] if len(uniques) == 1 else None
        return project

    # -- tagging ------------------------------------------------------------------------

    def _tag_names(self) -> dict[str, int]:
        """Tag name -> id for the project in view (read once per client)."""
        return self.names.tag_ids_by_name(self._project())

    def resolve_tags(self, tags: Sequence[Any] | str) -> list[int]:
        """Tag ids from ids or names (``"3, reviewed"`` -> ``[3, 7]``)."""
        items = [t.strip() for t in tags.split(",")] if isinstance(tags, str) else list(tags)
        items = [t for t in items if t != "" and t is not None]
        if not items:
            raise ValueError("no tags given: type tag ids or names, comma-separated")
        ids: list[int] = []
        names: dict[str, int] | None = None
        for item in items:
            if isinstance(item, int) or (isinstance(item, str) and item.isdigit()):
                ids.append(int(item))
                continue
            if names is None:
                names = self._tag_names()
            if str(item) not in names:  # made since we read them? read once more
                self.names.forget()
                names = self._tag_names()
            if str(item) not in names:
                known = ", ".join(sorted(names)) or "none found"
                raise ValueError(f"unknown tag {item!r}; known tags: {known}")
            ids.append(names[str(item)])
        return ids

    def tag(self, tags: Sequence[Any] | str, action: str = "add",
            ids: Sequence[int] | None = None) -> dict[str, Any]:
        """Add (``action="add"``) or remove (``"remove"``) tags on the selected tasks (or
        ``ids``) through ``client.set_tags_tasks``; the rows then show the server's tags.

        Returns the server's answer. Raises ValueError for no selection or unknown tags,
        and the client's error if the server refuses; the selection is kept either way.
        """
        if action not in ("add", "remove"):
            raise ValueError(f"action must be 'add' or 'remove', got {action!r}")
        if self.client is None:
            raise ValueError("tagging needs a client: TaskBrowser(df, client=client)")
        task_ids = [int(i) for i in (ids if ids is not None else self.selected.index.tolist())]
        if not task_ids:
            raise ValueError("no tasks selected: tick some rows first (a click only looks)")
        tag_ids = self.resolve_tags(tags)
        answer: dict[str, Any] = self.client.set_tags_tasks(
            {"ids": task_ids, "tags": tag_ids, "action": action})
        self._refresh_tags(task_ids, tag_ids, action)
        return answer

    def _refresh_tags(self, task_ids: list[int], tag_ids: list[int], action: str) -> None:
        """Show the tagged tasks as the server now has them (the whole rows re-read: tags
        and ``modified`` change together), else the tags as applied."""
        frame = self.frame
        if "tags" not in frame.columns:
            return
        try:
            from synapse_nb import frames

            parts = [frames.tasks_frame(self.client, id__in=task_ids[i:i + 200], progress=False)
                     for i in range(0, len(task_ids), 200)]  # keep each query string short
            fresh = pd.concat(parts)
            fresh = fresh[fresh.index.isin(frame.index)]
            if not set(frame.columns) <= set(fresh.columns):
                raise KeyError("the frame has columns the server's rows do not")
            updated = pd.concat([frame[~frame.index.isin(fresh.index)],
                                 fresh[frame.columns]]).reindex(frame.index)
        except Exception:  # the re-read failed, or a frame of another shape: apply locally
            updated = frame.assign(tags=_tags_applied(frame["tags"], task_ids, tag_ids, action))
        self._replace_frame(updated, keep_ids=self.selected.index.tolist())

    def _tag_from_input(self, text: str, action: str) -> None:
        count = len(self.table.selection)
        try:
            self.tag(text, action)
        except Exception as err:  # shown to the user; nothing is lost
            self._set_status(f"Tagging failed: {err}", error=True)
            return
        verb, where = ("Added", "to") if action == "add" else ("Removed", "from")
        self._set_status(f"{verb} {text.strip()!r} {where} {count:,} selected task(s).")


def _tags_applied(column: pd.Series, task_ids: list[int], tag_ids: list[int],
                  action: str) -> pd.Series:
    """``column`` (task tags) with ``tag_ids`` added to or removed from ``task_ids``."""
    column = column.copy()
    positions: list[int] = []
    values: list[list[Any]] = []
    for found, value in zip(column.index.get_indexer(pd.Index(task_ids)), column.reindex(task_ids)):
        position = int(found)
        if position < 0:
            continue
        current = list(value) if value is not None and hasattr(value, "__iter__") else []
        if action == "add":
            current += [t for t in tag_ids if t not in current]
        else:
            current = [t for t in current if t not in tag_ids]
        positions.append(position)
        values.append(current)
    if isinstance(column.dtype, pd.ArrowDtype):
        column.iloc[positions] = pd.array(values, dtype=column.dtype)  # type: ignore[call-overload]
        return column
    column = column.astype(object)
    for position, value in zip(positions, values):
        column.iat[position] = value  # type: ignore[assignment]
    return column


class AssignmentBrowser(RecordBrowser):
    """Assignments: filter by label/review status, project, label; image with shapes."""

    resource = "assignments"
    record_path = "assignments/{id}/"
    default_columns = ("id", "task", "user", "reviewer", "status_label", "status_review",
                       "is_confirmed", "modified")
    filter_specs = (("status_label", "label status"), ("status_review", "review"),
                    ("project", "project"), ("label", "label"))
    tag_names = False  # assignment tags are not task tags


class GroundTruthBrowser(RecordBrowser):
    """Ground-truth events: filter by version, category, label; image with shapes."""

    resource = "ground_truth_events"
    record_path = "ground_truth_events/{id}/"
    default_columns = ("id", "ground_truth_dataset_version", "category", "data_unit",
                       "classes", "annotation_count", "primary_file_name")
    filter_specs = (("ground_truth_dataset_version", "version"), ("category", "category"),
                    ("project", "project"), ("label", "label"))
    default_server_filters: ClassVar[dict[str, Any]] = {"expand": "data"}


class ModelBrowser(RecordBrowser):
    """Models: filter by project, category, released; metrics across versions with a plot."""

    resource = "models"
    record_path = "models/{id}/"
    default_columns = ("id", "name", "version", "category", "project", "is_released", "created")
    filter_specs = (("project", "project"), ("category", "category"), ("name", "name"),
                    ("is_released", "released"), ("label", "label"))
    default_server_filters: ClassVar[dict[str, Any]] = {"expand": "metrics"}
