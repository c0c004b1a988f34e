"""mkdocs hook: ``SYNAPSE_NB_DOCS_EXECUTE_ONLY=01_quickstart[,02_label_quality...]`` executes
only the notebooks named (by file stem) and renders the others from their saved source.

Why: executing all eight notebooks in the build takes minutes, so CI's build renders them
without running them; the docs tests instead execute one short notebook through the very
path a full build takes (mkdocs-jupyter's ``execute_include``) and check that its page
holds the outputs. Unset, every notebook is executed (``SYNAPSE_NB_DOCS_EXECUTE`` still
switches execution off altogether).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError

VARIABLE = "SYNAPSE_NB_DOCS_EXECUTE_ONLY"
PLUGIN = "mkdocs-jupyter"


def execute_patterns(value: str, available: set[str]) -> list[str]:
    """The ``execute_include`` patterns for a comma-separated list of notebook stems.

    >>> execute_patterns("01_quickstart, 07_training_set", {"01_quickstart", "07_training_set"})
    ['01_quickstart.ipynb', '07_training_set.ipynb']
    >>> execute_patterns("01_quikstart", {"01_quickstart"})
    Traceback (most recent call last):
    mkdocs.exceptions.PluginError: SYNAPSE_NB_DOCS_EXECUTE_ONLY names no notebook '01_quikstart'; the notebooks are: 01_quickstart
    """
    stems = [stem.strip().removesuffix(".ipynb") for stem in value.split(",") if stem.strip()]
    unknown = [stem for stem in stems if stem not in available]
    if unknown or not stems:
        # a typo would otherwise execute nothing and the check built on it would test nothing
        raise PluginError(f"{VARIABLE} names no notebook {', '.join(map(repr, unknown)) or '(empty)'}; "
                          f"the notebooks are: {', '.join(sorted(available))}")
    return [f"{stem}.ipynb" for stem in stems]


def on_config(config: Any) -> Any:
    value = os.environ.get(VARIABLE)
    if value is None:
        return config
    plugin = config["plugins"][PLUGIN]
    root = Path(config["config_file_path"]).parent
    available = {path.stem for folder in plugin.config["notebook_dirs"].values()
                 for path in (root / folder).glob("*.ipynb")}
    plugin.config["execute_include"] = execute_patterns(value, available)
    return config
