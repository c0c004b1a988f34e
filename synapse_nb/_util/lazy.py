"""Lazy package attributes: a name is imported from its module on first use.

Keeps ``import synapse_nb`` (and its ``datasets`` / ``ml`` packages) cheap: pandas,
FastAPI or pycocotools load only when a name that needs them is first looked up.

>>> ns: dict = {}
>>> getattr_ = lazy_getattr("demo", {"dumps": "json"}, ns)
>>> getattr_("dumps") is __import__("json").dumps and "dumps" in ns
True
"""

from __future__ import annotations

import importlib
from typing import Any, Callable, Mapping

__all__ = ["lazy_getattr"]


def lazy_getattr(package: str, names: Mapping[str, str],
                 namespace: dict[str, Any]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``names[name]`` (relative to ``package``).

    The value is stored in ``namespace`` (the module's ``globals()``), so later lookups
    skip the function.
    """
    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        namespace[name] = value
        return value
    return __getattr__
