"""The examples in the widgets docstrings run."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["", "_html", "query", "cell_search", "overlay", "table", "filters", "metrics", "detail", "browser",
           "resources", "view", "events", "names"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module("synapse_nb.widgets" + (f".{name}" if name else ""))
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0  # every module shows an example


def test_html_table_examples():
    module = importlib.import_module("synapse_nb._util.html")
    result = doctest.testmod(module)
    assert result.failed == 0 and result.attempted > 0
