"""What the reference server says, read with plain httpx (not the client under test)."""

from __future__ import annotations

from typing import Any

import httpx

__all__ = ["server_list"]


def server_list(server: Any, token: str, resource: str, **params: Any) -> dict[int, dict[str, Any]]:
    """All records of ``resource`` matching ``params``, straight from the server's API
    (plain httpx, not the client under test), by id."""
    headers = {"Synapse-Access-Token": f"Token {token}"}
    tasks: dict[int, dict[str, Any]] = {}
    url: str | None = f"{server.base_url}/{resource}/"
    query: dict[str, Any] | None = {**params, "page_size": 1000}
    while url:
        r = httpx.get(url, params=query, headers=headers, timeout=30, trust_env=False)
        r.raise_for_status()
        body = r.json()
        tasks.update({t["id"]: t for t in body["results"]})
        url, query = body.get("next"), None
    return tasks
