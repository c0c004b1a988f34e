"""Charts for evaluations and leaderboards, made to be read at a glance.

One message per chart: a handful of lines at most, horizontal bars for long labels, counts
written in heat-map cells, no translucent overlap. matplotlib is the ``[plots]`` extra.

Example:
    >>> import pandas as pd
    >>> ax = per_class(pd.DataFrame({"AP": [0.4], "AP50": [0.6], "ground_truth": [10]},
    ...                             index=pd.Index(["car"], name="label")))
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['car']
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._optional import import_optional

__all__ = ["confusion", "heatmap", "leaderboard", "per_class", "pr_curves", "pyplot"]


def pyplot() -> Any:
    """matplotlib.pyplot, or an ImportError naming the ``[plots]`` extra."""
    return import_optional("matplotlib.pyplot", "plots")


def _axes(ax: Any, size: tuple[float, float]) -> Any:
    if ax is not None:
        return ax
    _fig, ax = pyplot().subplots(figsize=size, layout="constrained")
    return ax


def pr_curves(curves: pd.DataFrame, iou_threshold: float, ax: Any = None) -> Any:
    """Precision against recall, one line per label, at one IoU threshold."""
    ax = _axes(ax, (6, 4))
    at = curves[np.isclose(curves["iou_threshold"], iou_threshold)]
    if at.empty:
        raise ValueError(f"no curves at IoU {iou_threshold}; thresholds are "
                         f"{sorted(curves['iou_threshold'].unique())}")
    for label, part in at.groupby("label", sort=True):
        ap = part["precision"].mean()
        ax.plot(part["recall"], part["precision"], lw=1.8, label=f"{label} (AP {ap:.2f})")
    ax.set(xlabel="recall", ylabel="precision", xlim=(0, 1), ylim=(0, 1.02),
           title=f"Precision-recall at IoU {iou_threshold:.2f}")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize=8, frameon=False)
    return ax


def heatmap(grid: pd.DataFrame, *, fmt: str, title: str, ax: Any = None) -> Any:
    """A labelled heat map with each non-empty cell's value written in it."""
    rows, cols = grid.shape
    ax = _axes(ax, (1.4 + 0.8 * cols, 1.0 + 0.7 * rows))
    values = grid.to_numpy(dtype=float)
    ax.imshow(np.nan_to_num(values), cmap="Blues")
    top = np.nanmax(values) if np.isfinite(values).any() else 0
    for (i, j), v in np.ndenumerate(values):
        if np.isfinite(v) and v:
            ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=8,
                    color="white" if v > top * 0.6 else "black")
    ax.set_xticks(range(cols), [str(c) for c in grid.columns], rotation=35, ha="right")
    ax.set_yticks(range(rows), [str(r) for r in grid.index])
    ax.set_title(title)
    return ax


def confusion(matrix: pd.DataFrame, normalize: bool = False, ax: Any = None) -> Any:
    """Heat map, rows the true label, columns the predicted one, counts in each cell."""
    values = matrix.astype(float)
    if normalize:
        values = values.div(values.sum(axis=1).where(lambda s: s > 0), axis=0).fillna(0)
    ax = heatmap(values, fmt="{:.2f}" if normalize else "{:.0f}",
                 title="Confusion matrix (with background)", ax=ax)
    ax.set(xlabel="predicted", ylabel="true")
    return ax


def per_class(table: pd.DataFrame, ax: Any = None) -> Any:
    """AP50 and AP per label as grouped horizontal bars; the object count at the right."""
    ax = _axes(ax, (6, 0.9 + 0.45 * len(table)))
    y = np.arange(len(table))
    ax.barh(y - 0.2, table["AP50"], height=0.4, label="AP50", color="#4e79a7")
    ax.barh(y + 0.2, table["AP"], height=0.4, label="AP@[.5:.95]", color="#f28e2b")
    ax.set_yticks(y, table.index)
    ax.invert_yaxis()
    ax.set(xlim=(0, 1.15), xlabel="average precision", title="Average precision per label")
    if "ground_truth" in table.columns:
        for yi, n in zip(y, table["ground_truth"]):
            ax.text(1.01, yi, f"n={int(n)}", va="center", fontsize=8, color="#555")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16 - 0.3 / max(1, len(table))),
              ncol=2, fontsize=8, frameon=False)
    return ax


def leaderboard(board: pd.DataFrame, metric: str, ax: Any = None) -> Any:
    """One horizontal bar per model (``name v<version>``), best at the top."""
    data = board.dropna(subset=[metric]).sort_values(metric, ascending=False)
    ax = _axes(ax, (6, 0.9 + 0.45 * max(1, len(data))))
    names = [f"{n} v{v}" if isinstance(v, str) and v else str(n)
             for n, v in zip(data["name"], data.get("version", [""] * len(data)))]
    y = np.arange(len(data))
    ax.barh(y, data[metric], color="#4e79a7")
    for yi, v in zip(y, data[metric]):
        ax.text(v, yi, f" {v:.3f}", va="center", fontsize=8)
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    top = float(data[metric].max()) if len(data) else 1.0
    ax.set(xlim=(0, top * 1.18 if top > 0 else 1), xlabel=metric, title=f"Models by {metric}")
    return ax
