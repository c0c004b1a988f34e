"""The core client: SDK-compatible, sync and async, concurrent paging, resumable uploads.

>>> from synapse_nb.client import SynapseClient
>>> client = SynapseClient("http://127.0.0.1:8000", access_token="syn_secret")
>>> "syn_secret" in repr(client)
False
>>> client.close()
"""

from __future__ import annotations

from ._async import AsyncSynapseClient
from ._sync import SynapseClient
from .errors import (
    APIConnectionError,
    AuthenticationError,
    BadRequestError,
    ClientError,
    ContentTypeError,
    DecodingError,
    NotFoundError,
    PaginationStalledError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeoutError,
    ServerError,
)
from .pagination import AsyncPages, FetchReport, Pages
from .retry import RetryPolicy

#: the SDK's name, so ``from synapse_nb.client import BackendClient`` keeps user code working
BackendClient = SynapseClient

__all__ = [
    "SynapseClient",
    "AsyncSynapseClient",
    "BackendClient",
    "Pages",
    "AsyncPages",
    "FetchReport",
    "RetryPolicy",
    "ClientError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "RequestTimeoutError",
    "RateLimitError",
    "ServerError",
    "APIConnectionError",
    "ContentTypeError",
    "DecodingError",
    "PaginationStalledError",
]
