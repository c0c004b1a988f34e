"""Model metrics across versions: a table and a small plot, for the model browser.

``metrics`` (a JSON object per model, from ``expand=metrics``) is flattened to numeric
leaves with dotted names (``{"val": {"mAP": 0.5}}`` -> ``val.mAP``). Versions of one model
are the models that share its ``name`` (and project, when known), ordered by ``created``
then ``version``; a model with a single version is compared with the other models of its
project and category instead.

Example:
    >>> import pandas as pd
    >>> models = pd.DataFrame({"name": ["det", "det"], "version": ["1", "2"],
    ...                        "metrics": ['{"mAP": 0.4}', '{"mAP": 0.6}']},
    ...                       index=pd.Index([1, 2], name="id"))
    >>> metrics_table(versions_of(models, 2))["mAP"].tolist()
    [0.4, 0.6]
"""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import pandas as pd

from ._html import esc, html_table

__all__ = [
    "flatten_metrics",
    "metrics_html",
    "metrics_plot_png",
    "metrics_table",
    "peers_of",
    "versions_of",
]

MAX_PLOTTED = 6


def flatten_metrics(value: Any, prefix: str = "") -> dict[str, float]:
    """Numeric leaves of a metrics object (dict or JSON text), with dotted names.

    >>> flatten_metrics({"mAP": 0.5, "val": {"loss": 1}, "note": "x", "ok": True})
    {'mAP': 0.5, 'val.loss': 1.0}
    """
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    out: dict[str, float] = {}
    if isinstance(value, dict):
        for key, v in value.items():
            name = f"{prefix}{key}"
            if isinstance(v, dict):
                out.update(flatten_metrics(v, name + "."))
            elif isinstance(v, (int, float)) and not isinstance(v, bool):
                out[name] = float(v)
    return out


def versions_of(models: pd.DataFrame, model_id: Any) -> pd.DataFrame:
    """The rows of ``models`` that are versions of the model ``model_id``."""
    row = models.loc[model_id]
    if isinstance(row, pd.DataFrame):
        row = row.iloc[0]
    mask = pd.Series(True, index=models.index)
    if "name" in models.columns and pd.notna(row.get("name")):
        mask &= models["name"] == row["name"]
    if "project" in models.columns and pd.notna(row.get("project")):
        mask &= models["project"] == row["project"]
    out = models[mask.to_numpy(dtype=bool, na_value=False)]
    keys = [c for c in ("created", "version") if c in out.columns]
    return out.sort_values(keys, kind="stable") if keys else out


def peers_of(models: pd.DataFrame, model_id: Any) -> pd.DataFrame:
    """The models of the same project and category as ``model_id`` (itself included)."""
    row = models.loc[model_id]
    if isinstance(row, pd.DataFrame):
        row = row.iloc[0]
    mask = pd.Series(True, index=models.index)
    for column in ("project", "category"):
        if column in models.columns and pd.notna(row.get(column)):
            mask &= models[column] == row[column]
    out = models[mask.to_numpy(dtype=bool, na_value=False)]
    return out.sort_values("created", kind="stable") if "created" in out.columns else out


def metrics_table(versions: pd.DataFrame, *, with_name: bool = False) -> pd.DataFrame:
    """One row per model (index: model id), one column per metric, after a ``version``
    column (``name version`` when ``with_name``, to tell different models apart)."""
    rows = [flatten_metrics(v) for v in (versions["metrics"].tolist()
                                         if "metrics" in versions.columns else [])]
    table = pd.DataFrame(rows, index=versions.index[:len(rows)])
    if "version" in versions.columns:
        labels = versions["version"].astype(object).tolist()
        if with_name and "name" in versions.columns:
            labels = [f"{n} {v}" for n, v in zip(versions["name"].tolist(), labels)]
        table.insert(0, "version", labels)
    return table


def _plain_text(value: Any) -> str:
    """Text matplotlib draws as it is: a ``$`` would start mathtext (``$x$`` renders as
    math, an odd ``$`` raises), so each is escaped.

    >>> print(_plain_text("cost $ per $box$"))
    cost \\$ per \\$box\\$
    """
    return str(value).replace("$", r"\$")


def metrics_plot_png(table: pd.DataFrame) -> bytes | None:
    """A small line plot (one line per metric, first six) across versions, as PNG."""
    metric_cols = [c for c in table.columns if c != "version"][:MAX_PLOTTED]
    if not metric_cols or len(table) == 0:
        return None
    from synapse_nb._optional import import_optional

    # No pyplot: leaves the notebook's backend alone. matplotlib is the [plots] extra.
    Figure = import_optional("matplotlib.figure", "plots").Figure

    fig = Figure(figsize=(4.2, 2.4), dpi=90)
    ax = fig.add_subplot()
    ticks = [_plain_text(v) for v in table["version"]] if "version" in table.columns else [
        _plain_text(i) for i in table.index]
    x = list(range(len(table)))
    for column in metric_cols:
        ax.plot(x, table[column].tolist(), marker="o", label=_plain_text(column))
    ax.set_xticks(x, ticks, fontsize=8)
    ax.set_xlabel("version", fontsize=8)
    ax.tick_params(labelsize=8)
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def metrics_html(models: pd.DataFrame, model_id: Any) -> str:
    """The comparison section: escaped table plus the plot (class ``snb-metrics-plot``)."""
    versions = versions_of(models, model_id)
    title, table = "Metrics across versions", metrics_table(versions)
    if len(versions) < 2:
        # One version only: compare with the project's other models of the same kind.
        peers = peers_of(models, model_id)
        if len(peers) > 1:
            title = "Metrics across this project's models (this model has one version)"
            table = metrics_table(peers, with_name=True)
    if len(table.columns) <= (1 if "version" in table.columns else 0):
        return '<div class="snb-metrics snb-note">No numeric metrics on this model.</div>'
    parts = [f'<div class="snb-metrics"><h4>{esc(title)}</h4>',
             html_table(table, index_name="id")]
    try:
        png = metrics_plot_png(table)
    except ImportError as err:  # no [plots] extra: the table alone, and how to get the plot
        parts.append(f'<div class="snb-note">{esc(err)}</div>')
        png = None
    if png is not None:
        parts.append(f'<img class="snb-metrics-plot" alt="{esc("metrics across versions")}" '
                     f'src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}"/>')
    parts.append("</div>")
    return "".join(parts)
