"""Data safety of folder uploads (issue 10): a second backend, two runs at once, the journal.

Against the reference server where the server's behaviour is the point (a second
backend, two processes); against the in-memory client where a database reset
behind the same URL must be staged.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from upload_helpers import FakeClient, make_tree, sync_client_class, write

from synapse_nb.upload import FolderJournal, Progress, upload_folder

CHILD = Path(__file__).with_name("upload_child.py")
SHELF, SHELF_PROJECT = 3, 3


def _photos(root: Path, n: int, tag: str) -> list[str]:
    """n photos under root/image_1; returns their md5s."""
    sums = []
    for i in range(n):
        data = f"{tag}-{i}-".encode() + os.urandom(256)
        write(root / "image_1" / f"p{i:02d}.jpg", data)
        sums.append(hashlib.md5(data).hexdigest())
    return sums


def _units_holding(client: Any, checksum: str) -> list[dict[str, Any]]:
    return client.list_data_units({"data_collection": SHELF, "checksum": checksum})["results"]


def _one_unit_one_task_each(client: Any, sums: list[str]) -> None:
    for c in sums:
        units = _units_holding(client, c)
        assert len(units) == 1, f"{c}: {len(units)} data units"
        tasks = client.list_tasks({"project": SHELF_PROJECT, "data_unit": units[0]["id"]})["results"]
        assert len(tasks) == 1, f"unit {units[0]['id']}: {len(tasks)} tasks"


# --- a second backend ----------------------------------------------------------------

def test_same_folder_to_a_second_backend_uploads_there(client: Any, make_server: Any, tmp_path: Path) -> None:
    folder = tmp_path / "dump"
    sums = _photos(folder, 4, "second-backend")
    first = upload_folder(client, SHELF, folder, project=SHELF_PROJECT, progress=False)
    assert first.attrs["summary"]["created"] == 4

    other = make_server(scale=20)  # a fresh database: staging, then production
    with sync_client_class()(base_url=other.base_url, access_token=other.access_token) as prod:
        report = upload_folder(prod, SHELF, folder, project=SHELF_PROJECT, progress=False)
        assert report.attrs["summary"] == {"created": 4, "exists": 0, "skipped": 0, "failed": 0}
        assert report.attrs["files_uploaded"] == 4
        _one_unit_one_task_each(prod, sums)
        assert report.attrs["journal"] != first.attrs["journal"]


def test_journaled_ids_are_confirmed_by_the_server(tmp_path: Path) -> None:
    """Same URL, database reset: the journal's ids now name other units. No task lands on them."""
    tree = make_tree(tmp_path / "data")
    staging = FakeClient()
    upload_folder(staging, 1, tree, project=2, progress=False)

    reset = FakeClient()  # same base_url, fresh database, where other files took the same ids
    for i in range(3):
        write(tmp_path / "unrelated" / "image" / f"other{i}.jpg", f"unrelated-{i}")
        write(tmp_path / "unrelated" / "label" / f"other{i}.json", f'{{"other": {i}}}')
    upload_folder(reset, 1, tmp_path / "unrelated", progress=False)
    unrelated = {u["id"] for u in reset.units}
    assert unrelated == {u["id"] for u in staging.units}  # the journal's ids name other units now
    report = upload_folder(reset, 1, tree, project=2, progress=False)
    assert report.attrs["summary"]["created"] == 3, report[["key", "status", "reason"]]
    assert not unrelated & {t["data_unit"] for t in reset.tasks}, "a task landed on an unrelated unit"
    by_id = {u["id"]: u for u in reset.units}
    for _, row in report.iterrows():
        files = by_id[int(row.data_unit)]["files"]
        assert files["image"]["path"] == f"image/{row.key}.jpg"
    assert sorted(t["data_unit"] for t in reset.tasks) == sorted(report.data_unit)


