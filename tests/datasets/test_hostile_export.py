"""Exports from a hostile server (``tests/hostile.py``): traversal categories and names, an
HTML page answered for an image, duplicate names, images that change on the server, and
a re-export with another split. Everything written stays in the export folder; nothing
stale or wrong is kept; nothing the export did not write is touched."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Callable

import pandas as pd
import pytest

from synapse_nb._util.paths import UnsafePathError
from synapse_nb.datasets import snapshot
from synapse_nb.datasets.fetch import FetchError, StateSymlinkError
from tests.hostile import HOSTILE_NAMES, ChangedFiles, HtmlImages, RenamedFiles, TraversalCategories

pytest.importorskip("yaml", reason="YOLO's data.yaml is written with PyYAML (the [ml] extra)")

FORMATS = ("coco", "yolo", "voc", "parquet")


def _tree(root: Path) -> list[Path]:
    return [Path(d) / f for d, dirs, files in os.walk(root) for f in [*files, *dirs]]


@pytest.mark.parametrize("fmt", FORMATS)
def test_nothing_is_written_outside_the_export_folder(hostile_client: Callable[..., Any],
                                                      tmp_path: Path, fmt: str) -> None:
    client = hostile_client(TraversalCategories(HOSTILE_NAMES), RenamedFiles(HOSTILE_NAMES))
    snap = snapshot(client, ground_truth_dataset_version=2, progress=False)
    renamed = snap.manifest["split"]["renamed"]
    assert {"../../..", "/etc/hostile", "..\\..\\win", "C:rel", "nul\x00byte"} <= set(renamed)
    dest = tmp_path / "a" / "b" / "c" / "out"
    snap.export(dest, format=fmt, max_workers=4, progress=False)
    real = dest.resolve()
    for path in _tree(tmp_path):  # every file and folder, symlinks resolved
        assert path.resolve() == real or path.resolve().is_relative_to(real) or \
            real.is_relative_to(path.resolve()), path
    manifest = json.loads((dest / "manifest.json").read_text())
    assert manifest["split"]["renamed"] == renamed
    assert set(manifest["split"]["counts"]) == set(snap.records.split)
    if fmt != "voc":
        assert {p.name for p in (dest / "images").iterdir()} == set(snap.records.split)
    assert not Path("/etc/hostile").exists()


def test_a_split_or_name_that_would_leave_is_refused_before_writing(client: Any,
                                                                    tmp_path: Path) -> None:
    snap = snapshot(client, tasks=[1, 2, 3], progress=False)
    snap.records.loc[1, "split"] = "../../escape"  # a records frame edited by hand
    with pytest.raises(UnsafePathError, match="escape"):
        snap.export(tmp_path / "out", format="yolo", progress=False)
    assert _tree(tmp_path / "out") == []  # refused up front: nothing written


def test_symlinks_planted_in_the_folder_are_not_followed(client: Any, tmp_path: Path) -> None:
    snap = snapshot(client, tasks=[1, 2], progress=False)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "files.jsonl").write_text("precious\n")
    dest = tmp_path / "out"
    (dest / ".synapse_nb").mkdir(parents=True)
    os.symlink(outside / "files.jsonl", dest / ".synapse_nb" / "files.jsonl")
    with pytest.raises(StateSymlinkError, match="symlink"):
        snap.export(dest, format="coco", progress=False)
    assert (outside / "files.jsonl").read_text() == "precious\n"

    other = tmp_path / "out2"
    other.mkdir()
    os.symlink(outside, other / "images")  # a planted folder link
    with pytest.raises(UnsafePathError, match="symlink"):
        snap.export(other, format="coco", progress=False)
    assert sorted(p.name for p in outside.iterdir()) == ["files.jsonl"]


def test_an_html_page_answered_for_an_image_is_not_saved(hostile_client: Callable[..., Any],
                                                         tmp_path: Path) -> None:
    client = hostile_client(HtmlImages())
    snap = snapshot(client, tasks=[1, 2], progress=False)
    with pytest.raises(FetchError, match="text/html"):
        snap.export(tmp_path / "out", format="coco", progress=False)
    assert not [p for p in (tmp_path / "out").rglob("*.png")]
    ledger = tmp_path / "out" / ".synapse_nb" / "files.jsonl"
    assert ledger.read_text() == ""


def test_export_streams_files_and_never_holds_one_in_memory(client: Any, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    snap = snapshot(client, tasks=[1, 2, 3], progress=False)

    def whole(url: str) -> bytes:
        raise AssertionError("get_bytes holds the whole file in memory")

    monkeypatch.setattr(client, "get_bytes", whole)
    dest = snap.export(tmp_path / "out", format="coco", progress=False)
    assert len(list((dest / "images").rglob("*.png"))) == 3
    assert not list(dest.rglob("*.part"))


def test_an_image_changed_on_the_server_is_fetched_again(hostile_client: Callable[..., Any],
                                                         tmp_path: Path) -> None:
    client = hostile_client()
    snap = snapshot(client, tasks=[1, 2, 3], progress=False)
    dest = snap.export(tmp_path / "out", format="coco", progress=False)
    old = {p.name: p.read_bytes() for p in (dest / "images").rglob("*.png")}

    client.hostile.tamperings.append(ChangedFiles())  # the server's images change
    changed = snapshot(client, tasks=[1, 2, 3], progress=False)
    assert set(changed.records.checksum).isdisjoint(snap.records.checksum)
    checks = json.loads((changed.export(dest, format="coco", progress=False)
                         / "manifest.json").read_text())["export"]["checksums"]
    assert (checks["fetched"], checks["skipped"], checks["verified"]) == (3, 0, 3)
    for path in (dest / "images").rglob("*.png"):
        data = path.read_bytes()
        assert data != old[path.name]
        declared = changed.records.set_index("file_name").checksum[path.name]
        assert hashlib.md5(data).hexdigest() == declared


def test_duplicate_names_from_the_server_give_distinct_files(hostile_client: Callable[..., Any],
                                                             tmp_path: Path) -> None:
    client = hostile_client(RenamedFiles(["a.png", "a.png", "a_1.png", "A.PNG"]))
    snap = snapshot(client, tasks=[1, 2, 3, 4], progress=False)
    names = snap.records.file_name.tolist()
    assert len({n.casefold() for n in names}) == 4
    for fmt in ("voc", "yolo"):
        dest = snap.export(tmp_path / fmt, format=fmt, progress=False)
        folder = dest / ("JPEGImages" if fmt == "voc" else "images/all")
        assert sorted(p.name for p in folder.iterdir()) == sorted(names)
        labels = dest / ("Annotations" if fmt == "voc" else "labels/all")
        assert len(list(labels.iterdir())) == 4
        for unit, name, url in zip(snap.records.data_unit, names, snap.records.file_url):
            served = hashlib.md5(client.get_bytes(url)).hexdigest()
            assert hashlib.md5((folder / name).read_bytes()).hexdigest() == served, unit
        if fmt == "voc":
            for name in names:  # each XML names its own image
                xml = (labels / (Path(name).stem + ".xml")).read_text()
                assert f"<filename>{name}</filename>" in xml


def _where(dest: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for path in (dest / "images").rglob("*.png"):
        out.setdefault(path.name, []).append(path.parent.name)
    return out


def test_a_re_export_with_another_split_removes_what_it_no_longer_lists(
        client: Any, tmp_path: Path) -> None:
    tasks = list(range(1, 21))
    first = snapshot(client, tasks=tasks, split={"train": 0.5, "val": 0.5}, seed=1, progress=False)
    dest = first.export(tmp_path / "out", format="yolo", progress=False)
    mine = dest / "images" / "train" / "mine.png"
    mine.write_bytes(b"the user's own file")
    moved = first.records[first.records.split == "train"].file_name.iloc[0]
    edited = dest / "labels" / "train" / (Path(moved).stem + ".txt")
    edited.write_text("0 0.5 0.5 0.1 0.1\n")  # edited by the user since: kept

    second = snapshot(client, tasks=tasks, split={"train": 0.5, "val": 0.5}, seed=2, progress=False)
    changed = second.records.merge(first.records, on="data_unit").query("split_x != split_y")
    assert len(changed) > 0
    second.export(dest, format="yolo", progress=False)
    where = _where(dest)
    want = dict(zip(second.records.file_name, second.records.split))
    assert {n: s for n, s in where.items() if n != "mine.png"} == {n: [s] for n, s in want.items()}
    assert mine.read_bytes() == b"the user's own file"
    manifest = json.loads((dest / "manifest.json").read_text())["export"]
    assert len([r for r in manifest["removed"] if r.startswith("images/")]) == \
        (changed.split_y == "train").sum() + (changed.split_y == "val").sum()
    if moved in set(changed.file_name_x):
        assert edited.exists()
        assert {"path": f"labels/train/{edited.name}", "reason": "changed since the export wrote it"} \
            in manifest["kept"]
    labels = {p.parent.name + "/" + p.stem for p in (dest / "labels").rglob("*.txt")}
    assert {f"{s}/{Path(n).stem}" for n, s in want.items()} <= labels


def test_parquet_keeps_no_signed_urls(client: Any, tmp_path: Path) -> None:
    snap = snapshot(client, tasks=[1, 2, 3], progress=False)
    assert snap.records.file_url.str.contains("sig=").all()
    dest = snap.export(tmp_path / "pq", format="parquet", images=False, progress=False)
    for name in ("images.parquet", "annotations.parquet"):
        frame = pd.read_parquet(dest / name)
        for column in ("file_url", "primary_file_url"):
            if column in frame.columns:
                assert not frame[column].dropna().str.contains(r"\?").any(), (name, column)
    assert b"sig=" not in (dest / "images.parquet").read_bytes()


@pytest.mark.parametrize("fmt", ["yolo", "voc"])
def test_the_cli_maps_a_traversal_category_and_writes_only_inside(
        hostile_client: Callable[..., Any], tmp_path: Path, fmt: str,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """``synapse-nb export-dataset`` (its entry function, in process) on a server whose
    ground-truth categories are ``../../..``: the category becomes a mapped split folder,
    the manifest says so, and nothing lands outside ``-o``."""
    import synapse_nb.connection
    from synapse_nb.cli import main

    client = hostile_client(TraversalCategories(["../../..", "train"]))
    monkeypatch.setattr(synapse_nb.connection, "connect", lambda *a, **k: client)
    work = tmp_path / "a" / "b" / "c"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    assert main(["export-dataset", "--ground-truth-version", "2", "--format", fmt,
                 "-o", "out", "--workers", "4"]) == 0, capsys.readouterr().err
    dest = (work / "out").resolve()
    renamed = json.loads((dest / "manifest.json").read_text())["split"]["renamed"]
    assert set(renamed) == {"../../.."} and renamed["../../.."].startswith("category-")
    if fmt == "yolo":  # the splits are folders
        assert {p.name for p in (dest / "images").iterdir()} == {"train", renamed["../../.."]}
    else:  # the splits are lists
        assert (dest / "ImageSets" / "Main" / f"{renamed['../../..']}.txt").is_file()
    for path in _tree(tmp_path):
        resolved = path.resolve()
        assert resolved.is_relative_to(dest) or dest.is_relative_to(resolved), path
