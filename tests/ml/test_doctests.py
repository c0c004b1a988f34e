"""The examples in the ml docstrings run (those needing a server are marked SKIP there and
exercised by the live tests instead)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["shapes", "coco", "matching", "detection", "classification", "kappa", "annotators", "keys",
           "plots", "browse"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    pytest.importorskip("matplotlib")
    module = importlib.import_module(f"synapse_nb.ml.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
