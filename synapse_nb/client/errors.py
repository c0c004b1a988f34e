"""The one error family of the client.

Every failure the public API raises is a ``ClientError``; ``httpx`` errors are wrapped
at a single boundary (``raise ... from err``)::

    ClientError                 .status_code .status .reason .detail .response
    ├── BadRequestError         400, 422
    ├── AuthenticationError     401
    ├── PermissionDeniedError   403
    ├── NotFoundError           404
    ├── RequestTimeoutError     408 and client-side timeouts
    ├── RateLimitError          429 (``.retry_after`` in seconds, when given)
    ├── ServerError             5xx
    ├── ContentTypeError        an answer of the wrong kind (an HTML page for an image)
    │   └── DecodingError       a body of the wrong shape (a v2 envelope whose data is not a list)
    ├── PaginationStalledError  a list walk that does not advance (a ``next`` cursor seen again)
    └── APIConnectionError      no answer (refused, dropped, DNS): ``status_code`` is None

The names of both SDK generations work on one object: ``.status`` / ``.reason`` (2025)
and ``.status_code`` / ``.detail`` (2026); ``.response`` always keeps the body.

>>> err = error_for_status(404, {"detail": "Not found."})
>>> type(err).__name__, err.status_code, err.status, err.detail
('NotFoundError', 404, 404, 'Not found.')
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from ._redact import scrub

__all__ = [
    "ClientError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "RequestTimeoutError",
    "RateLimitError",
    "ServerError",
    "APIConnectionError",
    "ContentTypeError",
    "DecodingError",
    "PaginationStalledError",
    "error_for_status",
]

_MAX_MESSAGE = 500


class ClientError(Exception):
    """An error answer from the backend, or no answer at all.

    >>> try:
    ...     raise error_for_status(400, {"name": ["required"]})
    ... except ClientError as e:
    ...     (e.status_code, e.response)
    (400, {'name': ['required']})
    """

    def __init__(
        self,
        status_code: int | None,
        detail: Any = None,
        *,
        reason: str | None = None,
        response: Any = None,
        method: str | None = None,
        url: str | None = None,
    ) -> None:
        # None: there was no answer (a refused connection has no status to report)
        self.status_code = None if status_code is None else int(status_code)
        self.detail = detail
        self.response = response if response is not None else detail
        try:
            default_reason = HTTPStatus(self.status_code).phrase if self.status_code else "Error"
        except ValueError:
            default_reason = "Error"
        self.reason = reason or default_reason
        self.method = method
        self.url = url
        super().__init__(self._message())

    # 2025 SDK name
    @property
    def status(self) -> int | None:
        return self.status_code

    def _message(self) -> str:
        detail = self.detail
        if isinstance(detail, dict) and set(detail) == {"detail"}:
            detail = detail["detail"]
        text = self.reason if self.status_code is None else f"{self.status_code} {self.reason}"
        if self.method and self.url:
            text += f" ({self.method} {self.url})"
        if detail not in (None, "", {}):
            shown = detail if isinstance(detail, str) else repr(detail)
            if len(shown) > _MAX_MESSAGE:
                shown = shown[:_MAX_MESSAGE] + "..."
            text += f": {shown}"
        return text

    def __reduce__(self) -> Any:  # keep errors picklable across processes
        return (_rebuild, (type(self), self.status_code, self.detail, self.reason, self.response))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.status_code}, {self.reason!r})"


def _rebuild(cls: type[ClientError], status: int | None, detail: Any, reason: str, response: Any) -> ClientError:
    return cls(status, detail, reason=reason, response=response)


class BadRequestError(ClientError):
    """400 or 422: the request was refused; ``.response`` says which fields to fix."""


class AuthenticationError(ClientError):
    """401: the token is missing, wrong or expired."""


class PermissionDeniedError(ClientError):
    """403: the token is valid but may not do this (or the tenant is wrong)."""


class NotFoundError(ClientError):
    """404: no such object (in this tenant)."""


class RequestTimeoutError(ClientError):
    """408, or the client gave up waiting (status 408, as the SDK reports it)."""


class RateLimitError(ClientError):
    """429: too many requests; ``.retry_after`` is the server's ``Retry-After`` in seconds."""

    retry_after: float | None = None


class ServerError(ClientError):
    """5xx: the backend failed."""


class ContentTypeError(ClientError):
    """The answer is not what was asked for: e.g. an HTML page (a login or proxy page)
    answered with 200 for an image URL. ``status_code`` is the answer's status."""


