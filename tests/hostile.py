"""A hostile server for tests: the reference server's real answers, tampered with on the way.

:class:`HostileTransport` is an httpx transport (sync and async) that forwards every
request to the real reference server over loopback and lets a list of *tamperings*
rewrite the answer before the client sees it. The server stays the reference one (auth,
pagination, files, errors are real); only what the tamperings name is hostile. The list
is mutable (``transport.tamperings.append(...)``): a test can export once from an honest
server and then make it change under the export.

Tamperings (each a small object; combine any):

- :class:`TraversalCategories`: ground-truth events' ``category`` becomes ``../../..``
  (or any names you give, in turn), the names an export must never turn into paths;
- :class:`HtmlImages`: every ``/media/`` file is answered ``200 text/html`` (a login page);
- :class:`RenamedFiles`: files' ``file_name_original`` become the names you give (to
  make duplicates: ``["a.png", "a.png", "a_1.png"]``), or hostile names;
- :class:`ChangedFiles`: the files' bytes change (same image, one PNG text chunk more)
  and the declared ``checksum`` follows (the md5 of the new bytes);
- :class:`RepeatingCursor`: every list page's ``next`` (v1) and ``next_cursor`` (v2)
  repeats the first one seen for that path, so a walk that trusts it never ends;
  ``drop_count=True`` also removes v1's ``count`` (the walk must follow ``next``);
- :class:`EndlessPages`: a v1 list that never says it is done: its last page links to
  the next, and a page past the end (404 ``Invalid page.``) is answered ``200`` with no
  rows and a ``next`` (``limit`` such pages at most, a test's loop guard).

:data:`HOSTILE_NAMES` are names that must never become a path outside a folder.

Fixtures (registered in ``tests/conftest.py``): ``hostile_transport``, ``hostile_client``,
``repeating_cursor_client``.

>>> t = HostileTransport(TraversalCategories())                      # doctest: +SKIP
>>> client = SynapseClient(server.base_url, access_token=server.access_token, transport=t)  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import io
import itertools
from typing import Any, Callable, Iterable, Mapping, Sequence

import httpx
import orjson

__all__ = ["HostileTransport", "Tampering", "TraversalCategories", "HtmlImages", "RenamedFiles",
           "ChangedFiles", "RepeatingCursor", "EndlessPages", "HOSTILE_NAMES"]

#: names a server could send that must never become a path outside the export folder
HOSTILE_NAMES = ("../../..", "../escape", "/etc/hostile", "..\\..\\win", "C:\\drive", "C:rel",
                 "nul\x00byte", ".", "..", "sub/dir", "~", "Train", "train", " padded ")

_DROP = {"content-length", "content-encoding", "transfer-encoding"}


class Tampering:
    """One way of lying. Override :meth:`json` (a decoded JSON answer, changed in place or
    returned anew), :meth:`error` (a JSON error answer: its status and body) and/or
    :meth:`file` (a ``/media/`` answer: status, headers, bytes)."""

    def json(self, request: httpx.Request, body: Any) -> Any:
        return body

    def error(self, request: httpx.Request, status: int, body: Any) -> tuple[int, Any]:
        return status, body

    def file(self, request: httpx.Request, status: int, headers: dict[str, str],
             content: bytes) -> tuple[int, dict[str, str], bytes]:
        return status, headers, content


def _walk_dicts(node: Any) -> Iterable[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk_dicts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk_dicts(value)


def _file_entries(body: Any) -> Iterable[dict[str, Any]]:
    """Every file dict of an answer (``{"url", "checksum", "file_name_original", ...}``)."""
    return (d for d in _walk_dicts(body) if isinstance(d.get("url"), str)
            and ("checksum" in d or "file_name_original" in d))


class TraversalCategories(Tampering):
    """Ground-truth events' ``category`` becomes each of ``categories`` in turn (by event id)."""

    def __init__(self, categories: Sequence[str] = ("../../..",)) -> None:
        self.categories = list(categories)

    def json(self, request: httpx.Request, body: Any) -> Any:
        for d in _walk_dicts(body):
            if "category" in d and "ground_truth_dataset_version" in d and isinstance(d.get("id"), int):
                d["category"] = self.categories[d["id"] % len(self.categories)]
        return body


