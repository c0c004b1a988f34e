"""``./dev.sh`` on a fresh machine: what it installs, with which Python, and when it does not.

Each test runs the real script with a ``PATH`` of stubs (``apt-get``, ``python``, ``pyenv``)
that record their calls, so the install paths run here without touching the machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEV_SH = ROOT / "dev.sh"
#: what dev.sh itself calls besides the stubs
TOOLS = ("bash", "dirname", "id", "cat", "cut", "sha256sum", "mkdir", "rm", "cp", "tail")


def _stub(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text("#!/bin/bash\n" + body)
    path.chmod(0o755)
    return path


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    """A PATH folder with the coreutils dev.sh needs and nothing else (no chromium, no python)."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for tool in TOOLS:
        found = shutil.which(tool)
        assert found, f"{tool} is needed to run dev.sh"
        (folder / tool).symlink_to(found)
    return folder


def run_dev(bin_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {"PATH": str(bin_dir), "HOME": str(bin_dir.parent / "home"), **env}
    return subprocess.run(["bash", str(DEV_SH), *args], check=False, capture_output=True, text=True,
                          env=full_env, timeout=60)


def test_chromium_is_installed_when_absent(bin_dir: Path, tmp_path: Path) -> None:
    calls = tmp_path / "apt-calls"
    # The stub "installs" chromium the way apt would: the binary appears on PATH.
    _stub(bin_dir, "apt-get", f'echo "$*" >> {calls}\n'
          f'if [ "$1" = install ]; then printf "#!/bin/bash\\n" > {bin_dir}/chromium; '
          f"{shutil.which('chmod')} +x {bin_dir}/chromium; fi\n")
    result = run_dev(bin_dir, "chromium")
    assert result.returncode == 0, result.stderr
    lines = calls.read_text().splitlines()
    assert lines[0].startswith("update")
    assert lines[1].split()[0] == "install" and "chromium" in lines[1].split()


def test_chromium_present_means_no_apt(bin_dir: Path, tmp_path: Path) -> None:
    calls = tmp_path / "apt-calls"
    _stub(bin_dir, "apt-get", f'echo "$*" >> {calls}\n')
    _stub(bin_dir, "chromium", "")
    assert run_dev(bin_dir, "chromium").returncode == 0
    assert not calls.exists()


def test_an_apt_that_installs_nothing_is_an_error(bin_dir: Path) -> None:
    _stub(bin_dir, "apt-get", "exit 0\n")
    result = run_dev(bin_dir, "chromium")
    assert result.returncode != 0
    assert "not on PATH" in result.stderr


@pytest.fixture
def fake_python(bin_dir: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A ``python`` that reports 3.12.1, makes venvs of itself and records pip calls."""
    log = tmp_path / "python-calls"
    python = _stub(bin_dir, "fake-python", f'echo "$*" >> {log}\n'
                   'case "$1" in\n'
                   '  -c) echo 3.12.1 ;;\n'
                   '  -m) if [ "$2" = venv ]; then mkdir -p "$3/bin"; cp "$0" "$3/bin/python"; fi ;;\n'
                   'esac\n')
    return python, log


def _pip_installs(log: Path) -> list[str]:
    return [line for line in log.read_text().splitlines() if line.startswith("-m pip install")]


def test_install_runs_once_per_pyproject(bin_dir: Path, tmp_path: Path, fake_python) -> None:
    python, log = fake_python
    env = {"PYTHON": str(python), "SYNAPSE_NB_DEV_VENV": str(tmp_path / "venv")}
    first = run_dev(bin_dir, "install", "notebook", **env)
    assert first.returncode == 0, first.stderr
    assert any(line.endswith("-e .[notebook]") for line in _pip_installs(log))
    assert len(first.stderr.splitlines()) <= 2, first.stderr  # quiet: no pip or setuptools output

    log.unlink()
    assert run_dev(bin_dir, "install", "notebook", **env).returncode == 0
    assert _pip_installs(log) == []  # the stamp matches pyproject.toml: nothing reinstalled

    assert run_dev(bin_dir, "install", "test", **env).returncode == 0
    assert any(line.endswith("-e .[test]") for line in _pip_installs(log))
    log.unlink()
    assert run_dev(bin_dir, "install", "notebook", **env).returncode == 0
    assert not log.exists() or _pip_installs(log) == []  # [test] includes [notebook]

    # pyproject.toml changed since (the stamp holds another hash): install again
    (tmp_path / "venv" / ".synapse_nb-installed-notebook").write_text("0" * 64 + " 3.12.1\n")
    assert run_dev(bin_dir, "install", "notebook", **env).returncode == 0
    assert any(line.endswith("-e .[notebook]") for line in _pip_installs(log))


def test_python_312_is_found_behind_a_failing_pyenv_shim(bin_dir: Path, tmp_path: Path) -> None:
    # pyenv has 3.11 and 3.12 installed; the python3.12 shim fails (3.12 is not global).
    root = tmp_path / "pyenv"
    _stub(bin_dir, "pyenv", f'[ "$1" = root ] && echo {root}\n')
    _stub(bin_dir, "python3.12", "echo 'pyenv: python3.12: command not found' >&2; exit 127\n")
    for version in ("3.11.7", "3.12.1"):
        folder = root / "versions" / version / "bin"
        folder.mkdir(parents=True)
        _stub(folder, f"python{version.rsplit('.', 1)[0]}", "exit 0\n")
    result = run_dev(bin_dir, "python")
    assert result.stdout.strip() == str(root / "versions/3.12.1/bin/python3.12"), result.stderr

    shutil.rmtree(root / "versions" / "3.12.1")
    assert run_dev(bin_dir, "python").stdout.strip().endswith("3.11.7/bin/python3.11")

    shutil.rmtree(root / "versions" / "3.11.7")
    result = run_dev(bin_dir, "python")
    assert result.returncode != 0 and "needs Python 3.11, 3.12 or 3.13" in result.stderr


def test_sdk_venv_is_made_with_312_and_reused(bin_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "pyenv"
    _stub(bin_dir, "pyenv", f'[ "$1" = root ] && echo {root}\n')
    (root / "versions" / "3.12.1" / "bin").mkdir(parents=True)
    _stub(root / "versions" / "3.12.1" / "bin", "python3.12", "exit 0\n")
    venv = tmp_path / "home" / ".cache" / "synapse_nb" / "sdk-2026.2.17"

    result = run_dev(bin_dir, "sdk-venv", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (f"would make {venv} with {root}/versions/3.12.1/bin/python3.12 "
                                     "and pip install synapse-sdk==2026.2.17")
    assert not venv.exists()

    # A complete venv (the SDK importable at that version) is reused and stamped.
    (venv / "bin").mkdir(parents=True)
    _stub(venv / "bin", "python", "exit 0\n")
    result = run_dev(bin_dir, "sdk-venv")
    assert result.returncode == 0 and result.stdout == "", result.stderr
    assert (venv / ".synapse_nb-complete").read_text().strip() == "2026.2.17"


def test_sdk_venv_needs_python_312(bin_dir: Path, tmp_path: Path) -> None:
    _stub(bin_dir, "pyenv", f"echo {tmp_path / 'nothing'}\n")
    result = run_dev(bin_dir, "sdk-venv", "--dry-run")
    assert result.returncode != 0 and "needs Python 3.12 or later" in result.stderr


def test_ci_runs_the_test_command_with_ci_set() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert "export CI=true" in ci
    assert [line for line in ci.splitlines() if line.startswith("./dev.sh")] == [
        "./dev.sh test -p no:cacheprovider --durations=40",
        "./dev.sh test-versions -p no:cacheprovider"]
    assert os.access(ROOT / ".ci" / "run", os.X_OK) and os.access(DEV_SH, os.X_OK)


def test_the_test_command_installs_then_runs_pytest_with_the_sdk(bin_dir: Path, tmp_path: Path,
                                                                  fake_python) -> None:
    python, log = fake_python
    _stub(bin_dir, "chromium", "")
    _stub(bin_dir, "pyenv", f"echo {tmp_path / 'pyenv'}\n")
    env = {"PYTHON": str(python), "SYNAPSE_NB_DEV_VENV": str(tmp_path / "venv")}
    # no Python 3.12 here: locally the SDK suite is skipped, in CI that is an error
    result = run_dev(bin_dir, "test", "-p", "no:cacheprovider", **env)
    assert result.returncode == 0, result.stderr
    assert "conformance tests will be skipped" in result.stderr
    ran = log.read_text().splitlines()[-1]
    assert ran.startswith("-m pytest tests notebooks --nbval-lax") and ran.endswith("no:cacheprovider")
    result = run_dev(bin_dir, "test", **env, CI="true")
    assert result.returncode != 0 and "needs Python 3.12 or later" in result.stderr

    # with 3.12 and a complete SDK venv, pytest gets SYNAPSE_NB_SDK_PYTHON
    (tmp_path / "pyenv" / "versions" / "3.12.1" / "bin").mkdir(parents=True)
    _stub(tmp_path / "pyenv" / "versions" / "3.12.1" / "bin", "python3.12", "exit 0\n")
    venv = tmp_path / "home" / ".cache" / "synapse_nb" / "sdk-2026.2.17"
    (venv / "bin").mkdir(parents=True)
    _stub(venv / "bin", "python", "exit 0\n")
    (tmp_path / "venv" / "bin" / "python").write_text(
        f'#!/bin/bash\necho "$* SDK=$SYNAPSE_NB_SDK_PYTHON" >> {log}\n')
    assert run_dev(bin_dir, "test", **env, CI="true").returncode == 0
    assert log.read_text().splitlines()[-1].endswith(f"SDK={venv}/bin/python")


def _pyenv_with(bin_dir: Path, tmp_path: Path, versions: dict[str, str]) -> Path:
    """A pyenv root holding ``{"3.11.7": stub body, ...}`` as ``versions/X/bin/pythonX.Y``."""
    root = tmp_path / "pyenv"
    _stub(bin_dir, "pyenv", f'[ "$1" = root ] && echo {root}\n')
    for version, body in versions.items():
        folder = root / "versions" / version / "bin"
        folder.mkdir(parents=True)
        _stub(folder, f"python{version.rsplit('.', 1)[0]}", body)
    return root


def test_test_versions_fails_when_a_python_is_missing(bin_dir: Path, tmp_path: Path) -> None:
    _pyenv_with(bin_dir, tmp_path, {"3.11.7": "exit 0\n"})
    result = run_dev(bin_dir, "test-versions", SYNAPSE_NB_DEV_VENV=str(tmp_path / "venv"))
    assert result.returncode != 0, result.stderr
    assert "test-versions needs Python 3.13" in result.stderr
    assert not list(tmp_path.glob("venv*"))  # nothing installed before the check


def test_test_versions_runs_the_fast_part_on_311_and_313(bin_dir: Path, tmp_path: Path) -> None:
    log = tmp_path / "python-calls"
    # each interpreter reports its version, makes venvs of itself and records what it runs
    body = ('echo "$0 $*" >> {log}\n'
            'case "$1" in\n'
            '  -c) case "$2" in *print*) echo {version} ;; esac ;;\n'
            '  -m) if [ "$2" = venv ]; then mkdir -p "$3/bin"; cp "$0" "$3/bin/python"; fi ;;\n'
            'esac\n')
    _pyenv_with(bin_dir, tmp_path, {v: body.format(log=log, version=v) for v in ("3.11.7", "3.13.0")})
    venv = tmp_path / "venv"
    result = run_dev(bin_dir, "test-versions", "-p", "no:cacheprovider", SYNAPSE_NB_DEV_VENV=str(venv))
    assert result.returncode == 0, result.stderr
    calls = log.read_text().splitlines()
    for version in ("3.11", "3.13"):
        assert any(c.startswith(f"{venv}-{version}/bin/python -m pip install -q -e .[test-core]")
                   for c in calls), calls
        assert f"{venv}-{version}/bin/python -m pytest tests/client tests/frames tests/upload tests/datasets " \
               "-m not browser and not sdk and not slow -q -p no:cacheprovider" in calls
    assert (venv.parent / "venv-3.13" / ".synapse_nb-installed-test-core").exists()
