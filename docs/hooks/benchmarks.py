"""mkdocs hook: the Benchmarks page is the README's "Performance" section, read on every
build (the README keeps the one copy of the measured figures). Its relative links are the
README's, from the repository root: those into ``docs/`` are made relative to the page,
the others (source files the site does not hold) become their text."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

SECTION = "## Performance"
# [text](target) with a relative target (no scheme, not an anchor of the page itself)
_RELATIVE_LINK = re.compile(r"\[([^\]]*)\]\((?![a-z][a-z0-9+.-]*:|#)([^)\s]+)\)")


def site_links(markdown: str) -> str:
    """The README's relative links, seen from a page at the top of ``docs/``.

    >>> site_links("[a](docs/architecture.md#x) [b](benchmarks/paging.py) [c](https://h/x)")
    '[a](architecture.md#x) b [c](https://h/x)'
    """
    def relink(match: re.Match[str]) -> str:
        text, target = match.groups()
        return f"[{text}]({target[5:]})" if target.startswith("docs/") else text

    return _RELATIVE_LINK.sub(relink, markdown)


def performance_section(readme: str) -> str:
    """The README's Performance section (up to the next ``## `` heading), as a page.

    >>> performance_section("# x\\n## Performance\\n| a |\\n## Next\\n")
    '# Benchmarks\\n\\n| a |\\n'
    """
    start = readme.find(f"\n{SECTION}\n")
    if start < 0:
        raise PluginError(f"README.md has no '{SECTION}' section for the Benchmarks page")
    body = readme[start + len(SECTION) + 2:]
    end = re.search(r"^## ", body, flags=re.MULTILINE)
    return "# Benchmarks\n\n" + site_links((body[:end.start()] if end else body).strip()) + "\n"


def on_files(files: Files, config: Any) -> Files:
    readme = Path(config["config_file_path"]).parent / "README.md"
    files.append(File.generated(config, "benchmarks.md",
                                content=performance_section(readme.read_text(encoding="utf-8"))))
    return files
