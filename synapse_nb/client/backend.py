"""SDK import path: ``from synapse_sdk.clients.backend import BackendClient`` becomes
``from synapse_nb.client.backend import BackendClient``.

>>> from synapse_nb.client.backend import BackendClient
>>> BackendClient.__name__
'SynapseClient'
"""

from __future__ import annotations

from . import AsyncSynapseClient, BackendClient, SynapseClient

__all__ = ["BackendClient", "SynapseClient", "AsyncSynapseClient"]
