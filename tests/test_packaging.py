"""The install paths a newcomer meets (pip, Binder, the README, CI) agree with each other."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

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
