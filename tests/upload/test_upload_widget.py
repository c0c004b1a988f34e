"""UploadWidget, headless: set traits, click buttons, assert on the resulting state."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("ipywidgets", reason="the widget needs ipywidgets (extra 'lab')")

from upload_helpers import FakeClient, write  # noqa: E402

from synapse_nb.upload import UploadWidget  # noqa: E402


class ListingClient(FakeClient):
    def list_data_collection(self):
        return {"count": 1, "results": [dict(c) for c in self.collections.values()]}


def test_plan_then_upload(tree: Path) -> None:
    client = ListingClient()
    w = UploadWidget(client)
    assert w.collection.options == (("demo (#1)", 1),)
    w.folder.value = str(tree)
    w.project.value = "5"
    w.plan_button.click()
    assert w.plan is not None and list(w.plan.key) == ["img0", "img1", "img2"]
    assert "3 data unit(s) ready" in w.status.value
    assert "img1" in w.table.value and client.units == []
    w.upload_button.click()
    assert w.report.attrs["summary"]["created"] == 3 and len(client.tasks) == 3
    assert w.bars["units"].value == 3 and w.bars["files"].value == 6
    assert "created 3" in w.status.value and not w.upload_button.disabled


def test_errors_are_shown_not_raised(tmp_path: Path) -> None:
    w = UploadWidget(ListingClient(), folder=str(tmp_path / "missing"))
    w.plan_button.click()
    assert "does not exist" in w.status.value and w.plan is None
    w.folder.value = ""
    w.upload_button.click()
    assert "enter the folder" in w.status.value


def test_bad_project_and_escaped_names(tmp_path: Path) -> None:
    root = tmp_path / "d"
    write(root / "image" / "<b>x</b>.jpg", "1")
    w = UploadWidget(ListingClient(), data_collection=1, folder=str(root))
    w.plan_button.click()
    assert "<b>x</b>" not in w.table.value and "&lt;b&gt;x&lt;/b&gt;" in w.table.value
    w.project.value = "abc"
    w.upload_button.click()
    assert "project must be a number" in w.status.value and w.report is None


def test_background_upload(tree: Path) -> None:
    client = ListingClient()
    w = UploadWidget(client, data_collection=1, folder=str(tree), background=True)
    w.upload_button.click()
    w.wait(30)
    assert w.report is not None and w.report.attrs["summary"]["created"] == 3
    assert repr(w) == f"UploadWidget(collection=1, folder={str(tree)!r})"
