"""The site builds strictly, and its API reference has an entry for every public name,
frame function, client method and browser method."""

from __future__ import annotations

import importlib.util
import inspect
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

import synapse_nb
from synapse_nb.frames import FRAME_FUNCTIONS
from tests.docs.conftest import EXECUTED, QUICKSTART_SCALE, build_log

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


class _Tables(HTMLParser):
    """The ``<table class="dataframe">`` tables of a page: rows of cell texts, header rows
    included (the text as a browser shows it: entities decoded)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and "dataframe" in (dict(attrs).get("class") or "").split():
            self.tables.append([])
            self._depth = 1
        elif tag == "table" and self._depth:
            self._depth += 1
        elif self._depth == 1 and tag == "tr":
            self._row = []
        elif self._depth == 1 and tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self._depth:
            self._depth -= 1
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _tables(html: str) -> list[list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def _portless(rows: list[list[str]]) -> list[list[str]]:
    return [[re.sub(r"127\.0\.0\.1:\d+.*", "127.0.0.1:PORT", cell) for cell in row] for row in rows]


def test_the_executed_notebook_page_holds_its_outputs(built_site: Path, make_server: Any) -> None:
    """The build executed 01_quickstart through mkdocs-jupyter (and only it): its page shows
    the outputs, and the ``tasks.head()`` table there holds what the demo server holds."""
    page = (built_site / f"notebooks/{EXECUTED}/index.html").read_text(encoding="utf-8")
    server = make_server(scale=QUICKSTART_SCALE)  # the same deterministic demo data
    with synapse_nb.SynapseClient(server.base_url, access_token=server.access_token) as client:
        project = client.get_project(1)
        expected = synapse_nb.tasks_frame(client, project=1, progress=False).head()
    assert f"{project['title']} | data collection {project['data_collection']}" in page
    tables = _tables(page)
    assert tables, "no DataFrame output on the page: the notebook was rendered unexecuted"
    shown = tables[0]
    body = [row for row in shown if row and row[0].isdigit()]
    assert [int(row[0]) for row in body] == expected.index.tolist()
    header = next(row for row in shown if "status" in row)
    status = header.index("status")
    assert [row[status] for row in body] == expected["status"].astype(str).tolist()
    # the whole table, cell by cell, as pandas renders the same frame in a notebook; file
    # URLs name each server's own port (and are cut at a width), so they match up to it
    assert _portless(shown) == _portless(_tables(expected._repr_html_())[0])
    assert 'src="data:image/png;base64,' in page  # the status bar chart
    # only that notebook ran: the others are rendered from their saved source
    log = build_log(built_site)
    ran = re.findall(r"Converting notebook \(execute=True\): \S*/(\w+)\.ipynb", log)
    skipped = re.findall(r"Converting notebook \(execute=False\): \S*/(\w+)\.ipynb", log)
    assert ran == [EXECUTED] and len(skipped) == len(list((ROOT / "notebooks").glob("*.ipynb"))) - 1


def test_execute_only_names_real_notebooks() -> None:
    hook = _hook("execute_only")
    assert hook.execute_patterns("01_quickstart.ipynb", {"01_quickstart"}) == ["01_quickstart.ipynb"]
    with pytest.raises(hook.PluginError, match="names no notebook '01_quikstart'; the notebooks are: 01_q"):
        hook.execute_patterns("01_quikstart", {"01_quickstart"})


def test_the_benchmarks_page_links_into_the_site_not_the_repository() -> None:
    """The README's links are relative to the repository root; on the page they must resolve
    inside docs/ (a ``docs/architecture.md#...`` link once failed the strict build)."""
    hook = _hook("benchmarks")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    # the README as it is, and one whose section links a design note and a source file
    extra = "\n## Performance\nSee [the note](docs/architecture.md#x), [code](benchmarks/paging.py).\n"
    for text in (readme, extra):
        page = hook.performance_section(text)
        targets = re.findall(r"\]\(([^)\s]+)\)", page)
        relative = [t.partition("#")[0] for t in targets if not re.match(r"[a-z][a-z0-9+.-]*:|#", t)]
        assert [t for t in relative if not (ROOT / "docs" / t).is_file()] == []
    assert "[the note](architecture.md#x), code." in hook.performance_section(extra)


def _hook(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"docs_hook_{name}", ROOT / "docs" / "hooks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_new_public_name_gets_its_entry_and_page_without_editing_the_docs(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """What another engineer's new name (in a new module) gets from the hook on the next build.
    (A module that does not exist: the quality package this once imagined has landed.)"""
    hook = _hook("reference")
    lazy = {**synapse_nb._LAZY, "lineage_graph": "synapse_nb.lineage"}
    monkeypatch.setattr(synapse_nb, "_LAZY", lazy)
    monkeypatch.setattr(synapse_nb, "__all__", ["__version__", *lazy])
    groups = hook.public_names()
    assert groups["synapse_nb.lineage"] == ["lineage_graph"]
    assert "::: synapse_nb.lineage_graph" in hook._entry("lineage_graph")
    assert "(lineage_graph.md#synapse_nb.lineage_graph)" in hook._page("synapse_nb.lineage",
                                                                     ["lineage_graph"])
    assert "(lineage/lineage_graph.md#synapse_nb.lineage_graph)" in hook._index(groups)
    monkeypatch.setattr(hook, "home_factory_made", lambda groups: None)  # no such module to load
    config = {"nav": [{"Home": "index.md"}, {"API reference": "reference/index.md"}]}
    reference = hook.on_config(config)["nav"][1]["API reference"]
    sections = {title: pages for entry in reference for title, pages in entry.items()}
    assert sections["Overview"] == "reference/index.md"
    assert sections["Lineage"] == [{"Overview": "reference/lineage/index.md"},
                                   {"lineage_graph": "reference/lineage/lineage_graph.md"}]
    assert {"tasks_frame": "reference/frames/tasks_frame.md"} in sections["Frames"]