def test_a_backend_without_id_lookups_falls_back_to_per_row_lookups(fake: FakeClient, tree: Path) -> None:
    from upload_helpers import FakeError

    upload_folder(fake, 1, tree, project=2, progress=False)
    real_units, real_tasks = fake.list_data_units, fake.list_tasks

    def no_id_in(real: Any) -> Any:
        def call(params: dict[str, Any]) -> Any:
            if "id__in" in params:
                raise FakeError(400, "unknown filter id__in")
            return real(params)
        return call

    fake.list_data_units, fake.list_tasks = no_id_in(real_units), no_id_in(real_tasks)  # type: ignore[method-assign]
    again = upload_folder(fake, 1, tree, project=2, progress=False)
    assert again.attrs["summary"] == {"created": 0, "exists": 3, "skipped": 0, "failed": 0}
    assert len(fake.units) == 3 and len(fake.tasks) == 3 and again.task.notna().all()


# --- two runs at once ------------------------------------------------------------------

def _spawn(server: Any, folder: Path, state: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "SYNAPSE_ACCESS_TOKEN": server.access_token, "TQDM_DISABLE": "1"}
    args = [sys.executable, str(CHILD), server.base_url, str(SHELF), str(folder), str(state), str(SHELF_PROJECT),
            str(1 << 30), str(1 << 20)]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def test_two_runs_at_once_never_duplicate(make_server: Any, tmp_path: Path) -> None:
    server = make_server(scale=20)
    folder, state = tmp_path / "dump", tmp_path / "state"
    sums = _photos(folder, 10, "twice")
    first = _spawn(server, folder, state)
    assert first.stdout is not None
    for line in first.stdout:  # the first run has checked the server and is about to send
        if line.startswith("start files"):
            break
    first.send_signal(signal.SIGSTOP)  # hold it there while the second runs start to end
    try:
        second = _spawn(server, folder, state)
        out2, err2 = second.communicate(timeout=120)
    finally:
        first.send_signal(signal.SIGCONT)
    out1, err1 = first.communicate(timeout=120)
    assert first.returncode == 0, err1
    assert "created=10" in out1 and "failed=0" in out1, out1
    assert second.returncode == 3, (out2, err2)
    assert "refused: another upload of" in out2 and "is running (pid" in out2, out2
    with sync_client_class()(base_url=server.base_url, access_token=server.access_token) as c:
        _one_unit_one_task_each(c, sums)


# --- the journal -------------------------------------------------------------------------

def test_journal_write_does_not_grow_with_the_journal(tmp_path: Path) -> None:
    """O(1) per item: with 20,000 files journaled, marking a unit pending appends a few pages."""
    path = tmp_path / "j.sqlite"
    j = FolderJournal(path, backend="http://h|", data_collection=1)
    j.set_files((f"image/{i:06d}.jpg", 1000 + i, i, f"{i:032x}", True) for i in range(20_000))
    j.record("units", ((f"{i:06d}", i + 1, "{}") for i in range(20_000)))
    with sqlite3.connect(path) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    wal = Path(f"{path}-wal")
    before = wal.stat().st_size
    j.mark_pending("units", {"new": '{"image":"x"}'})
    j.record("units", [("new", 99_999, '{"image":"x"}')])
    grown = wal.stat().st_size - before
    assert path.stat().st_size > 1_000_000  # the journal is big ...
    assert 0 < grown < 64 * 1024, grown  # ... a write is not (the JSON journal rewrote all of it)
    j.close()


def test_a_concurrent_reader_always_sees_a_whole_journal(fake: FakeClient, tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "data", n=40, labels=False)
    real = fake.create_data_units

    def slow(data: Any) -> Any:
        time.sleep(0.01)
        return real(data)

    fake.create_data_units = slow  # type: ignore[method-assign]
    path_box: list[Path] = []
    seen: list[int] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.wait(0.002):
            found = list((tree / ".synapse_nb").glob("*.sqlite"))
            if not found:
                continue
            try:
                con = sqlite3.connect(f"file:{found[0]}?mode=ro", uri=True, timeout=5)
                done = con.execute("SELECT count(*) FROM units WHERE pending = 0 AND id IS NOT NULL").fetchone()[0]
                torn = con.execute("SELECT count(*) FROM units WHERE pending = 0 AND id IS NULL").fetchone()[0]
                con.close()
            except sqlite3.OperationalError as err:
                if "no such table" in str(err):
                    continue  # the writer has not created its tables yet
                errors.append(err)
                return
            assert torn == 0
            seen.append(done)
            path_box[:] = found

    reader = threading.Thread(target=read)
    reader.start()
    try:
        report = upload_folder(fake, 1, tree, batch_size=4, max_workers=1, progress=False)
    finally:
        stop.set()
        reader.join(10)
    assert not errors, errors
    assert report.attrs["summary"]["created"] == 40
    assert seen == sorted(seen) and len(set(seen)) > 2, seen[:20]  # it read while units were landing


