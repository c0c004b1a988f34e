"""``upload_predictions``: predictions become pre-annotations on tasks, planned, in bulk,
idempotent and resumable.

1. Read: a predictions frame (annotations columns: ``data_unit`` or ``task``, ``label``,
   ``x1 y1 x2 y2`` / ``points`` / classification, ``confidence``) or COCO results JSON
   (a path, JSON text or the list: ``image_id`` is the data unit, ``category_id`` is
   resolved by ``categories`` or the project's class list, 1-based).
2. Plan: one pre-annotation per task (its objects in a canonical order, coordinates
   rounded to 0.01 px), keyed on (task, model, content) by the server's own rule
   (:func:`synapse_nb.ml.keys.pre_annotation_key`); the server
   says which keys it already holds. Every row is checked in the plan (geometry and
   scores by :mod:`synapse_nb._util.geometry`, tasks against ``project``): a task with a
   bad row is planned ``invalid`` with the reason, the others go on.
   ``dry_run=True`` (the default) stops here.
3. Send the new ones in batches (``POST pre_annotations/``, all or nothing each). A
   re-run, after a kill or a failure, plans again and sends only what is missing: the
   server's keys are the journal, so nothing is written twice.

>>> plan = upload_predictions(client, pred, project=1, model=5)              # doctest: +SKIP
>>> report = upload_predictions(client, pred, project=1, model=5, dry_run=False)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import numbers
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson
import pandas as pd

from synapse_nb._util.geometry import check_score, check_shape

from .keys import pre_annotation_key
from .shapes import missing
from .sources import require_sync

__all__ = ["pre_annotation_key", "prediction_payloads", "upload_predictions"]

STATUSES = ["new", "exists", "created", "skipped", "invalid", "failed"]


_BOX = ("x1", "y1", "x2", "y2")
_JSON_OPENERS = ("[", "{")
_MAX_PATH_TEXT = 1024  # longer text is never a file name (PATH_MAX is 4096, a name 255)
_SHOWN_REASONS = 5


def _r(v: Any) -> float:
    return round(float(v), 2)


def _shape_kind(row: Mapping[str, Any]) -> tuple[str, Any]:
    """What a row holds, and its points (None when it has none): the one reading of a row's
    kind, for both its check (``_row_problem``) and its payload (``_object``).

    A row with points is a shape of its ``type`` (a polygon when untyped); else a row
    with a box corner is a box (a box with one bad corner is a bad box, never a
    classification); else it is its ``type``: a classification when untyped, a box
    without corners, or a kind that needs points it does not have.
    """
    points: Any = row.get("points")
    kind: Any = row.get("type")
    if not missing(points) and len(points):
        return ("polygon" if missing(kind) or kind == "polygon" else str(kind)), points
    if any(not missing(row.get(c)) for c in _BOX):
        return "bbox", None
    return ("classification" if missing(kind) else str(kind)), None


def _row_problem(row: Mapping[str, Any]) -> str | None:
    """Why this prediction cannot be sent, or None; decides nothing else (see ``_object``)."""
    if "_problem" in row and not missing(row["_problem"]):
        return str(row["_problem"])
    if missing(row.get("label")):
        return "no label"
    conf: Any = row.get("confidence")
    score = None if missing(conf) else conf  # an empty cell: no confidence, not a bad one
    kind, points = _shape_kind(row)
    if points is not None:
        return check_shape(points=list(points), score=score)
    if kind == "bbox":
        problem = check_shape(tuple(row.get(c) for c in _BOX))
        if problem:
            return f"bbox: {problem}"
    elif kind != "classification":
        return f"a {kind} without points"
    return check_score(score)


def _object(row: Mapping[str, Any]) -> dict[str, Any]:
    """The payload object of a row ``_row_problem`` passed."""
    kind, points = _shape_kind(row)
    obj: dict[str, Any] = {"label": str(row["label"]), "type": kind}
    if points is not None:
        obj["points"] = [[_r(p[0]), _r(p[1])] for p in points]
    elif kind == "bbox":
        obj["coordinates"] = [_r(row[c]) for c in _BOX]
    conf: Any = row.get("confidence")
    if not missing(conf):
        obj["confidence"] = round(float(conf), 4)
    return obj


def _canonical(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(objects, key=lambda o: orjson.dumps(o, option=orjson.OPT_SORT_KEYS))


def _read_json(source: str | bytes | Path) -> Any:
    """COCO results given as a path or as JSON text.

    Text is told from a path without asking the file system about text that cannot be a
    file name: JSON opens with ``[`` or ``{``, and a long text is no path (``Path.exists``
    on it raises ``File name too long``).
    """
    if isinstance(source, bytes):
        return json.loads(source)
    if isinstance(source, str):
        head = source.lstrip()[:1]
        if head in _JSON_OPENERS or len(source) > _MAX_PATH_TEXT or "\n" in source:
            return json.loads(source)
    path = Path(source)
    if not path.is_file():
        raise FileNotFoundError(f"COCO results: {str(source)!r} is neither a file nor JSON text "
                                "(a JSON list or object opens with '[' or '{')")
    return json.loads(path.read_bytes())


def _coco_box(bbox: Any) -> tuple[dict[str, Any], str | None]:
    if not isinstance(bbox, (list, tuple)) or len(bbox) != 4:
        return {}, f"bbox {bbox!r} is not [x, y, w, h]"
    if not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in bbox):
        return {}, f"bbox {bbox!r} holds a value that is not a number"
    x, y, w, h = bbox  # the corners go through the plan's one geometry check
    return {"x1": x, "y1": y, "x2": x + w, "y2": y + h}, None


def _coco_results(source: Any, categories: Mapping[int, str] | None,
                  project_classes: list[str]) -> pd.DataFrame:
    if isinstance(source, (str, bytes, Path)):
        source = _read_json(source)
    if isinstance(source, dict):  # a whole COCO file: its categories name the ids
        categories = categories or {c["id"]: c["name"] for c in source.get("categories", [])}
        source = source.get("annotations", [])
    if not isinstance(source, list):
        raise TypeError("COCO results must be a list of {image_id, category_id, bbox, score}")
    rows = []
    for i, r in enumerate(source):
        if not isinstance(r, dict):
            rows.append({"_problem": f"result {i} is {type(r).__name__}, not an object"})
            continue
        cat: Any = r.get("category_id")
        if categories:
            label = categories.get(cat)
        elif isinstance(cat, int) and 1 <= cat <= len(project_classes):
            label = project_classes[cat - 1]
        else:
            label = None
        if label is None:
            raise ValueError(f"result {i}: category_id {cat!r} has no label; pass "
                             "categories={id: name} (or a COCO file with 'categories')")
        row: dict[str, Any] = {"data_unit": r.get("image_id"), "label": label,
                               "confidence": r.get("score")}
        if r.get("bbox") is not None:
            box, problem = _coco_box(r["bbox"])
            row.update(box, type="bbox", _problem=problem)
        rows.append(row)
    return pd.DataFrame(rows)


def _project_classes(client: Any, project: int) -> list[str]:
    config = client.get_project(project).get("configuration") or {}
    for tool in config.get("tools") or []:
        if tool.get("classes"):
            return list(tool["classes"])
    return list((config.get("classification") or {}).get("classes") or [])


def _task_id(value: Any) -> int | None:
    """A task column's cell as an id, or None when it is not one (``3.0`` is 3; ``3.5`` is none)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, numbers.Real) and not missing(value) and float(value).is_integer():
        return int(float(value))
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _summed(reasons: list[str]) -> str:
    shown = "; ".join(reasons[:_SHOWN_REASONS])
    more = len(reasons) - _SHOWN_REASONS
    return shown + (f"; and {more} more invalid row(s)" if more > 0 else "")


def prediction_payloads(client: Any, predictions: pd.DataFrame, *, project: int,
                        model: int | None) -> pd.DataFrame:
    """The plan before the server is asked: one row per task with its payload and key.

    Every prediction is checked here, once, by :func:`synapse_nb._util.geometry.check_shape`
    (finite corners, no inverted box, finite points; a confidence is a real number in
    [0, 1], a bool is refused), and for a label and a task of ``project``. A task with an
    invalid prediction is planned ``invalid`` as a whole, with one reason per bad row (its
    row label in ``predictions``): sending the rest would store a partial pre-annotation,
    and the corrected re-run a second one. The other tasks go on.
    ``attrs["invalid_rows"]`` lists the bad rows, one reason each.
    """
    from synapse_nb.frames import tasks_frame

    tasks = tasks_frame(client, project=project, progress=False)
    in_project = set(tasks.index.tolist())
    frame = predictions
    if "task" not in frame.columns or frame["task"].isna().any():
        if "data_unit" not in frame.columns:
            raise ValueError("predictions need a 'task' or a 'data_unit' column")
        by_unit = pd.Series(tasks.index.to_numpy(), index=tasks["data_unit"].to_numpy())
        by_unit = by_unit[~by_unit.index.duplicated()]
        mapped = frame["data_unit"].map(by_unit)
        frame = frame.assign(task=frame["task"].where(frame["task"].notna(), mapped)
                             if "task" in frame.columns else mapped)
    records: list[dict[str, Any]] = [{str(k): v for k, v in r.items()}
                                      for r in frame.to_dict("records")]
    grouped: dict[Any, list[tuple[Any, dict[str, Any]]]] = {}
    bad_rows: list[dict[str, Any]] = []
    for label, rec in zip(frame.index, records):
        task = _task_id(rec.get("task"))
        # rows without a task group by their cells' text (NaN is not equal to itself)
        key: Any = task if task is not None else ("skip", repr(rec.get("task")),
                                                  repr(rec.get("data_unit")))
        problem = _row_problem(rec)
        if task is not None and task not in in_project:
            problem = f"task {task} is not a task of project {project}"
        elif task is None and not missing(rec.get("task")):
            problem = f"task {rec.get('task')!r} is not a task id"
        if problem:
            bad_rows.append({"row": label, "task": task, "reason": problem})
            rec["_reason"] = f"row {label}: {problem}"
        grouped.setdefault(key, []).append((label, rec))
    rows = []
    for key, items in grouped.items():
        recs = [rec for _label, rec in items]
        unit = recs[0].get("data_unit")
        task = key if isinstance(key, int) else None
        reasons = [rec["_reason"] for rec in recs if rec.get("_reason")]
        base = {"task": task, "data_unit": unit, "model": model, "objects": len(recs),
                "key": None, "data": None}
        if reasons:
            rows.append({**base, "status": "invalid", "reason": _summed(reasons)})
        elif task is None:
            rows.append({**base, "status": "skipped",
                         "reason": f"data unit {unit} has no task in project {project}"})
        else:
            data = {"annotations": _canonical([_object(r) for r in recs])}
            rows.append({**base, "key": pre_annotation_key(task, model, data), "status": "new",
                         "reason": None, "data": data})
    out = pd.DataFrame(rows, columns=["task", "data_unit", "model", "objects", "key", "status",
                                      "reason", "data"])
    out = out.sort_values("task", kind="stable", na_position="last").reset_index(drop=True)
    out.attrs["invalid_rows"] = pd.DataFrame(bad_rows, columns=["row", "task", "reason"]
                                             ).set_index("row")
    return out


def upload_predictions(client: Any, predictions: Any, *, project: int, model: int | None = None,
                       dry_run: bool = True, batch_size: int = 500,
                       categories: Mapping[int, str] | None = None,
                       progress: bool | None = None) -> pd.DataFrame:
    """Send predictions to the tasks of ``project`` as pre-annotations (see the module docstring).

    Parameters
    ----------
    client : SynapseClient
    predictions : DataFrame, path, JSON text or list
        A predictions frame, or COCO results JSON (text that opens with ``[`` or ``{`` is
        read as JSON, never looked up as a file name).
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
        ``status`` (new / exists / created / skipped / invalid / failed), ``reason``,
        ``data``; ``attrs["summary"]`` counts the statuses. A task is ``invalid`` (and not
        sent) when one of its predictions is: a NaN or infinite coordinate, an inverted
        box, a confidence outside [0, 1] or a bool, no label, or a task of another
        project; ``reason`` names each bad row, ``attrs["invalid_rows"]`` lists them (one
        reason per row of ``predictions``). The other tasks are planned and sent as usual.

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
    plan.attrs["summary"] = {str(k): int(v) for k, v in plan["status"].value_counts().items() if v}
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
