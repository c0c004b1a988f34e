"""Fill a new database: tenants, users and tokens always; the demo data with ``demo=True``.

Bulk rows are generated as tuples and written with ``executemany`` inside one transaction,
with durability pragmas off during the load (a million tasks take about a minute).

>>> seed_database(db, data_dir, demo=True, scale=2000)   # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import logging
import random
import secrets
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

import orjson

from . import demo
from .common import format_time, token_hash
from .db import Database
from .images import REAL_CHECKSUM_MAX_UNITS, demo_checksum, render_checksums
from .scenes import LABELS, annotator_scene_json, predicted_scene_json, scene, scene_json
from .urls import Signer

logger = logging.getLogger("synapse_nb.server")

__all__ = ["seed_database", "signer_for"]

T0 = datetime(2025, 3, 3, 0, 30, tzinfo=timezone.utc)


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def signer_for(db: Database) -> Signer:
    """The database's URL signer (its key is made once and kept in ``server_meta``)."""
    key = db.get_meta("signing_key")
    if key is None:
        with db.write() as con:
            con.execute("INSERT OR IGNORE INTO server_meta VALUES ('signing_key', ?)",
                        (secrets.token_hex(32),))
        key = db.get_meta("signing_key")
    assert key is not None  # inserted just above (or by another process first)
    return Signer(bytes.fromhex(key))


def seed_database(db: Database, data_dir: Path, demo_data: bool, scale: int) -> None:
    """Seed once: does nothing if the database already has tenants."""
    if db.one("SELECT 1 FROM tenants LIMIT 1"):
        return
    signer = signer_for(db)
    con = db.connection()
    con.execute("PRAGMA synchronous=OFF")
    try:
        with db.write() as con:
            _base(con)
            if demo_data:
                _fixed(con, signer, data_dir)
                _bulk(con, signer, scale)
                _globex(con, signer, scale)
                _ground_truth(con, scale)
                _ml_demo(con, scale)
            con.execute("INSERT OR REPLACE INTO server_meta VALUES ('demo_scale', ?)",
                        (str(scale if demo_data else 0),))
    finally:
        con.execute("PRAGMA synchronous=NORMAL")
    if db.bulk:
        db.create_indexes()
    con.execute("PRAGMA analysis_limit=1000")  # sampled statistics: fast on big tables
    con.execute("ANALYZE")


def _t(seconds: float) -> str:
    return format_time(T0 + timedelta(seconds=seconds))


def _base(con: Any) -> None:
    con.executemany("INSERT INTO tenants VALUES (?, ?, ?)",
                    [(1, demo.DEMO_TENANT, "Acme Robotics"), (2, demo.OTHER_TENANT, "Globex")])
    users = [(i + 1, name, name.capitalize(), f"{name}@example.com",
              token_hash(demo.USER_TOKENS[name])) for i, name in enumerate(demo.USERNAMES)]
    con.executemany("INSERT INTO users VALUES (?, ?, ?, ?, ?)", users)
    members = [(1, 1, "owner")] + [(1, i, "member") for i in range(2, 9)]
    members += [(2, 9, "owner"), (1, 10, "member"), (2, 10, "member")]
    con.executemany("INSERT INTO memberships VALUES (?, ?, ?)", members)
    con.executemany("INSERT INTO access_tokens VALUES (?, ?, ?, ?)", [
        (token_hash(demo.DEMO_ACCESS_TOKEN), 1, 1, "demo"),
        (token_hash(demo.OTHER_ACCESS_TOKEN), 2, 9, "demo")])
    con.executemany("INSERT INTO agents VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
        (1, 1, "gpu-box-01", token_hash(demo.AGENT_TOKEN), "http://10.0.0.5:8000", "healthy",
         None, _t(0)),
        (2, 2, "globex-runner", token_hash(demo.OTHER_AGENT_TOKEN), None, "unknown", None,
         _t(0))])
    con.executemany("INSERT INTO storages VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
        # minio: the reference server answers presigned uploads like an S3 store
        (1, 1, "Synapse internal", "internal", "minio", _dumps({"bucket_name": "synapse"}), 1,
         _t(0)),
        (2, 1, "acme-raw-s3", "external", "amazon_s3",
         _dumps({"bucket_name": "acme-raw", "region_name": "ap-northeast-2",
                 "access_key": "AKIA****", "secret_key": "****"}), 0, _t(60)),
        (3, 2, "Synapse internal", "internal", "file_system", _dumps({"location": "/data"}), 1,
         _t(0))])


