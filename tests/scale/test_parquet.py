"""to_parquet_dataset: hive partitions, manifest, resume, and readers nobody here wrote."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import synapse_nb as snb
from synapse_nb.client import SynapseClient


def test_dataset_reads_back_in_pandas_dask_and_duckdb(client: SynapseClient, tmp_path: Path) -> None:
    expected = snb.tasks_frame(client, progress=False)
    manifest = snb.to_parquet_dataset(client, "tasks", tmp_path / "ds", partition_rows=1000,
                                      page_size=500, progress=False)
    assert manifest["complete"] and manifest["rows"] == len(expected) and manifest["skipped"] == 0
    projects = sorted(int(p.name.split("=")[1]) for p in (tmp_path / "ds").glob("project=*"))
    assert projects == sorted(expected.project.dropna().astype(int).unique().tolist())

    back = pd.read_parquet(tmp_path / "ds").set_index("id").sort_index()
    assert back.index.tolist() == expected.index.tolist()
    assert back.status.astype(str).tolist() == expected.status.astype(str).tolist()
    assert back.project.astype(int).tolist() == expected.project.astype(int).tolist()

    dd = pytest.importorskip("dask.dataframe", reason="the [dask] extra is not installed")
    assert len(dd.read_parquet(tmp_path / "ds")) == len(expected)

    duckdb = pytest.importorskip("duckdb", reason="duckdb is a test dependency")
    rows = duckdb.sql(f"SELECT project, count(*) FROM read_parquet('{tmp_path}/ds/**/*.parquet', "
                      "hive_partitioning=true) GROUP BY 1 ORDER BY 1").fetchall()
    counts = expected.groupby(expected.project.astype(int)).size()
    assert [(int(p), n) for p, n in rows] == list(counts.items())


def test_a_run_killed_half_way_resumes_without_doubling(make_server: Any, tmp_path: Path) -> None:
    server = make_server(scale=200, latency_ms=40)
    dest = tmp_path / "ds"
    child = textwrap.dedent(f"""
        import os, signal, synapse_nb.scale.parquet as pq_mod
        from synapse_nb.client import SynapseClient
        real, done = pq_mod.write_partition, []
        def write(*args, **kwargs):
            out = real(*args, **kwargs)
            done.append(out)
            if len(done) == 3:
                os.kill(os.getpid(), signal.SIGKILL)
            return out
        pq_mod.write_partition = write
        c = SynapseClient({server.base_url!r}, access_token={server.access_token!r})
        pq_mod.to_parquet_dataset(c, "tasks", {str(dest)!r}, partition_rows=50, page_size=50,
                                  requests_in_flight=1, progress=False)
    """)
    proc = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=300)
    assert proc.returncode == -9, proc.stderr[-2000:]
    assert json.loads((dest / "_manifest.json").read_text())["complete"] is False
    written_before = len(list((dest / "_partitions").glob("*.json")))
    assert written_before >= 3
    with SynapseClient(server.base_url, access_token=server.access_token) as c:
        expected = snb.tasks_frame(c, progress=False)
        manifest = snb.to_parquet_dataset(c, "tasks", dest, partition_rows=50, page_size=50,
                                          progress=False)
    assert manifest["skipped"] == written_before
    back = pd.read_parquet(dest)
    assert back.id.is_unique and sorted(back.id) == sorted(expected.index)


def test_another_dataset_in_the_folder_is_refused(client: SynapseClient, tmp_path: Path) -> None:
    snb.to_parquet_dataset(client, "models", tmp_path, partition_by=(), progress=False)
    with pytest.raises(ValueError, match="another dataset"):
        snb.to_parquet_dataset(client, "tasks", tmp_path, progress=False)
    with pytest.raises(ValueError, match="partition_by"):
        snb.to_parquet_dataset(client, "models", tmp_path / "x", partition_by=("nope",))


def test_written_by_dask_workers(client: SynapseClient, dask_cluster: Any, tmp_path: Path) -> None:
    manifest = snb.to_parquet_dataset(client, "assignments", tmp_path / "ds", engine=dask_cluster,
                                      project=1, partition_rows=200, page_size=100, progress=False)
    expected = snb.assignments_frame(client, project=1, progress=False)
    back = pd.read_parquet(tmp_path / "ds")
    assert manifest["rows"] == len(expected) == len(back)
    assert sorted(back.id) == sorted(expected.index)


def test_spark_reads_the_dataset(client: SynapseClient, tmp_path: Path) -> None:
    pyspark_sql = pytest.importorskip("pyspark.sql", reason="pyspark is a test dependency")
    expected = snb.tasks_frame(client, progress=False)
    snb.to_parquet_dataset(client, "tasks", tmp_path / "ds", partition_rows=2000, progress=False)
    spark = (pyspark_sql.SparkSession.builder.master("local[1]").appName("synapse-nb-test")
             .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
             .getOrCreate())
    try:
        frame = spark.read.parquet(str(tmp_path / "ds"))
        rows = frame.groupBy("project").count().collect()
        ids = [r.id for r in frame.select("id").collect()]
    finally:
        spark.stop()
    counts = expected.groupby(expected.project.astype(int)).size()
    assert sorted((int(r["project"]), int(r["count"])) for r in rows) == list(counts.items())
    assert sorted(ids) == sorted(expected.index)


def _read_back(dest: Path) -> Any:
    import pyarrow.parquet as pq

    return pq.read_table(dest).to_pandas()


def test_a_plan_that_shrank_leaves_no_stale_part_files(make_server: Any, tmp_path: Path) -> None:
    server = make_server(scale=200)
    dest = tmp_path / "ds"
    with SynapseClient(server.base_url, access_token=server.access_token) as c:
        first = snb.to_parquet_dataset(c, "tasks", dest, partition_rows=20, page_size=20,
                                       progress=False)
        (dest / "_notes.txt").write_text("the user's own file stays")
        with server.db.write() as db:  # through the server's writer: its count cache sees it
            top = db.execute("SELECT max(id) FROM tasks").fetchone()[0]
            db.execute("DELETE FROM tasks WHERE id > ?", (top - 70,))
        expected = snb.tasks_frame(c, progress=False)
        again = snb.to_parquet_dataset(c, "tasks", dest, partition_rows=20, page_size=20,
                                       progress=False)
    assert len(again["plan"]["pages"]) < len(first["plan"]["pages"])
    back = _read_back(dest)
    # was: the old plan's last partitions stayed, 70 rows more than the manifest said
    assert again["rows"] == len(back) == len(expected)
    assert back.id.is_unique and sorted(back.id) == sorted(expected.index)
    assert again["removed"] > 0 and all(f.startswith("project=") for f in again["removed_files"])
    assert (dest / "_notes.txt").read_text() == "the user's own file stays"
    indices = {int(p.name.split("-")[1]) for p in dest.rglob("part-*.parquet")}
    assert indices == set(range(len(again["plan"]["pages"])))
    assert len(list((dest / "_partitions").glob("*.json"))) == len(again["plan"]["pages"])


def test_rows_that_moved_between_folders_during_a_resume_are_not_kept_twice(
        make_server: Any, tmp_path: Path) -> None:
    server = make_server(scale=200)
    dest = tmp_path / "ds"
    with SynapseClient(server.base_url, access_token=server.access_token) as c:
        first = snb.to_parquet_dataset(c, "tasks", dest, partition_by=("status",),
                                       partition_rows=20, page_size=20, progress=False)
        # partition 0's files are written but its marker is not: a run killed in between
        marker = json.loads((dest / "_partitions" / "00000.json").read_text())
        (dest / "_partitions" / "00000.json").unlink()
        ids = sorted(snb.tasks_frame(c, progress=False).index)[:20]
        before = _read_back(dest).set_index("id").loc[ids, "status"].astype(str)
        target = "completed" if (before != "completed").sum() >= (before != "pending").sum() else "pending"
        assert (before != target).sum() > 0  # some rows change folder
        with server.db.write() as db:
            db.execute(f"UPDATE tasks SET status = ? WHERE id IN ({','.join('?' * len(ids))})",
                       (target, *ids))
        expected = snb.tasks_frame(c, progress=False)
        again = snb.to_parquet_dataset(c, "tasks", dest, partition_by=("status",),
                                       partition_rows=20, page_size=20, progress=False)
    assert again["skipped"] == len(first["plan"]["pages"]) - 1
    back = _read_back(dest)
    assert again["rows"] == len(back) == len(expected)  # was: the moved rows twice
    assert back.id.is_unique
    assert (back.set_index("id").loc[ids, "status"].astype(str) == target).all()
    assert sorted(again["removed_files"]) == sorted(f for f in marker["files"]
                                                   if not f.startswith(f"status={target}/"))


def test_a_folder_with_part_files_but_no_manifest_is_refused(client: SynapseClient,
                                                             tmp_path: Path) -> None:
    (tmp_path / "project=1").mkdir()
    (tmp_path / "project=1" / "part-00000-0.parquet").write_bytes(b"someone else's")
    with pytest.raises(ValueError, match="no _manifest.json"):
        snb.to_parquet_dataset(client, "models", tmp_path, progress=False)
    assert (tmp_path / "project=1" / "part-00000-0.parquet").read_bytes() == b"someone else's"
    assert not (tmp_path / "_partitions").exists()
