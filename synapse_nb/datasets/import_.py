"""``import_annotations``: COCO / YOLO / VOC labels back onto a project's tasks.

Images are matched to the project's tasks by the md5 of the image file (the checksum the
server keeps for uploaded files), else by file name (the unit's original file name); a
name shared by several tasks is ambiguous and not used. The plan (``dry_run=True``, the
default) is a frame of what would be written; ``dry_run=False`` writes the ``write`` rows
through ``annotate_task_data`` and returns the plan with their outcome.

Writing is idempotent: a task whose annotations already equal the file's (same shapes,
labels and confidences, to 0.01 px) is ``unchanged`` and not written, so a re-run after
an interruption writes only what is left, and a second run writes nothing.

Writing replaces a task's annotations with the file's. An image the file lists without
any annotation is ``empty`` and not written (the task keeps what it has) unless
``replace_empty=True`` asks to clear it. Every annotation is checked before it is planned
(:func:`synapse_nb._util.geometry.check_shape`: finite coordinates, no inverted box,
inside the image when the file gives its size, scores in [0, 1] with
``as_predictions``); an image with one that fails is ``invalid`` with the reason, and
nothing of it is written.

Plan columns: ``image``, ``task``, ``data_unit``, ``matched_by`` (checksum / name /
None), ``status`` (``write``, ``unchanged``, ``empty``, ``invalid``, ``unmatched``,
``ambiguous``, ``unknown_label``; after writing ``written`` or ``failed``),
``annotations``, ``labels``, ``reason``, ``payload`` (the annotation as JSON text).
"""

from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd

from .._util import md5_file
from .._util.geometry import check_shape
from .._util.progress import progress_bar
from ..frames import tasks_frame
from ..frames.annotations import shape_geometry
from ..frames.fetch import is_async_client
from .labels import configured_labels
from .readers import READERS, Found

__all__ = ["import_annotations", "PLAN_COLUMNS"]

PLAN_COLUMNS = ["image", "task", "data_unit", "matched_by", "status", "annotations", "labels",
                "reason", "payload"]


def _key(ann: dict[str, Any], with_confidence: bool) -> tuple[Any, ...]:
    box, points, _ = shape_geometry(ann)
    conf = ann.get("confidence") if with_confidence else None
    return (str(ann.get("type")), str(ann.get("label")),
            None if conf is None else round(float(conf), 4),
            tuple(round(v, 1) for v in box or ()),
            tuple(round(v, 1) for p in points or () for v in p))


def same_annotations(current: Any, new: list[dict[str, Any]], ignore_confidence: bool) -> bool:
    """Whether a task's ``data`` already holds ``new`` (order-free, to about 0.05 px)."""
    if isinstance(current, str):
        current = json.loads(current)
    anns = current.get("annotations") if isinstance(current, dict) else None
    if not isinstance(anns, list) or len(anns) != len(new):
        return False
    try:
        old = sorted(_key(a, not ignore_confidence) for a in anns)
    except (ValueError, TypeError, AttributeError):
        return False
    return old == sorted(_key(a, not ignore_confidence) for a in new)


def _index(tasks: pd.DataFrame) -> tuple[dict[str, set[int]], dict[str, set[int]]]:
    by_sum: dict[str, set[int]] = {}
    by_name: dict[str, set[int]] = {}
    for task, files in zip(tasks.index, tasks["files"]):
        try:
            entries = json.loads(files) if isinstance(files, str) else {}
        except ValueError:
            entries = {}
        for entry in (entries or {}).values():
            if isinstance(entry, dict):
                if entry.get("checksum"):
                    by_sum.setdefault(str(entry["checksum"]), set()).add(int(task))
                if entry.get("file_name_original"):
                    by_name.setdefault(str(entry["file_name_original"]), set()).add(int(task))
    return by_sum, by_name


def _problems(found: Found, as_predictions: bool) -> str | None:
    """The reasons an image's annotations cannot be written (None: all can)."""
    problems = []
    for i, ann in enumerate(found.annotations, start=1):
        kind = ann.get("type")
        why = check_shape(ann.get("coordinates") if kind == "bbox" else None,
                          points=ann.get("points") if kind != "bbox" else None,
                          score=ann.get("confidence") if as_predictions else None,
                          size=found.size)
        if why is not None:
            problems.append(f"annotation {i} ({ann.get('label')}): {why}")
    if not problems:
        return None
    more = f"; and {len(problems) - 3} more" if len(problems) > 3 else ""
    return "; ".join(problems[:3]) + more


def _current_count(data: Any) -> int:
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            return 0
    anns = data.get("annotations") if isinstance(data, dict) else None
    return len(anns) if isinstance(anns, list) else 0


