"""Run under the real synapse-sdk 2026.2.17 (its own venv) by tests/sdk/test_conformance.py.

Calls every public method of its ``BackendClient`` against the reference server named by
``SNB_HOST``/``SNB_TOKEN`` and prints one JSON line: ``{call: {"ok", "value" | "error",
"status"}}``. Values are small summaries the test asserts on. Each call is independent:
one failing call is recorded and the rest still run.
"""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import struct
import tempfile
import traceback
import warnings
import zlib
from types import SimpleNamespace
from typing import Any, Callable

from synapse_sdk.clients.backend import BackendClient
from synapse_sdk.plugins.actions.upload.aggregation import StepAggregation
from synapse_sdk.plugins.actions.upload.strategies.data_unit import BatchDataUnitStrategy, SingleDataUnitStrategy

warnings.simplefilter("ignore", DeprecationWarning)
HOST, TOKEN, AGENT = os.environ["SNB_HOST"], os.environ["SNB_TOKEN"], os.environ["SNB_AGENT_TOKEN"]
client = BackendClient(HOST, access_token=TOKEN)
out: dict[str, Any] = {}
tmp = pathlib.Path(tempfile.mkdtemp())
state: dict[str, Any] = {}


def run(name: str, fn: Callable[[], Any]) -> Any:
    try:
        value = fn()
        out[name] = {"ok": True, "value": value}
        return value
    except Exception as err:  # recorded, asserted by the test
        out[name] = {"ok": False, "error": f"{type(err).__name__}: {err}"[:600],
                     "status": getattr(err, "status_code", None), "trace": traceback.format_exc()[-1500:]}
        return None


def blob(name: str, size: int, seed: int) -> pathlib.Path:
    """A file whose content matches its suffix (the SDK refuses a .png that is no PNG)."""
    path = tmp / name
    noise = hashlib.sha256(str(seed).encode()).digest() * (size // 32) + b"x" * (size % 32)
    if name.endswith(".png"):  # a real PNG, its pixels from the seed
        side = max(2, int((size / 3) ** 0.5))
        raw = b"".join(b"\0" + hashlib.sha256(f"{seed}-{y}".encode()).digest()[:3] * side for y in range(side))

        def chunk(kind: bytes, data: bytes) -> bytes:
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        noise = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0))
                 + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    elif name.endswith(".jpg"):
        noise = b"\xff\xd8\xff\xe0" + noise
    path.write_bytes(noise)
    return path


