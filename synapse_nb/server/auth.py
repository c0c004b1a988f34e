"""Authentication (contract section 1) and tenant resolution.

Accepted headers, each with or without the ``Token `` prefix:

- ``Synapse-Access-Token``: an access token; it alone identifies the tenant.
- ``Authorization``: a user's token; the tenant comes from ``Synapse-Tenant`` (or is the
  user's only tenant).
- ``SYNAPSE-Agent``: an agent's token; the agent's tenant.

No valid credential answers 401. Every query below the auth layer filters on the resolved
``tenant_id``, so another tenant's objects are simply not found (404).

>>> strip_prefix("Token syn_abc")
'syn_abc'
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

from .common import APIError, token_hash
from .db import Database

__all__ = ["AuthContext", "Auth", "authenticate", "strip_prefix", "get_db"]

_access = APIKeyHeader(name="Synapse-Access-Token", auto_error=False,
                       description="Access token, `Token syn_...` or bare")
_user = APIKeyHeader(name="Authorization", auto_error=False,
                     description="User token `Token <t>`, with Synapse-Tenant")
_tenant = APIKeyHeader(name="Synapse-Tenant", auto_error=False,
                       description="Tenant (workspace) code, `Token <code>` or bare")
_agent = APIKeyHeader(name="SYNAPSE-Agent", auto_error=False, description="Agent token")


@dataclass(frozen=True)
class AuthContext:
    """Who is calling: the tenant every query is limited to, and the user if known."""

    tenant_id: int
    tenant_code: str
    user_id: int | None


def strip_prefix(value: str | None) -> str:
    if not value:
        return ""
    value = value.strip()
    head, _, rest = value.partition(" ")
    if rest and head.lower() in ("token", "bearer"):
        return rest.strip()
    return value


async def get_db(request: Request) -> Database:
    return request.app.state.db


class _TokenCache:
    """Token-hash lookups cached per database (tokens are not created over the API).

    Bounded, least recently used first out: a stream of made-up tokens (each a miss) cannot
    grow it without end.

    >>> cache = _TokenCache(max_entries=2)
    >>> for n in range(5):
    ...     cache.put(("access", str(n)), None)
    >>> len(cache.data), ("access", "4") in cache.data
    (2, True)
    """

    def __init__(self, max_entries: int = 4096) -> None:
        self.data: OrderedDict[tuple[str, str], tuple | None] = OrderedDict()
        self.max_entries = max_entries
        self.lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> tuple[bool, tuple | None]:
        with self.lock:
            if key not in self.data:
                return False, None
            self.data.move_to_end(key)
            return True, self.data[key]

    def put(self, key: tuple[str, str], row: tuple | None) -> None:
        with self.lock:
            self.data[key] = row
            self.data.move_to_end(key)
            while len(self.data) > self.max_entries:
                self.data.popitem(last=False)


def _lookup(db: Database, kind: str, digest: str) -> tuple | None:
    cache: _TokenCache = db.__dict__.setdefault("_token_cache", _TokenCache())
    key = (kind, digest)
    found, row = cache.get(key)
    if found:
        return row
    if kind == "access":
        row = db.one("SELECT a.tenant_id, t.code, a.user_id FROM access_tokens a "
                     "JOIN tenants t ON t.id = a.tenant_id WHERE a.token_hash = ?", (digest,))
    elif kind == "agent":
        row = db.one("SELECT a.tenant_id, t.code, NULL FROM agents a "
                     "JOIN tenants t ON t.id = a.tenant_id WHERE a.token_hash = ?", (digest,))
    else:
        row = db.one("SELECT id FROM users WHERE token_hash = ?", (digest,))
    cache.put(key, row)
    return row


async def authenticate(
    request: Request,
    access: Annotated[str | None, Depends(_access)],
    user: Annotated[str | None, Depends(_user)],
    tenant: Annotated[str | None, Depends(_tenant)],
    agent: Annotated[str | None, Depends(_agent)],
) -> AuthContext:
    """Resolve the caller's tenant from the headers or answer 401/403.

    Async on purpose: it does not block (token lookups are cached), and a sync dependency
    would cost a thread hop per request.
    """
    db: Database = request.app.state.db
    tenant_code = strip_prefix(tenant)
    context: AuthContext | None = None
    if access:
        row = _lookup(db, "access", token_hash(strip_prefix(access)))
        if row is None:
            raise APIError(401, "Invalid access token.")
        context = AuthContext(row[0], row[1], row[2])
    elif user:
        row = _lookup(db, "user", token_hash(strip_prefix(user)))
        if row is None:
            raise APIError(401, "Invalid token.")
        user_id = row[0]
        if tenant_code:
            member = db.one("SELECT t.id, t.code FROM memberships m JOIN tenants t "
                            "ON t.id = m.tenant_id WHERE m.user_id = ? AND t.code = ?",
                            (user_id, tenant_code))
            if member is None:
                raise APIError(403, "You are not a member of this tenant.")
        else:
            members = db.query("SELECT t.id, t.code FROM memberships m JOIN tenants t "
                               "ON t.id = m.tenant_id WHERE m.user_id = ?", (user_id,))
            if len(members) != 1:
                raise APIError(403, "Send the Synapse-Tenant header to choose a tenant.")
            member = members[0]
        context = AuthContext(member[0], member[1], user_id)
    elif agent:
        row = _lookup(db, "agent", token_hash(strip_prefix(agent)))
        if row is None:
            raise APIError(401, "Invalid agent token.")
        context = AuthContext(row[0], row[1], None)
    if context is None:
        raise APIError(401, "Authentication credentials were not provided.",
                       headers={"WWW-Authenticate": "Token"})
    if tenant_code and tenant_code != context.tenant_code:
        raise APIError(403, "The token does not belong to the tenant in Synapse-Tenant.")
    return context


Auth = Annotated[AuthContext, Depends(authenticate)]
