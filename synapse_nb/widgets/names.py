"""Names for the ids in a frame (users, reviewers, assignees, tags), read once per client.

The frames keep ids; the browsers show names. A :class:`NameResolver` belongs to one client
(``NameResolver.for_client(client)`` gives the same one back every time, so every browser
over that client shares what was read) and reads lazily, on first use:

- users from the v2 API's workspace members, ``client.v2.members.list(list_all=True)``,
  keyed by ``user_id``; the name is the first of ``name``, ``display_name``, ``full_name``,
  ``username``, ``email`` a member carries (the published member shape has ids and a role
  only, so a server that sends no name leaves the id showing). A client without ``v2``, or
  a failed read, gives no names: the ids are shown, nothing breaks.
- tags from the v1 task tags (``task_tags_frame``), all projects at once.

Example:
    >>> r = NameResolver(None)
    >>> r.users(), r.format_user(7)
    ({}, 7)
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd

from ._html import is_missing

__all__ = ["TAG_COLUMNS", "USER_COLUMNS", "NameResolver"]

log = logging.getLogger(__name__)
USER_COLUMNS = ("user", "reviewer", "assignee", "annotator", "created_by", "updated_by")
TAG_COLUMNS = ("tags",)
NAME_FIELDS = ("name", "display_name", "full_name", "username", "email")
_BY_CLIENT: weakref.WeakKeyDictionary[Any, NameResolver] = weakref.WeakKeyDictionary()


def _field(item: Any, name: str) -> Any:
    if isinstance(item, dict):
        return item.get(name)
    return getattr(item, name, None)


def _records(answer: Any) -> list[Any]:
    """A list of records from a list, a page dict (``results``) or any iterable."""
    if isinstance(answer, dict):
        answer = answer.get("results") or answer.get("data") or []
    return list(answer or [])


def _member_name(member: Any) -> str | None:
    for source in (member, _field(member, "user")):
        if source is None:
            continue
        for name in NAME_FIELDS:
            value = _field(source, name)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return None


class NameResolver:
    """Id -> name maps for one client, read once (see the module docstring)."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self._users: dict[int, str] | None = None
        self._tags: dict[int, tuple[str, Any]] | None = None

    @classmethod
    def for_client(cls, client: Any) -> NameResolver:
        """The resolver of ``client`` (made on first call, then the same one)."""
        if client is None:
            return cls(None)
        try:
            resolver = _BY_CLIENT.get(client)
            if resolver is None:
                resolver = _BY_CLIENT[client] = cls(client)
            return resolver
        except TypeError:  # a client that cannot be weakly referenced: no sharing
            return cls(client)

    # -- reading ------------------------------------------------------------------------

    def users(self) -> dict[int, str]:
        """user id -> name, from the v2 members ({} without v2 or names)."""
        if self._users is None:
            self._users = {}
            members = getattr(getattr(self.client, "v2", None), "members", None)
            if members is not None and hasattr(members, "list"):
                try:
                    for member in _records(members.list(list_all=True)):
                        user_id, name = _field(member, "user_id"), _member_name(member)
                        if user_id is not None and name:
                            self._users[int(user_id)] = name
                except Exception:  # ids are shown instead; the browser still works
                    log.debug("could not read the members", exc_info=True)
        return self._users

    def tags(self) -> dict[int, tuple[str, Any]]:
        """tag id -> (name, project), from the v1 task tags ({} when unreadable)."""
        if self._tags is None:
            self._tags = {}
            if self.client is not None and hasattr(self.client, "paginate"):
                try:
                    from synapse_nb import frames

                    tags = frames.task_tags_frame(self.client, progress=False)
                    projects = tags["project"] if "project" in tags.columns else [None] * len(tags)
                    self._tags = {int(i): (str(n), p) for i, n, p in
                                  zip(tags.index, tags["name"], projects) if n is not None}
                except Exception:
                    log.debug("could not read the task tags", exc_info=True)
        return self._tags

    def forget(self) -> None:
        """Read again on next use (after tags or members changed on the server)."""
        self._users = self._tags = None

    def tag_ids_by_name(self, project: Any = None) -> dict[str, int]:
        """tag name -> id, for ``project`` when given."""
        return {name: i for i, (name, p) in self.tags().items()
                if project is None or p is None or pd.isna(p) or int(p) == int(project)}

    # -- formatting ---------------------------------------------------------------------

    def format_user(self, value: Any) -> Any:
        if is_missing(value):
            return value
        try:
            return self.users().get(int(value), value)
        except (TypeError, ValueError):
            return value

    def format_tags(self, value: Any) -> Any:
        if value is None or isinstance(value, str) or not hasattr(value, "__iter__"):
            return value
        names = self.tags()
        return [names[int(t)][0] if int(t) in names else str(t) for t in value]

    def formatters(self, columns: Iterable[str], *, tags: bool = True
                   ) -> dict[str, Callable[[Any], Any]]:
        """column -> cell formatter, for the id columns of ``columns`` that have names
        (``tags=False``: a ``tags`` column that does not hold task tags)."""
        out: dict[str, Callable[[Any], Any]] = {}
        columns = list(columns)
        if any(c in USER_COLUMNS for c in columns) and self.users():
            out.update({c: self.format_user for c in columns if c in USER_COLUMNS})
        if tags and any(c in TAG_COLUMNS for c in columns) and self.tags():
            out.update({c: self.format_tags for c in columns if c in TAG_COLUMNS})
        return out

    def value_names(self, frame: pd.DataFrame, *, tags: bool = True) -> dict[str, dict[Any, str]]:
        """column -> {id: "name (id)"} for the filter dropdowns."""
        out: dict[str, dict[Any, str]] = {}
        if any(c in USER_COLUMNS for c in frame.columns) and self.users():
            users = {i: f"{n} ({i})" for i, n in self.users().items()}
            out.update({c: users for c in frame.columns if c in USER_COLUMNS})
        if tags and "tags" in frame.columns and self.tags():
            out["tags"] = {i: f"{n} ({i})" for i, (n, _p) in self.tags().items()}
        return out
