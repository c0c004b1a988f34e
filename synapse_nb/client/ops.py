"""The operations a flow yields, and what an accepted error answer looks like (no I/O).

A client method is a generator (a *flow*) that yields these and receives their results;
each client drives them its own way (``_sync.py``, ``_async.py``).

>>> Call("GET", "tasks/1/").method
'GET'
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import httpx

__all__ = ["Call", "Gather", "Download", "ListAll", "Answer", "UploadResult"]


@dataclass
class Call:
    """One HTTP request. ``accept`` lists error statuses handed back as a response."""

    method: str
    path: str
    params: Mapping[str, Any] | None = None
    json: Any = None
    data: Mapping[str, Any] | None = None
    files: Any = None
    headers: Mapping[str, str] | None = None
    idempotent: bool | None = None
    accept: tuple[int, ...] = ()
    timeout: httpx.Timeout | None = None
    #: hand back the body's bytes instead of decoding JSON
    raw: bool = False
    #: a raw body (a presigned PUT of a file's bytes)
    content: bytes | None = None


@dataclass
class Gather:
    """Run these calls (or downloads) concurrently, bounded; results in the same order.

    A download that fails gives a :class:`~synapse_nb.client.files.DownloadFailed` in its
    place instead of raising: one bad file does not lose the others (``url_conversion``).
    """

    ops: list[Any] = field(default_factory=list)


@dataclass
class Download:
    """Fetch ``url`` into ``folder`` (once; never an error page); result: the Path."""

    url: str
    folder: Path
    name: str | None = None


@dataclass
class ListAll:
    """``list_all=True``: page 1 now, the rest lazily; result: ``(iterator, count)``."""

    path: str
    params: Mapping[str, Any] | None
    page_size: int
    url_conversion: Any = None


@dataclass
class Answer:
    """An accepted error answer (see ``Call.accept``)."""

    status_code: int
    body: Any
    headers: Mapping[str, str]


class UploadResult(dict):  # type: ignore[type-arg]
    """The server's answer to a finished upload (a plain dict), with this upload's own
    figures in ``.stats`` (``resumed_from``, ``bytes_sent``, ``chunks``, ``realigned``, ``restarted``).

    Uploads running at once each get their own figures here, whereas
    ``client.last_upload`` is the last upload *of the calling thread or task*.

    >>> up = UploadResult({"id": 3}, {"chunks": 2}); up, up.stats
    ({'id': 3}, {'chunks': 2})
    """

    def __init__(self, answer: Mapping[str, Any], stats: Mapping[str, Any]) -> None:
        super().__init__(answer)
        self.stats = dict(stats)


#: (client id, figures) of the last chunked upload in this thread / asyncio task
LAST_UPLOAD: contextvars.ContextVar[tuple[int, dict[str, Any]] | None] = contextvars.ContextVar(
    "synapse_nb_last_upload", default=None)
