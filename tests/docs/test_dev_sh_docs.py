"""``./dev.sh docs`` installs what the build imports, then builds strictly; ``./dev.sh docs
serve`` serves on loopback. Run with the stub ``PATH`` of ``tests/test_dev_sh.py``."""

from __future__ import annotations

from pathlib import Path

from tests.test_dev_sh import _stub, bin_dir, fake_python, run_dev  # noqa: F401 (fixtures)


def test_docs_builds_strictly_and_serves_on_loopback(bin_dir: Path, tmp_path: Path,  # noqa: F811
                                                    fake_python) -> None:  # noqa: F811
    python, log = fake_python
    env = {"PYTHON": str(python), "SYNAPSE_NB_DEV_VENV": str(tmp_path / "venv")}
    built = run_dev(bin_dir, "docs", **env)
    assert built.returncode == 0, built.stderr
    calls = log.read_text().splitlines()
    assert any(line.startswith("-m pip install") and line.endswith("-e .[test]") for line in calls)
    assert calls[-1] == "-m mkdocs build --strict"
    assert run_dev(bin_dir, "docs", "--site-dir", "out", **env).returncode == 0
    assert log.read_text().splitlines()[-1] == "-m mkdocs build --strict --site-dir out"
    assert run_dev(bin_dir, "docs", "serve", **env).returncode == 0
    assert log.read_text().splitlines()[-1] == "-m mkdocs serve --strict -a 127.0.0.1:8000"