def _plan_row(found: Found, tasks: pd.DataFrame, by_sum: dict[str, set[int]],
              by_name: dict[str, set[int]], known: set[str], fmt: str,
              as_predictions: bool, replace_empty: bool) -> dict[str, Any]:
    labels = sorted({str(a.get("label")) for a in found.annotations})
    row: dict[str, Any] = {"image": found.file_name, "task": None, "data_unit": None,
                           "matched_by": None, "annotations": len(found.annotations),
                           "labels": labels, "reason": None, "payload": None}
    md5 = md5_file(found.image) if found.image is not None else None
    hits, how = (by_sum.get(md5, set()), "checksum") if md5 else (set(), None)
    if not hits:
        hits, how = by_name.get(found.file_name, set()), "name"
    if len(hits) != 1:
        row["status"] = "ambiguous" if hits else "unmatched"
        row["reason"] = (f"{len(hits)} tasks of the project hold this {how}" if hits else
                         "no task of the project holds this image (checksum or file name)")
        return row
    task = next(iter(hits))
    row.update(task=task, data_unit=int(tasks["data_unit"].loc[task]), matched_by=how)
    problem = _problems(found, as_predictions)
    if problem is not None:
        row["status"], row["reason"] = "invalid", problem
        return row
    if not found.annotations and not replace_empty:
        current = _current_count(tasks["data"].loc[task])
        row["status"] = "empty"
        row["reason"] = ("the file lists no annotation for this image; nothing is written"
                         + (f" (the task keeps its {current}; replace_empty=True clears them)"
                            if current else ""))
        return row
    unknown = [x for x in labels if x not in known]
    annotations = [dict(a) for a in found.annotations]
    if not as_predictions:
        for a in annotations:
            a.pop("confidence", None)
    payload = {"annotations": annotations,
               "metadata": {"source": "synapse_nb.import_annotations", "format": fmt,
                            "predictions": as_predictions}}
    row["payload"] = json.dumps(payload)
    if known and unknown:
        row["status"], row["reason"] = "unknown_label", (
            f"labels not in the project's configuration: {', '.join(unknown)}")
    elif same_annotations(tasks["data"].loc[task], annotations, not as_predictions):
        row["status"] = "unchanged"
    else:
        row["status"] = "write"
    return row


def import_annotations(client: Any, path: str | Path, *, format: str, project: int,
                       as_predictions: bool = False, dry_run: bool = True,
                       replace_empty: bool = False, max_workers: int = 4,
                       progress: bool | None = None) -> pd.DataFrame:
    """Read COCO / YOLO / VOC annotations and write them onto ``project``'s tasks.

    Parameters
    ----------
    client : SynapseClient
    path : str or Path
        A COCO JSON file or an export folder (COCO: ``annotations/*.json``; YOLO:
        ``data.yaml``, ``images/``, ``labels/``; VOC: ``Annotations/``, ``JPEGImages/``).
    format : {"coco", "yolo", "voc"}
    project : int
        The project whose tasks receive the annotations.
    as_predictions : bool
        Keep scores as ``confidence`` and save the tasks without completing them
        (``action="save"``); otherwise confidences are dropped and tasks are submitted.
    dry_run : bool
        Only plan (the default). ``False`` writes the ``write`` rows.
    replace_empty : bool
        An image the file lists without annotations clears the task's annotations. Off by
        default: such an image is ``empty`` in the plan and its task keeps what it has.

    Returns
    -------
    pandas.DataFrame
        The plan (see the module docstring); ``attrs["summary"]`` counts statuses.

    Examples
    --------
    >>> plan = import_annotations(client, "street-coco", format="coco", project=1)  # doctest: +SKIP
    >>> plan.status.value_counts()                                      # doctest: +SKIP
    >>> import_annotations(client, "street-coco", format="coco", project=1, dry_run=False)  # doctest: +SKIP
    """
    if is_async_client(client):
        raise TypeError("import_annotations() needs a sync SynapseClient")
    if format not in READERS:
        raise ValueError(f"format must be one of {', '.join(READERS)}; got {format!r}")
    source = Path(path).expanduser()
    if not source.exists():
        raise FileNotFoundError(f"{source} does not exist")
    found = READERS[format](source)
    tasks = tasks_frame(client, project=int(project), progress=progress)
    known = set(configured_labels(client.get_project(int(project)).get("configuration")))
    by_sum, by_name = _index(tasks)
    rows = [_plan_row(f, tasks, by_sum, by_name, known, format, as_predictions, replace_empty)
            for f in found]
    plan = pd.DataFrame(rows, columns=PLAN_COLUMNS)
    plan["task"] = plan["task"].astype("Int64")
    plan["data_unit"] = plan["data_unit"].astype("Int64")
    duplicate = plan["task"].notna() & plan["task"].duplicated(keep=False)
    plan.loc[duplicate, "status"] = "ambiguous"
    plan.loc[duplicate, "reason"] = "several images of the file match this task"
    if not dry_run:
        _write(client, plan, as_predictions, max_workers, progress)
    plan.attrs["summary"] = dict(Counter(plan["status"]))
    return plan


def _write(client: Any, plan: pd.DataFrame, as_predictions: bool, max_workers: int,
           progress: bool | None) -> None:
    todo = plan.index[plan["status"] == "write"].tolist()
    action = "save" if as_predictions else "submit"
    bar = progress_bar(progress, len(todo), desc="annotate", unit="tasks")

    task_of, payload_of = plan["task"].to_dict(), plan["payload"].to_dict()

    def one(i: int) -> tuple[int, str | None]:
        try:
            client.annotate_task_data(int(task_of[i]),
                                      {"action": action, "data": json.loads(payload_of[i])})
        except Exception as err:  # noqa: BLE001 (reported in the plan; the others go on)
            return i, f"{type(err).__name__}: {err}"
        return i, None

    try:
        with ThreadPoolExecutor(max(1, max_workers)) as pool:
            for i, error in pool.map(one, todo):
                plan.at[i, "status"] = "failed" if error else "written"
                plan.at[i, "reason"] = error
                if bar is not None:
                    bar.update(1)
    finally:
        if bar is not None:
            bar.close()
