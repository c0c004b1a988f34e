"""The examples in the server's docstrings run."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import synapse_nb.server as server_pkg

MODULES = sorted(
    name for _finder, name, _pkg in pkgutil.walk_packages(server_pkg.__path__,
                                                            prefix="synapse_nb.server.")
    if not name.endswith("__main__")
)


@pytest.mark.parametrize("name", ["synapse_nb.server", *MODULES])
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} failing example(s) in {name}"