def md5(path: pathlib.Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def count_all(answer: tuple[Any, int]) -> list[Any]:
    rows, count = answer
    rows = list(rows)
    return [len(rows), count]


# -- annotation: projects, tasks, tags -------------------------------------------------------
run("get_project", lambda: client.get_project(1)["id"])
run("get_task", lambda: (lambda t: [t["id"], isinstance(t["data_unit"], dict), "assignment" in t])(
    client.get_task(4, params={"expand": ["data_unit", "assignment"]})))
run("list_tasks", lambda: (lambda p: [p["count"], len(p["results"])])(client.list_tasks({"project": 1})))
run("list_tasks:list_all", lambda: count_all(client.list_tasks({"project": 3}, list_all=True)))
run("list_tasks:url_conversion", lambda: (lambda rows: [
    all(isinstance(f.get("path"), pathlib.Path) and f["path"].is_file() and "url" not in f
        for r in rows for f in r["files"].values()), len(rows)])(
    list(client.list_tasks({"project": 3, "page_size": 5}, list_all=True,
                           url_conversion={"files_fields": ["files"], "is_list": True})[0])))
run("list_tasks_data", lambda: sorted(client.list_tasks_data({"project": 1})["results"][0]))
run("list_tasks_data:list_all", lambda: count_all(client.list_tasks_data({"project": 3}, list_all=True)))
run("list_tasks_files", lambda: (lambda r: [sorted(r), [f["name"] for f in r["files"]]])(
    client.list_tasks_files({"project": 1})["results"][0]))
run("list_tasks_files:list_all", lambda: count_all(client.list_tasks_files({"project": 3}, list_all=True)))
run("annotate_task_data", lambda: (lambda t: [t["id"], t["status"]])(client.annotate_task_data(
    4, {"action": "submit", "data": {"annotations": [{"type": "bbox", "coordinates": [1, 2, 30, 40],
                                                       "label": "car"}]}})))
run("annotate_task_data:schema", lambda: client.annotate_task_data(
    5, {"action": "save", "data": {"annotations": []}}, schema="any")["id"])
run("annotate_task_data_batch", lambda: {str(k): v["success"] for k, v in client.annotate_task_data_batch(
    [{"task_id": 6, "data": {"action": "submit", "data": {"annotations": []}}},
     {"task_id": 7, "data": {"action": "submit", "data": {"annotations": []}}}]).items()})
run("create_tasks", lambda: (lambda r: len(r["results"]) if isinstance(r, dict) else len(r))(
    client.create_tasks({"project": 1, "data": [{"data_unit": 8}, {"data_unit": 9}]})))
run("set_tags_tasks", lambda: client.set_tags_tasks({"ids": [5, 6], "tags": [1], "action": "add"})["updated"])
run("get_task_tag", lambda: client.get_task_tag(1)["name"])
run("list_task_tags", lambda: client.list_task_tags({"project": 1})["count"])

# -- HITL: assignments -------------------------------------------------------------------------
first_assignment = run("list_assignments", lambda: client.list_assignments({"project": 1})["results"][0]["id"])
run("list_assignments:list_all", lambda: count_all(client.list_assignments({"project": 3}, list_all=True)))
run("get_assignment", lambda: client.get_assignment(first_assignment)["id"])
run("list_assignments_data", lambda: sorted(client.list_assignments_data({"project": 1})["results"][0]))
run("list_assignments_data:list_all", lambda: count_all(client.list_assignments_data({"project": 3},
                                                                                       list_all=True)))
run("list_assignments_files", lambda: sorted(client.list_assignments_files({"project": 1})["results"][0]))
run("list_assignments_files:list_all", lambda: count_all(client.list_assignments_files({"project": 3},
                                                                                         list_all=True)))
run("set_tags_assignments", lambda: client.set_tags_assignments(
    {"ids": [first_assignment], "tags": [2], "action": "add"})["updated"])

# -- data: collections, files, units, chunked upload -----------------------------------------
small, big = blob("small.png", 3000, 1), blob("big.bin", 200_000, 2)
run("list_data_collections", lambda: client.list_data_collections()["count"])
run("get_data_collection", lambda: [s["name"] for s in client.get_data_collection(1)["file_specifications"]])
up = run("create_chunked_upload", lambda: client.create_chunked_upload(big, chunk_size=64 * 1024))
run("get_chunked_upload", lambda: bool(client.get_chunked_upload(up["id"])["completed_at"]))
run("create_data_file", lambda: client.create_data_file(small)["checksum"] == md5(small))
run("create_data_file:chunked", lambda: client.create_data_file(big, use_chunked_upload=True)["checksum"] == md5(big))
run("verify_data_files_checksums", lambda: client.verify_data_files_checksums([md5(small), "0" * 32]))
payload = run("upload_data_file", lambda: client.upload_data_file(
    {"files": {"image_1": str(blob("unit.png", 2500, 3))}, "meta": {"k": "v"}}, 1))
units = run("create_data_units", lambda: client.create_data_units([payload]))
unit_id = units[0].get("id") if isinstance(units, list) and units else None
run("create_data_units:one", lambda: client.create_data_units(
    client.upload_data_file({"files": {"image_1": str(blob("one.png", 2600, 4))}}, 1))["id"])
run("get_data_unit", lambda: (lambda u: [u["id"], u["files"]["image_1"]["checksum"]])(client.get_data_unit(unit_id)))
run("list_data_units", lambda: client.list_data_units({"data_collection": 1}, page_size=5)["count"])
# the SDK converts files (its default url_conversion) on list_all pages only
run("list_data_units:list_all", lambda: (lambda rows: [len(rows), all(
    isinstance(f.get("path"), pathlib.Path) and md5(f["path"]) == f["checksum"]
    for u in rows for f in u["files"].values())])(list(client.list_data_units(
        {"checksum": payload["files"]["image_1"]["checksum"]}, list_all=True)[0])))
items = [{"files": {"image_1": str(blob(f"coll{i}.png", 2000 + i, 10 + i))}, "meta": {"i": i}} for i in range(3)]
run("upload_data_collection", lambda: client.upload_data_collection(1, items, project_id=1, batch_size=2))
run("upload_data_collection:tasks", lambda: [
    client.list_tasks({"project": 1, "data_unit": u["id"]})["count"] for u in client.list_data_units(
        {"checksum": ",".join(md5(pathlib.Path(i["files"]["image_1"])) for i in items)}, url_conversion={})["results"]])

# the SDK's own upload plugin (its production path) makes the data units through these
# strategies; they read the answer of a list body as the list of units
logged: list[Any] = []
plugin_context = SimpleNamespace(client=client, runtime_ctx=True,
                                 log=lambda code, payload, level=None: logged.append(payload))


def strategy_units(cls: Any, n: int, seed: int, **options: Any) -> list[Any]:
    strategy = cls(plugin_context)
    strategy.bind_aggregation(StepAggregation())
    files = [client.upload_data_file({"files": {"image_1": str(blob(f"{cls.__name__}{i}.png", 2100 + i, seed + i))},
                                      "meta": {"i": i}}, 1) for i in range(n)]
    del logged[:]
    made = strategy.generate(files, batch_size=2, **options)
    statuses = [p["status"] for p in logged if isinstance(p, dict) and "data_unit_id" in p]
    return [len(made), sorted(u["meta"]["i"] for u in made), all(isinstance(u["id"], int) for u in made), statuses]


run("upload_plugin:single_data_unit_strategy", lambda: strategy_units(SingleDataUnitStrategy, 2, 60))
run("upload_plugin:batch_data_unit_strategy", lambda: strategy_units(BatchDataUnitStrategy, 3, 70))

# -- bulk upload through presigned URLs --------------------------------------------------------
run("get_default_storage", lambda: [client.get_default_storage()["category"], client.get_default_storage()["is_default"]])
bulk = [blob(f"bulk{i}.jpg", 1500 + i, 20 + i) for i in range(3)]
asked = run("request_presigned_upload", lambda: client.request_presigned_upload(
    [{"filename": bulk[0].name, "size": bulk[0].stat().st_size, "content_type": "image/jpeg"}]))
put = run("upload_file_to_presigned_url", lambda: client.upload_file_to_presigned_url(
    asked.files[0].presigned_url, bulk[0], "image/jpeg"))
run("confirm_presigned_upload", lambda: (lambda r: [r.created_count, r.results[0].success])(
    client.confirm_presigned_upload([{"file_key": asked.files[0].file_key, "checksum": put.checksum,
                                      "size": put.size}])))
run("upload_files_bulk", lambda: (lambda r: [r.created_count, r.failed_count, sorted(x.file_key for x in r.results)])(
    client.upload_files_bulk(bulk[1:])))
run("verify_data_files_checksums:bulk", lambda: client.verify_data_files_checksums([md5(p) for p in bulk]))

# -- integration: agents, plugins, jobs, logs, serve applications, storages --------------------
run("list_agents", lambda: [[a.id, a.name] for a in client.list_agents()])
run("health_check_agent", lambda: client.health_check_agent(AGENT)["status"])
run("get_plugin", lambda: client.get_plugin(1)["code"])
made = run("create_plugin", lambda: client.create_plugin({"name": "My Plugin", "category": "neural_net",
                                                            "description": "made by the SDK"}))
run("update_plugin", lambda: client.update_plugin(made["id"], {"description": "Updated"})["description"])
job = run("run_plugin", lambda: client.run_plugin("yolov8", {"agent": 1, "action": "train", "params": {"epochs": 1}}))
run("run_plugin:id", lambda: client.run_plugin(1, {"agent": 1, "action": "inference", "params": {}})["status"])
run("list_plugin_releases", lambda: sorted(r["version"] for r in client.list_plugin_releases("yolov8")))
run("get_plugin_release", lambda: client.get_plugin_release(2)["version"])
run("get_plugin_release_by_lookup", lambda: (lambda r: [r["version"], r["plugin"]["code"]])(
    client.get_plugin_release_by_lookup("yolov8@1.1.0")))
archive = blob("plugin.zip", 500, 30)
run("create_plugin_release", lambda: client.create_plugin_release(
    {"plugin": "yolov8", "version": "9.0.0", "config": {"actions": {"train": {}}}}, file=archive)["version"])
run("create_plugin_release:json", lambda: client.create_plugin_release({"plugin": "yolov8", "version": "9.0.1"})["version"])
run("get_job", lambda: client.get_job(job["id"])["status"])
run("list_jobs", lambda: client.list_jobs({"status": "RUNNING"})["count"])
run("update_job", lambda: (lambda j: [j["status"], j["metrics_record"], j["progress_record"]])(client.update_job(
    job["id"], {"status": "RUNNING", "progress_record": {"step": 5}, "metrics_record": {"loss": 0.5},
                "console_logs": [{"message": "epoch 1 done", "level": "info"}]})))
run("list_job_console_logs", lambda: [e["message"] for e in client.list_job_console_logs(job["id"])["results"]])
run("tail_job_console_logs", lambda: [line for line in client.tail_job_console_logs(job["id"]) if line])
run("create_logs", lambda: client.create_logs({"message": "Training complete", "level": "info",
                                               "file": str(blob("result.png", 100, 40))})["id"] > 0)
run("create_logs:many", lambda: len(client.create_logs([{"message": "a"}, {"message": "b", "level": "warning"}])))
run("create_serve_application", lambda: client.create_serve_application({"job": job["id"], "data": {"route": "/y"}})["job"])
run("list_serve_applications", lambda: client.list_serve_applications()["count"])
run("list_serve_applications:list_all", lambda: count_all(client.list_serve_applications(list_all=True)))
run("get_storage", lambda: (lambda s: [s.id, s.category, s.provider, bool(s.configuration)])(client.get_storage(2)))

# -- ML: models, ground truth ----------------------------------------------------------------
run("list_models", lambda: client.list_models({"project": 1})["count"])
run("get_model", lambda: (lambda m: [m["id"], pathlib.Path(m["file"]).is_file(), bool(m["metrics"])])(
    client.get_model(1, params={"expand": "metrics"})))
run("create_model", lambda: (lambda m: [m["name"], m["plugin"], bool(m["file"])])(client.create_model(
    {"name": "sdk-model", "plugin": "yolov8", "version": "1.0.0"}, file=blob("model.pt", 4000, 50))))
run("list_ground_truth_events", lambda: client.list_ground_truth_events({"ground_truth_dataset_versions": 1})["count"])
run("list_ground_truth_events:list_all", lambda: count_all(client.list_ground_truth_events(
    {"ground_truth_dataset_versions": 1}, list_all=True)))
run("list_ground_truth_events_data", lambda: sorted(client.list_ground_truth_events_data(
    {"ground_truth_dataset_versions": 1})["results"][0]))
run("list_ground_truth_events_files", lambda: (lambda r: [sorted(r), r["files"][0]["name"]])(
    client.list_ground_truth_events_files({"ground_truth_dataset_versions": 1})["results"][0]))
run("list_ground_truths", lambda: client.list_ground_truths({"ground_truth_dataset_versions": 1}, page_size=3)["count"])
run("list_ground_truths:list_all", lambda: (lambda rows: [len(rows), all(
    isinstance(f.get("path"), pathlib.Path) and f["path"].is_file() for g in rows for f in g["files"].values())])(
    list(client.list_ground_truths({"ground_truth_dataset_versions": 1, "category": "test"}, list_all=True)[0])))
run("get_ground_truth_version", lambda: client.get_ground_truth_version(1)["id"])
run("list_ground_truth_versions", lambda: client.list_ground_truth_versions({"ground_truth_dataset": 1})["count"])

# -- base ------------------------------------------------------------------------------------
run("exists", lambda: [client.exists("list_tasks", {"project": 1}), client.exists("list_tasks", {"project": 999})])
run("reset_connection", lambda: [client.reset_connection(), client.get_project(1)["id"]][1])
run("close", lambda: client.close())
# the other ways in: a user's token with the tenant code, an agent's token
run("constructor:user_token", lambda: BackendClient(
    HOST, authorization_token=os.environ["SNB_USER_TOKEN"], tenant=os.environ["SNB_TENANT"],
    timeout={"connect": 5, "read": 30}).get_project(1)["id"])
run("constructor:agent_token", lambda: BackendClient(HOST, agent_token=AGENT).get_task(4)["id"])

print(json.dumps(out, default=str))
