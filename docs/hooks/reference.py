"""mkdocs hook: the API reference, generated from ``synapse_nb.__all__`` on every build.

One section per module the public names come from (``synapse_nb._LAZY``:
``synapse_nb.frames`` -> ``reference/frames/``), one page per name
(``reference/frames/tasks_frame.md``: an ``::: synapse_nb.tasks_frame`` entry that
mkdocstrings renders from the living object, classes with their methods, inherited ones
included), and an index page listing every name. A name added to ``_LAZY`` appears on
the next build without editing the docs; its page is added to the navigation here too.
"""

from __future__ import annotations

import importlib
from collections import defaultdict
from typing import Any

from mkdocs.structure.files import File, Files

#: page title per source module; a module not listed gets its last part as the title
TITLES = {
    "synapse_nb.connection": "Connecting",
    "synapse_nb.client": "Clients and errors",
    "synapse_nb.frames": "Frames",
    "synapse_nb.scale": "Scale-out and polars",
    "synapse_nb.widgets": "Browsers",
    "synapse_nb.ml": "ML tracking",
    "synapse_nb.upload": "Uploads",
    "synapse_nb.datasets": "Training sets",
}
NAV_TITLE = "API reference"


def public_names() -> dict[str, list[str]]:
    """``{module: [names]}`` of ``synapse_nb.__all__`` (``__version__`` aside), in order."""
    snb = importlib.import_module("synapse_nb")
    groups: dict[str, list[str]] = defaultdict(list)
    for name in snb.__all__:
        if name != "__version__":
            groups[snb._LAZY[name]].append(name)
    return dict(groups)


def home_factory_made(groups: dict[str, list[str]]) -> None:
    """Point each factory-made public function's ``__module__`` at a module that has it.

    ``experiments_frame`` is made by ``frames.api._frame_function`` but bound in
    ``frames.v2``; its ``__module__`` says ``frames.api``, where griffe (which follows
    ``__module__``) cannot find it. This changes the docs build's process only.
    """
    snb = importlib.import_module("synapse_nb")
    for module, names in groups.items():
        for name in names:
            obj = getattr(snb, name)
            home = getattr(obj, "__module__", None)
            if not callable(obj) or not home:
                continue
            found = getattr(importlib.import_module(home), getattr(obj, "__qualname__", name), None)
            if found is not obj:
                obj.__module__ = module


def group_of(module: str) -> str:
    return module.rsplit(".", 1)[-1]


def page_of(module: str, name: str | None = None) -> str:
    """``reference/<group>/index.md`` for a module, ``reference/<group>/<name>.md`` for a name."""
    return f"reference/{group_of(module)}/{name or 'index'}.md"


def title_of(module: str) -> str:
    return TITLES.get(module, group_of(module).replace("_", " ").capitalize())


def _entry(name: str) -> str:
    # one page per name, its heading the page's title: a search for the name finds the
    # page by its title, above the guides and notebooks that mention it
    return f"::: synapse_nb.{name}\n    options:\n      heading_level: 1\n"


def _page(module: str, names: list[str]) -> str:
    lines = [f"# {title_of(module)}", "",
             f"Defined in `{module}`; each is importable as `snb.<name>` after "
             "`import synapse_nb as snb`.", ""]
    lines += [f"- [`{n}`]({n}.md#synapse_nb.{n})" for n in names]
    return "\n".join(lines) + "\n"


def _index(groups: dict[str, list[str]]) -> str:
    lines = ["# API reference", "",
             "Every public name of `synapse_nb` (its `__all__`), generated on each build. "
             "Clients list every method, browsers theirs; the frame functions list their "
             "columns and filters.", ""]
    for module, names in groups.items():
        group = group_of(module)
        lines += [f"## [{title_of(module)}]({group}/index.md)", "",
                  ", ".join(f"[`{n}`]({group}/{n}.md#synapse_nb.{n})" for n in names), ""]
    return "\n".join(lines)


def on_config(config: Any) -> Any:
    groups = public_names()
    home_factory_made(groups)
    pages: list[dict[str, Any]] = [{"Overview": "reference/index.md"}]
    pages += [{title_of(m): [{"Overview": page_of(m)}, *({n: page_of(m, n)} for n in names)]}
              for m, names in groups.items()]
    nav = config["nav"] or []
    for i, entry in enumerate(nav):
        if isinstance(entry, dict) and NAV_TITLE in entry:
            nav[i] = {NAV_TITLE: pages}
            break
    else:
        nav.append({NAV_TITLE: pages})
    config["nav"] = nav
    return config


def on_files(files: Files, config: Any) -> Files:
    groups = public_names()
    files.append(File.generated(config, "reference/index.md", content=_index(groups)))
    for module, names in groups.items():
        files.append(File.generated(config, page_of(module), content=_page(module, names)))
        for name in names:
            files.append(File.generated(config, page_of(module, name), content=_entry(name)))
    return files