# --- bad input ----------------------------------------------------------------------------

def test_inf_or_nan_in_meta_fails_only_that_unit(client: Any, tmp_path: Path) -> None:
    import pandas as pd

    folder = tmp_path / "meta"
    _photos(folder, 4, "inf-meta")
    meta = pd.DataFrame({"filename": ["p00", "p01", "p02", "p03"], "speed": [1.5, float("inf"), 2.0, 3.0],
                         "extra": [None, None, {"x": float("nan")}, None]})
    for attempt in range(2):  # a re-run fails the same unit the same way, and only it
        report = upload_folder(client, SHELF, folder, metadata=meta, batch_size=100, progress=False).set_index("key")
        assert report.loc["p01", "status"] == "failed"
        assert report.loc["p01", "reason"] == ("meta 'speed' is inf, which JSON cannot carry; "
                                               "put a number or leave the cell blank")
        assert report.loc["p02", "status"] == "failed" and "meta 'extra' is nan" in report.loc["p02", "reason"]
        ok = "created" if attempt == 0 else "exists"
        assert list(report.loc[["p00", "p03"], "status"]) == [ok, ok]


def test_symlink_loop_is_skipped_with_its_reason(fake: FakeClient, tree: Path) -> None:
    os.symlink("loop_b.jpg", tree / "image" / "loop_a.jpg")
    os.symlink("loop_a.jpg", tree / "image" / "loop_b.jpg")
    from synapse_nb.upload import plan_upload

    plan = plan_upload(fake, 1, tree).set_index("key")
    assert plan.loc["image/loop_a.jpg", "status"] == "skipped"
    assert plan.loc["image/loop_a.jpg", "reason"] == "symlink loop (following the link never reaches a file)"
    assert plan.attrs["ready"] == 3


def test_symlink_loop_reason_is_the_same_where_resolve_does_not_raise(
        fake: FakeClient, tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Python 3.13's Path.resolve() returns a path for a loop instead of raising: the reason
    must not depend on it (here 3.13's behaviour on any version)."""
    monkeypatch.setattr(Path, "resolve", lambda self, strict=False: Path(os.path.realpath(self)))
    test_symlink_loop_is_skipped_with_its_reason(fake, tree)


def test_xlsx_formulas_without_cached_values_warn_naming_columns(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl", reason="Excel sheets need the 'excel' extra")
    from synapse_nb.upload import load_metadata
    from synapse_nb.upload.metadata import MetadataWarning

    wb = openpyxl.Workbook()  # openpyxl stores formulas but never their values
    for row in (["filename", "width", "area", "label"], ["a.jpg", 3, "=B2*B2", "x"], ["b.jpg", 4, "=B3*B3", "=UPPER(D2)"]):
        wb.active.append(row)
    wb.save(tmp_path / "meta.xlsx")
    with pytest.warns(MetadataWarning, match=r"formula cells without a saved value in 'area' \(2 cells\), "
                                             r"'label' \(1 cell\)"):
        sheet = load_metadata(tmp_path / "meta.xlsx")
    assert sheet.lookup("a") == {"width": 3, "label": "x"}
    assert len(sheet.warnings) == 1 and "'area' (2 cells)" in sheet.warnings[0]  # for plan.attrs and the widget


def test_progress_after_a_resume_shows_sent_and_skipped_apart(fake: FakeClient, tree: Path) -> None:
    fake.refuse_names.add("img1.jpg")
    upload_folder(fake, 1, tree, project=5, progress=False)
    fake.refuse_names.clear()
    p = Progress()
    upload_folder(fake, 1, tree, project=5, progress=p)
    # img1's two files: its label was already stored, its image is sent now; the other units are there
    assert p.totals["files"] == 1 and p.done["files"] == 1 and p.skipped["files"] == 5
    assert p.totals["units"] == 1 and p.skipped["units"] == 2
    assert p.totals["tasks"] == 1 and p.skipped["tasks"] == 2
    assert p.label("files") == "files (5 already there)"
