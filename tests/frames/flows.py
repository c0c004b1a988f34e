"""Driving one-call flows (the client's sans-I/O generators) on bodies given by a test."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

#: a client as the v2 flows read it: no token, no tenant
STUB_CLIENT = SimpleNamespace(config=SimpleNamespace(access_token=None, tenant=None))


def drive(flow: Any, content: Any) -> Any:
    """Run a one-call flow on ``content`` (the body its call would get); its result."""
    next(flow)
    try:
        flow.send(content)
    except StopIteration as stop:
        return stop.value
    raise AssertionError("the flow asked for more than one call")
