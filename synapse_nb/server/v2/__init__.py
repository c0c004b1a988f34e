"""The reference server's ``/v2/`` API: envelopes, cursor pages, bulk fetch, v2 auth headers.

Served from the same database as v1 (new resources in :mod:`.tables`), as a FastAPI
sub-application mounted at ``/v2`` so that its errors use the v2 error envelope while v1
keeps DRF's. It shares the parent app's state (settings, database) and middleware
(fault injection applies to both).

Paths (``{id}`` an integer; lists take ``cursor``, ``per_page``, ``sort`` and filters):

- ``GET /v2/<resource>/`` and ``GET /v2/<resource>/{id}/`` for projects, tasks,
  assignments, ground-truth-datasets, ground-truths, ground-truth-events (by ``pgh_id``),
  models, experiments, trains, reviews, pre-annotations, exports, data-collections,
  data-units, members;
- ``GET /v2/ground-truth-datasets/{id}/versions/`` (and ``.../versions/{id}/``,
  ``.../versions/{id}/events/``);
- ``POST /v2/tasks/bulk-fetch/``, ``/v2/assignments/bulk-fetch/`` (body ``{"ids": [...]}``),
  ``/v2/ground-truths/bulk-data/`` (``ids``), ``/v2/ground-truth-events/bulk-data/``
  (``pgh_ids``): at most 200 ids, unknown ids left out.

Auth: ``SYNAPSE-ACCESS-TOKEN: syn_...`` (bare, or ``Token ...``), or ``Authorization:
Token <drf>`` with ``SYNAPSE-Tenant: <code>`` (bare by default, ``Token <code>`` accepted).

>>> from synapse_nb.server import Settings, create_app
>>> app = create_app(Settings(demo=True, scale=200))
>>> any(getattr(r, "path", "") == "/v2" for r in app.routes)
True
"""

from __future__ import annotations

from fastapi import FastAPI

from .routes import create_v2_app

__all__ = ["create_v2_app", "mount_v2"]


def mount_v2(app: FastAPI) -> None:
    """Mount the v2 API at ``/v2`` of the v1 app ``app`` (sharing its state)."""
    app.mount("/v2", create_v2_app(app))
