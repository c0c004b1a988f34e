"""Committed notebooks carry no stale outputs.

A notebook opened before it runs must not show a demo server on some random port or a
progress bar frozen at 0%. So the committed notebooks have no execution counts, no widget
state and no outputs, except on the cells marked ``# NBVAL_CHECK_OUTPUT``: there the stored
output is what nbval compares the fresh run against (CI runs every notebook), so it is true.
Such a cell keeps the count a run from the top gives it (nbval skips a cell without one).

``python tests/test_notebooks_clean.py`` rewrites the notebooks in this clean form.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CHECKED = "# NBVAL_CHECK_OUTPUT"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _code_cells(notebook: dict[str, Any]) -> list[dict[str, Any]]:
    return [cell for cell in notebook.get("cells", []) if cell.get("cell_type") == "code"]


def problems(notebook: dict[str, Any]) -> list[str]:
    """What makes ``notebook`` (parsed ipynb JSON) unfit to commit; empty when clean.

    Examples
    --------
    >>> problems({"metadata": {}, "cells": [{"cell_type": "code", "id": "a", "source": "1",
    ...                                      "execution_count": 3, "outputs": []}]})
    ['cell a: execution_count 3, expected None']
    """
    found = []
    if "widgets" in notebook.get("metadata", {}):
        found.append("notebook metadata keeps widget state")
    for number, cell in enumerate(_code_cells(notebook), start=1):
        name = f"cell {cell.get('id', '?')}"
        outputs = cell.get("outputs", [])
        checked = CHECKED in _source(cell) and outputs
        if outputs and not checked:
            found.append(f"{name}: {len(outputs)} output(s) on a cell nbval does not check")
        expected = number if checked else None
        counts = [cell.get("execution_count")] + [o["execution_count"] for o in outputs
                                                   if "execution_count" in o]
        if any(count != expected for count in counts):
            found.append(f"{name}: execution_count {counts[0]}, expected {expected}")
        if "execution" in cell.get("metadata", {}):
            found.append(f"{name}: execution timings in metadata")
        for output in outputs:
            if WIDGET_VIEW in output.get("data", {}):
                found.append(f"{name}: a widget view (a frozen progress bar) in its output")
    return found


def clean(notebook: dict[str, Any]) -> dict[str, Any]:
    """Return ``notebook`` with everything :func:`problems` objects to removed, in place."""
    notebook.get("metadata", {}).pop("widgets", None)
    for number, cell in enumerate(_code_cells(notebook), start=1):
        cell.get("metadata", {}).pop("execution", None)
        # A progress bar's snapshot is never true once committed.
        kept = [output for output in cell.get("outputs", [])
                if CHECKED in _source(cell) and WIDGET_VIEW not in output.get("data", {})]
        count = number if kept else None
        for output in kept:
            if "execution_count" in output:
                output["execution_count"] = count
        cell["outputs"], cell["execution_count"] = kept, count
    return notebook


def write(path: Path, notebook: dict[str, Any]) -> None:
    # nbformat's own layout (indent 1, sorted keys), so diffs stay small.
    path.write_text(json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_committed_notebook_has_no_stale_outputs(path: Path) -> None:
    found = problems(json.loads(path.read_text()))
    assert not found, (f"{path.name} is committed with outputs: {found}; "
                       "run `python tests/test_notebooks_clean.py` and commit again")


def test_the_check_catches_outputs_it_must_refuse() -> None:
    stale = {"metadata": {"widgets": {}}, "cells": [
        {"cell_type": "code", "id": "x", "source": "connect()", "execution_count": 1,
         "metadata": {}, "outputs": [{"output_type": "stream", "name": "stderr",
                                      "text": "demo server at http://127.0.0.1:43943\n"}]},
        {"cell_type": "code", "id": "y", "source": f"{CHECKED}\nframe", "execution_count": None,
         "metadata": {}, "outputs": [{"output_type": "display_data", "metadata": {},
                                      "data": {WIDGET_VIEW: {}, "text/plain": "0%"}}]},
    ]}
    assert len(problems(stale)) == 5
    assert problems(clean(stale)) == []
    assert stale["cells"][0]["outputs"] == [] and stale["cells"][1]["outputs"] == []


if __name__ == "__main__":
    for target in [Path(arg) for arg in sys.argv[1:]] or NOTEBOOKS:
        write(target, clean(json.loads(target.read_text())))
