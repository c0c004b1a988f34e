"""The examples in the frames docstrings run (those needing a server are marked SKIP there
and exercised by the integration tests instead)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["schema", "computed", "convert", "arrays", "annotations", "fetch", "pump", "cache", "expand", "adapters", "api",
           "typed", "views", "typed_pages"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(f"synapse_nb.frames.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
