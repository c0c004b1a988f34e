"""HTML for tables of records, written once: escaping, the text of a cell, an escaped table.

Every value that comes from a record goes through :func:`esc` (``html.escape`` with
quotes) before it is put in markup. The browsers (``synapse_nb.widgets``) and any other
package that shows a frame as HTML use these.

Example:
    >>> esc("<img src=x onerror=alert(1)>")
    '&lt;img src=x onerror=alert(1)&gt;'
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["MAX_CELL_CHARS", "cell_text", "esc", "html_table", "is_missing"]

MAX_CELL_CHARS = 80


def esc(value: Any) -> str:
    """HTML-escaped text of any value (quotes too, so it is safe inside attributes)."""
    return html.escape(value if isinstance(value, str) else str(value), quote=True)


def is_missing(value: Any) -> bool:
    """None, NA, NaT or a float NaN."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _number_text(value: float) -> str:
    """Plain digits a reader takes in at a glance: ``34,980`` and ``1,234.6``, not
    ``3.498e+04``; four significant digits below 1,000; exponents only for the
    very large or very small."""
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    size = abs(value)
    if size >= 1e15 or (0 < size < 1e-4):
        return f"{value:.4g}"
    if size >= 1000:
        return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"
    return f"{value:.4g}"


def cell_text(value: Any, limit: int = MAX_CELL_CHARS) -> str:
    """Short plain text for a table cell (not escaped: callers escape or use text nodes).

    >>> cell_text([3, 1]), cell_text(None), cell_text(0.123456789), cell_text(34980.0)
    ('3, 1', '', '0.1235', '34,980')
    >>> cell_text(pd.Timestamp("2026-01-02 03:04", tz="UTC"))
    '2026-01-02 03:04 UTC'
    """
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        text = ", ".join(cell_text(v, limit) for v in value)
    elif is_missing(value):
        return ""
    elif isinstance(value, (pd.Timestamp, datetime)):
        # the zone is part of the time: "03:04" alone is a different moment in every office
        text = value.strftime("%Y-%m-%d %H:%M %Z").rstrip()
    elif isinstance(value, (float, np.floating)):
        text = _number_text(float(value))
    elif isinstance(value, dict):
        text = json.dumps(value, default=str)
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def html_table(frame: pd.DataFrame, columns: Sequence[str] | None = None, *,
               caption: str | None = None, index_name: str | None = "id") -> str:
    """An escaped HTML table of ``frame`` (all of it: callers pass one page).

    Rows carry ``class="snb-row"`` and ``data-id`` (the index value).

    >>> html_table(pd.DataFrame({"label": ["<b>"]}, index=pd.Index([7], name="id")))[:40]
    '<table class="snb-table"><thead><tr><th>'
    """
    cols = [c for c in (columns or list(frame.columns)) if c in frame.columns]
    parts = ['<table class="snb-table">']
    if caption:
        parts.append(f"<caption>{esc(caption)}</caption>")
    head = ([index_name or ""] if index_name is not None else []) + cols
    parts.append("<thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in head) + "</tr></thead><tbody>")
    values = [frame[c].tolist() for c in cols]
    for i, key in enumerate(frame.index.tolist()):
        cells = [key] if index_name is not None else []
        cells += [v[i] for v in values]
        parts.append(f'<tr class="snb-row" data-id="{esc(key)}">'
                     + "".join(f"<td>{esc(cell_text(c))}</td>" for c in cells) + "</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)