def _fixed(con: Any, signer: Signer, data_dir: Path) -> None:
    collections = [
        (1, 1, "Street cameras", "Dash and pole cameras, 320x240 frames"),
        (2, 1, "Aerial tiles", "Orthophoto tiles"),
        (3, 1, "Shelf photos", "Retail shelf pictures"),
        (4, 2, "Globex scans", "Scanned invoices"),
    ]
    con.executemany("INSERT INTO data_collections VALUES (?, ?, ?, ?, 'image', '{}', 0, ?)",
                    [(*c, _t(3600)) for c in collections])
    specs = [
        (1, 1, "image_1", "Main camera frame", "image", 1, 1, '[".png", ".jpg"]', "main", 1),
        (2, 1, "image_ir", "Infrared frame", "image", 0, 0, '[".png", ".jpg"]', "sub", 2),
        (3, 2, "image_1", "Tile", "image", 1, 1, '[".png", ".tif"]', "main", 1),
        (4, 3, "image_1", "Shelf photo", "image", 1, 1, '[".png", ".jpg"]', "main", 1),
        (5, 3, "meta_json", "Planogram", "data", 0, 0, '[".json"]', "meta", 2),
        (6, 4, "image_1", "Scan", "image", 1, 1, '[".png", ".pdf"]', "main", 1),
    ]
    con.executemany("INSERT INTO file_specifications VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    specs)
    projects = []
    for pk, (title, coll, kind, _share) in demo.PROJECTS.items():
        tool = {"detection": "bounding_box", "segmentation": "polygon",
                "classification": "classification"}[kind]
        config = {"tools": [{"type": tool, "classes": LABELS[kind]}],
                  "classification": {"classes": LABELS[kind]}}
        projects.append((pk, 1, title, f"Demo {kind} project", "image", coll, _dumps(config),
                         _dumps({"count_max_assignments_per_task": 1}), 0, _t(7200 + pk)))
    projects.append((4, 2, "Globex invoices", "Document fields", "image", 4,
                     _dumps({"tools": [{"type": "bounding_box", "classes": LABELS["documents"]}]}),
                     "{}", 0, _t(7300)))
    con.executemany("INSERT INTO projects VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", projects)
    tags = [(1, 1, 1, "urgent", "Label first", "#d62728"),
            (2, 1, 1, "night", "Low light", "#1f2f6b"),
            (3, 1, 1, "occluded", "Objects hidden", "#ff7f0e"),
            (4, 1, 1, demo.HTML_TAG_NAME, "A tag whose name is HTML", "#9467bd"),
            (5, 1, 2, "cloudy", "Clouds over the tile", "#7f7f7f"),
            (6, 1, 3, "review-needed", "", "#17becf"),
            (7, 2, 4, "globex-only", "", "#2ca02c")]
    con.executemany("INSERT INTO task_tags VALUES (?, ?, ?, ?, ?, ?, 'project', ?)",
                    [(*t, _t(8000)) for t in tags])
    _plugins_models_jobs(con, signer, data_dir)


def _plugins_models_jobs(con: Any, signer: Signer, data_dir: Path) -> None:
    con.executemany("INSERT INTO plugins VALUES (?, 1, ?, ?, ?, ?, 1, ?, ?, ?)", [
        (1, "yolov8", "YOLOv8", "neural_net", "Train and run YOLOv8 detectors",
         _dumps({"actions": ["train", "inference", "deployment"]}), _t(100), _t(100)),
        (2, "coco-export", "COCO export", "export", "Export annotations as COCO JSON",
         _dumps({"actions": ["export"]}), _t(200), _t(200)),
        (3, "folder-upload", "Folder upload", "upload", "Upload a folder into a collection",
         _dumps({"actions": ["upload"]}), _t(300), _t(300))])
    con.executemany("INSERT INTO plugin_releases VALUES (?, 1, ?, ?, ?, ?, NULL, ?)", [
        (1, 1, "1.0.0", "# YOLOv8\n", _dumps({"actions": {"train": {}, "inference": {}}}),
         _t(1000)),
        (2, 1, "1.1.0", "# YOLOv8\nFaster data loading.\n",
         _dumps({"actions": {"train": {}, "inference": {}, "deployment": {}}}), _t(90000)),
        (3, 2, "0.3.0", "# COCO export\n", _dumps({"actions": {"export": {}}}), _t(2000)),
        (4, 3, "2.0.1", "# Folder upload\n", _dumps({"actions": {"upload": {}}}), _t(3000))])
    models = [
        (1, "yolov8n-street", "Nano detector", "object_detection", 1, 1, "1.0.0", 0, 0, 1,
         {"mAP50": 0.612, "mAP50-95": 0.401, "precision": 0.71, "recall": 0.64}),
        (2, "yolov8s-street", "Small detector", "object_detection", 1, 1, "1.1.0", 1, 0, 2,
         {"mAP50": 0.684, "mAP50-95": 0.455, "precision": 0.75, "recall": 0.69}),
        (3, "segformer-aerial", "SegFormer-B0", "segmentation", 2, None, "0.2.0", 1, 0, 3,
         {"mIoU": 0.573, "pixel_accuracy": 0.861}),
        (4, "resnet50-shelf", "Imported classifier", "classification", 3, None, "2.0.0", 1, 1,
         None, {"accuracy": 0.912, "f1": 0.897}),
    ]
    rows = []
    for pk, name, desc, cat, project, plugin, version, released, external, gtv, metrics in models:
        rel = f"models/{pk}/{name}.pt"
        path = data_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(hashlib.sha256(name.encode()).digest() * 64)
        rows.append((pk, 1, name, desc, cat, project, plugin, version, released, external,
                     _dumps({"path": rel, "url": signer.relative(rel)}),
                     _dumps({"epochs": 50, "imgsz": 320}), _dumps(metrics), gtv,
                     _t(100000 + pk * 3600)))
    con.executemany("INSERT INTO models VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows)
    jobs = [(1, 1, 1, 1, "train", "succeeded", 100, {"model": 1}, _t(95000), _t(99000)),
            (2, 1, 2, 1, "train", "failed", 37, {"error": "CUDA out of memory"}, _t(96000),
             _t(96500)),
            (3, 2, 3, 1, "export", "running", 55, {}, _t(97000), None),
            (4, 3, 4, None, "upload", "pending", 0, {}, _t(98000), None),
            (5, 1, 2, 1, "inference", "stopped", 12, {}, _t(98500), _t(98700))]
    con.executemany("INSERT INTO jobs (id, tenant_id, plugin_id, plugin_release_id, agent_id, action, "
                    "params, status, progress_record, result, created, modified, completed) "
                    "VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        (pk, plugin, release, agent, action, _dumps({"project": 1, "epochs": 50}), status,
         _dumps({"progress": progress}), _dumps(result), created, finished or created,
         finished) for pk, plugin, release, agent, action, status, progress, result, created,
        finished in jobs])
    logs = []
    for pk, *_rest in jobs:
        for k, (level, event, message) in enumerate([
                ("info", "start", "Job started"), ("info", "prepare", "Downloading dataset"),
                ("debug", "prepare", "Found 1 file specification"),
                ("warning", "run", "Learning rate reduced"),
                ("error" if pk == 2 else "success", "end",
                 "CUDA out of memory" if pk == 2 else "Step finished")]):
            logs.append((pk, level, event, message, _t(95000 + pk * 1000 + k * 10)))
    con.executemany("INSERT INTO job_console_logs (job_id, tenant_id, level, event, message, "
                    "created) VALUES (?, 1, ?, ?, ?, ?)", logs)


