"""Small HTML helpers of the browsers: JSON, links, style; escaping, cell text and tables
come from :mod:`synapse_nb._util.html` (their one home) and are re-exported here.

Every value that comes from a record goes through :func:`esc` (``html.escape`` with
quotes) before it is put in markup; :func:`safe_href` lets only ``http(s)`` URLs become
links, so a record cannot smuggle a ``javascript:`` link into the page.

Example:
    >>> esc("<img src=x onerror=alert(1)>")
    '&lt;img src=x onerror=alert(1)&gt;'
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from synapse_nb._util.html import MAX_CELL_CHARS, cell_text, esc, html_table, is_missing

__all__ = [
    "MAX_CELL_CHARS",
    "STYLE",
    "cell_text",
    "esc",
    "html_table",
    "is_missing",
    "join_lines",
    "json_details",
    "link",
    "record_dict",
    "safe_href",
]


# For the static HTML (no widget frontend); scoped to our own classes.
STYLE = """<style>
.snb-legend {display: flex; flex-wrap: wrap; gap: 8px; font-size: 12px; margin: 4px 0;}
.snb-legend-swatch {display: inline-block; width: 10px; height: 10px; margin-right: 3px;}
.snb-table {border-collapse: collapse; font-size: 12px;}
.snb-table td, .snb-table th {border-bottom: 1px solid #ddd; padding: 2px 6px; text-align: left;}
.snb-json pre {max-height: 320px; overflow: auto; font-size: 11px;}
</style>"""


def _jsonable(value: Any) -> Any:
    """Record values as JSON: JSON text columns are decoded back into objects."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if is_missing(value):
        return None
    if isinstance(value, (pd.Timestamp, datetime)):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return value


def record_dict(row: pd.Series, index_name: str = "id") -> dict[str, Any]:
    """One frame row as a plain, JSON-ready dict (JSON text columns decoded)."""
    out: dict[str, Any] = {index_name: _jsonable(row.name)}
    for key, value in row.items():
        out[str(key)] = _jsonable(value)
    return out


def json_details(record: Any, summary: str = "Raw record", open_: bool = False) -> str:
    """The record as pretty JSON inside a collapsible ``<details class="snb-json">``."""
    text = json.dumps(_jsonable(record), indent=2, default=str, ensure_ascii=False)
    opened = " open" if open_ else ""
    return (f'<details class="snb-json"{opened}><summary>{esc(summary)}</summary>'
            f"<pre>{esc(text)}</pre></details>")


def safe_href(url: Any) -> str | None:
    """The URL if it is an absolute http(s) URL, else None (never a ``javascript:`` link)."""
    if not isinstance(url, str):
        return None
    stripped = url.strip()
    if stripped.lower().startswith(("http://", "https://")):
        return stripped
    return None


def link(url: Any, text: str, cls: str = "snb-record-link") -> str:
    """An escaped ``<a target=_blank>``, or the escaped text alone for an unsafe URL."""
    href = safe_href(url)
    if href is None:
        return f'<span class="{cls}">{esc(text)}</span>'
    return (f'<a class="{cls}" href="{esc(href)}" target="_blank" rel="noopener noreferrer" '
            f'style="color:#1a5fb4;text-decoration:underline">{esc(text)}</a>')


def join_lines(parts: Iterable[str]) -> str:
    return "".join(p for p in parts if p)
