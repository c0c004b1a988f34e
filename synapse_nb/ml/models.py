"""``log_model`` and ``compare_models``: models with their metrics and lineage, side by side.

A logged model's lineage lives in its ``configuration["lineage"]`` (the v1 model has no
lineage fields): ``ground_truth_dataset_version`` (also the model's own field),
``snapshot_manifest_hash`` (the training snapshot's manifest hash, when given),
``file_md5``, ``file_name``, ``evaluated_on`` (the ground-truth version the metrics were
measured on) and ``logged_with``. ``models_frame`` shows them as ``lineage.*`` columns.

>>> model = log_model(client, "yolo-ft", "best.pt", ground_truth_dataset_version=2,
...                   evaluation=ev)                                     # doctest: +SKIP
>>> board = compare_models(client, project=1)                           # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from .._util import md5_file
from .sources import require_sync

__all__ = [
    "LEADERBOARD_METRICS",
    "compare_models",
    "evaluation_metrics",
    "log_model",
    "plot_leaderboard",
]

#: the metric a leaderboard sorts by, first one present wins
LEADERBOARD_METRICS = ("mAP50-95", "mAP", "mAP50", "mIoU", "accuracy", "f1")



def evaluation_metrics(evaluation: Any) -> dict[str, Any]:
    """Metrics of an :class:`Evaluation` or :class:`ClassificationReport`, JSON-ready.

    Detection: the summary (NaN left out), ``mAP50-95`` (= ``mAP``, the name the demo models
    use) and ``per_class`` AP; classification: accuracy, macro precision / recall / F1.
    """
    if hasattr(evaluation, "summary") and hasattr(evaluation, "per_class"):
        out: dict[str, Any] = {k: round(float(v), 6) for k, v in evaluation.summary.items()
                               if not math.isnan(v)}
        if "mAP" in out:
            out["mAP50-95"] = out["mAP"]
        out["per_class"] = {str(k): {"AP": round(float(r["AP"]), 6), "AP50": round(float(r["AP50"]), 6)}
                            for k, r in evaluation.per_class.iterrows() if not math.isnan(r["AP"])}
        return out
    if hasattr(evaluation, "accuracy") and hasattr(evaluation, "macro"):
        return {"accuracy": round(float(evaluation.accuracy), 6),
                **{k: round(float(v), 6) for k, v in evaluation.macro.items()}}
    raise TypeError(f"evaluation must be an Evaluation or ClassificationReport, not "
                    f"{type(evaluation).__name__}")


def _manifest_hash(snapshot: Any) -> str | None:
    if snapshot is None:
        return None
    if isinstance(snapshot, str):
        return snapshot
    manifest = getattr(snapshot, "manifest", snapshot)
    if isinstance(manifest, Mapping) and manifest.get("hash"):
        return str(manifest["hash"])
    raise TypeError("snapshot must be a datasets Snapshot, its manifest dict, or the hash text")


def log_model(client: Any, name: str, file: str | Path, *, ground_truth_dataset_version: int,
              metrics: Mapping[str, Any] | None = None, evaluation: Any = None,
              config: Mapping[str, Any] | None = None, snapshot: Any = None,
              project: int | None = None, category: str | None = None,
              version: str = "1.0.0", description: str = "") -> dict[str, Any]:
    """Create a model: its file (resumable chunked upload), metrics and lineage.

    Parameters
    ----------
    client : SynapseClient
    name : str
    file : path
        The weights; sent through the client's resumable chunked upload (a re-run after a
        failure continues where it stopped; a file that changed since, even with the same
        size and mtime, is sent again from the start).
    ground_truth_dataset_version : int
        The ground-truth version the model was trained for / evaluated on.
    metrics : dict, optional
        Numbers to store; merged over those taken from ``evaluation``.
    evaluation : Evaluation or ClassificationReport, optional
        Its metrics are stored (see :func:`evaluation_metrics`).
    config : dict, optional
        Training configuration, stored as the model's ``configuration``.
    snapshot : Snapshot, manifest dict or str, optional
        The training snapshot; its manifest hash goes into the lineage.
    project, category : optional
        Default: the ground-truth version's project; ``object_detection`` /
        ``classification`` after the evaluation's kind.

    Returns
    -------
    dict
        The created model, as the server returns it.

    Examples
    --------
    >>> snb.log_model(client, "yolov8m-street", "best.pt", ground_truth_dataset_version=2,
    ...               evaluation=ev, snapshot=snap)                    # doctest: +SKIP
    """
    require_sync(client, "log_model")
    path = Path(file)
    if not path.is_file():
        raise FileNotFoundError(f"model file {path} does not exist")
    if config is not None and "lineage" in config:
        raise ValueError("config may not have a 'lineage' key: log_model writes it")
    stored = evaluation_metrics(evaluation) if evaluation is not None else {}
    stored.update(metrics or {})
    if project is None:
        page = client.list_ground_truth_events(
            {"ground_truth_dataset_versions": ground_truth_dataset_version, "page_size": 1})
        results = page.get("results") or []
        project = results[0].get("project") if results else None
    if category is None:
        category = ("classification" if evaluation is not None and hasattr(evaluation, "accuracy")
                    else "object_detection")
    from synapse_nb import __version__

    # the client's resumable upload (a stale resume of a file rewritten with the same size
    # and mtime is found by its md5 and sent again from byte 0: synapse_nb.client.chunked)
    upload = dict(client.create_chunked_upload(path))
    # the md5 of the bytes the server holds (the file's md5 read again when it has none)
    file_md5 = upload.get("checksum") or md5_file(path)
    lineage = {"ground_truth_dataset_version": ground_truth_dataset_version,
               "snapshot_manifest_hash": _manifest_hash(snapshot), "file_md5": file_md5,
               "file_name": path.name,
               "evaluated_on": ground_truth_dataset_version if evaluation is not None else None,
               "logged_with": f"synapse_nb {__version__}"}
    model: dict[str, Any] = client.create_model({
        "name": name, "description": description, "category": category, "project": project,
        "version": version, "configuration": {**dict(config or {}), "lineage": lineage},
        "metrics": stored, "ground_truth_dataset_version": ground_truth_dataset_version,
        "chunked_upload": upload["id"]})
    return model


def compare_models(client: Any, **filters: Any) -> pd.DataFrame:
    """A leaderboard: one row per model, its numeric metrics as columns, best first.

    ``filters`` are ``models_frame``'s (``project=1``, ``category=...``). The frame keeps
    ``name``, ``version``, ``category``, ``project``, ``ground_truth_dataset_version``, the
    ``lineage.*`` columns and ``metrics`` (the JSON text, last); ``attrs["metric"]`` names the column it is sorted by (the
    first of ``LEADERBOARD_METRICS`` present). ``snb.ModelBrowser(board, client=client)``
    browses it; :func:`plot_leaderboard` draws it.

    Examples
    --------
    >>> board = snb.compare_models(client, project=1)                  # doctest: +SKIP
    >>> snb.plot_leaderboard(board)                                    # doctest: +SKIP
    """
    from synapse_nb.frames import expand_json, models_frame

    require_sync(client, "compare_models")
    models = models_frame(client, progress=False, **filters)
    wide = expand_json(models, "metrics", depth=1)
    metric_cols = [c for c in wide.columns if c.startswith("metrics.")
                   and pd.api.types.is_numeric_dtype(pd.to_numeric(wide[c], errors="coerce"))
                   and pd.to_numeric(wide[c], errors="coerce").notna().any()]
    keep = [c for c in ("name", "version", "category", "project", "ground_truth_dataset_version",
                        "is_released", "created") if c in wide.columns]
    keep += [c for c in wide.columns if c.startswith("lineage.")]
    board = wide[keep].copy()
    for c in metric_cols:
        board[c.removeprefix("metrics.")] = pd.to_numeric(wide[c], errors="coerce").astype(float)
    board["metrics"] = models["metrics"]  # kept whole: ModelBrowser compares versions from it
    metric = next((m for m in LEADERBOARD_METRICS if m in board.columns), None)
    if metric is not None:
        board = board.sort_values(metric, ascending=False, na_position="last", kind="stable")
    board.attrs["metric"] = metric
    return board


def plot_leaderboard(board: pd.DataFrame, metric: str | None = None, ax: Any = None) -> Any:
    """Horizontal bars of ``metric`` (default the board's sort metric), best model on top."""
    from . import plots

    metric = metric or board.attrs.get("metric")
    if metric is None or metric not in board.columns:
        raise ValueError(f"no metric {metric!r} in this leaderboard; it has "
                         f"{[c for c in board.columns if board[c].dtype == float]}")
    return plots.leaderboard(board, metric, ax=ax)