class HtmlImages(Tampering):
    """``/media/`` files (those ``match(url)`` picks: all by default) answered as an HTML
    page with 200, as a login or proxy page would be."""

    def __init__(self, match: Callable[[str], bool] | None = None) -> None:
        self.match = match

    def file(self, request: httpx.Request, status: int, headers: dict[str, str],
             content: bytes) -> tuple[int, dict[str, str], bytes]:
        if self.match is not None and not self.match(str(request.url)):
            return status, headers, content
        return 200, {"content-type": "text/html; charset=utf-8"}, b"<html><body>Sign in</body></html>"


class RenamedFiles(Tampering):
    """Files' ``file_name_original`` renamed: ``names`` maps an original name to its new
    one, or (a sequence) gives new names in the order originals are first seen (later
    originals keep theirs); the same original always gets the same new name."""

    def __init__(self, names: Mapping[str, str] | Sequence[str]) -> None:
        self.mapping: dict[str, str] = dict(names) if isinstance(names, Mapping) else {}
        self._queue = iter([] if isinstance(names, Mapping) else list(names))

    def json(self, request: httpx.Request, body: Any) -> Any:
        for entry in _file_entries(body):
            original = entry.get("file_name_original")
            if not isinstance(original, str):
                continue
            if original not in self.mapping:
                new = next(self._queue, None)
                if new is None:
                    continue
                self.mapping[original] = new
            entry["file_name_original"] = self.mapping[original]
        return body


def changed_bytes(content: bytes) -> bytes:
    """The same image with one PNG text chunk more (other files: one line more)."""
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    try:
        with Image.open(io.BytesIO(content)) as img:
            info = PngInfo()
            info.add_text("hostile", "changed on the server")
            out = io.BytesIO()
            img.save(out, format="PNG", pnginfo=info)
            return out.getvalue()
    except OSError:
        return content + b"\nchanged on the server\n"


class ChangedFiles(Tampering):
    """The files change on the server: their bytes become :func:`changed_bytes` of the
    originals, and listings declare the md5 of the new bytes as ``checksum``.

    To know that md5 while rewriting a listing, the original of each file is fetched once
    (a signed URL needs no credentials) with its own small client."""

    def __init__(self, match: Callable[[str], bool] | None = None) -> None:
        self.match = match
        self._new: dict[str, bytes] = {}  # url path -> new bytes
        self._http = httpx.Client(timeout=30)

    def _changed(self, url: str) -> bytes:
        key = httpx.URL(url).path
        if key not in self._new:
            self._new[key] = changed_bytes(self._http.get(url).raise_for_status().content)
        return self._new[key]

    def json(self, request: httpx.Request, body: Any) -> Any:
        for entry in _file_entries(body):
            if "checksum" in entry and (self.match is None or self.match(entry["url"])):
                entry["checksum"] = hashlib.md5(self._changed(entry["url"])).hexdigest()
        return body

    def file(self, request: httpx.Request, status: int, headers: dict[str, str],
             content: bytes) -> tuple[int, dict[str, str], bytes]:
        if status != 200 or (self.match is not None and not self.match(str(request.url))):
            return status, headers, content
        key = request.url.path
        self._new.setdefault(key, changed_bytes(content))
        return status, headers, self._new[key]


