"""The public names of ``synapse_nb``: lazy at run time, typed for mypy and editors."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import synapse_nb

ROOT = Path(__file__).resolve().parents[1]


def _type_checking_names() -> set[str]:
    tree = ast.parse((ROOT / "synapse_nb" / "__init__.py").read_text())
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom)
                names |= {a.asname or a.name for a in imp.names}
    return names


def test_every_lazy_name_is_imported_for_type_checkers_from_its_module() -> None:
    lazy = dict(synapse_nb._LAZY)
    assert _type_checking_names() == set(lazy)


@pytest.mark.parametrize("name", sorted(synapse_nb._LAZY))
def test_every_lazy_name_resolves(name: str) -> None:
    assert getattr(synapse_nb, name) is getattr(importlib.import_module(synapse_nb._LAZY[name]), name)


def test_the_package_version_is_the_distribution_version() -> None:
    text = (ROOT / "pyproject.toml").read_text()
    assert f'version = "{synapse_nb.__version__}"' in text


def test_a_typed_user_script_sees_frames_and_clients(tmp_path: Path) -> None:
    script = tmp_path / "user.py"
    script.write_text(textwrap.dedent("""
        import synapse_nb as snb

        client = snb.SynapseClient("http://127.0.0.1:9", access_token="x")
        reveal_type(snb.tasks_frame(client, project=1))
        reveal_type(snb.tasks_frame_async)
        reveal_type(client)
        reveal_type(snb.annotations_frame(client))
        snb.tasks_frame(client, progres=True, project=1)  # a typo in a declared keyword still goes to **filters
    """))
    proc = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental", "--follow-imports=silent",
                           "--ignore-missing-imports", str(script)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    out = proc.stdout
    assert 'Revealed type is "pandas.core.frame.DataFrame"' in out, out
    assert "AsyncFrameFunction" in out, out
    assert 'Revealed type is "synapse_nb.client._sync.SynapseClient"' in out, out
    assert out.count("Revealed type") == 4, out
