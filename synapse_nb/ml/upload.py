"""``upload_predictions``: predictions become pre-annotations on tasks, planned, in bulk,
idempotent and resumable.

1. Read: a predictions frame (annotations columns: ``data_unit`` or ``task``, ``label``,
   ``x1 y1 x2 y2`` / ``points`` / classification, ``confidence``) or COCO results JSON
   (a path, JSON text or the list: ``image_id`` is the data unit, ``category_id`` is
   resolved by ``categories`` or the project's class list, 1-based).
2. Plan: one pre-annotation per task (its objects in a canonical order, coordinates
   rounded to 0.01 px), keyed on (task, model, content) by the server's own rule
   (:func:`synapse_nb.ml.keys.pre_annotation_key`); the server
   says which keys it already holds. ``dry_run=True`` (the default) stops here.
3. Send the new ones in batches (``POST pre_annotations/``, all or nothing each). A
   re-run, after a kill or a failure, plans again and sends only what is missing: the
   server's keys are the journal, so nothing is written twice.

>>> plan = upload_predictions(client, pred, project=1, model=5)              # doctest: +SKIP
>>> report = upload_predictions(client, pred, project=1, model=5, dry_run=False)  # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson
import pandas as pd

from .keys import pre_annotation_key
from .shapes import missing
from .sources import require_sync

__all__ = ["pre_annotation_key", "prediction_payloads", "upload_predictions"]

STATUSES = ["new", "exists", "created", "skipped", "failed"]


def _r(v: Any) -> float:
    return round(float(v), 2)


def _object(row: Mapping[str, Any]) -> dict[str, Any]:
    obj: dict[str, Any] = {"label": str(row["label"])}
    points: Any = row.get("points")
    kind = row.get("type")
    if not missing(points) and len(points):
        obj.update(type="polygon" if missing(kind) or kind == "polygon" else str(kind),
                   points=[[_r(p[0]), _r(p[1])] for p in points])
    elif all(pd.notna(row.get(c)) for c in ("x1", "y1", "x2", "y2")):
        obj.update(type="bbox", coordinates=[_r(row[c]) for c in ("x1", "y1", "x2", "y2")])
    else:
        obj["type"] = "classification"
    conf: Any = row.get("confidence")
    if not missing(conf):
        obj["confidence"] = round(float(conf), 4)
    return obj


def _canonical(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(objects, key=lambda o: orjson.dumps(o, option=orjson.OPT_SORT_KEYS))


def _coco_results(source: Any, categories: Mapping[int, str] | None,
                  project_classes: list[str]) -> pd.DataFrame:
    if isinstance(source, (str, Path)):
        text = Path(source).read_text() if Path(str(source)).exists() else str(source)
        source = json.loads(text)
    if isinstance(source, dict):  # a whole COCO file: its categories name the ids
        categories = categories or {c["id"]: c["name"] for c in source.get("categories", [])}
        source = source.get("annotations", [])
    if not isinstance(source, list):
        raise TypeError("COCO results must be a list of {image_id, category_id, bbox, score}")
    rows = []
    for i, r in enumerate(source):
        cat = r.get("category_id")
        if categories:
            label = categories.get(cat)
        elif isinstance(cat, int) and 1 <= cat <= len(project_classes):
            label = project_classes[cat - 1]
        else:
            label = None
        if label is None:
            raise ValueError(f"result {i}: category_id {cat!r} has no label; pass "
                             "categories={id: name} (or a COCO file with 'categories')")
        row = {"data_unit": r.get("image_id"), "label": label, "confidence": r.get("score")}
        if r.get("bbox") is not None:
            x, y, w, h = r["bbox"]
            row.update(x1=x, y1=y, x2=x + w, y2=y + h)
        rows.append(row)
    return pd.DataFrame(rows)


def _project_classes(client: Any, project: int) -> list[str]:
    config = client.get_project(project).get("configuration") or {}
    for tool in config.get("tools") or []:
        if tool.get("classes"):
            return list(tool["classes"])
    return list((config.get("classification") or {}).get("classes") or [])


def prediction_payloads(client: Any, predictions: pd.DataFrame, *, project: int,
                        model: int | None) -> pd.DataFrame:
    """The plan before the server is asked: one row per task with its payload and key."""
    frame = predictions
    if "task" not in frame.columns or frame["task"].isna().any():
        if "data_unit" not in frame.columns:
            raise ValueError("predictions need a 'task' or a 'data_unit' column")
        from synapse_nb.frames import tasks_frame

        tasks = tasks_frame(client, project=project, progress=False)
        by_unit = pd.Series(tasks.index.to_numpy(), index=tasks["data_unit"].to_numpy())
        by_unit = by_unit[~by_unit.index.duplicated()]
        frame = frame.assign(task=frame["data_unit"].map(by_unit))
    rows = []
    records: list[dict[str, Any]] = [{str(k): v for k, v in r.items()}
                                      for r in frame.to_dict("records")]
    grouped: dict[Any, list[dict[str, Any]]] = {}
    for rec in records:
        grouped.setdefault(rec.get("task"), []).append(rec)
    for task, recs in grouped.items():
        unit = recs[0].get("data_unit")
        if task is None or pd.isna(task):
            rows.append({"task": None, "data_unit": unit, "model": model, "objects": len(recs),
                         "key": None, "status": "skipped",
                         "reason": f"data unit {unit} has no task in project {project}",
                         "data": None})
            continue
        data = {"annotations": _canonical([_object(r) for r in recs])}
        rows.append({"task": int(task), "data_unit": unit, "model": model, "objects": len(recs),
                     "key": pre_annotation_key(int(task), model, data), "status": "new",
                     "reason": None, "data": data})
    out = pd.DataFrame(rows, columns=["task", "data_unit", "model", "objects", "key", "status",
                                      "reason", "data"])
    return out.sort_values("task", kind="stable", na_position="last").reset_index(drop=True)


def upload_predictions(client: Any, predictions: Any, *, project: int, model: int | None = None,
                       dry_run: bool = True, batch_size: int = 500,
                       categories: Mapping[int, str] | None = None,
                       progress: bool | None = None) -> pd.DataFrame:
    """Send predictions to the tasks of ``project`` as pre-annotations (see the module docstring).

    Parameters
    ----------
    client : SynapseClient
    predictions : DataFrame, path, JSON text or list
        A predictions frame, or COCO results JSON.
    project : int
        The project whose tasks get the pre-annotations.
    model : int, optional
        The model that made them (part of the key: two models' identical boxes are kept apart).
    dry_run : bool
        True (default): only plan; nothing is written.
    batch_size : int
        Pre-annotations per request (at most 1000).
    categories : dict, optional
        COCO ``category_id`` -> label (default: the project's class list, 1-based).
    progress : bool, optional
        A progress bar while sending (default: on when there is more than one batch).

    Returns
    -------
    DataFrame
        One row per task: ``task``, ``data_unit``, ``model``, ``objects``, ``key``,
        ``status`` (new / exists / created / skipped / failed), ``reason``, ``data``;
        ``attrs["summary"]`` counts the statuses.

    Examples
    --------
    >>> plan = snb.upload_predictions(client, pred, project=1, model=5)          # doctest: +SKIP
    >>> plan.status.value_counts()                                                # doctest: +SKIP
    >>> snb.upload_predictions(client, pred, project=1, model=5, dry_run=False)   # doctest: +SKIP
    """
    require_sync(client, "upload_predictions")
    if not 1 <= batch_size <= 1000:
        raise ValueError(f"batch_size must be 1..1000, not {batch_size}")
    if not isinstance(predictions, pd.DataFrame):
        predictions = _coco_results(predictions, categories,
                                    [] if categories else _project_classes(client, project))
    plan = prediction_payloads(client, predictions, project=project, model=model)
    keys = plan.loc[plan["status"] == "new", "key"].tolist()
    existing: set[str] = set()
    for start in range(0, len(keys), 10_000):
        existing.update(client.pre_annotations_verify_keys(keys[start:start + 10_000])["existing"])
    plan.loc[plan["key"].isin(existing), "status"] = "exists"
    if not dry_run:
        _send(client, plan, batch_size, progress)
    plan["status"] = pd.Categorical(plan["status"], categories=STATUSES)
    plan.attrs["summary"] = {k: int(v) for k, v in plan["status"].value_counts().items() if v}
    return plan


def _send(client: Any, plan: pd.DataFrame, batch_size: int, progress: bool | None) -> None:
    from tqdm.auto import tqdm

    from synapse_nb.client import ClientError

    todo = plan.index[plan["status"] == "new"].to_numpy()
    batches = [todo[i:i + batch_size] for i in range(0, len(todo), batch_size)]
    bar = tqdm(total=len(todo), unit="task", desc="pre-annotations",
               disable=not (progress if progress is not None else len(batches) > 1))
    try:
        for rows in batches:
            items: list[dict[str, Any]] = []
            for r in rows:
                task: Any = plan.at[r, "task"]
                model: Any = plan.at[r, "model"]
                items.append({"task": int(task), "model": None if missing(model) else int(model),
                              "data": plan.at[r, "data"]})
            try:
                answer = client.create_pre_annotations(items)
            except ClientError as err:  # keep going: what was sent stays sent
                plan.loc[rows, "status"] = "failed"
                plan.loc[rows, "reason"] = f"{err.status_code}: {str(err)[:200]}"
            else:
                for r, res in zip(rows, answer["results"]):
                    plan.at[r, "status"] = "created" if res["created"] else "exists"
            bar.update(len(rows))
    finally:
        bar.close()
