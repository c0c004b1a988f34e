"""Import optional heavy dependencies with an error that says which extra to install."""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["import_optional"]


def import_optional(module: str, extra: str) -> ModuleType:
    """Import ``module`` or raise ImportError naming the ``synapse_nb[extra]`` to install.

    >>> import_optional("json", "core").__name__
    'json'
    """
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise ImportError(
            f"{module} is needed for this feature; install it with "
            f"`pip install 'synapse_nb[{extra}]'` (or `pip install {module.split('.')[0]}`)."
        ) from err
