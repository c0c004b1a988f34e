"""griffe extension for the docs build: doctest lines in a docstring render as code.

Many docstrings here show a ``>>>`` example inside their text (not under an ``Examples``
heading). Read as Markdown, ``task["files"]["image"]`` there is a reference link and the
strict build fails on it; fenced, it is the code it is. Runs of ``>>>`` / ``...`` lines
and the output lines after them (up to a blank line) are fenced, already fenced text is
left alone.
"""

from __future__ import annotations

from typing import Any

import griffe


def fence_doctests(text: str) -> str:
    """``text`` with each run of doctest lines between ```` ```pycon ```` fences.

    >>> fence_doctests("Use it:\\n  >>> f(x)\\n  1\\n\\nDone.").splitlines()
    ['Use it:', '  ```pycon', '  >>> f(x)', '  1', '  ```', '', 'Done.']
    """
    out: list[str] = []
    in_fence = in_doctest = False
    indent = ""
    for line in text.splitlines():
        stripped = line.lstrip()
        if in_doctest and not stripped:
            out.append(f"{indent}```")
            in_doctest = False
        if stripped.startswith("```") and not in_doctest:
            in_fence = not in_fence
        elif stripped.startswith(">>>") and not in_fence and not in_doctest:
            indent = line[: len(line) - len(stripped)]
            out.append(f"{indent}```pycon")
            in_doctest = True
        out.append(line)
    if in_doctest:
        out.append(f"{indent}```")
    return "\n".join(out)


class DoctestBlocks(griffe.Extension):
    def on_object(self, *, obj: Any, **kwargs: Any) -> None:
        docstring = getattr(obj, "docstring", None)
        if docstring is not None and ">>>" in docstring.value:
            docstring.value = fence_doctests(docstring.value)
