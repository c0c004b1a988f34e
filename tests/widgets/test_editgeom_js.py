"""The editor's pure geometry (editgeom.js) under Node's own test runner."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).parent


def test_editor_geometry_in_node() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed for the editor's geometry tests (it is on these machines)")
    run = subprocess.run([node, "--test", str(HERE / "editgeom.test.mjs")], capture_output=True,
                         text=True, timeout=120, cwd=HERE.parent.parent)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "# fail 0" in run.stdout and "# pass 6" in run.stdout


def test_the_view_module_is_geometry_plus_view() -> None:
    from synapse_nb.widgets.view import BrowserView

    esm = str(BrowserView._esm)
    assert "export function resizeBox" in esm and "export default { render }" in esm
