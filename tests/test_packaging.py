"""The install paths a newcomer meets (pip, Binder, the README, CI) agree with each other."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=\[ ;]", line.strip(), maxsplit=1)[0].lower() for line in requirements
            if line.strip() and not line.lstrip().startswith("#")}


def test_binder_installs_the_notebook_extra_from_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    post_build = (ROOT / "binder" / "postBuild").read_text()
    installs = re.findall(r"pip install .*", post_build)
    # pyproject.toml is the one list: Binder installs the package with its dependencies.
    assert any('-e ".[notebook]"' in line and "--no-deps" not in line for line in installs), installs
    notebook = " ".join(project["optional-dependencies"]["notebook"])
    assert all(extra in notebook for extra in ("server", "plots", "excel", "lab"))
    pinned = _names((ROOT / "binder" / "requirements.txt").read_text().splitlines())
    everything = _names(project["dependencies"] + [d for extra in project["optional-dependencies"].values()
                                                   for d in extra])
    assert pinned <= everything, f"binder/requirements.txt names {sorted(pinned - everything)}"
    runtime = (ROOT / "binder" / "runtime.txt").read_text().strip().removeprefix("python-")
    assert f"Programming Language :: Python :: {runtime}" in project["classifiers"]


def test_readme_opens_with_the_two_commands_ci_runs():
    readme = (ROOT / "README.md").read_text()
    first_block = readme.split("```")[1]
    commands = [line.split("#")[0].strip() for line in first_block.splitlines()[1:] if line.strip()]
    assert commands == ["./dev.sh demo", "./dev.sh test"]
    assert "./dev.sh test" in (ROOT / ".ci" / "run").read_text()


@pytest.mark.slow
def test_pip_install_without_extras_gives_a_working_lean_core(tmp_path, live_server):
    """A fresh venv, ``pip install .``: the client and frames work, the server is absent."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    # This test's pip installs into the new venv (--python); --no-compile keeps it near 40 s.
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install",
                              "-q", "--no-compile", str(ROOT)],
                             check=False, capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stderr[-3000:]
    script = textwrap.dedent("""
        import importlib.util, os, sys
        import synapse_nb
        from synapse_nb.client import SynapseClient
        assert importlib.util.find_spec("fastapi") is None, "fastapi came with the core"
        assert importlib.util.find_spec("uvicorn") is None, "uvicorn came with the core"
        client = SynapseClient(os.environ["SNB_HOST"], access_token=os.environ["SNB_TOKEN"])
        frame = synapse_nb.tasks_frame(client, project=1, progress=False)
        print(len(frame), frame.index.name)
        try:
            synapse_nb.connect()
        except ImportError as err:
            print(err)
    """)
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "SNB_HOST": live_server.base_url,
           "SNB_TOKEN": live_server.access_token}
    run = subprocess.run([str(python), "-c", script], check=False, capture_output=True, text=True, env=env,
                         cwd=tmp_path, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    first, message = run.stdout.strip().splitlines()
    rows, index = first.split()
    assert int(rows) > 0 and index == "id"
    assert message.startswith("the embedded demo server needs the server extra: "
                              "pip install 'synapse_nb[server]'")
