"""Row builders of the v2 ML and job resources: models, experiments, trains, reviews,
pre-annotations, exports (jobs embedded as ``{"id": uuid, "status", "action", ...}``).

>>> _job(("00000000-0000-0000-0000-000000000001", "RUNNING", "train", "t0", None), 0)["status"]
'RUNNING'
"""

from __future__ import annotations

from typing import Any

import orjson
from orjson import Fragment

from ..render import frag
from .spec import Filter, Spec, make_spec, ranges
from .tables import JOB_UUID_SQL

__all__ = ["ML_SPECS"]

B = bool


# ---- models, experiments, trains, jobs -----------------------------------------------------
MODEL = ("m.id, m.name, m.category, m.is_released, m.is_external, m.created, m.tenant_id, "
         "m.plugin_id, m.ground_truth_dataset_version_id, m.description, m.configuration, "
         "m.project_id, m.version, m.file, m.metrics")
EXPERIMENT = ("x.id, x.name, x.access_level, x.is_archived, x.created, x.tenant_id, x.task_id, "
              "x.description, x.project_id")
JOB = f"{JOB_UUID_SQL}, upper(j.status), j.action, j.created, j.completed"
TRAIN = (f"r.id, {JOB}, r.experiment_id, r.is_tune, r.created, r.neural_net_id, "
         "r.gt_version_id, r.checkpoint_id, r.name, r.description, r.tune_config, r.best_trial")
TRAIN_FROM = "v2_trains r JOIN jobs j ON j.id = r.job_id"


def _model_slim(r: tuple, base: str) -> dict[str, Any]:
    return {"id": r[0], "name": r[1], "category": r[2], "is_released": B(r[3]),
            "is_external": B(r[4]), "created": r[5]}


def _model_full(r: tuple, base: str) -> dict[str, Any]:
    return {**_model_slim(r, base), "tenant_id": r[6], "neural_net_id": r[7],
           "dataset_id": r[8], "description": r[9], "configuration": frag(r[10]),
           "project_id": r[11], "version": r[12], "metrics": frag(r[14]),
           "ground_truth_dataset_version_id": r[8],
           "file": f"{base}/{orjson.loads(r[13])['url']}" if r[13] else None}


def _experiment_slim(r: tuple, base: str) -> dict[str, Any]:
    return {"id": r[0], "name": r[1], "access_level": r[2], "is_archived": B(r[3]),
            "created": r[4]}


def _experiment_full(r: tuple, base: str) -> dict[str, Any]:
    return {**_experiment_slim(r, base), "tenant_id": r[5], "task_id": r[6],
            "description": r[7], "project_id": r[8]}


def _job(r: tuple, at: int) -> dict[str, Any]:
    return {"id": r[at], "status": r[at + 1], "action": r[at + 2], "created": r[at + 3],
            "completed": r[at + 4]}


def _train_slim(r: tuple, base: str) -> dict[str, Any]:
    return {"id": r[0], "job_id": r[1], "job_status": r[2], "experiment": r[6],
            "is_tune": B(r[7]), "created": r[8]}


def _train_full(r: tuple, base: str) -> dict[str, Any]:
    return {"id": r[0], "experiment": r[6], "neural_net": r[9],
            "ground_truth_dataset_version": r[10], "job": _job(r, 1), "checkpoint": r[11],
            "name": r[12], "description": r[13], "is_tune": B(r[7]),
            "tune_config": frag(r[14]), "best_trial": frag(r[15]), "created": r[8]}


# ---- reviews, pre-annotations, exports ---------------------------------------------------
REVIEW = ("w.id, w.assignment_id, w.scope, w.is_active, w.created, w.user_id, w.tags, "
          "w.object_id, w.description, w.position")
PRE = (f"q.id, {JOB}, q.target, q.method, q.created, q.name, q.description, q.pre_processor")
EXPORT = (f"x.id, {JOB}, x.target, x.created, x.storage_id, x.path, x.name, x.description, "
          "x.filter, x.extra_params, x.save_original_file, x.project_id")