def _specs(project: int, unit_id: int) -> tuple[str, ...]:
    """The files of a demo unit: a quarter of project 1's units have an infrared one."""
    return ("image_1", "image_ir") if project == 1 and unit_id % 4 == 0 else ("image_1",)


def _unit_files(signer: Signer, kind: str, unit_id: int, specs: tuple[str, ...],
                real: bool = True) -> str:
    parts = []
    for spec in specs:
        rel = f"demo/{kind}/{unit_id}/{spec}.png"
        checksum = demo_checksum(kind, unit_id, spec, real=real)
        parts.append(f'"{spec}":{{"url":"{signer.relative(rel)}","checksum":"{checksum}",'
                     f'"file_name_original":"{kind}_{unit_id:06d}_{spec}.png",'
                     f'"is_primary":{"true" if spec == "image_1" else "false"}}}')
    return "{" + ",".join(parts) + "}"


def _rows(signer: Signer, scale: int) -> Iterator[tuple[tuple, tuple, tuple | None, tuple]]:
    """(unit, task, assignment or None, checksum) rows for acme, in id order."""
    real = scale <= REAL_CHECKSUM_MAX_UNITS
    if not real:
        logger.warning("demo scale %d > %d: demo file checksums are stable ids, not the md5 of "
                       "the images served", scale, REAL_CHECKSUM_MAX_UNITS)
    if real:
        render_checksums((demo.PROJECTS[project][2], i, spec)
                         for project, ids in demo.project_ranges(scale).items() for i in ids
                         for spec in _specs(project, i))
    rng = random.Random(20250303)
    rand = rng.random
    choice = rng.choice
    span = 180 * 24 * 3600 / max(scale, 1)
    asg_id = 0
    for project, ids in demo.project_ranges(scale).items():
        _title, collection, kind, _share = demo.PROJECTS[project]
        tag_pool = {1: [1, 2, 3], 2: [5], 3: [6]}[project]
        for i in ids:
            created = _t(86400 + i * span)
            meta = (f'{{"origin_file_stem":"{kind}_{i:06d}","origin_file_extension":".png",'
                    f'"created_at":"{created}","width":320,"height":240,'
                    f'"camera":"cam-{i % 12:02d}"}}')
            files = _unit_files(signer, kind, i, _specs(project, i), real)
            unit = (i, 1, collection, files, meta, created)
            r = rand()
            status = "pending" if r < 0.30 else "in_progress" if r < 0.55 else "completed"
            labeler = 2 + int(rand() * 5)
            assigned = status != "pending" or rand() < 0.5
            modified = _t(86400 + i * span + 3600 + rand() * 86400)
            data = None
            if status != "pending":
                data = (scene_json(kind, i)[:-1] + f',"metadata":{{"annotator_id":"'
                        f'{demo.USERNAMES[labeler - 1]}","timestamp":"{modified}"}}}}')
            tags: list[int] = []
            if rand() < 0.12:
                tags.append(choice(tag_pool))
            if project == 1 and i % 97 == 0:
                tags.append(4)
            p = rand()
            priority = "low" if p < 0.2 else "high" if p > 0.85 else "normal"
            discarded = 1 if rand() < 0.02 else 0
            task = (i, 1, project, i, status, labeler if assigned else None, priority,
                    _dumps(sorted(set(tags))), f'{{"source":"demo","batch":{1 + i // 500}}}',
                    data, discarded, created, modified)
            assignment = None
            if assigned:
                asg_id += 1
                if status == "completed":
                    label = "completed"
                    q = rand()
                    review = ("completed" if q < 0.6 else "rejected" if q < 0.75
                              else "in_progress" if q < 0.9 else "stand_by")
                    reviewer = 7 + int(rand() * 2)
                elif status == "in_progress":
                    label = "skipped" if rand() < 0.05 else "in_progress"
                    review, reviewer = "stand_by", None
                else:
                    label, review, reviewer = "stand_by", "stand_by", None
                assignment = (asg_id, 1, project, i, labeler, reviewer, label, review,
                              1 if review == "completed" else 0, discarded, data, "[]",
                              created, modified)
            yield unit, task, assignment, (i, 1, demo_checksum(kind, i, "image_1", real=real))


