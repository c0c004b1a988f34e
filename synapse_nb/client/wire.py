"""Request parameters out, response bodies in (no I/O here).

>>> encode_params({"project": 1, "is_active": True, "id__in": [1, 2], "skip": None})
{'project': 1, 'is_active': 'true', 'id__in': '1,2'}
"""

from __future__ import annotations

import json
from typing import Any, Mapping

import httpx
import orjson

__all__ = ["encode_params", "decode_body", "decode_json"]


def encode_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Query parameters as DRF reads them: None left out, booleans ``true``/``false``,
    lists comma-separated."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = str(value).lower()
        elif isinstance(value, (list, tuple, set)):
            value = ",".join(str(v) for v in value)  # DRF "id__in=1,2,3"
        out[key] = value
    return out


def decode_body(response: httpx.Response) -> Any:
    """The body as JSON (orjson, then json), else as text; None when empty."""
    content = response.content
    if not content:
        return None
    body = _loads(content)
    return response.text if body is _NOT_JSON else body


def decode_json(content: bytes) -> Any:
    """Bytes of a body as :func:`decode_body` reads them (text: UTF-8); None when empty.

    What a typed page decoder (:mod:`synapse_nb.frames.typed`) falls back to when a page
    is not the shape it declares, so both read a body alike.

    >>> decode_json(b'{"a": [1, 2]}'), decode_json(b"not json"), decode_json(b"")
    ({'a': [1, 2]}, 'not json', None)
    """
    if not content:
        return None
    body = _loads(content)
    return content.decode("utf-8", "replace") if body is _NOT_JSON else body


_NOT_JSON = object()


def _loads(content: bytes) -> Any:
    # orjson: decoding is most of the client's CPU on a 100k-row walk (about 4x faster)
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        pass
    try:  # what orjson refuses but json takes (integers beyond 64 bits, NaN)
        return json.loads(content)
    except ValueError:
        return _NOT_JSON
