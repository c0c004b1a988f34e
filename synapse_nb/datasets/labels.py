"""The label map of a snapshot: label names in a stable order, read from the project setup.

A project's ``configuration`` lists its classes per tool (``{"tools": [{"type":
"bounding_box", "classes": [...]}], "classification": {"classes": [...]}}``). The label
map is those classes in configuration order (projects in id order, each label once),
then any label met in the data but missing from the configuration, sorted by name. The
same configuration and data always give the same ids, whatever order records come in.

>>> label_map([{"tools": [{"type": "bounding_box", "classes": ["person", "car"]}]}],
...           ["car", "zebra", "person", "ant"])
['person', 'car', 'ant', 'zebra']
"""

from __future__ import annotations

from typing import Any, Iterable

from .._util.labels import configured_labels

__all__ = ["configured_labels", "label_map"]


def label_map(configurations: Iterable[Any], used: Iterable[Any]) -> list[str]:
    """Configured labels first (in order), then labels used but not configured, sorted."""
    names: dict[str, None] = {}
    for config in configurations:
        names.update(dict.fromkeys(configured_labels(config)))
    extra = sorted({str(u) for u in used if isinstance(u, str) and u} - names.keys())
    return [*names, *extra]
