"""The examples in the quality docstrings run (those needing a server are marked SKIP there
and exercised by the live tests instead)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["detection", "review", "classification", "duplicates", "snapshot_check"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(f"synapse_nb.quality.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
