"""The idempotency key of a pre-annotation, shared by the client (to plan) and the reference
server (to store): one rule, one place. Only hashlib and orjson, so the server can import it
without the ML dependencies.

The key is the sha256 of ``{"task", "model", "data"}`` as sorted-key JSON, with
``data["annotations"]`` ordered by their own sorted-key JSON (the order objects come in does
not matter; their numbers do: ``10`` and ``10.0`` differ, so send floats).

>>> pre_annotation_key(1, 2, {"annotations": [{"label": "a"}, {"label": "b"}]}) == \\
...     pre_annotation_key(1, 2, {"annotations": [{"label": "b"}, {"label": "a"}]})
True
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

__all__ = ["pre_annotation_key"]


def pre_annotation_key(task: int, model: int | None, data: Any) -> str:
    """The key of one pre-annotation (see the module docstring)."""
    if isinstance(data, dict) and isinstance(data.get("annotations"), list):
        data = {**data, "annotations": sorted(
            data["annotations"], key=lambda o: orjson.dumps(o, option=orjson.OPT_SORT_KEYS))}
    text = orjson.dumps({"task": task, "model": model, "data": data},
                        option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(text).hexdigest()
