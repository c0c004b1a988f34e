"""The reference Synapse server: FastAPI + SQLite, with demo data.

>>> from synapse_nb.server import Settings, create_app
>>> from synapse_nb.server.testing import serve_in_thread
>>> with serve_in_thread(Settings(demo=True, scale=500)) as server:   # doctest: +SKIP
...     print(server.base_url, server.access_token)

Run it from a shell with ``synapse-nb serve --demo`` or ``python -m synapse_nb.server``.
"""

from __future__ import annotations

from .app import create_app
from .settings import Settings

__all__ = ["Settings", "create_app"]
