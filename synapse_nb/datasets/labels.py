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

import json
from typing import Any, Iterable

__all__ = ["configured_labels", "label_map"]


def _classes(value: Any) -> list[str]:
    out: list[str] = []
    if isinstance(value, list):
        for item in value:
            if isinstance(item, str):
                out.append(item)
            elif isinstance(item, dict):  # {"name": ..} / {"code": ..} class objects
                name = item.get("name", item.get("code", item.get("label")))
                if isinstance(name, str):
                    out.append(name)
    return out


def configured_labels(configuration: Any) -> list[str]:
    """Class names of one project configuration (a dict, or its JSON text), in order.

    >>> configured_labels('{"classification": {"classes": ["a", "b"]}}')
    ['a', 'b']
    """
    if isinstance(configuration, str):
        try:
            configuration = json.loads(configuration)
        except ValueError:
            return []
    if not isinstance(configuration, dict):
        return []
    found: list[str] = []
    for tool in configuration.get("tools") or []:
        if isinstance(tool, dict):
            found += _classes(tool.get("classes"))
    classification = configuration.get("classification")
    if isinstance(classification, dict):
        found += _classes(classification.get("classes"))
    return list(dict.fromkeys(found))


def label_map(configurations: Iterable[Any], used: Iterable[Any]) -> list[str]:
    """Configured labels first (in order), then labels used but not configured, sorted."""
    names: dict[str, None] = {}
    for config in configurations:
        names.update(dict.fromkeys(configured_labels(config)))
    extra = sorted({str(u) for u in used if isinstance(u, str) and u} - names.keys())
    return [*names, *extra]
