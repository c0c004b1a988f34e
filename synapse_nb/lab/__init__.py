"""The JupyterLab settings the demo and Binder start with: widget state saved with notebooks.

A saved notebook reopened without its kernel draws a browser from the widget state saved in
it; without that state a trusted notebook shows "Error displaying widget: model not found"
(ipywidgets' renderer never falls back to the bundle's static table). JupyterLab saves the
state only when ``saveState`` of ``@jupyter-widgets/jupyterlab-manager:plugin`` is on, and it
is off by default. ``overrides.json`` next to this module is the one source of that setting:

* ``synapse-nb demo`` starts JupyterLab with ``--LabApp.app_settings_dir`` on a temporary copy
  of the install's settings folder with it added (:func:`demo_settings_dir`), so neither the
  install nor the user's own settings are written;
* Binder's ``postBuild`` merges it into the image's ``share/jupyter/lab/settings/overrides.json``
  (:func:`install_overrides`).

An override changes a setting's default only: a user who turns ``saveState`` off keeps it off,
and a value the install's own ``overrides.json`` already sets wins over ours.

Example
-------
>>> from synapse_nb.lab import OVERRIDES, merged_overrides
>>> merged_overrides({})["@jupyter-widgets/jupyterlab-manager:plugin"]["saveState"]
True
>>> merged_overrides({"@jupyter-widgets/jupyterlab-manager:plugin": {"saveState": False}})[
...     "@jupyter-widgets/jupyterlab-manager:plugin"]["saveState"]
False
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

from synapse_nb._util.files import atomic_path

__all__ = ["OVERRIDES", "demo_settings_dir", "install_overrides", "lab_app_dir",
           "merged_overrides"]

OVERRIDES = Path(__file__).with_name("overrides.json")
"""The shipped settings overrides (plugin id -> {setting: value})."""


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """``base`` updated from ``top``, nested dicts merged (JupyterLab's own rule)."""
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def merged_overrides(existing: dict[str, Any]) -> dict[str, Any]:
    """The shipped overrides with ``existing`` ones on top (an install's choice wins).

    >>> merged_overrides({"other:plugin": {"a": 1}})["other:plugin"]
    {'a': 1}
    """
    ours: dict[str, Any] = json.loads(OVERRIDES.read_text(encoding="utf-8"))
    return _merge(ours, existing)


def install_overrides(settings_dir: str | Path) -> Path:
    """Merge the shipped overrides into ``settings_dir/overrides.json``; returns its path.

    ``settings_dir`` is a JupyterLab application settings folder
    (``<sys.prefix>/share/jupyter/lab/settings`` by default). An ``overrides.json`` already
    there keeps its values; one that is not a JSON object is refused, naming it, and left
    as it was.

    >>> import tempfile
    >>> path = install_overrides(tempfile.mkdtemp())
    >>> json.loads(path.read_text())["@jupyter-widgets/jupyterlab-manager:plugin"]
    {'saveState': True}
    """
    target = Path(settings_dir) / "overrides.json"
    existing: Any = {}
    if target.exists():
        try:
            existing = json.loads(target.read_text(encoding="utf-8") or "{}")
        except ValueError as err:
            raise ValueError(f"{target} is not valid JSON ({err}); fix or remove it, then "
                             "run this again") from None
        if not isinstance(existing, dict):
            raise ValueError(f"{target} must hold a JSON object (plugin id -> settings); "
                             "fix or remove it, then run this again")
    # Made here, not by atomic_path (0700): JupyterLab may run as another user than the
    # one installing (a shared prefix), and must read the folder and the file.
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target, mode=0o644) as tmp:
        tmp.write_text(json.dumps(merged_overrides(existing), indent=2) + "\n", encoding="utf-8")
    return target


def lab_app_dir() -> Path:
    """JupyterLab's application folder (``JUPYTERLAB_DIR`` or ``<prefix>/share/jupyter/lab``)."""
    try:
        from jupyterlab.commands import get_app_dir
    except ImportError:  # JupyterLab found on PATH from another environment
        return Path(sys.prefix) / "share" / "jupyter" / "lab"
    return Path(get_app_dir())


def demo_settings_dir(workdir: str | Path, app_dir: str | Path | None = None) -> Path:
    """A copy of JupyterLab's application settings folder with the shipped overrides merged
    in, for ``--LabApp.app_settings_dir``; returns it (``workdir/settings``).

    Pointing ``app_settings_dir`` elsewhere would drop what the install keeps there
    (``page_config.json``, ``overrides.json``, ``overrides.d/``), so it is copied; JupyterLab
    also reads ``static/`` next to that folder, which is linked back to the original.

    >>> import tempfile
    >>> d = demo_settings_dir(tempfile.mkdtemp(), app_dir=tempfile.mkdtemp())
    >>> sorted(p.name for p in d.iterdir())
    ['overrides.json']
    """
    app = Path(app_dir) if app_dir is not None else lab_app_dir()
    settings = Path(workdir) / "settings"
    if (app / "settings").is_dir():
        shutil.copytree(app / "settings", settings)
    else:
        settings.mkdir(parents=True)
    if (app / "static").is_dir() and not (Path(workdir) / "static").exists():
        try:
            (Path(workdir) / "static").symlink_to(app / "static", target_is_directory=True)
        except OSError:  # Windows without symlink rights: only extensions' "disable
            pass  # other extensions" metadata is missed, the demo still starts
    install_overrides(settings)
    return settings
