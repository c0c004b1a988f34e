"""Discovery: spec sub-folders, flat/recursive, grouping by stem, system files, newest wins."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from upload_helpers import SPECS, make_tree, write

from synapse_nb.upload import FolderError
from synapse_nb.upload.discovery import FileSpec, discover_files, specs_from_collection

SPEC_OBJS = specs_from_collection({"file_specifications": SPECS})


def test_groups_by_stem_across_specs(tree: Path) -> None:
    found = discover_files(tree, SPEC_OBJS, recursive=False)
    assert [g.key for g in found.groups] == ["img0", "img1", "img2"]
    g = found.groups[1]
    assert g.files == {"image": tree / "image" / "img1.jpg", "label": tree / "label" / "img1.json"}
    assert g.complete


def test_flat_ignores_subfolders_recursive_keys_by_relative_folder(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "d", n=4, nested=True)
    flat = discover_files(root, SPEC_OBJS, recursive=False)
    assert [g.key for g in flat.groups] == ["img0", "img2"]
    assert any("flat mode" in s.reason for s in flat.skipped)
    rec = discover_files(root, SPEC_OBJS, recursive=True)
    assert [g.key for g in rec.groups] == ["img0", "img2", "sub/img1", "sub/img3"]
    assert rec.groups[2].files["label"] == root / "label" / "sub" / "img1.json"


def test_same_stem_in_different_subfolders_are_different_units(tmp_path: Path) -> None:
    write(tmp_path / "image" / "a" / "x.jpg", "1")
    write(tmp_path / "image" / "b" / "x.jpg", "2")
    keys = [g.key for g in discover_files(tmp_path, SPEC_OBJS).groups]
    assert keys == ["a/x", "b/x"]


def test_system_files_and_folders_are_skipped(tree: Path) -> None:
    write(tree / "image" / ".DS_Store", "junk")
    write(tree / "image" / "Thumbs.db", "junk")
    write(tree / "image" / "__pycache__" / "m.jpg", "junk")
    write(tree / "image" / ".git" / "HEAD.jpg", "junk")
    found = discover_files(tree, SPEC_OBJS, recursive=True)
    assert len(found.groups) == 3
    reasons = {s.path.name: s.reason for s in found.skipped}
    assert reasons == {".DS_Store": "system file", "Thumbs.db": "system file"}


def test_newest_candidate_wins(tmp_path: Path) -> None:
    old = write(tmp_path / "image" / "a.jpg", "old", mtime=1_000_000)
    new = write(tmp_path / "image" / "a.png", "new", mtime=2_000_000)
    found = discover_files(tmp_path, SPEC_OBJS)
    assert found.groups[0].files["image"] == new
    assert [(s.path, "older duplicate" in s.reason) for s in found.skipped] == [(old, True)]


def test_required_spec_missing_is_reported(tmp_path: Path) -> None:
    write(tmp_path / "image" / "a.jpg", "1")
    write(tmp_path / "label" / "b.json", "{}")
    groups = {g.key: g for g in discover_files(tmp_path, SPEC_OBJS).groups}
    assert groups["a"].complete
    assert groups["b"].missing == ["image"]


def test_extension_filter(tmp_path: Path) -> None:
    write(tmp_path / "image" / "a.jpg", "1")
    write(tmp_path / "image" / "notes.txt", "1")
    found = discover_files(tmp_path, SPEC_OBJS)
    assert [g.key for g in found.groups] == ["a"]
    assert "extension .txt not allowed" in found.skipped[0].reason


def test_symlink_escaping_the_folder_is_skipped(tmp_path: Path) -> None:
    outside = write(tmp_path / "secret.jpg", "secret")
    root = tmp_path / "data"
    write(root / "image" / "a.jpg", "1")
    os.symlink(outside, root / "image" / "b.jpg")
    found = discover_files(root, SPEC_OBJS)
    assert [g.key for g in found.groups] == ["a"]
    assert found.skipped[0].reason == "link points outside the folder"


@pytest.mark.parametrize(
    "setup, message",
    [
        (lambda p: None, "does not exist"),
        (lambda p: p.mkdir(), "is empty"),
        (lambda p: write(p / ".DS_Store", "x"), "is empty"),
        (lambda p: write(p, "x"), "is a file"),
        (lambda p: write(p / "photos" / "a.jpg", "x"), "no sub-folder"),
    ],
)
def test_folder_errors_say_what_to_fix(tmp_path: Path, setup, message: str) -> None:
    target = tmp_path / "target"
    setup(target)
    with pytest.raises(FolderError, match=message) as info:
        discover_files(target, SPEC_OBJS)
    if message == "no sub-folder":
        assert "'image'" in str(info.value) and "photos" in str(info.value)


def test_filespec_normalises_extensions() -> None:
    spec = FileSpec.from_dict({"name": "pcd", "extensions": "PCD, bin"})
    assert spec.extensions == (".pcd", ".bin")
    assert spec.accepts(Path("x.PCD")) and not spec.accepts(Path("x.ply"))
