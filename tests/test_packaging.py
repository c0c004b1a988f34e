"""The install paths a newcomer meets (pip, Binder, the README, CI) agree with each other."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=\[ ;]", line.strip(), maxsplit=1)[0].lower() for line in requirements
            if line.strip() and not line.lstrip().startswith("#")}


def test_binder_installs_every_runtime_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    binder = _names((ROOT / "binder" / "requirements.txt").read_text().splitlines())
    missing = _names(project["dependencies"]) - binder
    assert not missing, f"binder/requirements.txt lacks {sorted(missing)}"
    assert "pip install" in (ROOT / "binder" / "postBuild").read_text()


def test_readme_opens_with_the_two_commands_ci_runs():
    readme = (ROOT / "README.md").read_text()
    first_block = readme.split("```")[1]
    commands = [line.split("#")[0].strip() for line in first_block.splitlines()[1:] if line.strip()]
    assert commands == ["./dev.sh demo", "./dev.sh test"]
    assert "./dev.sh test" in (ROOT / ".ci" / "run").read_text()
