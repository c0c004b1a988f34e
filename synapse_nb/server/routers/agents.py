"""Agents: list, and ``agents/{token}/connect/`` (the SDK's ``health_check_agent``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from ..auth import Auth, get_db, strip_prefix
from ..common import json_response, not_found, now_iso, token_hash
from ..db import Database
from ..pagination import paginate
from ..schemas import Obj, Page

__all__ = ["router"]

router = APIRouter(tags=["agents"])
DB = Annotated[Database, Depends(get_db)]
Q = Annotated[str | None, Query()]
SELECT = "id, name, url, status, last_connected, created"


def agent_dict(row: tuple) -> dict[str, Any]:
    return {"id": row[0], "name": row[1], "url": row[2], "status": row[3],
            "last_connected": row[4], "created": row[5]}


@router.get("/agents/", response_model=Page, summary="list_agents")
def list_agents(request: Request, auth: Auth, db: DB, page: Q = None,
                page_size: Q = None) -> Response:
    return paginate(request, db, "FROM agents WHERE tenant_id = ?", [auth.tenant_id], SELECT,
                    "id", lambda rows: [agent_dict(r) for r in rows])


@router.post("/agents/{token}/connect/", response_model=Obj, summary="health_check_agent")
def connect_agent(auth: Auth, db: DB, token: str) -> Response:
    """Mark the agent with this token healthy (404 if it is not one of the tenant's)."""
    digest = token_hash(strip_prefix(token))
    with db.write() as con:
        changed = con.execute("UPDATE agents SET status = 'healthy', last_connected = ? WHERE "
                              "token_hash = ? AND tenant_id = ?",
                              (now_iso(), digest, auth.tenant_id)).rowcount
        if not changed:
            raise not_found("agent")
    row = db.one(f"SELECT {SELECT} FROM agents WHERE token_hash = ?", (digest,))
    assert row is not None  # updated just above
    return json_response(agent_dict(row))
