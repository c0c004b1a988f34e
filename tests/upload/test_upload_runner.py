"""plan_upload / upload_folder against the in-memory client: the logic and its failure paths.

The same behaviours are checked against the reference server in
test_upload_live.py; here we can lose a response right after a POST landed.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from upload_helpers import FakeClient, FakeError, make_tree, write

from synapse_nb.upload import Progress, plan_upload, upload_folder


def test_plan_lists_units_meta_and_skips_without_uploading(fake: FakeClient, tree: Path) -> None:
    write(tree / "label" / "orphan.json", "{}")
    write(tree / "image" / ".DS_Store", "x")
    (tree / "meta.csv").write_text("filename,site\nimg1.jpg,seoul\nghost.jpg,nowhere\n")
    plan = plan_upload(fake, 1, tree)
    ready = plan[plan.status == "ready"].set_index("key")
    assert list(ready.index) == ["img0", "img1", "img2"]
    assert ready.loc["img1", "files"] == {"image": "image/img1.jpg", "label": "label/img1.json"}
    assert ready.loc["img1", "meta"] == {"site": "seoul", "origin_file_stem": "img1", "origin_file_extension": ".jpg"}
    skipped = plan[plan.status == "skipped"].set_index("key")
    assert skipped.loc["orphan", "missing"] == ["image"]
    assert "missing required spec(s): image" in skipped.loc["orphan", "reason"]
    assert skipped.loc["image/.DS_Store", "reason"] == "system file"
    assert plan.attrs["unmatched_metadata"] == ["ghost.jpg"]
    assert fake.files == {} and fake.units == []  # nothing uploaded


def test_upload_creates_units_and_tasks_then_rerun_does_nothing(fake: FakeClient, tree: Path) -> None:
    report = upload_folder(fake, 1, tree, project=9, progress=False, batch_size=2)
    assert report.attrs["summary"] == {"created": 3, "exists": 0, "skipped": 0, "failed": 0}
    assert len(fake.files) == 6 and len(fake.units) == 3 and len(fake.tasks) == 3
    assert sorted(report["task"].tolist()) == sorted(t["id"] for t in fake.tasks)
    # batches are sent concurrently, so the fake stores units in no particular order
    unit = next(u for u in fake.units if u["meta"]["origin_file_stem"] == "img0")
    assert unit["meta"]["origin_file_stem"] == "img0" and "created_at" in unit["meta"]
    assert unit["files"]["label"]["path"] == "label/img0.json"
    assert Path(report.attrs["journal"]).parent == tree / ".synapse_nb"

    calls_before = dict(fake.calls)
    again = upload_folder(fake, 1, tree, project=9, progress=False)
    assert again.attrs["summary"]["exists"] == 3 and again.attrs["files_uploaded"] == 0
    assert len(fake.units) == 3 and len(fake.tasks) == 3
    # the journal answered everything: no file sent, no unit or task created ...
    for name in ("create_data_file", "create_data_units", "create_tasks"):
        assert fake.calls.get(name, 0) == calls_before.get(name, 0), name
    # ... and its ids were confirmed by the server in one batched lookup per kind
    for name in ("list_data_units", "list_tasks"):
        assert fake.calls.get(name, 0) == calls_before.get(name, 0) + 1, name


def test_files_already_on_server_are_not_sent(fake: FakeClient, tree: Path, tmp_path: Path) -> None:
    other = make_tree(tmp_path / "copy", n=3)  # same contents, another folder
    upload_folder(fake, 1, other, progress=False)
    sent = fake.calls["create_data_file"]
    report = upload_folder(fake, 1, tree, progress=False)
    assert fake.calls["create_data_file"] == sent
    # the units exist on the server (found by checksum) though this folder's journal is new
    assert report.attrs["summary"]["exists"] == 3 and len(fake.units) == 3


def test_lost_unit_response_is_not_created_twice(fake: FakeClient, tree: Path) -> None:
    def crash(_):
        raise ConnectionError("connection reset after the server stored the batch")

    fake.lose_response["create_data_units"] = crash
    report = upload_folder(fake, 1, tree, project=4, progress=False)
    assert set(report.status) == {"failed"} and len(fake.units) == 3 and fake.tasks == []
    del fake.lose_response["create_data_units"]
    report = upload_folder(fake, 1, tree, project=4, progress=False)
    assert report.attrs["summary"]["exists"] == 3
    assert len(fake.units) == 3 and len(fake.tasks) == 3


def test_lost_task_response_is_not_created_twice(fake: FakeClient, tree: Path) -> None:
    def crash(_):
        raise ConnectionError("lost")

    fake.lose_response["create_tasks"] = crash
    upload_folder(fake, 1, tree, project=4, progress=False)
    del fake.lose_response["create_tasks"]
    report = upload_folder(fake, 1, tree, project=4, progress=False)
    assert len(fake.tasks) == 3
    assert sorted(report["task"].tolist()) == sorted(t["id"] for t in fake.tasks)


def test_journal_deleted_still_no_duplicates(fake: FakeClient, tree: Path) -> None:
    upload_folder(fake, 1, tree, project=4, progress=False)
    for p in (tree / ".synapse_nb").iterdir():
        p.unlink()
    upload_folder(fake, 1, tree, project=4, progress=False)
    assert len(fake.units) == 3 and len(fake.tasks) == 3


def test_one_bad_file_does_not_stop_the_others(fake: FakeClient, tree: Path) -> None:
    fake.refuse_names.add("img1.jpg")
    report = upload_folder(fake, 1, tree, progress=False).set_index("key")
    assert report.loc["img1", "status"] == "failed"
    assert "image/img1.jpg: server refused (400): file type of img1.jpg not accepted" == report.loc["img1", "reason"]
    assert list(report.loc[["img0", "img2"], "status"]) == ["created", "created"]
    fake.refuse_names.clear()
    report = upload_folder(fake, 1, tree, progress=False).set_index("key")
    assert report.loc["img1", "status"] == "created" and len(fake.units) == 3


def test_unreadable_file_fails_its_unit_only(fake: FakeClient, tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import synapse_nb.upload.folder as folder

    real = folder.md5_file

    def md5(path: Path) -> str:
        if path.name == "img2.jpg":
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(folder, "md5_file", md5)
    report = upload_folder(fake, 1, tree, progress=False).set_index("key")
    assert report.loc["img2", "status"] == "failed"
    assert report.loc["img2", "reason"] == "cannot read image/img2.jpg: Permission denied"
    assert len(fake.units) == 2


def test_file_over_the_limit_is_skipped(fake: FakeClient, tree: Path) -> None:
    write(tree / "image" / "big.jpg", b"x" * 5000)
    report = upload_folder(fake, 1, tree, max_file_size=4096, progress=False).set_index("key")
    assert report.loc["big", "status"] == "skipped"
    assert "over the limit of 4,096" in report.loc["big", "reason"]
    assert report.attrs["summary"]["created"] == 3


def test_refused_batch_is_retried_one_by_one(fake: FakeClient, tree: Path) -> None:
    real = fake.create_data_units

    def picky(data):
        items = data if isinstance(data, list) else [data]
        if any(i["meta"]["origin_file_stem"] == "img1" for i in items):
            raise FakeError(400, "meta invalid")
        return real(data)

    fake.create_data_units = picky  # type: ignore[method-assign]
    report = upload_folder(fake, 1, tree, progress=False, batch_size=10).set_index("key")
    assert report.loc["img1", "status"] == "failed" and "meta invalid" in report.loc["img1", "reason"]
    assert report.attrs["summary"]["created"] == 2 and len(fake.units) == 2


def test_changed_file_is_hashed_again_and_uploaded(fake: FakeClient, tree: Path) -> None:
    upload_folder(fake, 1, tree, progress=False)
    write(tree / "image" / "img0.jpg", "new content")
    report = upload_folder(fake, 1, tree, progress=False).set_index("key")
    assert report.loc["img0", "status"] == "created" and report.loc["img0", "uploaded"] == 1
    assert len(fake.units) == 4  # a new unit for the new content; the old one stays


def test_progress_phases_add_up(fake: FakeClient, tree: Path) -> None:
    p = Progress()
    upload_folder(fake, 1, tree, project=2, progress=p)
    size = sum(f.stat().st_size for f in tree.rglob("*") if f.is_file() and ".synapse_nb" not in f.parts)
    assert p.totals == {"files": 6, "bytes": size, "units": 3, "tasks": 3}
    assert p.done == p.totals


def test_journal_rows_and_state_dir_is_honoured(fake: FakeClient, tree: Path, tmp_path: Path) -> None:
    import sqlite3

    state = tmp_path / "state"
    report = upload_folder(fake, 1, tree, progress=False, state_dir=state)
    path = Path(report.attrs["journal"])
    assert path.parent == state and not (tree / ".synapse_nb").exists()
    con = sqlite3.connect(path)
    assert {i for (i,) in con.execute("SELECT id FROM units")} == {u["id"] for u in fake.units}
    assert con.execute("SELECT count(*) FROM files WHERE stored = 1").fetchone()[0] == 6
    assert {k for (k,) in con.execute("SELECT key FROM units")} == {"img0", "img1", "img2"}
    con.close()
    # private: the journal names the user's files and the backend
    assert oct(state.stat().st_mode & 0o777) == "0o700"
    for f in state.iterdir():
        assert oct(f.stat().st_mode & 0o777) == "0o600", f.name


def test_report_dtypes(fake: FakeClient, tree: Path) -> None:
    report = upload_folder(fake, 1, tree, progress=False)
    assert list(report.columns) == ["key", "status", "data_unit", "task", "files", "uploaded", "reason"]
    assert str(report["data_unit"].dtype) == "Int64" and report["task"].isna().all()
    assert isinstance(report, pd.DataFrame)


def test_verify_checksums_in_batches(fake: FakeClient, tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import synapse_nb.upload.folder as folder

    monkeypatch.setattr(folder, "_VERIFY_BATCH", 4)
    upload_folder(fake, 1, tree, progress=False)
    assert fake.calls["verify"] == 2  # 6 checksums in batches of 4
    again = upload_folder(fake, 1, tree, progress=False)
    assert fake.calls["verify"] == 4 and again.attrs["files_uploaded"] == 0
