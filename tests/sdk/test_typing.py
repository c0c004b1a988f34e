"""The client's methods are typed for a user's type checker (issue 16): mypy on a user script.

``typing_user.py`` reveals the types mypy sees; they must be the SDK's shapes (not ``Any``),
sync and async from one declaration. A wrong use must be an error.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
USER = Path(__file__).with_name("typing_user.py")

EXPECTED = {
    "client.get_task": "def (task_id: int | str | None =, params: typing.Mapping[str, Any] | None =, *, "
                       "pk: int | str | None =) -> dict[str, Any]",
    "client.get_task(1)": "dict[str, Any]",
    'client.list_tasks({"project": 1})': "dict[str, Any] | tuple[Any, int]",
    "client.get_storage(1)": "synapse_nb.client.sdk_models.Storage",
    "client.get_storage(1).provider": "str",
    "client.list_agents()": "list[synapse_nb.client.sdk_models.Agent]",
    "client.upload_files_bulk([])": "synapse_nb.client.sdk_models.ConfirmUploadResponse",
    'client.list_plugin_releases("yolov8")': "list[dict[str, Any]]",
    "client.create_data_units([])": "synapse_nb.client.sdk_models.UnitList",
    "client.tail_job_console_logs(1)": "typing.Iterator[str]",
    'client.exists("list_tasks")': "bool",
    'client.download("http://h/x")': "pathlib.Path",
    "await client.get_task(1)": "dict[str, Any]",
    "await client.get_storage(1)": "synapse_nb.client.sdk_models.Storage",
    "await client.upload_files_bulk([])": "synapse_nb.client.sdk_models.ConfirmUploadResponse",
}


#: the user's script is checked against synapse_nb.client; the rest of the package and the
#: heavy third-party stubs are skipped (seen as Any), which keeps a cold run to seconds
CONFIG = """[mypy]
follow_imports = silent
[mypy-synapse_nb.*]
follow_imports = skip
[mypy-synapse_nb.client.*]
follow_imports = silent
[mypy-synapse_nb.client.v2.*]
follow_imports = skip
[mypy-pandas.*,numpy.*,pyarrow.*,ipywidgets.*,anywidget.*,PIL.*,tqdm.*,httpx.*,httpcore.*,anyio.*,h11.*,idna.*,certifi.*,sniffio.*,orjson.*,platformdirs.*]
follow_imports = skip
"""

BAD = """from synapse_nb.client import SynapseClient, AsyncSynapseClient
def f(c: SynapseClient, a: AsyncSynapseClient) -> None:
    n: int = c.get_task(1)
    c.get_task(1, nope=2)
    d: dict[str, object] = a.get_task(1)
"""


@pytest.fixture(scope="module")
def mypy_out(tmp_path_factory: pytest.TempPathFactory) -> str:
    pytest.importorskip("mypy")
    tmp = tmp_path_factory.mktemp("mypy")
    (tmp / "mypy.ini").write_text(CONFIG)
    (tmp / "typing_bad.py").write_text(BAD)
    proc = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-error-summary",
                           f"--config-file={tmp / 'mypy.ini'}", f"--cache-dir={tmp / 'cache'}",
                           str(USER), str(tmp / "typing_bad.py")],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    return proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def revealed(mypy_out: str) -> dict[str, list[str]]:
    assert not [line for line in mypy_out.splitlines() if "typing_user.py" in line and "error:" in line], mypy_out
    lines = USER.read_text().splitlines()
    found: dict[str, list[str]] = {}
    for line_no, kind in re.findall(r"typing_user\.py:(\d+): note: Revealed type is \"(.*)\"", mypy_out):
        expr = re.search(r"reveal_type\((.*)\)\s+#", lines[int(line_no) - 1])
        assert expr is not None
        found.setdefault(expr.group(1), []).append(kind)
    return found


def test_sync_and_async_methods_have_the_sdk_shapes(revealed):
    for expr, kind in EXPECTED.items():
        assert revealed.get(expr, [None])[0] == kind, (expr, revealed.get(expr))


def test_async_methods_are_coroutine_functions(revealed):
    sync, asynchronous = revealed["client.get_task"]  # the sync user's, then the async user's
    assert sync.endswith("-> dict[str, Any]")
    assert asynchronous.endswith("-> typing.Coroutine[Any, Any, dict[str, Any]]")


def test_a_wrong_use_is_an_error(mypy_out):
    bad = [line for line in mypy_out.splitlines() if "typing_bad.py" in line]
    text = "\n".join(bad)
    assert 'Incompatible types in assignment (expression has type "dict[str, Any]"' in text, mypy_out
    assert 'Unexpected keyword argument "nope"' in text, mypy_out
    assert "Coroutine[Any, Any, dict[str, Any]]" in text, mypy_out


#: the package's own __init__ is followed (its re-exports are what is checked), synapse_nb.client
#: too (the classes are real, not Any); the rest of the package is skipped to keep it fast
PUBLIC_CONFIG = """[mypy]
follow_imports = silent
[mypy-synapse_nb.*]
follow_imports = skip
[mypy-synapse_nb]
follow_imports = silent
[mypy-synapse_nb.client,synapse_nb.client.*]
follow_imports = silent
[mypy-synapse_nb.client.v2.*]
follow_imports = skip
[mypy-pandas.*,numpy.*,pyarrow.*,ipywidgets.*,anywidget.*,PIL.*,tqdm.*,httpx.*,httpcore.*,anyio.*,h11.*,idna.*,certifi.*,sniffio.*,orjson.*,platformdirs.*]
follow_imports = skip
"""


def test_every_public_name_is_exported_to_a_strict_users_mypy(tmp_path):
    """A user's ``from synapse_nb import X`` / ``synapse_nb.X`` under ``mypy --strict`` (no
    implicit re-export), for every name in ``synapse_nb.__all__``, against the package this
    interpreter imports (the installed one), from a folder outside the checkout."""
    pytest.importorskip("mypy")
    import synapse_nb

    names = [n for n in synapse_nb.__all__ if n != "__version__"]
    assert len(names) > 60
    script = ["import synapse_nb", f"from synapse_nb import {', '.join(names)}", ""]
    script += [f"_{i} = synapse_nb.{name}" for i, name in enumerate(names)]
    script += ["reveal_type(SynapseClient)", "reveal_type(synapse_nb.AsyncSynapseClient)",
               "reveal_type(synapse_nb.__version__)"]
    (tmp_path / "user_script.py").write_text("\n".join(script) + "\n")
    (tmp_path / "mypy.ini").write_text(PUBLIC_CONFIG)
    # mypy cannot see through setuptools' editable-install import hook: point it at the
    # folder of the package this interpreter imports (the checkout, or site-packages)
    where = str(Path(synapse_nb.__file__).resolve().parents[1])
    proc = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-error-summary",
                           "--config-file=mypy.ini", f"--cache-dir={tmp_path / 'cache'}",
                           "user_script.py"], capture_output=True, text=True, cwd=tmp_path,
                          timeout=300, env={**os.environ, "MYPYPATH": where})
    out = proc.stdout + proc.stderr
    assert "error:" not in out, out  # e.g. 'does not explicitly export attribute "SynapseClient"'
    revealed = re.findall(r'Revealed type is "(.*)"', out)
    assert revealed[0].endswith("-> synapse_nb.client._sync.SynapseClient"), out
    assert revealed[1].endswith("-> synapse_nb.client._async.AsyncSynapseClient"), out
    assert revealed[2] in ("str", "builtins.str"), out
