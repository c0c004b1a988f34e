"""to_ray on a local Ray, against the reference server.

Ray runs in a child process: ``ray.init`` installs signal handlers and starts a tree of
processes, and a Ray that fails to start on a loaded machine must not take pytest with it.
The child reads each resource through ``to_ray``, writes the blocks it got as Parquet, and
the test compares them with the frames read here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest

import synapse_nb as snb
from synapse_nb.client import SynapseClient
from synapse_nb.frames.convert import table_to_frame
from synapse_nb.scale.read import converter_for

pytest.importorskip("ray", reason="the [ray] extra is not installed")

CHILD = textwrap.dedent("""
    import json, os, sys
    import pyarrow as pa, pyarrow.parquet as pq
    import ray
    import synapse_nb as snb
    from synapse_nb.client import SynapseClient
    from synapse_nb.scale import RayBudget, SynapseDatasource, prepare_job

    out = sys.argv[1]
    for attempt in range(2):  # a loaded 2-core machine can miss Ray's start-up deadline once
        try:
            ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
                     configure_logging=False)
            break
        except Exception:
            ray.shutdown()
            if attempt:
                raise
    client = SynapseClient(os.environ["SNB_HOST"], access_token=os.environ["SNB_TOKEN"])
    blocks = {}
    for resource in ("tasks", "assignments", "annotations"):
        ds = snb.to_ray(client, resource, project=1, partition_rows=500, page_size=250)
        tables = [ray.get(ref) for ref in ds.to_arrow_refs()]
        blocks[resource] = [t.schema.names for t in tables]
        pq.write_table(pa.concat_tables(tables, promote_options="permissive"),
                       f"{out}/{resource}.parquet")
    job = prepare_job(client, "tasks", {"project": 1}, partition_rows=200, page_size=100)
    budget = RayBudget(1)
    ds = ray.data.read_datasource(SynapseDatasource(job.spec, list(job.partitions), budget),
                                  override_num_blocks=len(job.partitions))
    rows = sum(ray.get(ref).num_rows for ref in ds.to_arrow_refs())
    print(json.dumps({"blocks": blocks, "budget_rows": rows, "budget_count": job.count,
                      "budget_peak": budget.max_in_flight(), "partitions": len(job.partitions)}))
    ray.shutdown()
""")


@pytest.fixture(scope="module")
def ray_run(live_server: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("ray")
    env = {**os.environ, "SNB_HOST": live_server.base_url, "SNB_TOKEN": live_server.access_token,
           "RAY_raylet_start_wait_time_s": "180"}
    proc = subprocess.run([sys.executable, "-c", CHILD, str(out)], capture_output=True, text=True,
                          env=env, timeout=900)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return out, json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("resource", ["tasks", "assignments", "annotations"])
def test_blocks_carry_the_declared_schema_and_equal_the_frame(client: SynapseClient, ray_run: Any,
                                                              resource: str) -> None:
    out, result = ray_run
    converter = converter_for("annotations:tasks" if resource == "annotations" else resource)
    assert result["blocks"][resource] and all(names == converter.schema.names
                                              for names in result["blocks"][resource])
    table = pq.read_table(out / f"{resource}.parquet").cast(converter.schema)
    got = table_to_frame(table, converter.columns, index=converter.index)
    if resource == "annotations":
        key = ["source_id", "index"]
        expected = snb.annotations_frame(client, project=1, progress=False)
        pd.testing.assert_frame_equal(got.sort_values(key).reset_index(drop=True),
                                      expected.sort_values(key).reset_index(drop=True))
        return
    frame = {"tasks": snb.tasks_frame, "assignments": snb.assignments_frame}[resource]
    expected = frame(client, project=1, progress=False)
    got = got.sort_index()
    assert got.index.is_unique and len(got) == len(expected)
    pd.testing.assert_frame_equal(got, expected.sort_index())


def test_the_request_budget_is_shared_by_every_ray_task(ray_run: Any) -> None:
    _, result = ray_run
    assert result["partitions"] > 2  # several read tasks competed for the one slot
    assert result["budget_rows"] == result["budget_count"]
    assert result["budget_peak"] == 1
