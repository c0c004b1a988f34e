"""to_ray on a local Ray, against the reference server."""

from __future__ import annotations

import os
from typing import Any, Iterator

import pandas as pd
import pyarrow as pa
import pytest

import synapse_nb as snb
from synapse_nb.client import SynapseClient
from synapse_nb.frames.convert import table_to_frame
from synapse_nb.scale.read import converter_for

ray = pytest.importorskip("ray", reason="the [ray] extra is not installed")


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    # a loaded 2-core machine can take longer than Ray's 30 s to start its raylet
    os.environ.setdefault("RAY_raylet_start_wait_time_s", "180")
    os.environ.setdefault("RAY_agent_register_timeout_ms", "180000")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             configure_logging=False, ignore_reinit_error=True)
    yield
    ray.shutdown()


@pytest.mark.parametrize("resource", ["tasks", "assignments", "annotations"])
def test_blocks_carry_the_declared_schema_and_equal_the_frame(client: SynapseClient, local_ray: Any,
                                                              resource: str) -> None:
    ds = snb.to_ray(client, resource, project=1, partition_rows=500, page_size=250)
    tables = [ray.get(ref) for ref in ds.to_arrow_refs()]
    converter = converter_for("annotations:tasks" if resource == "annotations" else resource)
    for table in tables:
        assert table.schema.names == converter.schema.names
    table = pa.concat_tables([t.cast(converter.schema) for t in tables])
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


def test_the_request_budget_is_shared_by_every_ray_task(client: SynapseClient, local_ray: Any) -> None:
    from synapse_nb.scale import RayBudget, SynapseDatasource, prepare_job

    job = prepare_job(client, "tasks", {"project": 1}, partition_rows=200, page_size=100)
    budget = RayBudget(1)
    ds = ray.data.read_datasource(SynapseDatasource(job.spec, list(job.partitions), budget),
                                  override_num_blocks=len(job.partitions))
    assert sum(ray.get(ref).num_rows for ref in ds.to_arrow_refs()) == job.count
    assert budget.max_in_flight() == 1
