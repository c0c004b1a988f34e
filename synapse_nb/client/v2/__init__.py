"""The Synapse v2 API on synapse_nb's clients (``client.v2``) and the API switch.

Both clients take ``api="v1" | "v2" | "auto"`` (default ``"v1"``): which API the frames
read. ``"auto"`` asks the server once (``GET /v2/projects/?per_page=1``: an envelope means
v2) on first need; ``client.resolve_api()`` does it explicitly. ``client.v2`` always
exists, whatever ``api`` says.

Credentials may come from the v2 SDK's variables too: ``SYNAPSE_BACKEND_V2_ACCESS_TOKEN``,
``SYNAPSE_BACKEND_V2_DRF_TOKEN``, ``SYNAPSE_BACKEND_V2_TENANT`` (when none is passed and the
``SYNAPSE_*`` ones are not set).

>>> v2_env({"SYNAPSE_BACKEND_V2_ACCESS_TOKEN": "syn_x", "SYNAPSE_BACKEND_V2_TENANT": "acme"})
{'access_token': 'syn_x', 'tenant': 'acme'}
>>> check_api("V2")
'v2'
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from .flows import BULK_MAX_IDS, CursorPage, probe_flow
from .resources import V2, Resource

__all__ = [
    "APIS",
    "BULK_MAX_IDS",
    "V2",
    "CursorPage",
    "Resource",
    "check_api",
    "probe_flow",
    "v2_env",
]

APIS = ("v1", "v2", "auto")


def check_api(api: str) -> str:
    """``api`` lower-cased, or a ValueError that says what to pass."""
    value = str(api).lower()
    if value not in APIS:
        raise ValueError(f"api must be one of {', '.join(map(repr, APIS))}, got {api!r}")
    return value


def v2_env(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Constructor arguments from the ``SYNAPSE_BACKEND_V2_*`` variables (set ones only)."""
    env = os.environ if env is None else env
    found = {"access_token": env.get("SYNAPSE_BACKEND_V2_ACCESS_TOKEN"),
             "token": env.get("SYNAPSE_BACKEND_V2_DRF_TOKEN"),
             "tenant": env.get("SYNAPSE_BACKEND_V2_TENANT")}
    return {k: v for k, v in found.items() if v}
