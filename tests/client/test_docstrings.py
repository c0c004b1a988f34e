"""The runnable examples in the client's docstrings run here (CI does not use --doctest-modules).

Examples marked ``+SKIP`` need a server; the same calls run in the live tests.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import synapse_nb._util as util
import synapse_nb.client as package

MODULES = sorted(m.name for p in (package, util)
                 for m in pkgutil.iter_modules(p.__path__, p.__name__ + "."))


@pytest.mark.parametrize("name", [package.__name__, util.__name__, *MODULES])
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
