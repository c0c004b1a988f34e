"""The examples in the datasets docstrings run (those needing a server are marked SKIP
there and exercised by the integration tests)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["labels", "splits", "manifest", "records", "export", "export_yolo", "export_voc", "readers"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(f"synapse_nb.datasets.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_configured_labels_examples() -> None:
    """The one reading of a configuration's labels (exports, imports, the label pickers)."""
    module = importlib.import_module("synapse_nb._util.labels")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
