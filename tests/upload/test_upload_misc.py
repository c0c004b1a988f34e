"""Docstring examples, tqdm bars, the async-client guard and journal robustness."""

from __future__ import annotations

import doctest
import importlib
import io
from pathlib import Path

import pytest

from synapse_nb.upload import TqdmProgress, UploadError, UploadJournal, upload_folder
from upload_helpers import FakeClient

MODULES = ["discovery", "errors", "journal", "metadata", "progress", "transfer", "plan", "folder"]


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
    class AsyncLike(FakeClient):
        async def create_data_file(self, *a, **k):  # type: ignore[override]
            raise AssertionError("must not be called")

    with pytest.raises(UploadError, match="pass a SynapseClient"):
        upload_folder(AsyncLike(), 1, tree, progress=False)


def test_torn_or_foreign_journal_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "j.json"
    path.write_text('{"version": 1, "data_collection": 1, "units": {"a": {"id": 3')
    assert UploadJournal(path, 1).unit_id("a") is None
    path.write_text('{"version": 1, "data_collection": 2, "units": {"a": {"id": 3}}}')
    assert UploadJournal(path, 1).unit_id("a") is None  # another collection's journal


def test_unwritable_state_dir_says_what_to_do(fake: FakeClient, tree: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(UploadError, match="pass state_dir="):
        upload_folder(fake, 1, tree, progress=False, state_dir=blocker / "sub")
