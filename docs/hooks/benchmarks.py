"""mkdocs hook: the Benchmarks page is the README's "Performance" section, read on every
build (the README keeps the one copy of the measured figures)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

SECTION = "## Performance"


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
    return "# Benchmarks\n\n" + (body[:end.start()] if end else body).strip() + "\n"


def on_files(files: Files, config: Any) -> Files:
    readme = Path(config["config_file_path"]).parent / "README.md"
    files.append(File.generated(config, "benchmarks.md",
                                content=performance_section(readme.read_text(encoding="utf-8"))))
    return files
