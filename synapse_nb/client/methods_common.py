"""What the method modules share: id checks for paths, 2025 aliases, the list flow.

Ids go into URL paths only through :func:`path_id`: an int, or a digit string, or (where
the SDK takes one) a code such as ``yolov8`` / ``yolov8@1.1.0`` or a UUID; a path segment
such as ``"../x"`` never reaches another endpoint.

>>> path_id(7, "project_id")
'7'
>>> path_id("yolov8@1.1.0", "lookup", text=True)
'yolov8@1.1.0'
>>> path_id("../x", "project_id")
Traceback (most recent call last):
...
ValueError: project_id must be an integer id (such as 12), not '../x'
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generator, Mapping, TypeVar
from urllib.parse import quote

import httpx

from .ops import Call, Download, Gather, ListAll
from .files import UrlConversion

__all__ = ["Id", "Params", "Steps", "LIST_TIMEOUT", "path_id", "pick", "list_flow", "convert_flow",
           "file_part", "tags_body", "Methods"]

T = TypeVar("T")
#: a flow whose result is ``T`` (what the client method returns)
Steps = Generator[Any, Any, T]
Id = int | str
Params = Mapping[str, Any] | None
#: big list calls get a longer read timeout, as in the 2026 SDK
LIST_TIMEOUT = httpx.Timeout(60.0, connect=5.0)

if TYPE_CHECKING:
    from .base import BaseClient as Methods
else:
    Methods = object

_DIGITS = re.compile(r"[0-9]{1,19}")
# plugin codes, ``code@version`` lookups, UUIDs, agent tokens: one path segment, no dots only
_TEXT = re.compile(r"[A-Za-z0-9_.@+~-]{1,200}")


def path_id(value: object, name: str, *, text: bool = False, secret: bool = False) -> str:
    """``value`` as one quoted path segment, or a ValueError that says what an id looks like.

    ``text=True`` also takes the SDK's string forms (codes, ``code@version``, UUIDs);
    ``secret=True`` keeps the value out of the message (agent tokens).
    """
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    if isinstance(value, str):
        if _DIGITS.fullmatch(value):
            return value
        if text and _TEXT.fullmatch(value) and value.strip("."):
            return quote(value, safe="@")
    shown = "a value" if secret else repr(value)
    kind = "an integer id or a code (letters, digits, _ . @ + ~ -)" if text else "an integer id (such as 12)"
    raise ValueError(f"{name} must be {kind}, not {shown}")


def pick(new: T | None, old: T | None, name: str, old_name: str) -> T:
    """The 2026 argument ``name`` or its 2025 keyword alias ``old_name`` (exactly one)."""
    if new is not None and old is not None and new != old:
        raise TypeError(f"pass {name} (or its 2025 name {old_name}), not both")
    value = new if new is not None else old
    if value is None:
        raise TypeError(f"missing required argument: {name!r}")
    return value


def list_flow(client: Any, path: str, params: Params, url_conversion: Mapping[str, Any] | None,
              list_all: bool, page_size: int = 100,
              timeout: httpx.Timeout = LIST_TIMEOUT) -> Steps[dict[str, Any] | tuple[Any, int]]:
    """``list_all=False``: the first page (DRF envelope); ``True``: ``(records, count)``."""
    if list_all:
        records, count = yield ListAll(path, params, page_size, url_conversion)
        return records, count
    query = dict(params or {})
    query.setdefault("page_size", page_size)
    body = yield Call("GET", path, params=query, timeout=timeout)
    conv = UrlConversion.parse(url_conversion)
    if conv is not None and isinstance(body, dict) and isinstance(body.get("results"), list):
        body = {**body, "results": (yield from convert_flow(client, body["results"], conv))}
    return dict(body)


def first_page(client: Any, path: str, params: Params) -> Steps[dict[str, Any]]:
    """One page of a list endpoint as the SDK's ``self._get(path, params=params)``."""
    return (yield Call("GET", path, params=dict(params or {}) or None, timeout=LIST_TIMEOUT))  # type: ignore[no-any-return]


def convert_flow(client: Any, records: list[Any], conv: UrlConversion) -> Steps[list[Any]]:
    """Download the URLs of ``records`` (concurrently) and return the converted records."""
    paths: dict[str, Any] = {}
    if conv.download:
        urls = conv.urls(records)
        if urls:
            folder = conv.folder or client.url_cache_dir()
            got = yield Gather([Download(u, folder) for u in urls])
            paths = dict(zip(urls, got))
    return conv.apply(records, paths)


def tags_body(data: Mapping[str, Any], ids_key: str) -> dict[str, Any]:
    """The contract's ``{ids, tags, action}`` from it or from the seed docs' key names."""
    body = dict(data)
    if ids_key in body and "ids" not in body:
        body["ids"] = body.pop(ids_key)
    if "tag_ids" in body and "tags" not in body:
        body["tags"] = body.pop("tag_ids")
    body.setdefault("action", "add")
    return body


def file_part(file: Any) -> tuple[str, bytes]:
    """(name, bytes) from a path or an open binary file (the seed docs pass ``open(...)``)."""
    if hasattr(file, "read"):
        return Path(getattr(file, "name", "upload.bin")).name, file.read()
    path = Path(file)
    return path.name, path.read_bytes()
