"""What the reference server says, read with plain httpx (not the client under test)."""

from __future__ import annotations

from typing import Any

import httpx

__all__ = ["member_names", "server_list"]


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


def member_names(server: Any, token: str) -> dict[int, str]:
    """user id -> name from the server's v2 members (``/v2/members/``, cursor pages)."""
    headers = {"Synapse-Access-Token": f"Token {token}"}
    names: dict[int, str] = {}
    url: str | None = f"{server.base_url}/v2/members/"
    query: dict[str, Any] | None = {"per_page": 100}
    while url:
        r = httpx.get(url, params=query, headers=headers, timeout=30, trust_env=False)
        r.raise_for_status()
        body = r.json()
        names.update({m["user_id"]: m["name"] for m in body["data"] if m.get("name")})
        url, query = (body.get("meta") or {}).get("pagination", {}).get("next_cursor"), None
    return names
