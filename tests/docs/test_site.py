"""The site builds strictly, and its API reference has an entry for every public name,
frame function, client method and browser method."""

from __future__ import annotations

import importlib.util
import inspect
from pathlib import Path
from typing import Any

import pytest

import synapse_nb
from synapse_nb.frames import FRAME_FUNCTIONS

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = ("SynapseClient", "AsyncSynapseClient", "BackendClient")
BROWSERS = ("RecordBrowser", "TaskBrowser", "AssignmentBrowser", "GroundTruthBrowser", "ModelBrowser")


def _inventory(site: Path) -> dict[str, str]:
    """``{identifier: page#anchor}`` of the site's objects.inv (what mkdocstrings rendered)."""
    from mkdocstrings import Inventory

    with open(site / "objects.inv", "rb") as fh:
        return {name: item.uri for name, item in Inventory.parse_sphinx(fh).items()}


def _own_methods(cls: type) -> set[str]:
    """Public methods and properties of ``cls`` written in synapse_nb (not ipywidgets')."""
    names = set()
    for name, value in inspect.getmembers(cls):
        if name.startswith("_"):
            continue
        target = value.fget if isinstance(value, property) else value
        if callable(target) or isinstance(value, property):
            module = getattr(target, "__module__", "") or ""
            if module.startswith("synapse_nb"):
                names.add(name)
    return names


def test_the_site_builds_strictly_with_every_page(built_site: Path) -> None:
    for page in ("index.html", "getting-started/index.html", "guides/curation/index.html",
                 "sdk/index.html", "architecture/index.html", "benchmarks/index.html",
                 "reference/index.html", "notebooks/07_training_set/index.html",
                 "search/search_index.json"):
        assert (built_site / page).is_file(), page
    benchmarks = (built_site / "benchmarks/index.html").read_text()
    assert "benchmarks/paging.py" in benchmarks  # the README's table, not a stale copy
    notebook = (built_site / "notebooks/07_training_set/index.html").read_text()
    assert "to_hf_dataset" in notebook


def test_every_public_name_has_a_reference_entry(built_site: Path) -> None:
    inventory = _inventory(built_site)
    names = [n for n in synapse_nb.__all__ if n != "__version__"]
    missing = [n for n in names if f"synapse_nb.{n}" not in inventory]
    assert not missing, f"no reference entry for {missing}"
    for name in names:
        page, _, anchor = inventory[f"synapse_nb.{name}"].partition("#")
        assert page == f"reference/{synapse_nb._LAZY[name].rsplit('.', 1)[-1]}/{name}/", name
        html = (built_site / page / "index.html").read_text()
        assert f'id="{anchor}"' in html, name


def test_every_frame_function_client_and_browser_method_has_an_entry(built_site: Path) -> None:
    inventory = _inventory(built_site)
    wanted = {f"synapse_nb.{name}" for name in FRAME_FUNCTIONS}
    wanted |= {f"synapse_nb.{name}_async" for name in FRAME_FUNCTIONS}
    for cls in (*CLIENTS, *BROWSERS):
        methods = _own_methods(getattr(synapse_nb, cls))
        assert len(methods) > 5, cls
        wanted |= {f"synapse_nb.{cls}.{m}" for m in methods}
    assert "synapse_nb.SynapseClient.list_tasks" in wanted and "synapse_nb.TaskBrowser.select" in wanted
    assert sorted(wanted - set(inventory)) == []


def _hook(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"docs_hook_{name}", ROOT / "docs" / "hooks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_new_public_name_gets_its_entry_and_page_without_editing_the_docs(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """What another engineer's new name (in a new module) gets from the hook on the next build."""
    hook = _hook("reference")
    lazy = {**synapse_nb._LAZY, "label_issues": "synapse_nb.quality"}
    monkeypatch.setattr(synapse_nb, "_LAZY", lazy)
    monkeypatch.setattr(synapse_nb, "__all__", ["__version__", *lazy])
    groups = hook.public_names()
    assert groups["synapse_nb.quality"] == ["label_issues"]
    assert "::: synapse_nb.label_issues" in hook._entry("label_issues")
    assert "(label_issues.md#synapse_nb.label_issues)" in hook._page("synapse_nb.quality", ["label_issues"])
    assert "(quality/label_issues.md#synapse_nb.label_issues)" in hook._index(groups)
    monkeypatch.setattr(hook, "home_factory_made", lambda groups: None)  # no such module to load
    config = {"nav": [{"Home": "index.md"}, {"API reference": "reference/index.md"}]}
    reference = hook.on_config(config)["nav"][1]["API reference"]
    sections = {title: pages for entry in reference for title, pages in entry.items()}
    assert sections["Overview"] == "reference/index.md"
    assert sections["Quality"] == [{"Overview": "reference/quality/index.md"},
                                   {"label_issues": "reference/quality/label_issues.md"}]
    assert {"tasks_frame": "reference/frames/tasks_frame.md"} in sections["Frames"]
