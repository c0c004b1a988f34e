"""Drive the real synapse-sdk, installed in its own Python 3.12+ venv, from the tests.

synapse-sdk 2026.2.17 needs Python 3.12 or later and pulls about 400 MB, so it lives in
its own venv, never in the project's: ``./dev.sh sdk-venv`` makes it (``.ci/run`` does
too) at ``~/.cache/synapse_nb/sdk-<version>`` or ``$SYNAPSE_NB_SDK_PYTHON``.

A test hands :func:`run_sdk` a script; the script prints one JSON document as its last
line of output and that document is returned. The script sees ``SNB_HOST``,
``SNB_TOKEN``, ``SNB_TENANT`` (and whatever else the test passes in ``env``).
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest

SDK_VERSION = "2026.2.17"


def sdk_python() -> Path | None:
    """The SDK venv's interpreter, or None when it is not installed here."""
    configured = os.environ.get("SYNAPSE_NB_SDK_PYTHON")
    if configured:
        return Path(configured)
    default = Path.home() / ".cache" / "synapse_nb" / f"sdk-{SDK_VERSION}" / "bin" / "python"
    return default if default.exists() else None


def require_sdk_python() -> Path:
    """The interpreter; skip with the reason where none exists, fail in CI (it must exist there)."""
    python = sdk_python()
    if python is not None and python.exists():
        return python
    reason = (f"synapse-sdk=={SDK_VERSION} is not installed in a Python 3.12+ venv here: "
              "run ./dev.sh sdk-venv (or set SYNAPSE_NB_SDK_PYTHON)")
    if os.environ.get("CI"):
        pytest.fail(reason + " -- .ci/run must have made it")
    pytest.skip(reason)


def run_sdk(script: str, *, env: dict[str, str] | None = None, timeout: float = 600) -> Any:
    """Run ``script`` under the SDK's Python and return the JSON its last output line holds."""
    python = require_sdk_python()
    child_env = {k: v for k, v in os.environ.items() if not k.startswith(("SYNAPSE_", "PYTHONPATH"))}
    child_env.update(env or {})
    proc = subprocess.run([str(python), "-c", textwrap.dedent(script)], capture_output=True, text=True,
                          env=child_env, timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f"the SDK script failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    if not lines:
        raise AssertionError(f"the SDK script printed nothing; stderr:\n{proc.stderr[-4000:]}")
    return json.loads(lines[-1])