def _review_slim(r: tuple, base: str) -> dict[str, Any]:
    return {"id": r[0], "assignment_id": r[1], "scope": r[2], "is_active": B(r[3]),
            "created": r[4]}


def _review_full(r: tuple, base: str) -> dict[str, Any]:
    return {**_review_slim(r, base), "user_id": r[5], "tags": Fragment(r[6]),
            "object_id": r[7], "description": r[8], "position": frag(r[9])}


def _pre_slim(r: tuple, base: str) -> dict[str, Any]:
    return {"id": r[0], "job_id": r[1], "job_status": r[2], "target": r[6], "method": r[7],
            "created": r[8]}


def _pre_full(r: tuple, base: str) -> dict[str, Any]:
    return {"id": r[0], "name": r[9], "description": r[10], "job": _job(r, 1),
            "target": r[6], "method": r[7], "pre_processor": r[11], "created": r[8]}


def _export_slim(r: tuple, base: str) -> dict[str, Any]:
    return {"id": r[0], "job_id": r[1], "job_status": r[2], "target": r[6], "created": r[7]}


def _export_full(r: tuple, base: str) -> dict[str, Any]:
    return {"id": r[0], "target": r[6], "storage": r[8], "path": r[9], "name": r[10],
            "description": r[11], "filter": Fragment(r[12]), "extra_params": Fragment(r[13]),
            "save_original_file": B(r[14]), "job": _job(r, 1), "created": r[7],
            "project_id": r[15]}


ML_SPECS: list[Spec] = [
    make_spec("models", "/models/", "models m", "m.id", "m.tenant_id", (MODEL, _model_slim),
          (MODEL, _model_full), filters=(("is_released", Filter("m.is_released", "bool")),
                                         ("project", Filter("m.project_id")))),
    make_spec("experiments", "/experiments/", "v2_experiments x", "x.id", "x.tenant_id",
          (EXPERIMENT, _experiment_slim), (EXPERIMENT, _experiment_full),
          filters=(("project", Filter("x.project_id")),)),
    make_spec("trains", "/trains/", "v2_trains r", "r.id", "r.tenant_id", (TRAIN, _train_slim),
          (TRAIN, _train_full), fetch_from=TRAIN_FROM,
          filters=(("experiment", Filter("r.experiment_id")),
                   ("dataset", Filter("r.gt_version_id")),
                   ("has_model", Filter("(r.checkpoint_id IS NOT NULL)", "bool")),
                   *ranges("created", "r.created", "time"))),
    make_spec("reviews", "/reviews/", "v2_reviews w", "w.id", "w.tenant_id",
          (REVIEW, _review_slim), (REVIEW, _review_full),
          filters=(("assignment", Filter("w.assignment_id")),
                   ("scope", Filter("w.scope", "enum", choices=(
                       "project", "group", "assignment", "annotation"))))),
    make_spec("pre_annotations", "/pre-annotations/", "v2_pre_annotations q", "q.id",
          "q.tenant_id", (PRE, _pre_slim), (PRE, _pre_full),
          fetch_from="v2_pre_annotations q JOIN jobs j ON j.id = q.job_id",
          filters=(("target", Filter("q.target", "enum", choices=("task", "gt"))),
                   ("method", Filter("q.method", "enum", choices=("file", "inference"))),
                   ("pre_processor", Filter("q.pre_processor")),
                   *ranges("created", "q.created", "time"))),
    make_spec("exports", "/exports/", "v2_exports x", "x.id", "x.tenant_id",
          (EXPORT, _export_slim), (EXPORT, _export_full),
          fetch_from="v2_exports x JOIN jobs j ON j.id = x.job_id",
          filters=(("project", Filter("x.project_id")), ("storage", Filter("x.storage_id")),
                   ("target", Filter("x.target", "enum", choices=(
                       "assignment", "ground_truth", "task"))),
                   *ranges("created", "x.created", "time"))),
]
