"""The label names a project's configuration declares: one reading for exports, imports
and the browsers' label pickers.

A configuration lists classes at the top (``classes``), per tool (``tools[].classes``) and
for classification (``classification.classes``); a class is a name or an object with a
``name`` (else ``code`` or ``label``).

>>> configured_labels({"tools": [{"classes": ["car", {"name": "bus"}]}],
...                    "classification": {"classes": ["car", "day"]}})
['car', 'bus', 'day']
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["configured_labels"]


def configured_labels(configuration: Any) -> list[str]:
    """Class names of one project configuration (a dict, or its JSON text), in order,
    each once; anything that is not a configuration gives no names.

    >>> configured_labels('{"classification": {"classes": ["a", "b"]}}')
    ['a', 'b']
    >>> configured_labels("not json"), configured_labels(None)
    ([], [])
    """
    if isinstance(configuration, str):
        try:
            configuration = json.loads(configuration)
        except ValueError:
            return []
    if not isinstance(configuration, dict):
        return []
    groups = [configuration.get("classes")] + [
        t.get("classes") for t in configuration.get("tools") or [] if isinstance(t, dict)]
    classification = configuration.get("classification")
    if isinstance(classification, dict):
        groups.append(classification.get("classes"))
    out: dict[str, None] = {}
    for classes in groups:
        for item in classes if isinstance(classes, list) else []:
            name = item.get("name", item.get("code", item.get("label"))) if isinstance(item, dict) else item
            if isinstance(name, (str, int)) and not isinstance(name, bool):
                out.setdefault(str(name), None)
    return list(out)
