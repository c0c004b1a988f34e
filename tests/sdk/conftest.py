"""The installed SDK's surface, introspected once per session (one SDK subprocess)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sdk_runner import run_sdk

INTROSPECT = """
import inspect, json
from synapse_sdk.clients.backend import BackendClient
out = {}
for name in sorted(dir(BackendClient)):
    obj = getattr(BackendClient, name)
    if name.startswith('_') or not callable(obj) or isinstance(obj, type):
        continue
    params = inspect.signature(obj).parameters.values()
    out[name] = [p.name for p in params if p.name != 'self'
                 and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
ctor = inspect.signature(BackendClient.__init__).parameters.values()
print(json.dumps({"methods": out, "constructor": [p.name for p in ctor if p.name != 'self']}))
"""


@pytest.fixture(scope="session")
def introspected() -> dict[str, Any]:
    """``{"methods": {name: [parameter names]}, "constructor": [...]}`` of synapse-sdk's BackendClient."""
    return dict(run_sdk(INTROSPECT))