class RepeatingCursor(Tampering):
    """Every list page's ``next`` / ``meta.pagination.next_cursor`` repeats the first one
    seen for its path (the second page points at itself): a walk must notice it did not
    advance. ``drop_count`` removes v1's ``count`` too, so a v1 walk follows ``next``."""

    def __init__(self, drop_count: bool = False) -> None:
        self.drop_count = drop_count
        self.first: dict[str, str] = {}
        self.pages = 0  # pages answered with a repeated link (a test's loop guard)

    def json(self, request: httpx.Request, body: Any) -> Any:
        if not isinstance(body, dict):
            return body
        path = request.url.path
        holder: dict[str, Any] | None = None
        key = "next"
        if isinstance(body.get("results"), list) and "next" in body:
            holder = body
            if self.drop_count:
                body.pop("count", None)
        pagination = (body.get("meta") or {}).get("pagination") if isinstance(body.get("meta"), dict) else None
        if isinstance(pagination, dict) and "next_cursor" in pagination:
            holder, key = pagination, "next_cursor"
        if holder is None:
            return body
        if isinstance(holder.get(key), str):
            self.first.setdefault(path, holder[key])
        if path in self.first:
            holder[key] = self.first[path]
            self.pages += 1
        return body


class EndlessPages(Tampering):
    """A v1 list that never says it is done: the last page links to the one after it, and
    a page past the end (404) is answered as an empty page that links to the next one."""

    def __init__(self, limit: int = 50) -> None:
        self.limit = limit
        self.pages = 0  # empty pages served so far

    @staticmethod
    def _after(request: httpx.Request) -> str | None:
        page = request.url.params.get("page", "")
        return str(request.url.copy_set_param("page", str(int(page) + 1))) if page.isdigit() else None

    def json(self, request: httpx.Request, body: Any) -> Any:
        if (isinstance(body, dict) and isinstance(body.get("results"), list)
                and "next" in body and body["next"] is None and self.pages < self.limit):
            body["next"] = self._after(request)
        return body

    def error(self, request: httpx.Request, status: int, body: Any) -> tuple[int, Any]:
        after = self._after(request)
        if status != 404 or after is None or self.pages >= self.limit:
            return status, body
        self.pages += 1
        return 200, {"next": after, "previous": None, "results": []}


class HostileTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Forwards to the real server; ``tamperings`` rewrite the answers (see the module)."""

    def __init__(self, *tamperings: Tampering) -> None:
        self.tamperings: list[Tampering] = list(tamperings)
        self._sync: httpx.HTTPTransport | None = None
        self._async: httpx.AsyncHTTPTransport | None = None
        self.requests = itertools.count()  # how many went through (a loop guard for tests)

    def _tamper(self, request: httpx.Request, response: httpx.Response, content: bytes) -> httpx.Response:
        next(self.requests)
        status = response.status_code
        headers = {k: v for k, v in response.headers.items() if k.lower() not in _DROP}
        ctype = response.headers.get("content-type", "")
        if request.url.path.startswith("/media/"):
            for t in self.tamperings:
                status, headers, content = t.file(request, status, headers, content)
        elif ctype.startswith("application/json") and content:
            body = orjson.loads(content)
            answered = status
            if status >= 400:
                for t in self.tamperings:
                    status, body = t.error(request, status, body)
            if status < 400:
                for t in self.tamperings:
                    body = t.json(request, body)
            if status < 400 or status != answered:
                content = orjson.dumps(body)
        return httpx.Response(status, headers=headers, content=content, request=request)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self._sync is None:
            self._sync = httpx.HTTPTransport()
        response = self._sync.handle_request(request)
        try:
            content = response.read()
        finally:
            response.close()
        return self._tamper(request, response, content)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._async is None:
            self._async = httpx.AsyncHTTPTransport()
        response = await self._async.handle_async_request(request)
        try:
            content = await response.aread()
        finally:
            await response.aclose()
        return self._tamper(request, response, content)

    def close(self) -> None:
        if self._sync is not None:
            self._sync.close()
        for t in self.tamperings:
            if isinstance(t, ChangedFiles):
                t._http.close()

    async def aclose(self) -> None:
        if self._async is not None:
            await self._async.aclose()
        self.close()
