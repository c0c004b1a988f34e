"""``connect()``: a client for the configured backend, or for the embedded demo server.

>>> import synapse_nb
>>> client = synapse_nb.connect()        # doctest: +SKIP
synapse_nb: no Synapse backend configured; using the demo server at http://127.0.0.1:41234

A backend is configured when ``SYNAPSE_HOST`` (or ``~/.synapse/config.json`` with a
``host``) is set, as the client reads them (:func:`synapse_nb.client.config.config_from_env`).
``synapse-nb demo`` sets those variables for the kernels it starts, so its notebooks reach
its server. Otherwise the reference server with demo data is started in a background
thread of this process, once: later calls reuse it.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

from synapse_nb.client import AsyncSynapseClient, SynapseClient
from synapse_nb.client.config import config_from_env

__all__ = ["connect", "demo_server"]

_lock = threading.Lock()
_server: Any = None  # the ServerHandle of the embedded demo server, once started


def _credential_sources() -> str:
    """Where the credentials without a host come from, by name (never their values)."""
    names = [name for name in _CREDENTIAL_VARIABLES if os.environ.get(name)]
    if not names:
        return "~/.synapse/config.json has credentials"
    return " and ".join(names) + (" are set" if len(names) > 1 else " is set")


_CREDENTIAL_VARIABLES = ("SYNAPSE_ACCESS_TOKEN", "SYNAPSE_API_TOKEN", "SYNAPSE_TENANT",
                         "SYNAPSE_AGENT_TOKEN", "SYNAPSE_PLUGIN_RUN_USER_TOKEN",
                         "SYNAPSE_PLUGIN_RUN_TENANT")


def _require_server_extra() -> None:
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise ImportError(
            "the embedded demo server needs the server extra: pip install 'synapse_nb[server]' "
            "(or set SYNAPSE_HOST and SYNAPSE_ACCESS_TOKEN to use a Synapse backend)") from None


def demo_server(scale: int | None = None) -> Any:
    """The embedded demo server of this process, started on first use.

    ``scale`` (number of demo tasks) applies only to the first start; the default is
    ``SYNAPSE_NB_DEMO_SCALE`` or 3000.
    """
    global _server
    with _lock:
        if _server is None:
            _require_server_extra()
            from synapse_nb.server import Settings
            from synapse_nb.server.testing import start_server

            if scale is None:
                scale = int(os.environ.get("SYNAPSE_NB_DEMO_SCALE", "3000"))
            _server = start_server(Settings.for_demo(scale=scale))
        return _server


def connect(*, asynchronous: bool = False, demo: bool | None = None,
            quiet: bool = False, **client_options: Any) -> SynapseClient | AsyncSynapseClient:
    """Return a client for the configured backend, else for the embedded demo server.

    ``demo=True`` always uses the demo server, ``demo=False`` refuses to fall back to it
    (a missing configuration is then an error). ``asynchronous=True`` returns an
    :class:`AsyncSynapseClient`. Other keyword arguments go to the client's constructor
    (``timeout``, ``max_concurrency``, ``cache_dir``, ...).
    """
    cls = AsyncSynapseClient if asynchronous else SynapseClient
    configured = config_from_env() if demo is not True else {}
    if configured.get("base_url"):
        return cls(**{**configured, **client_options})
    if configured:
        # Credentials meant for a backend must never be spent on the demo server (nor the
        # user's work land there): refuse, naming what is set and what is missing.
        raise ValueError(f"{_credential_sources()} but no host: set SYNAPSE_HOST "
                         "(e.g. https://api.synapse.sh), or unset them to use the demo server")
    if demo is False:
        raise ValueError(
            "no Synapse backend configured: set SYNAPSE_HOST and SYNAPSE_ACCESS_TOKEN, or "
            "write ~/.synapse/config.json with host and access_token (or call connect() "
            "without demo=False to use the embedded demo server)"
        )
    server = demo_server()
    if not quiet:
        print(f"synapse_nb: no Synapse backend configured; using the demo server at "
              f"{server.base_url}", file=sys.stderr)
    return cls(server.base_url, access_token=server.access_token, **client_options)
