"""Tables for what only v2 has (experiments, trains, reviews, pre-annotations, exports,
ground truths), created and seeded on first use, beside the v1 tables in the same database.

Everything else v2 serves is read from the v1 tables, so both APIs show the same rows.
Members are the tenant's memberships joined with users (``name`` is the user's name).

Demo rows (only when the database holds the demo data):

- experiments 1 "street-detection" (project 1) and 2 "aerial-segmentation" (project 2),
  ``task_id`` the first task of the project;
- trains 1 (experiment 1, job 1 succeeded, ground-truth version 1, checkpoint model 1) and
  2 (experiment 1, job 2 failed, version 2);
- pre-annotation 1 (job 5, target ``task``, method ``inference``);
- export 1 (job 3, target ``task``, storage 1);
- a review for every assignment with a reviewer whose review is ``rejected`` or
  ``completed`` (by the reviewer, at the assignment's ``modified``);
- a ground truth per (dataset, data unit) of the ground-truth events: its latest event's
  category, data and classes; events are its history (``pgh_obj_id``), ``pgh_label``
  ``insert`` for the first, ``update`` after.

Jobs are embedded with a UUID made from the v1 job id (``job_uuid``).

>>> job_uuid(3)
'00000000-0000-0000-0000-000000000003'
"""

from __future__ import annotations

import threading
from typing import Any

import orjson

from ..db import Database

__all__ = ["JOB_UUID_SQL", "SCHEMA_V2", "ensure_v2_tables", "job_uuid"]

SCHEMA_V2 = """
CREATE TABLE IF NOT EXISTS v2_experiments (
    id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, name TEXT NOT NULL,
    description TEXT NOT NULL, project_id INTEGER, task_id INTEGER, access_level TEXT NOT NULL,
    is_archived INTEGER NOT NULL, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS v2_trains (
    id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, experiment_id INTEGER NOT NULL,
    job_id INTEGER NOT NULL, neural_net_id INTEGER, gt_version_id INTEGER NOT NULL,
    checkpoint_id INTEGER, name TEXT NOT NULL, description TEXT NOT NULL,
    is_tune INTEGER NOT NULL, tune_config TEXT, best_trial TEXT, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS v2_pre_annotations (
    id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, job_id INTEGER NOT NULL,
    name TEXT NOT NULL, description TEXT NOT NULL, target TEXT NOT NULL, method TEXT NOT NULL,
    pre_processor INTEGER, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS v2_exports (
    id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, job_id INTEGER NOT NULL,
    project_id INTEGER, target TEXT NOT NULL, storage_id INTEGER, path TEXT NOT NULL,
    name TEXT NOT NULL, description TEXT NOT NULL, filter TEXT NOT NULL,
    extra_params TEXT NOT NULL, save_original_file INTEGER NOT NULL, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS v2_reviews (
    id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, assignment_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL, scope TEXT NOT NULL, is_active INTEGER NOT NULL,
    tags TEXT NOT NULL, object_id TEXT NOT NULL, description TEXT NOT NULL,
    position TEXT, created TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS v2_reviews_assignment ON v2_reviews (assignment_id);
CREATE TABLE IF NOT EXISTS v2_ground_truths (
    id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, dataset_id INTEGER NOT NULL,
    data_unit_id INTEGER NOT NULL, project_id INTEGER, category TEXT NOT NULL,
    data TEXT NOT NULL, classes TEXT NOT NULL, first_event_id INTEGER NOT NULL,
    last_event_id INTEGER NOT NULL, created TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS v2_gt_unit ON v2_ground_truths (dataset_id, data_unit_id);
"""

#: SQL for the UUID of the v1 job ``j`` (see :func:`job_uuid`)
JOB_UUID_SQL = "printf('00000000-0000-0000-0000-%012x', j.id)"

_lock = threading.Lock()


def job_uuid(job_id: int) -> str:
    """The UUID v2 shows for the v1 job ``job_id``."""
    return f"00000000-0000-0000-0000-{job_id:012x}"


def ensure_v2_tables(db: Database) -> None:
    """Create and seed the v2 tables once per database (cheap after the first call)."""
    if db.__dict__.get("_v2_ready"):
        return
    with _lock:
        if db.__dict__.get("_v2_ready"):
            return
        db.connection().executescript(SCHEMA_V2)
        if db.get_meta("v2_seeded") is None:
            with db.write() as con:
                _seed(con)
                con.execute("INSERT OR REPLACE INTO server_meta VALUES ('v2_seeded', '1')")
        db.__dict__["_v2_ready"] = True


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _seed(con: Any) -> None:
    con.execute(
        "INSERT INTO v2_ground_truths (tenant_id, dataset_id, data_unit_id, project_id, "
        "category, data, classes, first_event_id, last_event_id, created) "
        "SELECT e.tenant_id, v.ground_truth_dataset_id, e.data_unit_id, e.project_id, "
        "e.category, e.data, e.classes, first, e.id, e.created FROM ground_truth_events e "
        "JOIN (SELECT MIN(e2.id) AS first, MAX(e2.id) AS last FROM ground_truth_events e2 "
        "JOIN ground_truth_dataset_versions v2 ON v2.id = e2.version_id "
        "GROUP BY e2.tenant_id, v2.ground_truth_dataset_id, e2.data_unit_id) g ON g.last = e.id "
        "JOIN ground_truth_dataset_versions v ON v.id = e.version_id ORDER BY first")
    con.execute(
        "INSERT INTO v2_reviews (tenant_id, assignment_id, user_id, scope, is_active, tags, "
        "object_id, description, position, created) "
        "SELECT tenant_id, id, reviewer_id, 'assignment', 1, '[]', '', "
        "CASE status_review WHEN 'rejected' THEN 'Boxes need fixing.' ELSE 'Approved.' END, "
        "NULL, modified FROM assignments WHERE reviewer_id IS NOT NULL "
        "AND status_review IN ('rejected', 'completed') ORDER BY id")
    demo = con.execute("SELECT COUNT(*) FROM jobs WHERE tenant_id = 1 AND id <= 5").fetchone()[0]
    if demo < 5:
        return
    created = {pk: con.execute("SELECT created FROM jobs WHERE id = ?", (pk,)).fetchone()[0]
               for pk in (1, 2, 3, 5)}
    con.executemany("INSERT INTO v2_experiments VALUES (?, 1, ?, ?, ?, (SELECT MIN(id) FROM "
                    "tasks WHERE tenant_id = 1 AND project_id = ?), 'private', 0, ?)", [
        (1, "street-detection", "YOLO detectors on the street frames", 1, 1, created[1]),
        (2, "aerial-segmentation", "Segmentation of the aerial tiles", 2, 2, created[2])])
    con.executemany("INSERT INTO v2_trains VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, 0, NULL, ?, ?)", [
        (1, 1, 1, 1, 1, 1, "yolov8n street v1.0", "50 epochs at 320 px",
         _dumps({"mAP50": 0.612}), created[1]),
        (2, 1, 2, 1, 2, None, "yolov8s street v1.1", "stopped: CUDA out of memory",
         None, created[2])])
    con.execute("INSERT INTO v2_pre_annotations VALUES (1, 1, 5, 'Street auto-label', "
                "'yolov8n boxes for pending street tasks', 'task', 'inference', 1, ?)",
                (created[5],))
    con.execute("INSERT INTO v2_exports VALUES (1, 1, 3, 1, 'task', 1, 'exports/street', "
                "'Street COCO export', 'Completed street tasks as COCO JSON', ?, '{}', 0, ?)",
                (_dumps({"project": 1, "status": "completed"}), created[3]))
