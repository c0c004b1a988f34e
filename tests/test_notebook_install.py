"""The documented install runs every notebook.

``./dev.sh demo`` installs ``synapse_nb[notebook]`` and nothing else, so every notebook in
``notebooks/`` must run on exactly that. The test suite's own venv has more (``[test]``),
which once hid that notebooks 06 (``distributed``) and 07 (``supervision``) failed there
with ModuleNotFoundError. This test builds the ``[notebook]`` install in a fresh venv
(``python -m venv`` + ``pip install -e .[notebook]``; pip's cache makes a second build
quick), adds only nbval to drive the notebooks, and runs them all there as CI does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

pytestmark = [pytest.mark.slow, pytest.mark.timeout(3600)]


def _imports_of(notebook: Path) -> set[str]:
    """Top-level modules a notebook's code cells import."""
    names = set()
    for cell in json.loads(notebook.read_text())["cells"]:
        if cell["cell_type"] != "code":
            continue
        for line in "".join(cell["source"]).splitlines():
            words = line.strip().split()
            if len(words) >= 2 and words[0] in ("import", "from"):
                names.add(words[1].split(".")[0].rstrip(","))
    return names


def _run(args: list[str], cwd: Path, timeout: int) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def notebook_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("notebook-install") / "venv"
    made = _run([sys.executable, "-m", "venv", str(venv)], ROOT, 300)
    assert made.returncode == 0, made.stderr[-2000:]
    python = venv / "bin" / "python"
    pip = _run([str(python), "-m", "pip", "install", "-q", "-e", f"{ROOT}[notebook]", "nbval"], ROOT, 3000)
    assert pip.returncode == 0, pip.stdout[-3000:] + pip.stderr[-3000:]
    return python


def test_every_module_a_notebook_imports_is_in_the_notebook_install(notebook_venv: Path) -> None:
    wanted = sorted(set().union(*(_imports_of(nb) for nb in NOTEBOOKS)))
    probe = ("import importlib.util, json, sys; print(json.dumps([m for m in sys.argv[1:] "
             "if importlib.util.find_spec(m) is None]))")
    run = _run([str(notebook_venv), "-c", probe, *wanted], ROOT, 300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert json.loads(run.stdout) == [], "pip install synapse_nb[notebook] lacks these"


def test_every_notebook_runs_on_the_notebook_install(notebook_venv: Path) -> None:
    run = _run([str(notebook_venv), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
                "--nbval-lax", "--nbval-sanitize-with", "notebooks/sanitize.cfg",
                *[str(nb.relative_to(ROOT)) for nb in NOTEBOOKS]], ROOT, 3000)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
