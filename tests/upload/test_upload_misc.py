"""Docstring examples, tqdm bars, the async-client guard and journal robustness."""

from __future__ import annotations

import doctest
import importlib
import io
from pathlib import Path

import pytest
from upload_helpers import FakeClient

from synapse_nb.upload import FolderJournal, TqdmProgress, UploadError, upload_folder

MODULES = ["discovery", "errors", "journal", "metadata", "progress", "transfer", "plan", "folder", "adopt"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    mod = importlib.import_module(f"synapse_nb.upload.{name}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_tqdm_bars_per_phase(fake: FakeClient, tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    out = io.StringIO()
    upload_folder(fake, 1, tree, project=1, progress=TqdmProgress(file=out, disable=False))
    text = out.getvalue()
    for label in ("files: 100%", "bytes: 100%", "data units: 100%", "tasks: 100%"):
        assert label in text, label


def test_async_client_is_refused_with_a_hint(tree: Path) -> None:
    from synapse_nb.client import AsyncSynapseClient

    client = AsyncSynapseClient(base_url="http://127.0.0.1:9", access_token="never-sent")
    with pytest.raises(UploadError, match="pass a SynapseClient"):
        upload_folder(client, 1, tree, progress=False)


def test_torn_journal_is_moved_aside_and_rebuilt(fake: FakeClient, tree: Path) -> None:
    first = upload_folder(fake, 1, tree, project=2, progress=False)
    path = Path(first.attrs["journal"])
    for side in path.parent.glob(path.name + "-*"):
        side.unlink()  # the WAL files: the torn main file must stand alone
    path.write_bytes(b'{"version": 1, "units": {"a": {"id": 3')  # not SQLite at all
    with pytest.warns(UserWarning, match="was unreadable; moved it to"):
        again = upload_folder(fake, 1, tree, project=2, progress=False)
    assert again.attrs["summary"] == {"created": 0, "exists": 3, "skipped": 0, "failed": 0}
    assert len(fake.units) == 3 and len(fake.tasks) == 3
    assert list(path.parent.glob(path.name + ".corrupt-*"))


def test_journal_rows_of_wrong_types_are_looked_up_not_crashed_on(fake: FakeClient, tree: Path) -> None:
    import sqlite3

    first = upload_folder(fake, 1, tree, project=2, progress=False)
    con = sqlite3.connect(first.attrs["journal"])
    con.execute("UPDATE units SET id = 'abc' WHERE key = 'img0'")
    con.execute("UPDATE units SET pending = 'yes' WHERE key = 'img1'")
    con.execute("UPDATE tasks SET id = 'x'")
    con.execute("UPDATE files SET size = 'big', checksum = x'00'")
    con.commit()
    con.close()
    with pytest.warns(UserWarning, match=r"had 5 unreadable row\(s\); they were looked up on the server"):
        again = upload_folder(fake, 1, tree, project=2, progress=False)
    assert again.attrs["summary"]["exists"] == 3 and again.attrs["summary"]["failed"] == 0
    assert len(fake.units) == 3 and len(fake.tasks) == 3
    assert sorted(again.task) == sorted(t["id"] for t in fake.tasks)


def test_journal_of_another_upload_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    FolderJournal(path, backend="http://a|", data_collection=1).close()
    with pytest.raises(UploadError, match="belongs to another upload"):
        FolderJournal(path, backend="http://b|", data_collection=1)


def test_unwritable_state_dir_says_what_to_do(fake: FakeClient, tree: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(UploadError, match="pass state_dir="):
        upload_folder(fake, 1, tree, progress=False, state_dir=blocker / "sub")