def _bulk(con: Any, signer: Signer, scale: int) -> None:
    batch = 20000
    units: list[tuple] = []
    tasks: list[tuple] = []
    asgs: list[tuple] = []
    sums: list[tuple] = []

    def flush() -> None:
        con.executemany("INSERT INTO data_units VALUES (?, ?, ?, ?, ?, ?)", units)
        con.executemany("INSERT INTO tasks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", tasks)
        con.executemany("INSERT INTO assignments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        asgs)
        con.executemany("INSERT INTO data_unit_checksums VALUES (?, ?, ?)", sums)
        for batch_rows in (units, tasks, asgs, sums):
            batch_rows.clear()

    for unit, task, assignment, checksum in _rows(signer, scale):
        units.append(unit)
        tasks.append(task)
        sums.append(checksum)
        if assignment is not None:
            asgs.append(assignment)
        if len(units) >= batch:
            flush()
    flush()


def _globex(con: Any, signer: Signer, scale: int) -> None:
    rng = random.Random(2)
    for k in range(demo.GLOBEX_TASKS):
        pk = scale + 1 + k
        created = _t(200000 + k * 600)
        con.execute("INSERT INTO data_units VALUES (?, 2, 4, ?, ?, ?)",
                    (pk, _unit_files(signer, "documents", pk, ("image_1",)),
                     _dumps({"origin_file_stem": f"invoice_{k:04d}"}), created))
        data = scene_json("documents", pk) if k % 2 == 0 else None
        con.execute("INSERT INTO tasks VALUES (?, 2, 4, ?, ?, 9, 'normal', ?, '{}', ?, 0, ?, ?)",
                    (pk, pk, "completed" if data else "pending", "[7]" if k < 5 else "[]",
                     data, created, created))
        if data:
            con.execute("INSERT INTO assignments (tenant_id, project_id, task_id, user_id, "
                        "reviewer_id, status_label, status_review, is_confirmed, is_discarded, "
                        "data, tags, created, modified) VALUES (2, 4, ?, 9, NULL, 'completed', "
                        "?, 0, 0, ?, '[]', ?, ?)",
                        (pk, rng.choice(["stand_by", "completed"]), data, created, created))


def _ground_truth(con: Any, scale: int) -> None:
    con.executemany("INSERT INTO ground_truth_datasets VALUES (?, 1, ?, ?, ?, ?)", [
        (1, 1, "Street GT", "Reviewed street frames", _t(150000)),
        (2, 2, "Aerial GT", "Reviewed aerial tiles", _t(150100))])
    ranges = demo.project_ranges(scale)
    versions = [(1, 1, "v1.0", 0.6, ranges[1], "detection"),
                (2, 1, "v1.1", 1.0, ranges[1], "detection"),
                (3, 2, "v1.0", 1.0, ranges[2], "segmentation")]
    for version_id, dataset, label, share, _ids, kind in versions:
        done = con.execute("SELECT data_unit_id FROM tasks WHERE tenant_id = 1 AND project_id = ?"
                           " AND status = 'completed' AND is_discarded = 0 ORDER BY id",
                           (dataset,)).fetchall()
        done = done[: int(len(done) * share)]
        stats = {"train": 0, "validation": 0, "test": 0}
        classes_total: dict[str, int] = {}
        rows = []
        for (unit_id,) in done:
            h = (unit_id * 7919) % 10
            category = "train" if h < 7 else "validation" if h < 9 else "test"
            stats[category] += 1
            labels = sorted({a["label"] for a in scene(kind, unit_id)["annotations"]})
            for name in labels:
                classes_total[name] = classes_total.get(name, 0) + 1
            rows.append((1, version_id, unit_id, dataset, category, scene_json(kind, unit_id),
                         _dumps(labels), _t(160000 + version_id * 3600)))
        con.executemany("INSERT INTO ground_truth_events (tenant_id, version_id, data_unit_id, "
                        "project_id, category, data, classes, created) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.execute("INSERT INTO ground_truth_dataset_versions VALUES (?, 1, ?, ?, ?, ?, 0, ?, ?)",
                    (version_id, dataset, label, f"{label} of dataset {dataset}",
                     1 if version_id != 1 else 0,
                     _dumps({**stats, "event_count": len(rows), "classes": classes_total}),
                     _t(160000 + version_id * 3600)))


# ---------------------------------------------------------------------------------------
# ML demo data (owned by synapse_nb.ml): stored model predictions, tasks labelled by more
# than one annotator. Kept apart from the functions above.


def _ml_demo(con: Any, scale: int) -> None:
    _demo_predictions(con)
    _extra_annotators(con)


def _demo_predictions(con: Any) -> None:
    """Each demo model's predictions, as pre-annotations, on the units of its ground-truth
    version (the external classifier, which has none: on its project's completed tasks)."""
    from ..ml.keys import pre_annotation_key

    models = con.execute("SELECT id, project_id, ground_truth_dataset_version_id FROM models "
                         "WHERE tenant_id = 1 ORDER BY id").fetchall()
    kinds = {pk: kind for pk, (_t_, _c, kind, _s) in demo.PROJECTS.items()}
    for model_id, project, version in models:
        kind = kinds[project]
        if version is not None:
            units = con.execute("SELECT data_unit_id FROM ground_truth_events WHERE tenant_id = 1 "
                                "AND version_id = ? ORDER BY id", (version,)).fetchall()
        else:
            units = con.execute("SELECT data_unit_id FROM tasks WHERE tenant_id = 1 AND "
                                "project_id = ? AND status = 'completed' AND is_discarded = 0 "
                                "ORDER BY id", (project,)).fetchall()
        created = _t(170000 + model_id * 3600)
        rows = []
        for (unit_id,) in units:  # task i is on unit i
            text = predicted_scene_json(kind, unit_id, model_id)
            key = pre_annotation_key(unit_id, model_id, orjson.loads(text))
            rows.append((1, project, unit_id, unit_id, model_id, key, text, created))
        con.executemany("INSERT INTO pre_annotations (tenant_id, project_id, task_id, "
                        "data_unit_id, model_id, key, data, created) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)


def _extra_annotators(con: Any) -> None:
    """About one completed task in six of projects 1 and 3 gets a second labeler's assignment,
    one in eighteen a third, each drawn with that labeler's habits (see scenes)."""
    tasks = con.execute("SELECT id, project_id, assignee, created, modified FROM tasks "
                        "WHERE tenant_id = 1 AND project_id IN (1, 3) AND status = 'completed' "
                        "AND is_discarded = 0 AND assignee IS NOT NULL ORDER BY id").fetchall()
    kinds = {pk: kind for pk, (_t_, _c, kind, _s) in demo.PROJECTS.items()}
    rows = []
    for task_id, project, assignee, created, modified in tasks:
        h = (task_id * 2246822519) % 18
        if h >= 3:
            continue
        others = [u for u in range(2, 7) if u != assignee]
        start = task_id % len(others)
        for k in range(2 if h == 0 else 1):
            user = others[(start + k) % len(others)]
            name = demo.USERNAMES[user - 1]
            data = (annotator_scene_json(kinds[project], task_id, name)[:-1]
                    + f',"metadata":{{"annotator_id":"{name}","timestamp":"{modified}"}}}}')
            rows.append((1, project, task_id, user, None, "completed", "stand_by", 0, 0, data,
                         "[]", created, modified))
    con.executemany("INSERT INTO assignments (tenant_id, project_id, task_id, user_id, "
                    "reviewer_id, status_label, status_review, is_confirmed, is_discarded, data, "
                    "tags, created, modified) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows)
