"""SDK import path: ``from synapse_sdk.clients.exceptions import ClientError`` becomes
``from synapse_nb.client.exceptions import ClientError`` (same classes as :mod:`.errors`).

>>> from synapse_nb.client.exceptions import ClientError, NotFoundError
>>> issubclass(NotFoundError, ClientError)
True
"""

from __future__ import annotations

from .errors import *  # noqa: F401,F403 (a re-export under the SDK's module name)
from .errors import __all__  # noqa: F401
