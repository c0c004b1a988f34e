"""The one rule every list walk keeps: it proves it advanced before it asks again.

A walk asks for page after page until a page has no next link. A server that answers a
link the walk already followed (the same link again, or a cycle ``A -> B -> A``), or an
empty page that still links to a next one, would be asked forever: :class:`FollowedLinks`
refuses such a link with :class:`~synapse_nb.client.errors.PaginationStalledError`.

Its users: the v1 page walks (:class:`~synapse_nb.client.pagination.PagePlan`, links
keyed by their URL), the v2 cursor walk (:class:`~synapse_nb.client.v2.flows.CursorWalk`,
keyed by the cursor, so that one cursor in two spellings of its URL is one page) and the
partition reads of :mod:`synapse_nb.scale.read`.

>>> links = FollowedLinks("sdk/tasks/")
>>> links.follow("http://h/sdk/tasks/?page=2", empty=False, pages=1, rows=100)
'http://h/sdk/tasks/?page=2'
>>> links.follow(None, empty=False, pages=2, rows=150) is None   # the last page
True
>>> links.follow("http://h/sdk/tasks/?page=2", empty=False, pages=2, rows=200)
Traceback (most recent call last):
...
synapse_nb.client.errors.PaginationStalledError: Pagination Stalled: the list sdk/tasks/ ...
"""

from __future__ import annotations

from typing import Callable

from .errors import PaginationStalledError

__all__ = ["FollowedLinks"]


class FollowedLinks:
    """The next links a walk followed; :meth:`follow` lets through only one that advances.

    Parameters
    ----------
    resource : str
        The list's path, for the error's message (``list`` when empty).
    key : callable, optional
        What identifies a page in a link (default: the link itself; the v2 walk keys by
        cursor, whatever URL carries it).
    start : str, optional
        A link the walk starts at (counts as followed).
    """

    def __init__(self, resource: str, key: Callable[[str], str] | None = None,
                 start: str | None = None) -> None:
        self.resource = resource or "list"
        self._key = key
        self._followed: set[str] = set()
        if start:
            self._followed.add(key(start) if key else start)

    def follow(self, link: str | None, *, empty: bool, pages: int, rows: int) -> str | None:
        """``link``, the next link of a page just read, once following it is proved to
        advance the walk; None at the end (no link).

        ``empty``: that page had no rows; ``pages`` / ``rows``: read so far (for the
        message). A link already followed, or any link from an empty page, raises
        :class:`PaginationStalledError` (its cursor with URL signatures masked).
        """
        if not link:
            return None
        key = self._key(link) if self._key else link
        if empty or key in self._followed:
            raise PaginationStalledError(self.resource, link, pages=pages, rows=rows, empty=empty)
        self._followed.add(key)
        return link
