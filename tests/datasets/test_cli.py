"""``synapse-nb export-dataset`` against the live server (the backend from the environment)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from synapse_nb.cli import main


@pytest.fixture
def backend(live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("SYNAPSE_HOST", live_server.base_url)
    monkeypatch.setenv("SYNAPSE_ACCESS_TOKEN", live_server.access_token)
    monkeypatch.setenv("TQDM_DISABLE", "1")
    return live_server


def test_export_dataset_from_tasks_with_split(backend: Any, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "yolo"
    argv = ["export-dataset", "--project", "1", "-f", "id__in=1,2,3,4,5,6,7,8,9,10",
            "--split", "train=0.8,val=0.2", "--seed", "3", "--format", "yolo", "-o", str(out)]
    assert main(argv) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["images"] == 10 and manifest["split"]["counts"] == {"train": 8, "val": 2}
    assert len(list((out / "labels" / "train").glob("*.txt"))) == 8
    assert f"hash {manifest['hash'][:12]}" in capsys.readouterr().err
    assert main(argv) == 0  # a re-run resumes: nothing fetched again
    again = json.loads((out / "manifest.json").read_text())
    assert again["hash"] == manifest["hash"] and again["export"]["checksums"]["fetched"] == 0


def test_export_dataset_version_without_images(backend: Any, tmp_path: Path) -> None:
    out = tmp_path / "coco"
    assert main(["export-dataset", "--ground-truth-version", "3", "--no-images", "-o", str(out)]) == 0
    assert not (out / "images").exists()
    doc = json.loads((out / "annotations" / "instances_train.json").read_text())
    assert doc["images"] and all(a["segmentation"] for a in doc["annotations"])


@pytest.mark.parametrize("argv, message", [
    (["--split", "train=x"], "NAME=SHARE"),
    (["--split", "train=0.5"], "add up to 1"),
    (["-f", "status=completed"], "goes with --project"),
])
def test_export_dataset_bad_arguments(backend: Any, tmp_path: Path, argv: list[str],
                                      message: str) -> None:
    with pytest.raises(SystemExit, match=message):
        main(["export-dataset", "--ground-truth-version", "2", *argv, "-o", str(tmp_path / "x")])


def test_export_dataset_refuses_a_planted_state_symlink_without_a_traceback(
        backend: Any, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / ".synapse_nb").mkdir(parents=True)
    (tmp_path / "elsewhere").write_text("kept\n")
    (out / ".synapse_nb" / "files.jsonl").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(SystemExit, match="export-dataset: .*is a symlink.*remove it"):
        main(["export-dataset", "--project", "1", "-f", "id__in=1,2", "-o", str(out)])
    assert (tmp_path / "elsewhere").read_text() == "kept\n"
