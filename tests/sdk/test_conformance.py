"""The real synapse-sdk 2026.2.17 ``BackendClient`` against the reference server.

One SDK subprocess (``tests/sdk/drive_sdk.py``) calls every public method of the SDK's
client (lists with ``list_all`` and ``url_conversion``, uploads, presigned uploads,
plugins by code, jobs, storages, agents) on an isolated server; the tests assert what each
call returned. Every call here is valid input: none may fail, and the server must have
answered no 5xx.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from synapse_nb.server import Settings
from synapse_nb.server.demo import AGENT_TOKEN, DEMO_TENANT, USER_TOKENS
from synapse_nb.server.testing import ServerHandle, start_server
from tests.sdk_runner import require_sdk_python, run_sdk

SCRIPT = (Path(__file__).parent / "drive_sdk.py").read_text()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    require_sdk_python()
    root = tmp_path_factory.mktemp("sdk-server")
    handle = start_server(Settings(db_path=root / "synapse.db", data_dir=root / "data", demo=True, scale=300))
    yield handle
    handle.stop()


@pytest.fixture(scope="module")
def calls(server: ServerHandle, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    home = tmp_path_factory.mktemp("sdk-home")  # the SDK's download cache goes under TMPDIR
    return dict(run_sdk(SCRIPT, env={"SNB_HOST": server.base_url, "SNB_TOKEN": server.access_token,
                                     "SNB_AGENT_TOKEN": AGENT_TOKEN, "SNB_USER_TOKEN": USER_TOKENS["alice"],
                                     "SNB_TENANT": DEMO_TENANT, "TMPDIR": str(home), "HOME": str(home)}))


def value(calls: dict[str, Any], name: str) -> Any:
    got = calls[name]
    assert got["ok"], f"{name} failed: {got['error']}\n{got.get('trace', '')}"
    return got["value"]


# Calls that fail because of the SDK, not the server: each must fail with exactly this error
# (so any other failure, or a fixed SDK, shows). ``upload_data_collection`` calls
# ``.get("results", ...)`` on the answer of ``POST data_units/`` with a list body, which is
# a list (as Django REST framework answers a ``many=True`` create, and as the SDK's own
# upload plugin reads it: see ``upload_plugin:*``). The units of its first batch are made;
# it fails before it makes their tasks or the next batch.
KNOWN_SDK_DEFECTS = {"upload_data_collection": "AttributeError: 'list' object has no attribute 'get'"}


def test_every_call_worked(calls):
    failed = {k: v["error"] for k, v in calls.items() if not v["ok"] and k not in KNOWN_SDK_DEFECTS}
    assert not failed, failed


def test_known_sdk_defects_still_fail_as_recorded(calls):
    for name, error in KNOWN_SDK_DEFECTS.items():
        assert not calls[name]["ok"] and calls[name]["error"] == error, calls[name]


def test_every_sdk_method_was_called(calls, introspected):
    methods = set(introspected["methods"])
    called = {name.split(":")[0] for name in calls}
    assert len(methods) == 63 and methods <= called, sorted(methods - called)


def test_tasks(calls):
    assert value(calls, "get_project") == 1
    assert value(calls, "get_task") == [4, True, True]  # repeated expand: both kept
    count, page = value(calls, "list_tasks")
    assert count > page > 0
    rows, count = value(calls, "list_tasks:list_all")
    assert rows == count > 0
    converted, n = value(calls, "list_tasks:url_conversion")
    assert converted and n == rows
    assert value(calls, "list_tasks_data") == ["data", "id"]
    keys, specs = value(calls, "list_tasks_files")
    assert keys == ["data_unit", "files", "id"] and "image_1" in specs
    for name in ("list_tasks_data:list_all", "list_tasks_files:list_all"):
        assert value(calls, name) == [rows, rows]
    assert value(calls, "annotate_task_data") == [4, "completed"]
    assert value(calls, "annotate_task_data:schema") == 5
    assert value(calls, "annotate_task_data_batch") == {"6": True, "7": True}
    assert value(calls, "create_tasks") == 2
    assert value(calls, "set_tags_tasks") == 2
    assert value(calls, "get_task_tag") == "urgent"
    assert value(calls, "list_task_tags") >= 4


def test_assignments(calls):
    first = value(calls, "list_assignments")
    assert value(calls, "get_assignment") == first
    rows, count = value(calls, "list_assignments:list_all")
    assert rows == count > 0
    assert value(calls, "list_assignments_data") == ["data", "id"]
    assert value(calls, "list_assignments_files") == ["files", "id", "task"]
    assert value(calls, "list_assignments_data:list_all") == value(calls, "list_assignments_files:list_all") == [rows, rows]
    assert value(calls, "set_tags_assignments") == 1


def test_data_and_uploads(calls):
    assert value(calls, "list_data_collections") >= 3
    assert "image_1" in value(calls, "get_data_collection")
    assert value(calls, "get_chunked_upload") is True
    assert value(calls, "create_data_file") is True
    assert value(calls, "create_data_file:chunked") is True
    checked = value(calls, "verify_data_files_checksums")
    assert checked["missing"] == ["0" * 32] and len(checked["existing"]) == 1
    units = value(calls, "create_data_units")  # a list body answers the list of units
    assert isinstance(units, list) and len(units) == 1 and units[0]["id"] > 0
    assert value(calls, "create_data_units:one") > 0
    assert value(calls, "get_data_unit")[1] == value(calls, "upload_data_file")["files"]["image_1"]["checksum"]
    assert value(calls, "list_data_units") > 0
    assert value(calls, "list_data_units:list_all") == [1, True]  # downloaded, md5 = its checksum
    # the SDK defect (see KNOWN_SDK_DEFECTS): the first batch's 2 units, no task for them
    assert value(calls, "upload_data_collection:tasks") == [0, 0]


def test_the_sdk_upload_plugin_makes_data_units(calls):
    # its production path reads the answer of a list body as the list of units
    assert value(calls, "upload_plugin:single_data_unit_strategy") == [2, [0, 1], True, ["success"] * 2]
    assert value(calls, "upload_plugin:batch_data_unit_strategy") == [3, [0, 1, 2], True, ["success"] * 3]


def test_presigned_uploads(calls):
    assert value(calls, "get_default_storage") == ["internal", True]
    assert value(calls, "confirm_presigned_upload") == [1, True]
    created, failed, keys = value(calls, "upload_files_bulk")
    assert (created, failed) == (2, 0) and all(k.endswith((".jpg",)) and "/" in k for k in keys)
    assert len(value(calls, "verify_data_files_checksums:bulk")["existing"]) == 3


def test_plugins_jobs_logs(calls):
    assert value(calls, "list_agents")[0] == [1, "gpu-box-01"]
    assert value(calls, "health_check_agent") == "healthy"
    assert value(calls, "get_plugin") == "yolov8"
    made = value(calls, "create_plugin")
    assert made["code"] == "my-plugin" and value(calls, "update_plugin") == "Updated"
    assert value(calls, "run_plugin")["status"] == "pending" and value(calls, "run_plugin:id") == "pending"
    assert {"1.0.0", "1.1.0"} <= set(value(calls, "list_plugin_releases"))
    assert value(calls, "get_plugin_release") == "1.1.0"
    assert value(calls, "get_plugin_release_by_lookup") == ["1.1.0", "yolov8"]
    assert value(calls, "create_plugin_release") == "9.0.0"
    assert value(calls, "create_plugin_release:json") == "9.0.1"
    assert value(calls, "get_job") == "pending"
    assert value(calls, "list_jobs") >= 1
    assert value(calls, "update_job") == ["running", {"loss": 0.5}, {"step": 5}]
    assert "epoch 1 done" in value(calls, "list_job_console_logs")
    assert any("epoch 1 done" in line for line in value(calls, "tail_job_console_logs"))
    assert value(calls, "create_logs") is True and value(calls, "create_logs:many") == 2
    assert value(calls, "create_serve_application") == value(calls, "run_plugin")["id"]
    assert value(calls, "list_serve_applications") == 1
    assert value(calls, "list_serve_applications:list_all") == [1, 1]
    assert value(calls, "get_storage") == [2, "external", "amazon_s3", True]


def test_ml(calls):
    assert value(calls, "list_models") >= 2
    assert value(calls, "get_model") == [1, True, True]  # the model file downloaded
    assert value(calls, "create_model") == ["sdk-model", 1, True]
    n = value(calls, "list_ground_truth_events")
    assert value(calls, "list_ground_truth_events:list_all") == [n, n]
    assert value(calls, "list_ground_truth_events_data") == ["data", "id"]
    assert value(calls, "list_ground_truth_events_files") == [["data_unit", "files", "id"], "image_1"]
    assert value(calls, "list_ground_truths") == n
    rows, downloaded = value(calls, "list_ground_truths:list_all")
    assert 0 < rows < n and downloaded
    assert value(calls, "get_ground_truth_version") == 1
    assert value(calls, "list_ground_truth_versions") >= 1
    assert value(calls, "exists") == [True, False]
    assert value(calls, "reset_connection") == 1


def test_every_way_in(calls):
    assert value(calls, "constructor:user_token") == 1  # Authorization + Synapse-Tenant
    assert value(calls, "constructor:agent_token") == 4  # SYNAPSE-Agent