class DecodingError(ContentTypeError):
    """The answer decoded, but not to the shape the call expects: a v2 list envelope whose
    ``data`` is not a list of objects, a detail envelope whose ``data`` is not an object, a
    bulk item without an id. ``status_code`` is None (the answer was a success);
    ``.expected`` says what was expected, ``.response`` keeps the body.

    >>> str(DecodingError("a list of objects in data", method="GET", url="v2/tasks/"))
    'Unexpected Answer (GET v2/tasks/): expected a list of objects in data'
    """

    def __init__(self, expected: str, *, method: str | None = None, url: str | None = None,
                 response: Any = None) -> None:
        self.expected = expected
        super().__init__(None, f"expected {expected}", reason="Unexpected Answer",
                         response=response, method=method, url=url)

    def __reduce__(self) -> Any:
        return (_rebuild_decoding, (self.expected, self.method, self.url))


def _rebuild_decoding(expected: str, method: str | None, url: str | None) -> DecodingError:
    return DecodingError(expected, method=method, url=url)


class PaginationStalledError(ClientError):
    """A list walk that does not advance: the server answered a page link (``next`` cursor
    or URL) that the walk had already followed, or an empty page that still links to a
    next one. Asking again would loop forever, so the walk stops; what it yielded before
    stays yielded. ``status_code`` is None; ``.resource``, ``.cursor`` (URL signatures
    masked), ``.pages`` and ``.rows`` say where it stopped.

    >>> err = PaginationStalledError("v2/tasks/", "http://h/v2/tasks/?cursor=cD0z&sig=abc", pages=3, rows=300)
    >>> "sig=***" in str(err) and "abc" not in str(err)
    True
    """

    def __init__(self, resource: str, cursor: str | None, *, pages: int = 0, rows: int = 0,
                 empty: bool = False) -> None:
        self.resource = resource
        self.cursor = scrub(cursor) if cursor else cursor
        self.pages, self.rows, self.empty = pages, rows, empty
        what = (f"answered an empty page that links to a next one ({self.cursor!r})" if empty
                else f"answered the page link {self.cursor!r} again")
        super().__init__(None, f"the list {resource} does not advance: the server {what} after "
                               f"{pages} page(s) and {rows} row(s); stopped instead of asking "
                               "forever (a server-side pagination fault: report it, or narrow the "
                               "filters)", reason="Pagination Stalled")

    def __reduce__(self) -> Any:
        return (_rebuild_stalled, (self.resource, self.cursor, self.pages, self.rows, self.empty))


def _rebuild_stalled(resource: str, cursor: str | None, pages: int, rows: int,
                     empty: bool) -> PaginationStalledError:
    return PaginationStalledError(resource, cursor, pages=pages, rows=rows, empty=empty)


class APIConnectionError(ClientError):
    """No answer: refused, dropped or unresolvable. ``status_code`` is None (no made-up status).

    >>> err = APIConnectionError("ConnectError: [Errno 111] Connection refused")
    >>> err.status_code is None, str(err)
    (True, 'Connection Error: ConnectError: [Errno 111] Connection refused')
    """

    def __init__(self, detail: Any = "connection failed", **kwargs: Any) -> None:
        kwargs.setdefault("reason", "Connection Error")
        super().__init__(None, detail, **kwargs)

    def __reduce__(self) -> Any:
        return (_rebuild_conn, (self.detail,))


def _rebuild_conn(detail: Any) -> APIConnectionError:
    return APIConnectionError(detail)


_BY_STATUS: dict[int, type[ClientError]] = {
    400: BadRequestError,
    422: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    408: RequestTimeoutError,
    429: RateLimitError,
}


def error_for_status(status_code: int, body: Any = None, **kwargs: Any) -> ClientError:
    """Build the error class that matches ``status_code`` (the one status -> class map).

    >>> type(error_for_status(503)).__name__
    'ServerError'
    """
    cls = _BY_STATUS.get(status_code)
    if cls is None:
        cls = ServerError if status_code >= 500 else ClientError
    detail = body
    if isinstance(body, dict) and isinstance(body.get("detail"), str):
        detail = body["detail"]  # DRF's {"detail": "..."}: the message; .response keeps the body
    elif isinstance(body, dict) and isinstance(body.get("error"), dict):
        detail = body["error"].get("message") or body  # v2's {"error": {"code", "message"}}
    kwargs.setdefault("response", body)
    return cls(status_code, detail, **kwargs)
