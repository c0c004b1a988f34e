"""A client configuration that travels to worker processes without showing its secret.

A Dask or Ray worker builds its own :class:`~synapse_nb.client.SynapseClient` from a
:class:`ClientSpec`: the host, the tenant and a *credential*, one of

- :class:`FromEnv`: the worker reads the token from an environment variable (the
  default when the driver's own token came from ``SYNAPSE_ACCESS_TOKEN``); the token is
  never shipped;
- :class:`FromConfigFile`: the worker reads ``~/.synapse/config.json``;
- :class:`Secret`: the token itself, pickled into the task; its ``repr``/``str`` show
  ``'***'`` and its Dask token is a hash, so it appears in no repr, log line or task
  graph's text.

Example:
    >>> spec = ClientSpec("http://127.0.0.1:8000", tenant="acme", credential=Secret("syn_abc"))
    >>> "syn_abc" in repr(spec)
    False
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

__all__ = ["Secret", "FromEnv", "FromConfigFile", "Credential", "ClientSpec", "client_spec"]


class Secret:
    """A token that pickles but never prints.

    >>> s = Secret("syn_abc")
    >>> repr(s), str(s)
    ("Secret('***')", '***')
    >>> s.reveal()
    'syn_abc'
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not value:
            raise ValueError("Secret needs a non-empty token")
        self._value = value

    def reveal(self) -> str:
        """The token (call it only where it is sent)."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = lambda self: "***"  # noqa: E731

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (Secret, (self._value,))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __dask_tokenize__(self) -> str:
        # a digest, so graph keys differ per credential but show nothing of it
        return hashlib.sha256(b"synapse_nb.secret:" + self._value.encode()).hexdigest()


@dataclass(frozen=True)
class FromEnv:
    """Read the token on the worker from the environment variable ``name``."""

    name: str = "SYNAPSE_ACCESS_TOKEN"

    def reveal(self) -> str:
        value = os.environ.get(self.name)
        if not value:
            raise RuntimeError(f"this worker has no {self.name} in its environment: set it on "
                               f"every worker, or pass credential=Secret(token)")
        return value


@dataclass(frozen=True)
class FromConfigFile:
    """Read the token on the worker from a Synapse config file (``access_token``)."""

    path: str = "~/.synapse/config.json"

    def reveal(self) -> str:
        file = Path(self.path).expanduser()
        try:
            value = json.loads(file.read_text()).get("access_token")
        except (OSError, ValueError) as err:
            raise RuntimeError(f"this worker cannot read {file}: {type(err).__name__}") from None
        if not value:
            raise RuntimeError(f"{file} on this worker has no access_token")
        return str(value)


Credential = Union[Secret, FromEnv, FromConfigFile]


@dataclass(frozen=True)
class ClientSpec:
    """Everything a worker needs to build a client; picklable, safe to print.

    ``kind`` says which header the token goes in: ``"access"`` (``Synapse-Access-Token``)
    or ``"drf"`` (``Authorization: Token``).
    """

    base_url: str
    tenant: str | None = None
    credential: Credential = field(default_factory=FromEnv)
    kind: str = "access"
    timeout: float = 60.0
    max_retries: int = 5

    def make_client(self) -> Any:
        """A fresh sync client (one per partition read; requests one at a time)."""
        from synapse_nb.client import SynapseClient  # noqa: PLC0415 (workers import lazily)

        token = self.credential.reveal()
        access, drf = (token, None) if self.kind == "access" else (None, token)
        return SynapseClient(self.base_url, access_token=access, token=drf, tenant=self.tenant,
                             timeout=self.timeout, max_concurrency=1, max_retries=self.max_retries)


def client_spec(client: Any, credential: Credential | None = None) -> ClientSpec:
    """The :class:`ClientSpec` of a client: same host and tenant.

    Without ``credential``: :class:`FromEnv` when the client's token equals
    ``$SYNAPSE_ACCESS_TOKEN`` (nothing secret is shipped), else the token as a
    :class:`Secret`.

    >>> from synapse_nb.client import SynapseClient
    >>> spec = client_spec(SynapseClient("http://127.0.0.1:9", access_token="syn_x"))
    >>> spec.credential
    Secret('***')
    """
    config = client.config
    kind = "access" if config.access_token else "drf"
    token = config.access_token or config.token
    if credential is None:
        if not token:
            raise ValueError("the client has no access token or DRF token to hand to workers; "
                             "pass credential=FromEnv(...) or Secret(...)")
        env = "SYNAPSE_ACCESS_TOKEN" if kind == "access" else "SYNAPSE_TOKEN"
        credential = FromEnv(env) if os.environ.get(env) == token else Secret(token)
    return ClientSpec(config.base_url, tenant=config.tenant, credential=credential, kind=kind,
                      max_retries=max(3, int(getattr(client.retry, "max_retries", 3))))
