"""upload_folder against the reference server over loopback.

Collection 3 ("Shelf photos": image_1 required .png/.jpg, meta_json optional
.json) with project 3, and collection 1 ("Street cameras": image_1 required,
image_ir optional) with project 1, from the demo data.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest
from upload_helpers import write

from synapse_nb.upload import FolderError, MetadataError, UploadError, plan_upload, upload_folder
from synapse_nb.upload.folder import run_plan
from synapse_nb.upload.plan import make_plan

openpyxl = pytest.importorskip("openpyxl", reason="the Excel metadata test needs the 'excel' extra")

SHELF, SHELF_PROJECT = 3, 3
STREET = 1


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def shelf_tree(root: Path, n: int, *, tag: str, nested: bool = False) -> dict[str, bytes]:
    """n shelf photos (+ planogram json for even ones); returns relative path -> content."""
    out = {}
    for i in range(n):
        sub = f"aisle{i % 2}/" if nested else ""
        img = f"{tag}-photo-{i}-".encode() + os.urandom(64)
        write(root / "image_1" / f"{sub}p{i}.jpg", img)
        out[f"image_1/{sub}p{i}.jpg"] = img
        if i % 2 == 0:
            js = f'{{"tag": "{tag}", "i": {i}}}'.encode()
            write(root / "meta_json" / f"{sub}p{i}.json", js)
            out[f"meta_json/{sub}p{i}.json"] = js
    return out


def units_on_server(client: Any, collection: int, checksum: str) -> list[dict[str, Any]]:
    resp = client.list_data_units({"data_collection": collection, "checksum": checksum})
    return resp["results"] if isinstance(resp, dict) else list(resp)


def check_stored(client: Any, report: Any, contents: dict[str, bytes], collection: int) -> None:
    """Every source file sits in exactly one unit on the server, with md5 equal to the source."""
    for rel, data in contents.items():
        units = units_on_server(client, collection, md5(data))
        assert len(units) == 1, f"{rel}: {len(units)} units hold it"
        spec = rel.split("/", 1)[0]
        f = units[0]["files"][spec]
        assert f["checksum"] == md5(data)
        assert md5(client.get_bytes(f["url"])) == md5(data), rel


def test_flat_tree_with_tasks(client: Any, tmp_path: Path) -> None:
    root = tmp_path / "flat"
    contents = shelf_tree(root, 4, tag="flat")
    write(root / "image_1" / "deeper" / "x.jpg", "ignored in flat mode")
    report = upload_folder(client, SHELF, root, recursive=False, project=SHELF_PROJECT, progress=False)
    created = report[report.status == "created"]
    assert sorted(created.key) == ["p0", "p1", "p2", "p3"]
    assert report.set_index("key").loc["image_1/deeper", "reason"].startswith("sub-folder ignored")
    check_stored(client, report, contents, SHELF)
    for unit_id, task_id in zip(created.data_unit, created.task):
        tasks = client.list_tasks({"project": SHELF_PROJECT, "data_unit": int(unit_id)})["results"]
        assert [t["id"] for t in tasks] == [task_id]


def test_recursive_tree_keys_by_relative_folder(client: Any, tmp_path: Path) -> None:
    root = tmp_path / "rec"
    contents = shelf_tree(root, 4, tag="rec", nested=True)
    report = upload_folder(client, SHELF, root, progress=False)
    assert sorted(report.key) == ["aisle0/p0", "aisle0/p2", "aisle1/p1", "aisle1/p3"]
    check_stored(client, report, contents, SHELF)
    unit = units_on_server(client, SHELF, md5(contents["meta_json/aisle0/p2.json"]))[0]
    assert set(unit["files"]) == {"image_1", "meta_json"}


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_metadata_sheet_lands_in_unit_meta(client: Any, tmp_path: Path, kind: str) -> None:
    root = tmp_path / kind
    contents = shelf_tree(root, 2, tag=kind)
    if kind == "xlsx":
        wb = openpyxl.Workbook()
        for row in (["filename", "store", "shelf"], ["p0.jpg", "Gangnam", 4], ["p1", "Mapo", 7]):
            wb.active.append(row)
        wb.save(root / "meta.xlsx")
    else:
        (root / "meta.csv").write_text("file_name,store,shelf\np0.jpg,Gangnam,4\np1,Mapo,7\n")
    plan = plan_upload(client, SHELF, root)
    assert plan.set_index("key").loc["p1", "meta"]["store"] == "Mapo"
    upload_folder(client, SHELF, root, progress=False)
    unit = units_on_server(client, SHELF, md5(contents["image_1/p1.jpg"]))[0]
    assert unit["meta"]["store"] == "Mapo" and unit["meta"]["shelf"] == 7
    assert unit["meta"]["origin_file_stem"] == "p1" and unit["meta"]["origin_file_extension"] == ".jpg"


def test_chunked_path_with_small_threshold(client: Any, tmp_path: Path) -> None:
    root = tmp_path / "big"
    big = os.urandom(300_000)
    write(root / "image_1" / "big.jpg", big)
    write(root / "image_1" / "small.jpg", b"small-" + os.urandom(100))
    plan = plan_upload(client, SHELF, root, chunked_threshold=50_000)
    assert plan.set_index("key").chunked.to_dict() == {"big": True, "small": False}
    report = upload_folder(client, SHELF, root, chunked_threshold=50_000, chunk_size=32 * 1024, progress=False)
    assert report.attrs["summary"]["created"] == 2
    check_stored(client, report, {"image_1/big.jpg": big}, SHELF)


def test_checksum_skipping_and_rerun(client: Any, tmp_path: Path) -> None:
    contents = shelf_tree(tmp_path / "a", 3, tag="dup")
    first = upload_folder(client, SHELF, tmp_path / "a", progress=False)
    assert first.attrs["files_uploaded"] == len(contents)
    # the same files in another folder: nothing is sent, the units are found, not made again
    shelf_tree_copy = tmp_path / "b"
    for rel, data in contents.items():
        write(shelf_tree_copy / rel, data)
    second = upload_folder(client, SHELF, shelf_tree_copy, progress=False)
    assert second.attrs["files_uploaded"] == 0
    assert second.attrs["summary"]["exists"] == 3
    assert sorted(second.data_unit) == sorted(first.data_unit)
    check_stored(client, second, contents, SHELF)
    verify = client.data_files_verify_checksums([md5(d) for d in contents.values()])
    assert sorted(verify["existing"]) == sorted(md5(d) for d in contents.values())


def test_folder_errors(client: Any, tmp_path: Path) -> None:
    with pytest.raises(FolderError, match="does not exist"):
        upload_folder(client, SHELF, tmp_path / "nope", progress=False)
    (tmp_path / "empty").mkdir()
    with pytest.raises(FolderError, match="is empty"):
        plan_upload(client, SHELF, tmp_path / "empty")
    write(tmp_path / "wrong" / "images" / "a.jpg", "x")
    with pytest.raises(FolderError, match=r"expected folders named \['image_1', 'meta_json'\], found \['images'\]"):
        upload_folder(client, SHELF, tmp_path / "wrong", progress=False)


def test_metadata_errors_upload_nothing(client: Any, tmp_path: Path) -> None:
    root = tmp_path / "m"
    contents = shelf_tree(root, 2, tag="metaerr")
    (root / "meta.csv").write_text("name,store\np0.jpg,x\n")
    with pytest.raises(MetadataError, match="first column header must be 'filename' or 'file_name', found 'name'"):
        upload_folder(client, SHELF, root, progress=False)
    (root / "meta.csv").write_text("filename," + ",".join(f"c{i}" for i in range(55)) + "\n")
    with pytest.raises(MetadataError, match="56 columns"):
        upload_folder(client, SHELF, root, progress=False)
    (root / "meta.csv").write_text("filename\n" + "".join(f"f{i}\n" for i in range(10_001)))
    with pytest.raises(MetadataError, match="10,000"):
        upload_folder(client, SHELF, root, progress=False)
    verify = client.data_files_verify_checksums([md5(d) for d in contents.values()])
    assert verify["existing"] == []


def test_bad_files_do_not_stop_the_others(client: Any, tmp_path: Path) -> None:
    root = tmp_path / "bad"
    contents = shelf_tree(root, 3, tag="bad")
    write(root / "image_1" / "huge.jpg", b"h" * 5000)          # over max_file_size
    write(root / "meta_json" / "lonely.json", b"{}")            # required image_1 missing
    write(root / "image_1" / "notes.txt", b"x")                 # extension not in the spec
    plan = make_plan(client, SHELF, root, max_file_size=4096)
    (root / "image_1" / "p1.jpg").unlink()                      # gone between plan and upload
    report = run_plan(client, plan, progress=False).set_index("key")
    assert report.loc["p1", "status"] == "failed" and "cannot read image_1/p1.jpg" in report.loc["p1", "reason"]
    assert "over the limit" in report.loc["huge", "reason"]
    assert "missing required spec(s): image_1" in report.loc["lonely", "reason"]
    assert "extension .txt not allowed" in report.loc["image_1/notes.txt", "reason"]
    assert list(report.loc[["p0", "p2"], "status"]) == ["created", "created"]
    del contents["image_1/p1.jpg"]
    check_stored(client, report, contents, SHELF)


def test_server_rejection_is_a_failed_row(make_server: Any, tmp_path: Path) -> None:
    from upload_helpers import sync_client_class

    SynapseClient = sync_client_class()

    server = make_server(max_upload_bytes=10_000)
    root = tmp_path / "rej"
    write(root / "image_1" / "ok.jpg", b"fine")
    write(root / "image_1" / "large.jpg", os.urandom(20_000))
    with SynapseClient(base_url=server.base_url, access_token=server.access_token) as c:
        report = upload_folder(c, STREET, root, progress=False).set_index("key")
    assert report.loc["ok", "status"] == "created"
    assert report.loc["large", "status"] == "failed"
    assert "server refused (4" in report.loc["large", "reason"]


def test_widget_against_the_server(client: Any, tmp_path: Path) -> None:
    pytest.importorskip("ipywidgets", reason="the widget needs ipywidgets")
    from synapse_nb.upload import UploadWidget

    root = tmp_path / "w"
    contents = shelf_tree(root, 3, tag="widget")
    w = UploadWidget(client)
    assert SHELF in [v for _, v in w.collection.options]
    w.collection.value = SHELF
    w.folder.value = str(root)
    w.project.value = str(SHELF_PROJECT)
    w.plan_button.click()
    assert w.plan.attrs["ready"] == 3
    w.upload_button.click()
    assert w.report.attrs["summary"]["created"] == 3, w.status.value
    assert w.report.task.notna().all()
    check_stored(client, w.report, contents, SHELF)


def test_flaky_server_still_no_duplicates(make_server: Any, tmp_path: Path) -> None:
    """429s and 503s on a fraction of requests: retried, and a re-run completes what is left."""
    from upload_helpers import sync_client_class

    SynapseClient = sync_client_class()
    server = make_server(rate_429=0.15, rate_503=0.15, retry_after=0, fault_seed=3)
    root = tmp_path / "flaky"
    contents = shelf_tree(root, 12, tag="flaky")
    with SynapseClient(base_url=server.base_url, access_token=server.access_token) as c:
        report = None
        for _ in range(3):  # a run may leave failures when retries run out; re-runs finish
            report = upload_folder(c, SHELF, root, project=SHELF_PROJECT, batch_size=4, progress=False)
            if report.attrs["summary"]["failed"] == 0:
                break
        assert report.attrs["summary"]["failed"] == 0, report[report.status == "failed"].reason.tolist()
        server.settings.rate_429 = server.settings.rate_503 = 0.0
        check_stored(c, report, contents, SHELF)
        for uid in report.data_unit:
            assert len(c.list_tasks({"project": SHELF_PROJECT, "data_unit": int(uid)})["results"]) == 1


def test_unknown_or_other_tenants_collection(client: Any, tmp_path: Path) -> None:
    contents = shelf_tree(tmp_path / "t", 1, tag="tenant")
    for pk in (4, 999_999):  # 4 belongs to tenant globex
        with pytest.raises(UploadError, match=f"data collection {pk} was not found for this tenant"):
            upload_folder(client, pk, tmp_path / "t", progress=False)
    assert client.data_files_verify_checksums([md5(d) for d in contents.values()])["existing"] == []


def test_a_password_in_the_host_is_nowhere_in_the_journal(live_server: Any, tmp_path: Path) -> None:
    """``SYNAPSE_HOST=http://user:pw@host``: the journal (its file name, its key, its rows)
    and the chunked uploads' resume state never hold the password."""
    from synapse_nb.client import SynapseClient

    root, state = tmp_path / "shelf", tmp_path / "chunk-state"
    shelf_tree(root, 2, tag="pw")
    url = live_server.base_url.replace("http://", "http://ann:pa55word@")
    with SynapseClient(url, access_token=live_server.access_token, upload_state_dir=state) as c:
        report = upload_folder(c, SHELF, root, chunked_threshold=32, chunk_size=32, progress=False)
    assert report.attrs["summary"]["created"] == 2, report.attrs["summary"]
    written = [p for p in [*(root / ".synapse_nb").rglob("*"), *state.rglob("*")] if p.is_file()]
    assert any(p.suffix == ".sqlite" for p in written)
    leaks = [str(p) for p in written if b"pa55word" in p.read_bytes() or "pa55word" in str(p)]
    assert not leaks
